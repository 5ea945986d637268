"""Regressions from the fresh fuzz campaign of issue 14 (CLI): each was an internal error, a message
naming the wrong option, or a memory blow-up."""

from __future__ import annotations

import pytest

import cli
from tests.fuzz.harness import judge, run_bounded


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv,option", [
    (["deadlines", "--expiry", "0001-01-01", "--district", "changping"], "--expiry"),
    (["deadlines", "--expiry", "2026-01-01", "--left-employer", "2026-02-30", "--district", "changping"],
     "--left-employer"),
    (["reform", "x.csv", "--date", "2021-01-01", "--vs", "9999-12-31"], "--vs"),
])
def test_a_bad_date_names_its_own_option(capsys, argv, option):
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith(f"wrp: error: `{option}`: "), err


def test_synth_refuses_a_population_it_cannot_hold(tmp_path):
    out = tmp_path / "s.csv"
    o = run_bounded(["synth", "99999999999", "--output", out])  # was MemoryError: 745 GiB
    assert judge(o, ["`n`"]) is None and o.rc == 2 and "at most 20,000,000" in o.err, o
    o = run_bounded(["synth", "19000000", "--output", out], memory=1 << 30)  # within the bound, not the memory
    assert judge(o, ["`n`"]) is None and o.rc == 2 and "not enough memory" in o.err, o
    assert not out.exists()


def test_batch_of_an_empty_directory_is_an_error_not_an_empty_table(tmp_path, capsys):
    import cli
    assert cli.main(["batch", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "holds no profile" in err and str(tmp_path) in err and err.count("\n") == 1
