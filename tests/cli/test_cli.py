"""The CLI contract of design.md: `wrp check --format json` keys, districts, dates, --lenient, --lang, and the
exit codes (0 an answer, 2 bad input with one line on stderr, 1 a failed `verify`). In-process through
``cli.main`` where possible; a few runs of the installed `wrp` entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from policy.load import load_policy
from tests.generate import districts_without_rules

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"
WRP = Path(sys.executable).with_name("wrp")

CONTRACT_KEYS = {"district", "date", "status", "eligible", "pathways", "failed", "waivable", "unknown"}
EXTRA_KEYS = {"lenient", "jurisdiction", "wage", "clauses", "warnings", "backend", "next_questions"}  # beyond design.md
FAILED_KEYS = {"clause", "fact", "actual", "required", "cite"}
CITE_KEYS = {"source", "section", "quote"}
STATUSES = {"eligible", "ineligible", "undetermined"}


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def check_json(capsys, *argv):
    rc, out, err = run(capsys, "check", *argv, "--format", "json")
    assert rc == 0, err
    return json.loads(out)


def _assert_contract(d: dict) -> None:
    assert set(d) == CONTRACT_KEYS | EXTRA_KEYS
    assert d["status"] in STATUSES
    assert d["eligible"] is (d["status"] == "eligible")
    assert isinstance(d["date"], str) and len(d["date"]) == 10
    assert d["pathways"], "every jurisdiction has pathways"
    for p in d["pathways"]:
        assert {"id", "status"} <= set(p)
        assert isinstance(p["id"], str)
    for f in d["failed"]:
        assert FAILED_KEYS <= set(f)
        assert set(f["cite"]) == CITE_KEYS
        assert all(isinstance(f["cite"][k], str) and f["cite"][k] for k in CITE_KEYS)
    assert isinstance(d["waivable"], list)
    assert isinstance(d["unknown"], list) and all(isinstance(u, str) for u in d["unknown"])


# --- the JSON contract ----------------------------------------------------------------------------


def test_check_json_eligible(capsys):
    d = check_json(capsys, EX / "changping_eligible.yaml")
    _assert_contract(d)
    assert (d["district"], d["date"], d["status"], d["eligible"]) == ("changping", "2021-09-15", "eligible", True)
    assert d["failed"] == [] and d["waivable"] == [] and d["unknown"] == []
    assert any(p["status"] == "satisfied" for p in d["pathways"])


def test_check_json_rejected_names_the_failed_clause(capsys):
    d = check_json(capsys, EX / "changping_rejected_income.yaml")
    _assert_contract(d)
    assert (d["status"], d["eligible"]) == ("ineligible", False)
    f = d["failed"][0]
    assert (f["clause"], f["fact"]) == ("changping.applicant.income", "applicant.income.monthly_avg_12m")
    assert "14,111" in f["required"] or "14111" in f["required"]
    assert f["cite"]["source"] == "001_be62ffba661c98fa.txt"
    assert "1.5倍" in f["cite"]["quote"]


def test_failed_actual_is_a_number_as_in_design(capsys):
    f = check_json(capsys, EX / "changping_rejected_income.yaml")["failed"][0]
    assert f["actual"] == 13000
    assert f["required"] == ">= 14111"
    assert (f["actual_text"], f["required_text"]) == ("13,000", "≥ 14,111")


def test_check_json_undetermined_lists_the_deciding_facts(capsys):
    d = check_json(capsys, EX / "changping_undetermined_missing.yaml")
    _assert_contract(d)
    assert (d["status"], d["eligible"]) == ("undetermined", False)
    assert d["unknown"] and all(u.startswith(("applicant.", "employer.")) for u in d["unknown"])


def test_check_json_waivable(capsys):
    d = check_json(capsys, EX / "xicheng_rejected_income.yaml")
    _assert_contract(d)
    assert d["status"] == "ineligible"
    assert d["waivable"] and all({"clause", "cite"} <= set(w) for w in d["waivable"])


def test_district_all_gives_a_list(capsys):
    data = check_json(capsys, EX / "changping_eligible.yaml", "--district", "all")
    assert isinstance(data, list)
    assert [d["district"] for d in data] == load_policy().ids()
    for d in data:
        _assert_contract(d)
    assert next(d for d in data if d["district"] == "changping")["status"] == "eligible"


def test_explicit_district(capsys):
    d = check_json(capsys, EX / "changping_eligible.yaml", "--district", "daxing")
    assert d["district"] == "daxing" and d["jurisdiction"]["file"] == "daxing.yaml"


@pytest.mark.parametrize("name, district", [("chaoyang_eligible.yaml", "chaoyang"), ("daxing_eligible.yaml", "daxing"),
                                            ("xicheng_eligible_degree.yaml", "xicheng")])
def test_default_district_is_the_employers_registered_district(capsys, name, district):
    assert check_json(capsys, EX / name)["district"] == district


def _with_district(tmp_path: Path, district: str | None) -> Path:
    text = (EX / "changping_eligible.yaml").read_text(encoding="utf-8")
    line = "  registered_district: changping\n"
    assert line in text
    p = tmp_path / f"{district}.yaml"
    p.write_text(text.replace(line, f"  registered_district: {district}\n" if district else ""), encoding="utf-8")
    return p


def test_district_without_rules_falls_back_to_beijing(capsys, tmp_path):
    free = districts_without_rules(load_policy())[0]
    d = check_json(capsys, _with_district(tmp_path, free))
    assert d["district"] == "beijing"
    assert any(free in w and "beijing" in w for w in d["warnings"])
    rc, out, _ = run(capsys, "check", _with_district(tmp_path, free))
    assert rc == 0 and free in out


def test_unknown_registered_district_falls_back_to_beijing(capsys, tmp_path):
    d = check_json(capsys, _with_district(tmp_path, None))
    assert d["district"] == "beijing"
    assert any("registered_district is unknown" in w for w in d["warnings"])


def test_date_overrides_the_profile(capsys):
    d = check_json(capsys, EX / "changping_eligible.yaml", "--date", "2022-09-15")
    assert d["date"] == "2022-09-15"
    assert d["wage"]["year"] == 2021
    assert any("overrides application.date" in w for w in d["warnings"])
    assert check_json(capsys, EX / "changping_eligible.yaml")["wage"]["year"] == 2020


def test_lenient_waives_in_principle_clauses(capsys):
    strict = check_json(capsys, EX / "xicheng_rejected_income.yaml")
    lenient = check_json(capsys, EX / "xicheng_rejected_income.yaml", "--lenient")
    assert (strict["status"], strict["lenient"]) == ("ineligible", False)
    assert (lenient["status"], lenient["eligible"], lenient["lenient"]) == ("eligible", True, True)


def test_lenient_does_not_waive_required_clauses(capsys):
    assert check_json(capsys, EX / "changping_rejected_income.yaml", "--lenient")["status"] == "ineligible"


def test_lang_zh(capsys):
    rc, out, _ = run(capsys, "check", EX / "changping_eligible.yaml", "--lang", "zh")
    assert rc == 0 and "符合条件" in out and "昌平区" in out
    rc, out, _ = run(capsys, "explain", EX / "changping_eligible.yaml", "--lang", "zh")
    assert rc == 0
    for label in ("结论", "单位条件（须全部满足）", "个人条件（须全部满足）", "申请条件（满足其一即可）"):
        assert label in out
    rc, out, _ = run(capsys, "explain", EX / "changping_eligible.yaml")
    assert "Employer conditions (all must hold)" in out and "单位条件" not in out


def test_json_is_the_same_whatever_the_lang(capsys):
    en = check_json(capsys, EX / "daxing_rejected_income.yaml")
    zh = check_json(capsys, EX / "daxing_rejected_income.yaml", "--lang", "zh")
    assert en["status"] == zh["status"] and en["failed"] == zh["failed"]


# --- exit codes --------------------------------------------------------------------------------------

ANSWERS = {
    "check": ["check", EX / "changping_eligible.yaml"],
    "check-rejected": ["check", EX / "changping_rejected_income.yaml"],
    "explain": ["explain", EX / "daxing_eligible.yaml"],
    "lint": ["lint"],
    "sources": ["sources", "--district", "changping", "--topic", "income_threshold"],
    "missing": ["missing", EX / "changping_rejected_income.yaml"],
    "compare": ["compare", "changping", "daxing", "--topic", "income_threshold", "--date", "2021-09-15"],
    "deadlines": ["deadlines", EX / "holder_renewal.yaml"],
    "materials": ["materials", EX / "changping_eligible.yaml"],
}


@pytest.mark.parametrize("cmd", sorted(ANSWERS))
def test_answers_exit_0(capsys, cmd):
    rc, out, err = run(capsys, *ANSWERS[cmd])
    assert rc == 0, err
    assert out.strip()
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("cmd", ["check", "sources", "compare", "deadlines"])
def test_answers_in_json(capsys, cmd):
    rc, out, err = run(capsys, *ANSWERS[cmd], "--format", "json")
    assert rc == 0, err
    json.loads(out)


FREE = districts_without_rules(load_policy())[0]  # a real district with no rules of its own
BAD_INPUT = {
    "missing file": (["check", EX / "no_such_profile.yaml"], "no such file"),
    "missing file (explain)": (["explain", EX / "no_such_profile.yaml"], "no such file"),
    "unknown district": (["check", EX / "changping_eligible.yaml", "--district", FREE],
                         f"unknown district `{FREE}`"),
    "unknown district (sources)": (["sources", "--district", "atlantis"], "unknown district `atlantis`"),
    "unknown district (compare)": (["compare", "changping", "atlantis"], "unknown district `atlantis`"),
    "bad date": (["check", EX / "changping_eligible.yaml", "--date", "2021-13-01"], "must be a real date YYYY-MM-DD, got `2021-13-01`"),
    "bad date text": (["check", EX / "changping_eligible.yaml", "--date", "yesterday"], "must be a date YYYY-MM-DD, got `yesterday`"),
    "unknown subcommand": (["bogus"], "invalid choice: 'bogus'"),
    "no subcommand": ([], "required"),
    "unknown option": (["check", EX / "changping_eligible.yaml", "--bogus"], "unrecognized arguments: --bogus"),
    "bad format": (["check", EX / "changping_eligible.yaml", "--format", "xml"], "invalid choice: 'xml'"),
    "bad lang": (["check", EX / "changping_eligible.yaml", "--lang", "fr"], "invalid choice: 'fr'"),
    "unknown topic": (["sources", "--topic", "weather"], "unknown topic `weather`"),
    "missing profile argument": (["check"], "profile"),
    "rules not a directory": (["check", EX / "changping_eligible.yaml", "--rules", EX / "nope"],
                              "not a directory of jurisdiction YAML files"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_one_line(capsys, case):
    argv, fragment = BAD_INPUT[case]
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("wrp: error: ") and err.count("\n") == 1, err
    assert fragment in err


def test_help_exits_0(capsys):
    rc, out, _ = run(capsys, "--help")
    assert rc == 0 and "check" in out


def test_verify_with_broken_rules_exits_1(capsys, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    for f in (ROOT / "policy" / "jurisdictions").glob("*.yaml"):
        shutil.copy(f, rules / f.name)
    shutil.copy(ROOT / "tests" / "fixtures" / "broken" / "changping.yaml", rules / "changping.yaml")
    rc, out, err = run(capsys, "verify", "--rules", rules, "--date", "2021-09-15", "--format", "json")
    assert rc == 1, err
    data = json.loads(out)
    assert data  # a report, not an error
    assert "Traceback" not in err


# --- the installed entry point ---------------------------------------------------------------------------


def _wrp(*argv) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}  # as a pipe: 80 columns for rich
    return subprocess.run([str(WRP), *map(str, argv)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)


def test_entry_point_check_json():
    r = _wrp("check", "examples/changping_rejected_income.yaml", "--district", "changping", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    _assert_contract(d)
    assert [f["clause"] for f in d["failed"]] == ["changping.applicant.income"]


def test_entry_point_bad_input_is_one_unwrapped_line():
    """A long message stays on one line (errors are not wrapped at the console width)."""
    r = _wrp("check", "tests/fixtures/bad_profiles/unknown_field.yaml")
    assert r.returncode == 2 and r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and len(r.stderr) > 200, r.stderr
    assert r.stderr.startswith("wrp: error: tests/fixtures/bad_profiles/unknown_field.yaml:8:3: `applicant.degre`: ")


def test_piped_text_is_not_wrapped():
    """Redirected to a file, a quote stays on one line (rich would wrap at 80 columns)."""
    r = _wrp("explain", "examples/changping_rejected_income.yaml", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    quote = "高新技术企业、本区重点企业、事业单位人员月均应税收入额不低于上一年度本市全口径城镇单位就业人员平均工资的1.2倍，其他单位人员不低于1.5倍"
    assert any(quote in line for line in r.stdout.splitlines()), r.stdout
    assert "要求 ≥ 1 年" in r.stdout and "1 year" not in r.stdout  # units in Chinese, singular too
