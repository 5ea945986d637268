"""`conflicts`: replayed witnesses, subsumption verdicts, inside-one-jurisdiction findings, sources."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from policy.load import load_policy, load_policy_from
from policy.source_check import source_problems
from solver.analyses.common import inside, reference_facts, replay, subsumes
from solver.analyses.conflicts import compare_pair

POLICY = load_policy()
DAY = dt.date(2021, 9, 15)
REF = reference_facts(POLICY, DAY)


def test_city_rule_versus_changping_finds_the_real_differences():
    r = compare_pair(POLICY, "beijing", "changping", DAY, REF)
    assert r.verdict == "incomparable"
    topics = {d.topic for d in r.differences}
    # 12 months of continuous tax and social insurance (001 二、（二）, 五、（二）3) imply the year of tenure
    assert {"income_threshold", "social_insurance", "age_limit", "hukou"} <= topics
    income = next(d for d in r.differences if d.topic == "income_threshold").witness
    assert [c.id for c in income.rejecting] == ["changping.applicant.income"]
    assert any(f == "applicant.income.monthly_avg_12m" and w == "11,287" for f, _, w in income.differences)
    json.dumps(r.as_dict())


def test_witnesses_replay_independently():
    r = compare_pair(POLICY, "changping", "beijing", DAY, REF)
    assert {"pathway_talent_program", "pathway_patents"} <= {d.topic for d in r.differences}
    for d in r.differences:
        values = {k: v for k, v in REF.values.items()}
        _, dec_a = replay(POLICY, REF, _values(d.witness.profile), "changping", None)
        assert dec_a.status == "eligible", d.topic
        del values


def _values(profile: dict) -> dict:
    from solver.facts import facts_from_dict
    return facts_from_dict(profile, POLICY, date=DAY).values


def test_subsumption_verdicts():
    assert subsumes(POLICY, "chaoyang", "beijing", DAY, REF) is None
    w = subsumes(POLICY, "xicheng", "beijing", DAY, REF)
    assert w is not None and w.rejecting and all(c.id.startswith("beijing.") for c in w.rejecting)
    assert w.accepted_by == "xicheng" and w.district_a == "xicheng"


def test_redundant_clause_found_with_the_clause_that_implies_it():
    found = inside(POLICY, "chaoyang", DAY, REF)
    red = [f for f in found if f.kind == "redundant_clause"]
    assert red and red[0].subject == "chaoyang.applicant.tenure"
    assert "chaoyang.applicant.social_insurance" in [c.id for c in red[0].clauses]


def test_dead_pathway_and_core_in_a_broken_file():
    broken = load_policy_from(Path("tests/fixtures/broken"))
    found = inside(broken, "changping", DAY, REF)
    dead = [f for f in found if f.kind == "dead_pathway"]
    assert [f.subject for f in dead] == ["changping.pathway.2"]
    assert [c.id for c in dead[0].clauses] == ["changping.p2.title"]


def test_source_problems_are_found_by_scanning():
    probs = source_problems(POLICY.sources)
    kinds = {(p.kind, p.document) for p in probs}
    assert ("number_mismatch", "京政办发〔?〕29号") in kinds
    assert ("url_date_mismatch", "京人发〔2025〕56号") in kinds
    dates = [p for p in probs if p.kind == "date_mismatch"]
    assert dates and "2025-06-30" in dates[0].message["en"] and "二00三年六月十九日" in dates[0].message["en"]
    # nothing hard-coded: the same scan over a clean text finds nothing
    assert source_problems({"x.txt": "依据京政办发〔2003〕29号。\n"}) == []


def test_text_in_chinese():
    from solver.analyses.conflicts import conflicts
    zh = conflicts(POLICY, ["beijing", "changping"], topic="income_threshold", date=DAY).render("zh")
    assert "冲突分析" in zh and "互不包含" in zh and "incomparable" not in zh
    assert "近12个月月均应税收入 20,000 → 11,287" in zh  # the witness read by the fact's label


def test_witness_differences_carry_labels():
    r = compare_pair(POLICY, "beijing", "changping", DAY, REF)
    w = next(d for d in r.differences if d.topic == "income_threshold").witness
    d = w.as_dict()["differences"]
    assert {x["fact"]: x["label"]["en"] for x in d}["applicant.income.monthly_avg_12m"] == \
        "average monthly taxable income (last 12 months)"
    assert "average monthly taxable income (last 12 months) " in w.lines("en")[0]


def test_witnesses_do_not_depend_on_what_ran_before():
    """Equally close witnesses are many; the one shown is chosen canonically (the facts that change in
    the order of their names), not by the solver's history: other queries in between change nothing."""
    from solver.analyses.conflicts import conflicts
    day = dt.date(2021, 9, 15)
    first = conflicts(POLICY, ["changping", "xicheng"], date=day, sources=False).as_dict()
    conflicts(POLICY, ["daxing", "chaoyang"], date=dt.date(2022, 3, 1), sources=False)  # new terms in z3's context
    assert conflicts(POLICY, ["changping", "xicheng"], date=day, sources=False).as_dict() == first
