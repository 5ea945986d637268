"""Profile input (issue 9 §4): Chinese labels for choices and yes/no, `-` for standard input, an optional
`id` / `name` carried to every output, and a warning naming both fields of contradictory facts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import cli
from policy.errors import InputError
from solver.decide import decide
from solver.facts import facts_from_dict, load_profile

ROOT = Path(__file__).resolve().parents[2]
ZH = """\
id: A-017
name: 张三
application: {date: 2021-09-15, business: 新办}
applicant: {birth_date: 1990-04-01, sex: 女, female_category: 干部, degree: 硕士, education: 研究生,
  work_experience_years: 5, months_with_employer: 14, social_insurance_months: 14,
  income: {monthly_avg_12m: 20000}, residence: {stable: 是}, labor_dispatch: 否, same_entity: 是, beijing_hukou: 否}
employer: {registered_district: 昌平区, tax_district: 昌平, legal_form: 企业, legal_person: 是, high_tech: 是,
  years_registered: 3, registered_capital: 5000000, avg_annual_tax_2y: 700000, employees: 50,
  district_key_enterprise: 否, good_credit: 是, violations_last_year: 否}
"""
IDS = {"application": {"date": "2021-09-15", "business": "new"},
       "applicant": {"birth_date": "1990-04-01", "sex": "female", "female_category": "cadre", "degree": "master",
                     "education": "postgraduate", "work_experience_years": 5, "months_with_employer": 14,
                     "social_insurance_months": 14, "income": {"monthly_avg_12m": 20000},
                     "residence": {"stable": True}, "labor_dispatch": False, "same_entity": True,
                     "beijing_hukou": False},
       "employer": {"registered_district": "changping", "tax_district": "changping", "legal_form": "enterprise",
                    "legal_person": True, "high_tech": True, "years_registered": 3, "registered_capital": 5000000,
                    "avg_annual_tax_2y": 700000, "employees": 50, "district_key_enterprise": False,
                    "good_credit": True, "violations_last_year": False}}


@pytest.fixture
def zh_file(tmp_path):
    p = tmp_path / "zh.yaml"
    p.write_text(ZH, encoding="utf-8")
    return p


def test_chinese_labels_mean_the_ids(policy, zh_file):
    a = load_profile(zh_file, policy)
    b = facts_from_dict(IDS, policy)
    assert a.values == b.values
    assert a.stated["applicant.degree"] == "master" and a.stated["application.business"] == "new"
    assert decide(policy, "changping", a).status == decide(policy, "changping", b).status == "eligible"


def test_a_wrong_label_still_names_the_choices(policy):
    bad = json.loads(json.dumps(IDS))
    bad["applicant"]["degree"] = "大学"
    with pytest.raises(InputError) as e:
        facts_from_dict(bad, policy)
    assert "master" in str(e.value) and "applicant.degree" in str(e.value)


def test_standard_input_and_id_name_everywhere(monkeypatch, capsys, zh_file, tmp_path):
    monkeypatch.setattr("sys.stdin", io.StringIO(ZH))
    assert cli.main(["check", "-", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["id"], d["name"], d["status"]) == ("A-017", "张三", "eligible")
    assert cli.main(["missing", str(zh_file), "--district", "xicheng", "--format", "json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert (m["id"], m["name"]) == ("A-017", "张三")
    assert cli.main(["batch", str(zh_file), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all((r["id"], r["name"]) == ("A-017", "张三") for r in rows)


def test_contradictory_facts_warn_naming_both_fields(policy):
    f = facts_from_dict({"application": {"date": "2021-09-15"},
                         "applicant": {"income": {"last_12_months": 100000, "monthly_avg_12m": 20000}}}, policy)
    w = [x for x in f.warnings if "contradictory" in x]
    assert w and "applicant.income.last_12_months" in w[0] and "applicant.income.monthly_avg_12m" in w[0]
