"""Bad paths in and out through the CLI (issue 14): every one is exit 2 with one line naming the path,
and no file is written or changed on error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cli

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "changping_eligible.yaml"


def _run(argv, capsys) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("path, fragment", [
    ("/dev/zero", "is a device"),
    ("/", "is a directory"),
    ("/x" * 3000, "the path is too long"),
    ("/nonexistent/p.yaml", "no such file"),
    (str(ROOT / "policy" / "sources" / "001_be62ffba661c98fa.txt") + "/x", "not a directory"),
])
@pytest.mark.parametrize("command", ["check", "explain", "missing", "materials", "deadlines"])
def test_bad_input_paths(capsys, command, path, fragment):
    rc, _, err = _run([command, path], capsys)
    assert rc == 2 and err.count("\n") == 1 and fragment in err and "internal error" not in err, err


def test_binary_and_fifo_profiles(tmp_path, capsys):
    png = tmp_path / "p.yaml"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    rc, _, err = _run(["check", png], capsys)
    assert rc == 2 and ":1:1: not UTF-8 text" in err
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    rc, _, err = _run(["check", fifo], capsys)  # must not block waiting for a writer
    assert rc == 2 and "is a FIFO" in err


def test_batch_keeps_good_rows_when_a_file_has_nan(tmp_path, capsys):
    (tmp_path / "a_good.yaml").write_bytes(PROFILE.read_bytes())
    (tmp_path / "b_nan.yaml").write_text("applicant: {work_experience_years: .nan}\n", encoding="utf-8")
    (tmp_path / "c_dir.yaml").mkdir()
    rc, out, err = _run(["batch", tmp_path, "--format", "csv"], capsys)
    assert rc == 2
    assert "a_good.yaml,changping,eligible" in out
    assert "b_nan.yaml" in out and "must be a finite number" in out and "c_dir.yaml" in out


@pytest.mark.parametrize("what", ["directory", "missing_dir", "input", "existing", "symlink", "device"])
def test_ics_targets(tmp_path, capsys, what):
    profile = tmp_path / "p.yaml"
    profile.write_text("permit: {expiry_date: 2026-03-01}\n", encoding="utf-8")
    before = profile.read_bytes()
    existing = tmp_path / "old.ics"
    existing.write_text("OLD")
    link = tmp_path / "link.ics"
    link.symlink_to(existing)
    target, fragment = {
        "directory": (tmp_path, "is a directory"),
        "missing_dir": (tmp_path / "no" / "x.ics", "does not exist"),
        "input": (profile, "is an input of this command"),
        "existing": (existing, "exists; add --force"),
        "symlink": (link, "is a symbolic link (to"),
        "device": ("/dev/full", "not a regular file"),
    }[what]
    rc, out, err = _run(["deadlines", profile, "--district", "changping", "--ics", target, "--force"
                         if what in ("input", "device") else "--district=changping"], capsys)
    assert rc == 2 and err.count("\n") == 1 and fragment in err and "`--ics`" in err, err
    assert profile.read_bytes() == before and existing.read_text() == "OLD" and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.ics", "old.ics", "p.yaml"]


def test_ics_written_then_replaced_with_force(tmp_path, capsys):
    target = tmp_path / "d.ics"
    rc, out, _ = _run(["deadlines", "--expiry", "2026-03-01", "--district", "changping", "--ics", target], capsys)
    first = target.read_text(encoding="utf-8")
    assert rc == 0 and first.startswith("BEGIN:VCALENDAR")
    rc, _, err = _run(["deadlines", "--expiry", "2026-03-01", "--district", "changping", "--ics", target], capsys)
    assert rc == 2 and "--force" in err
    rc, _, _ = _run(["deadlines", "--expiry", "2026-04-01", "--district", "changping", "--ics", target, "--force"],
                    capsys)
    second = target.read_text(encoding="utf-8")
    assert rc == 0 and second.startswith("BEGIN:VCALENDAR") and second.split("DTSTART")[1:] != first.split("DTSTART")[1:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.ics"]


@pytest.mark.parametrize("argv", [["deadlines", "--expiry", "0001-01-01"], ["deadlines", "--expiry", "9999-12-31"],
                                  ["deadlines", "--left-employer", "9999-12-30"],
                                  ["conflicts", "--date", "9999-12-31"], ["verify", "--date", "0001-01-01"]])
def test_calendar_ends_in_arguments(capsys, argv):
    rc, _, err = _run(argv, capsys)
    assert rc == 2 and "between 1900-01-01 and 2199-12-31" in err


def test_verify_properties_paths(tmp_path, capsys):
    for path, fragment in [(tmp_path, "is a directory"), ("/dev/zero", "is a device"), ("/x" * 3000, "too long")]:
        rc, _, err = _run(["verify", "--properties", path], capsys)
        assert rc == 2 and fragment in err and "internal error" not in err, err
