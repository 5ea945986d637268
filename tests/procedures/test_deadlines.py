"""Golden timelines, hand-computed from the sources and the official calendar."""

import datetime as dt
import json

import pytest

from policy.load import load_policy
from policy.procedures import load_procedures
from solver.procedures.deadlines import deadlines
from solver.procedures.facts import procedure_facts_from_dict

D = dt.date


@pytest.fixture(scope="module")
def policy():
    return load_policy()


# (jurisdiction, expiry, earliest, last_safe, lapse)
RENEWAL = [
    # 001: 60 calendar days before expiry; 20 working days of review; lapses the day after expiry.
    ("changping", D(2025, 10, 31), D(2025, 9, 1), D(2025, 9, 28), D(2025, 11, 1)),
    ("changping", D(2024, 10, 31), D(2024, 9, 1), D(2024, 9, 29), D(2024, 11, 1)),
    ("changping", D(2025, 2, 28), D(2024, 12, 30), D(2025, 1, 26), D(2025, 3, 1)),
    # 003: 60 working days before expiry, at least 20 working days before it.
    ("daxing", D(2025, 10, 31), D(2025, 8, 4), D(2025, 9, 28), D(2025, 11, 1)),
    ("daxing", D(2025, 2, 28), D(2024, 11, 29), D(2025, 1, 26), D(2025, 3, 1)),
    # 004: within one month before expiry (clamped), lapse one month after expiry.
    ("chaoyang", D(2025, 10, 31), D(2025, 9, 30), D(2025, 10, 31), D(2025, 12, 1)),
    ("chaoyang", D(2024, 3, 31), D(2024, 2, 29), D(2024, 3, 29), D(2024, 5, 1)),
    # 000: no window; file by expiry, review 20 working days (第十条).
    ("xicheng", D(2024, 2, 29), None, D(2024, 1, 29), D(2024, 3, 1)),  # via 02-18 and 02-04 make-up Sundays
]


@pytest.mark.parametrize("jid,expiry,earliest,last_safe,lapse", RENEWAL)
def test_renewal_golden(policy, jid, expiry, earliest, last_safe, lapse):
    p = deadlines(policy, [jid], expiry=expiry).plan(jid, "renewal")
    assert (p.earliest, p.last_safe, p.lapse) == (earliest, last_safe, lapse)


def test_chaoyang_late_filing_grace(policy):
    p = deadlines(policy, ["chaoyang"], expiry=D(2024, 3, 31)).plan("chaoyang", "renewal")
    assert p.get("late_until") == D(2024, 4, 30)
    assert p.deadline == D(2024, 3, 31)  # a Sunday: the last safe day is the Friday before


def test_employer_change_golden(policy):
    t = deadlines(policy, ["changping", "daxing", "chaoyang", "beijing"], expiry=D(2025, 10, 31),
                  left_employer=D(2025, 3, 3))
    cp = t.plan("changping", "employer_change")
    assert cp.get("delink_by") == D(2025, 3, 8) and cp.suspended == D(2025, 3, 8)
    assert cp.last_safe == D(2025, 9, 28) and cp.lapse == D(2025, 11, 1)
    dx = t.plan("daxing", "employer_change")
    assert dx.last_safe == D(2025, 9, 28) and dx.event("suspended").date is None  # 及时: no fixed day
    cy = t.plan("chaoyang", "employer_change")
    assert cy.deadline == D(2025, 5, 2)  # 60 days after 2025-03-03
    assert cy.last_safe == D(2025, 4, 30)  # 05-01..05-05 Labour Day
    assert cy.get("cancel_by") == D(2025, 3, 8)
    assert any("2025-05-06" in n for n in cy.notes)  # 民法典 第二百零三条 extension stated
    bj = t.plan("beijing", "employer_change")
    assert bj.event("promptly") is not None and bj.last_safe is None


def test_xicheng_first_permit_extends(policy):
    f = procedure_facts_from_dict({"application": {"date": "2025-01-01"}, "permit": {"first_permit": True},
                                   "applicant": {"contract": {"end_date": "2027-06-30"}}}, policy)
    p = deadlines(policy, ["xicheng"], expiry=D(2025, 10, 31), facts=f).plan("xicheng", "renewal")
    assert p.get("extended_to") == D(2027, 6, 30)
    f2 = procedure_facts_from_dict({"application": {"date": "2025-01-01"}, "permit": {"first_permit": False}}, policy)
    p2 = deadlines(policy, ["xicheng"], expiry=D(2025, 10, 31), facts=f2).plan("xicheng", "renewal")
    assert p2.get("extended_to") is None
    p3 = deadlines(policy, ["xicheng"], expiry=D(2025, 10, 31)).plan("xicheng", "renewal")
    assert p3.get("extended_to") == D(2028, 10, 31) and "if this is" in p3.event("extended_to").note


def test_profile_dates_and_info_change(policy):
    f = procedure_facts_from_dict({"application": {"date": "2025-01-01"},
                                   "permit": {"expiry_date": "2025-10-31", "left_employer_date": "2025-03-03"}}, policy)
    t = deadlines(policy, ["changping"], facts=f, info_changed=D(2025, 5, 1))
    assert t.expiry == D(2025, 10, 31) and t.left_employer == D(2025, 3, 3)
    assert t.plan("changping", "info_change").deadline == D(2025, 5, 31)


def test_outside_calendar_warns(policy):
    t = deadlines(policy, ["daxing"], expiry=D(2027, 3, 31))
    assert any("2027" in w for w in t.warnings)
    assert t.plan("daxing", "renewal").last_safe is not None


def test_json_text_and_ics(policy, tmp_path):
    t = deadlines(policy, None, expiry=D(2025, 10, 31), left_employer=D(2025, 3, 3))
    d = json.loads(json.dumps(t.as_dict()))
    assert [j["jurisdiction"] for j in d["jurisdictions"]] == load_procedures(policy).ids()
    en, zh = t.render("en"), t.render("zh")
    assert "last safe" in en and "最晚安全申请" in zh
    assert "应在工作居住证有效期满前 60 日内办理续签手续" in en  # quotes stay Chinese
    path = tmp_path / "d.ics"
    n = t.to_ics(path)
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") == n > 10
    assert "DTSTART;VALUE=DATE:20250928" in text
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))


def test_notes_and_warnings_in_the_users_language(policy):
    """--lang zh: the solver's notes and warnings are Chinese too (JSON keeps English, adds *_zh)."""
    t = deadlines(policy, None, expiry=D(2027, 3, 31))
    zh = t.render("zh")
    assert "注：未规定审核时限" in zh and "（除非在" in zh
    assert "警告: 2027 年的工作日仅按周一至周五计算" in zh
    for english in ("note:", "unless ", "working days in 2027", "no review time"):
        assert english not in zh, english
    d = json.loads(json.dumps(t.as_dict()))
    plans = [p for j in d["jurisdictions"] for p in j["plans"]]
    noted = [p for p in plans if p["notes"]]
    assert noted and all(len(p["notes_zh"]) == len(p["notes"]) for p in plans)
    assert "no review time is stated: the last safe day is the rule's own deadline" in noted[0]["notes"]
    assert "未规定审核时限：最晚安全申请日即规定的最后申请日" in noted[0]["notes_zh"]
    lapses = [e for p in plans for e in p["events"] if e["kind"] == "lapse"]
    assert lapses and all(e["note"].startswith(("unless", "the validity")) for e in lapses)
    assert all(("获批" in e["note_zh"] or "提交申请" in e["note_zh"]) and e["note_zh"].isascii() is False
               for e in lapses)
