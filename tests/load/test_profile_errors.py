"""A user's mistakes in a profile (tests/fixtures/bad_profiles/): `wrp check FILE` exits 2 with exactly one
line ``wrp: error: FILE:LINE:COL: `field`: message`` on stderr, no traceback, and leaves the file untouched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cli

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_profiles"

# fixture -> (line, col, field, a fragment of the message)
CASES = {
    "unknown_field.yaml": (8, 3, "applicant.degre", "unknown field. Did you mean `applicant.degree`"),
    "wrong_type.yaml": (9, 3, "applicant.work_experience_years", "must be a number (years), got `three years`"),
    "invalid_enum.yaml": (8, 3, "applicant.degree",
                          "`phd` is not a valid choice; choose one of: none, bachelor, master, doctor"),
    "negative_money.yaml": (12, 5, "applicant.income.monthly_avg_12m", "must be at least 0, got `-15000`"),
    "impossible_tenure.yaml": (10, 3, "applicant.months_with_employer",
                               "impossible profile: months_with_employer cannot exceed work_experience_years"),
    "birth_after_application.yaml": (6, 3, "applicant.birth_date",
                                     "the birth date 2022-01-01 is after the application date 2021-09-15"),
    "derived_fact.yaml": (11, 3, "applicant.age_months", "is computed by wrp from the other facts"),
    "group_scalar.yaml": (11, 3, "applicant.income", "is a group of fields, not a value"),
    "money_list_length.yaml": (13, 5, "applicant.income.annual_last_3_years", "must be a list of 3 amounts"),
    "invalid_yaml.yaml": (14, 9, None, "invalid YAML: expected ',' or ']'"),
    "unknown_field.json": (6, 5, "applicant.degre", "unknown field. Did you mean `applicant.degree`"),
    "invalid_syntax.json": (27, 25, None, "invalid JSON: expected ',' or '}'"),
    "impossible_date.json": (4, 5, "applicant.birth_date", "must be a real date YYYY-MM-DD, got `1990-02-30`"),
}


def _run(argv, capsys) -> tuple[int, str, str]:
    rc = cli.main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_every_fixture_has_a_case():
    names = {p.name for p in BAD.iterdir()} - {"valid.json", "empty.yaml"}
    assert names == set(CASES)


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.endswith(".yaml")))  # JSON has no comments
def test_fixture_header_states_the_line(name):
    assert f"line {CASES[name][0]})" in (BAD / name).read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_reports_one_line_and_exits_2(name, capsys):
    line, col, field, fragment = CASES[name]
    path = BAD / name
    before = path.read_bytes()
    rc, out, err = _run(["check", str(path)], capsys)
    assert rc == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    prefix = f"wrp: error: {path}:{line}:{col}: " + (f"`{field}`: " if field else "")
    assert err.startswith(prefix), err
    assert fragment in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", ["invalid_enum.yaml", "unknown_field.yaml", "negative_money.yaml"])
def test_other_profile_commands_report_the_same_error(name, capsys):
    line, col, field, _ = CASES[name]
    for cmd in (["explain"], ["missing"], ["materials"]):
        rc, out, err = _run([*cmd, str(BAD / name)], capsys)
        assert rc == 2 and out == ""
        assert err.startswith(f"wrp: error: {BAD / name}:{line}:{col}: `{field}`: ")
        assert err.count("\n") == 1


def test_unknown_field_lists_the_valid_fields(capsys):
    _, _, err = _run(["check", str(BAD / "unknown_field.yaml")], capsys)
    valid = re.search(r"Valid fields here: (.*)\.$", err.strip()).group(1).split(", ")
    assert {"degree", "education", "income", "work_experience_years"} <= set(valid)


def test_group_scalar_lists_the_group_fields(capsys):
    _, _, err = _run(["check", str(BAD / "group_scalar.yaml")], capsys)
    assert "annual_last_3_years, last_12_months, monthly_avg_12m, monthly_avg_6m" in err


def test_check_json_format_still_reports_errors_on_stderr(capsys):
    rc, out, err = _run(["check", str(BAD / "invalid_enum.yaml"), "--format", "json"], capsys)
    assert rc == 2 and out == "" and err.startswith("wrp: error: ")


def test_valid_json_profile_works(capsys):
    path = BAD / "valid.json"
    before = path.read_bytes()
    rc, out, err = _run(["check", str(path), "--format", "json"], capsys)
    assert rc == 0, err
    data = json.loads(out)
    assert (data["district"], data["status"], data["eligible"]) == ("changping", "eligible", True)
    assert path.read_bytes() == before


def test_json_and_yaml_profiles_agree(capsys):
    root = Path(__file__).resolve().parents[2]
    _, yaml_out, _ = _run(["check", str(root / "examples" / "changping_eligible.yaml"), "--format", "json"], capsys)
    _, json_out, _ = _run(["check", str(BAD / "valid.json"), "--format", "json"], capsys)
    a, b = json.loads(yaml_out), json.loads(json_out)
    for d in (a, b):
        d.pop("warnings")
    assert a == b


def test_missing_profile_file(capsys):
    rc, out, err = _run(["check", str(BAD / "nope.yaml")], capsys)
    assert rc == 2 and out == ""
    assert err == f"wrp: error: {BAD / 'nope.yaml'}: no such file\n"


def test_a_directory_is_not_a_profile(capsys):
    rc, _, err = _run(["check", str(BAD)], capsys)
    assert rc == 2 and err.startswith(f"wrp: error: {BAD}") and err.count("\n") == 1


def test_empty_profile_is_an_error(capsys):
    rc, out, err = _run(["check", str(BAD / "empty.yaml")], capsys)
    assert rc == 2 and out == ""
    assert err.startswith(f"wrp: error: {BAD / 'empty.yaml'}") and err.count("\n") == 1


def test_empty_profile_never_crashes(capsys):
    rc, _, err = _run(["check", str(BAD / "empty.yaml"), "--format", "json"], capsys)
    assert rc in (0, 2) and "Traceback" not in err and "internal error" not in err


def test_profile_errors_subprocess():
    """The installed entry point on a bad profile: exit 2, one line, no traceback, file unchanged."""
    wrp = Path(sys.executable).with_name("wrp")
    path = BAD / "invalid_enum.yaml"
    before = path.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}  # 80 columns: no wrapping
    r = subprocess.run([str(wrp), "check", str(path), "--district", "changping"], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"wrp: error: {path}:8:3: `applicant.degree`: `phd` is not a valid choice; "
                        "choose one of: none, bachelor, master, doctor\n")
    assert path.read_bytes() == before
