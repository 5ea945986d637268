"""Under `--lang zh` every message is Chinese: argument errors, impossible dates, condition errors of a
rules pack, bad cells of a table, the wage's provenance, procedural conflicts and verify diffs (yes/no
as 是/否, ages in years and months) — built through the catalog (policy/i18n.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import cli
from policy.i18n import argparse_msg, cite_text, date_reason, say

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "changping_eligible.yaml"
# a run of latin words: English left in a Chinese message (fact paths, ids and file names excepted)
ENGLISH = re.compile(r"\b(?:must|is|are|the|needs?|takes?|unknown|expected|invalid|arguments?|required|of|got|"
                     r"day|month|range|number|choice|date|not|with|in|source|table|published|proxy|true|false)\b")


def _english(text: str) -> list[str]:
    text = re.sub(r"`[^`]*`", "", text)  # quoted names and values
    text = re.sub(r"\S+\.(?:yaml|csv|txt)(?::\d+)*", "", text)  # file names and positions
    return ENGLISH.findall(text)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [
    ["check", "--lang", "zh"],                                  # a required argument missing
    ["check", PROFILE, "--lang", "zh", "--district"],           # an option without its value
    ["check", PROFILE, "--lang", "zh", "--format", "xml"],      # an invalid choice
    ["bogus", "--lang", "zh"],                                  # an unknown command
    ["check", PROFILE, "--lang", "zh", "--bogus"],              # an unknown option
])
def test_argument_errors_are_chinese(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("wrp: error: ") and len(err.splitlines()) == 1
    assert not _english(err), err
    code_en, _, err_en = run(capsys, *[a for a in argv if a not in ("--lang", "zh")])
    assert code_en == 2 and _english(err_en), err_en  # the English wording is unchanged


def test_catalog_wordings():
    assert say(argparse_msg("the following arguments are required: profile", "check"), "zh") == \
        "缺少必需的参数：profile（见 `wrp check --help`）"
    assert date_reason("month must be in 1..12", "zh") == "月份须在 1 至 12 之间"
    assert cite_text("same series; 2023 cap 33891 = 3 × 11297", "zh") == "同一序列；2023 cap 33891 = 3 × 11297"


def test_impossible_date_reason_is_chinese(capsys, tmp_path):
    code, _, err = run(capsys, "check", PROFILE, "--date", "2021-02-30", "--lang", "zh")
    assert code == 2 and "该月没有这一天" in err and not _english(err), err
    code, _, err = run(capsys, "check", PROFILE, "--date", "2021-13-01", "--lang", "zh")
    assert code == 2 and "月份须在 1 至 12 之间" in err, err


CONDITIONS = [  # (replacement of a condition in changping.yaml, a Chinese phrase of the message)
    ("{all: []}", "至少需要一个条件"),
    ("{fact: employer.nope, ge: 1}", "未声明的字段"),
    ("{fact: employer.registered_capital, gx: 1}", "未知的键"),
    ("{fact: employer.registered_capital, ge: .nan}", "须为有限的数值"),
    ("{at_least: 5, of: [{fact: employer.registered_capital, ge: 1}]}", "须在 1 至"),
    ("{sum: [[x, employer.registered_capital]], ge: 3}", "须为数值"),
    ("{fact: employer.registered_capital, in: [1]}", "须用于选项字段"),
    ("{not: []}", "条件须为映射"),
    ("{fact: employer.registered_capital}", "比较须有运算符"),
]


@pytest.mark.parametrize("cond,zh", CONDITIONS)
def test_condition_errors_of_a_pack_are_chinese(capsys, tmp_path, cond, zh):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "policy" / "jurisdictions", rules)
    f = rules / "changping.yaml"
    text = f.read_text(encoding="utf-8")
    assert "{fact: employer.registered_capital, ge: 1000000}" in text
    f.write_text(text.replace("{fact: employer.registered_capital, ge: 1000000}", cond), encoding="utf-8")
    code, _, err = run(capsys, "check", PROFILE, "--rules", rules, "--lang", "zh")
    assert code == 2 and zh in err and "changping.yaml:35:" in err, err
    assert not _english(err), err
    code, _, err_en = run(capsys, "lint", "--rules", rules)
    assert code == 2 and "changping.yaml:35:" in err_en and _english(err_en)  # lint agrees, in English


def test_bad_cells_are_chinese(capsys, tmp_path):
    t = tmp_path / "t.csv"
    t.write_text("id,name,applicant.birth_date,applicant.work_experience_years,employer.registered_district\n"
                 "1,a,1990-02-30,3,changping\n2,b,1990-01-01,nan,changping\n3,c,1990-01-01,abc,changping\n"
                 "4,d,1990-01-01,3,nowhere\n5,e,9999-01-01,3,changping\n6,f,1990-01-01,3,changping\n",
                 encoding="utf-8")
    code, out, err = run(capsys, "batch", t, "--lang", "zh", "--format", "json")
    assert code == 2
    import json
    rows = json.loads(out)
    errors = [r["error"] for r in rows if r["status"] == "error"]
    assert len(errors) == 5 and [r["status"] for r in rows][-1] != "error"
    for e, col in zip(errors, ["birth_date", "work_experience_years", "work_experience_years",
                                "registered_district", "birth_date"]):
        assert e.startswith("第 ") and col in e and not _english(e), e
    assert "6 行中有 5 行无法读取" in err


def test_wage_provenance_is_chinese(capsys):
    code, out, _ = run(capsys, "explain", PROFILE, "--lang", "zh")
    line = next(x for x in out.splitlines() if x.startswith("平均工资出处"))
    assert code == 0 and "来源 001 表" in line and not _english(line), line


def test_verify_diffs_say_yes_no_and_ages_in_chinese(capsys, tmp_path):
    props = tmp_path / "p.yaml"
    props.write_text("properties:\n"
                     "  - {id: hukou, kind: monotone, jurisdiction: changping, fact: applicant.beijing_hukou, direction: up}\n"
                     "  - {id: age, kind: monotone, jurisdiction: changping, fact: applicant.age_months, direction: up}\n",
                     encoding="utf-8")
    code, out, _ = run(capsys, "verify", "--properties", props, "--lang", "zh", "--date", "2021-09-15")
    assert code == 1
    assert "applicant.beijing_hukou 否 → 是" in out, out
    assert re.search(r"applicant\.age_months \d+岁(\d+个月)? → \d+岁(\d+个月)?", out), out
    assert not re.search(r"\b(?:True|False|true|false)\b", out), out


def test_procedural_conflicts_are_chinese(capsys):
    from policy.load import load_policy
    from solver.procedures.conflicts import procedural_conflicts
    from solver.render.procedures import procedural_conflicts_text
    cs = procedural_conflicts(load_policy())
    text = procedural_conflicts_text(cs, "zh")
    assert "oldest_child_in_school=否" in text or "oldest_child_in_school=是" in text
    for line in text.splitlines():
        if line.startswith("    ") and not line.lstrip().startswith(tuple(c.a for c in cs) + tuple(c.b for c in cs)):
            assert not re.search(r"\b(?:True|False|accepted|rejected|in time|valid|lapsed)\b", line), line
    en = procedural_conflicts_text(cs, "en")
    assert " is accepted in " in en or " is rejected in " in en
