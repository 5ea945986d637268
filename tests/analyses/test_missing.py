"""`missing`: the right gap with the right numbers, soundness (replay) and minimality (brute force)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.load import load_policy
from policy.yamlio import read_yaml
from solver.analyses.missing.answer import missing
from solver.calendar import add_months
from solver.decide import decide
from solver.facts import facts_from_dict, load_profile, wage_on
from tests.generate import profiles

POLICY = load_policy()
BASE = load_profile("examples/changping_eligible.yaml", POLICY)
F = Fraction


def test_income_gap_with_threshold_arithmetic():
    facts = BASE.with_values({"applicant.income.monthly_avg_12m": F(12000), "employer.high_tech": F(0)})
    r = missing(POLICY, "changping", facts)
    best = r.overall[0]
    (ch,) = best.changes
    assert (ch.fact, ch.before, ch.after) == ("applicant.income.monthly_avg_12m", 12000, 14111)
    assert "1.5 × 9,407" in ch.threshold and "14,111" in ch.threshold
    assert "12,000 → 14,111 (+2,111" in ch.text()
    assert best.wait_months == 0 and best.cost == 3  # ⌈2,111 / 1,000⌉ steps × 1 point
    json.dumps(r.as_dict())
    assert "14,111" in r.render("en") and "14,111" in r.render("zh")


def test_waiting_reports_the_date():
    facts = BASE.with_values({"applicant.work_experience_years": F(3, 2)})
    r = missing(POLICY, "changping", facts)
    best = r.overall[0]
    assert best.wait_months == 6 and best.eligible_on == dt.date(2022, 3, 15)
    assert any(c.fact == "applicant.work_experience_years" and c.after == 2 for c in best.changes)


def test_never_by_waiting_names_the_birth_date():
    prof = read_yaml(Path("examples/changping_eligible.yaml"))
    prof["applicant"]["birth_date"] = "1961-10-01"  # statutory retirement (60) in October 2021
    prof["applicant"]["work_experience_years"] = 1
    prof["applicant"]["months_with_employer"] = prof["applicant"]["social_insurance_months"] = 12
    old = facts_from_dict(prof, POLICY)
    keep = [n for n, s in POLICY.vocabulary.facts.items() if s.change.kind == "effort"]
    r = missing(POLICY, "changping", old, keep=keep)
    assert r.status == "ineligible" and not r.overall
    assert "applicant.birth_date" in [b.fact for b in r.blocked_by]
    assert "never by waiting" in r.render("en")


def test_threshold_text_is_the_binding_comparison_of_the_pathway():
    """Regression: pathway 5 (service firm, 8× the annual wage in a central district) showed pathway
    4's "4 × 141,133 = 564,532" — the first comparison on the fact anywhere in the rule that the new
    value passes, not the one that binds it in the chosen pathway."""
    facts = load_profile("examples/xicheng_rejected_income.yaml", POLICY)
    r = missing(POLICY, "xicheng", facts)
    p5 = next(p for p in r.pathways if p.pathway == "xicheng.pathway.5").suggestion
    incomes = [c for c in p5.changes if c.fact.startswith("applicant.income.annual_last_3_years")]
    assert incomes and all(c.after == 1129065 for c in incomes)
    assert all(c.threshold == "8 × 141,133 (2023 annual average wage) = 1,129,064" for c in incomes)
    assert "564,532" not in r.render("en")


def test_eligible_applicant_needs_nothing():
    r = missing(POLICY, "changping", BASE)
    assert r.status == "eligible" and not r.overall


def test_blocked_by_fixed_employer_facts():
    r = missing(POLICY, "xicheng", BASE)  # the employer pays tax in Changping
    assert not r.overall
    assert [b.fact for b in r.blocked_by] == ["employer.tax_district"]
    r2 = missing(POLICY, "xicheng", BASE, allow=["employer.tax_district", "employer.has_quota",
                                                  "employer.tax_last_year"])
    assert r2.overall and any(c.fact == "employer.tax_district" for c in r2.overall[0].changes)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_suggestions_replay(data):
    """Soundness: ``missing`` replays every suggestion through Datalog and raises if one fails."""
    jid = data.draw(st.sampled_from(["changping", "chaoyang", "beijing"]))
    facts = facts_from_dict(data.draw(profiles(POLICY, partial=True, district=jid if jid != "beijing" else None)),
                            POLICY)
    r = missing(POLICY, jid, facts, top=2)
    for s in r.overall:
        assert s.cost >= 0
    assert len({s.change_set for s in r.overall}) == len(r.overall)  # distinct change sets
    # the order is lexicographic: fewest assumed facts, then fewest points; the overall answer is the
    # best of all pathways', and each alternative is no better than the one before
    rank = [(len(s.assumed), s.cost) for s in r.overall]
    assert rank == sorted(rank)
    for p in r.pathways:
        if p.suggestion is not None and rank:
            assert rank[0] <= (len(p.suggestion.assumed), p.suggestion.cost), (p.pathway, r.render())


def test_fewer_assumptions_first_even_when_waiting_is_cheaper():
    """Without a degree (and with talent programmes unknown) the answer is to earn one (24 points), not
    to wait 11 months assuming a talent programme (11 points, but resting on an unknown fact). A later
    epoch of waiting once displaced it through a cost-only comparison."""
    r = missing(POLICY, "changping", BASE.with_values({"applicant.degree": F(0)}))
    assert (len(r.overall[0].assumed), r.overall[0].cost) == (0, 24), r.render()
    assert [c.fact for c in r.overall[0].changes] == ["applicant.degree"]


# --- minimality by brute force ------------------------------------------------------------------

MOVABLE = ("applicant.degree", "applicant.title", "applicant.income.monthly_avg_12m")
TIME = ("applicant.work_experience_years", "applicant.months_with_employer", "applicant.social_insurance_months")


def _eligible_after(facts, jid, wait, degree, title, income_steps) -> bool:
    v = dict(facts.values)
    v["applicant.degree"] = F(degree)
    v["applicant.title"] = F(title)
    v["applicant.income.monthly_avg_12m"] += 1000 * income_steps  # the most income for that many steps
    for n, per in (("applicant.age_months", 1), ("applicant.months_to_retirement", -1),
                   ("applicant.months_to_retirement_min", -1)):
        if n in v:
            v[n] += per * wait
    day = add_months(facts.date, wait)
    f2 = replace(facts, values=v, date=day, wage=wage_on(POLICY.params, day))
    return decide(POLICY, jid, f2, backend_name="reference").status == "eligible"


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(degree=st.integers(0, 3), title=st.integers(0, 3), income=st.integers(6000, 16000),
       high_tech=st.booleans())
def test_minimal_by_brute_force(degree, title, income, high_tech):
    """No change set costing less than the answer makes the applicant eligible (exhaustive over the
    movable facts: degree 24/level, title 18/level, income 1 point per 1,000, waiting 1 a month;
    eligibility is monotone in each — see policy/properties.yaml — so the top of each step suffices)."""
    facts = BASE.with_values({"applicant.degree": F(degree), "applicant.title": F(title),
                              "applicant.income.monthly_avg_12m": F(income), "employer.high_tech": F(int(high_tech))})
    keep = [n for n in POLICY.vocabulary.facts if n.startswith("applicant.") and n not in MOVABLE
            and n not in ("applicant.birth_date",) and n not in TIME]
    r = missing(POLICY, "changping", facts, keep=keep + list(TIME), top=1)
    if r.status == "eligible":
        return
    assert r.overall, r.render()
    best = r.overall[0].cost
    for d, t in itertools.product(range(degree, 4), range(title, 4)):
        fixed = 24 * (d - degree) + 18 * (t - title)
        if fixed >= best:
            continue
        for wait in range(0, int(best - fixed)):
            steps = int(best - fixed - wait) - 1
            if steps >= 0 and _eligible_after(facts, "changping", wait, d, t, steps):
                raise AssertionError(f"cheaper: degree {d}, title {t}, wait {wait}, {steps} income steps < {best}")


def test_text_in_chinese():
    """--lang zh: status, threshold arithmetic, yes/no and the pathway marker are Chinese; numbers stay."""
    r = missing(POLICY, "changping", load_profile("examples/changping_rejected_income.yaml", POLICY))
    zh = r.render("zh")
    assert "不符合条件" in zh and "（经 changping.pathway.1）" in zh
    assert "1.5 × 9,407 (2020 年度本市全口径城镇单位就业人员月平均工资) = 14,110.5 → 14,111 (四舍五入到元)" in zh
    assert "否 → 是" in zh
    for english in ("ineligible", "(via", "monthly average wage", "rounded", " true", " false"):
        assert english not in zh, english


def test_answers_do_not_depend_on_what_ran_before():
    """The same questions in another order give the same answers, blocking facts included (z3's own
    unsat core depends on the solver's history; ``_blockers`` names a canonical core). The 30 profiles
    were generated by the profile generator (``tests/generate.py``); naming z3's core, the reverse order named other
    blocking facts for some of them."""
    cases = json.loads(Path("tests/fixtures/missing_order_cases.json").read_text())

    def run(order):
        return {i: missing(POLICY, cases[i][0], facts_from_dict(cases[i][1], POLICY), top=3).as_dict() for i in order}

    forward = run(range(len(cases)))
    assert run(reversed(range(len(cases)))) == forward


def test_each_pathway_line_is_a_suggestion_through_that_pathway():
    """A pathway's line keeps that pathway holding: the values it assumes for unknown facts are not made
    canonical into a profile that is eligible only through another pathway (issue 9 §3); JSON gives
    enum and yes/no values, not integer codes."""
    from solver.decide import verdict
    facts = facts_from_dict({"application": {"date": "2021-09-15"},
                             "applicant": {"degree": "bachelor", "work_experience_years": 5, "months_with_employer": 14,
                                           "social_insurance_months": 14, "birth_date": "1990-04-01", "sex": "male",
                                           "income": {"monthly_avg_12m": 14000}, "residence": {"stable": True},
                                           "labor_dispatch": False, "same_entity": True, "beijing_hukou": False},
                             "employer": {"registered_district": "changping", "tax_district": "changping",
                                          "legal_form": "enterprise", "legal_person": True, "high_tech": False,
                                          "years_registered": 3, "registered_capital": 5000000,
                                          "avg_annual_tax_2y": 700000, "employees": 50,
                                          "district_key_enterprise": False, "good_credit": True,
                                          "violations_last_year": False}}, POLICY)
    r = missing(POLICY, "changping", facts)
    for p in r.pathways:
        if p.suggestion is None:
            continue
        values = dict(facts.values)
        for c in [*p.suggestion.changes, *p.suggestion.assumed]:
            values[c.fact] = c.after
        assert p.pathway in verdict(POLICY, "changping", facts.with_values(values)).satisfied, p.pathway
    js = r.as_dict()
    kinds = {c["fact"]: c["after"] for p in js["pathways"] if p.get("suggestion")
             for c in p["suggestion"]["assumed"] + p["suggestion"]["changes"]}
    assert kinds["applicant.award_winner"] is True and kinds["employer.service_entity"] in \
        POLICY.vocabulary.facts["employer.service_entity"].choices


def test_warnings_of_the_suggested_date_are_carried_once(tmp_path, capsys):
    """Waiting past the last published average wage: the suggestion's date warns that the previous
    year's figure is used — once, in text, JSON and Chinese (issue 9)."""
    import cli
    text = (Path(__file__).resolve().parents[2] / "examples" / "changping_eligible.yaml").read_text(encoding="utf-8")
    text = text.replace("date: 2021-09-15", "date: 2025-11-01")
    for k in ("months_with_employer", "social_insurance_months"):
        text = text.replace(f"{k}: 14", f"{k}: 6")
    f = tmp_path / "wait.yaml"
    f.write_text(text, encoding="utf-8")
    assert cli.main(["missing", str(f), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["suggestions"][0]["eligible_on"] == "2026-05-01"
    assert d["warnings"] == ["on 2026-05-01: the 2025 average wage is not in policy/params/wage.yaml; "
                             "2024's figure (11937 元/月) is used"]
    assert cli.main(["missing", str(f), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.count("2026-05-01：policy/params/wage.yaml 中没有 2025 年度平均工资") == 1
