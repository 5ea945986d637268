"""Output files are written safely (solver/render/atomic.py): never through a symlink, never over an
input, never over an existing file without --force, and never left empty or partial (a full disk,
SIGTERM): the target is the old file or the whole new one, and no temporary file remains."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policy.errors import InputError
from solver.render import atomic
from solver.render.atomic import write_atomic


def _only(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def test_writes_and_replaces_only_with_force(tmp_path):
    f = tmp_path / "out.ics"
    write_atomic(f, "one")
    with pytest.raises(InputError, match="exists; add --force"):
        write_atomic(f, "two")
    assert f.read_text() == "one"
    write_atomic(f, "two", force=True)
    assert f.read_text() == "two" and _only(tmp_path) == ["out.ics"]


def test_refuses_symlinks_inputs_directories_devices(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("keep")
    link = tmp_path / "link.ics"
    link.symlink_to(target)
    profile = tmp_path / "p.yaml"
    profile.write_text("applicant: {}\n")
    hard = tmp_path / "hard.yaml"
    os.link(profile, hard)
    cases = {link: "is a symbolic link (to", profile: "is an input of this command", hard: "is an input",
             tmp_path: "is a directory", Path("/dev/null"): "not a regular file",
             tmp_path / "missing" / "x.ics": "does not exist", tmp_path / "real.txt" / "x": "not a directory"}
    for path, fragment in cases.items():
        with pytest.raises(InputError) as info:
            write_atomic(path, "new", force=True, inputs=[profile])
        assert fragment in info.value.message, (path, info.value)
    assert target.read_text() == "keep" and profile.read_text() == "applicant: {}\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes everywhere")
def test_unwritable_directory_and_read_only_file(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    with pytest.raises(InputError, match="permission denied"):
        write_atomic(d / "x.ics", "x")
    f = tmp_path / "ro.ics"
    f.write_text("keep")
    f.chmod(0o444)
    with pytest.raises(InputError, match="read-only"):
        write_atomic(f, "new", force=True)
    assert f.read_text() == "keep"


def test_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    f = tmp_path / "out.ics"
    f.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(InputError, match="no space left on the device; nothing was written"):
        write_atomic(f, "new" * 1000, force=True)
    assert f.read_text() == "old" and _only(tmp_path) == ["out.ics"]


def test_sigterm_during_a_write_leaves_no_partial_file(tmp_path):
    """A child writes 64 MB; SIGTERM arrives mid-way (or after): the target is absent or whole."""
    f = tmp_path / "big.ics"
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
            "from solver.render.atomic import write_atomic\n"
            "print('ready', flush=True)\n"
            f"write_atomic({str(f)!r}, b'x' * 64_000_000)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    child.send_signal(signal.SIGTERM)
    child.wait(timeout=60)
    names = _only(tmp_path)
    assert names in ([], ["big.ics"]), names
    if names:
        assert f.stat().st_size == 64_000_000
