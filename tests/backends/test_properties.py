"""Hypothesis properties: the Datalog backend equals the direct IR interpreter; eligibility is
monotone in income, experience and tenure (every threshold in the texts is a floor)."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.load import load_policy
from solver.backends.datalog import node_status
from solver.backends.reference import node_status as reference_status
from solver.decide import decide
from solver.facts import facts_from_dict
from solver.program import compile_program
from tests.generate import HOME, boundary_values, facts, nest, ordinary, repair

POLICY = load_policy()


def _agree(policy, facts):
    for jid in policy.ids():
        j, _ = policy.version(jid, facts.date)
        for lenient in (False, True):
            prog = compile_program(j, facts.wage, lenient)
            assert node_status(prog, facts) == reference_status(prog, facts), jid


@given(facts(POLICY, partial=True))
def test_datalog_equals_interpreter_on_random_profiles(facts):
    _agree(POLICY, facts)


@given(st.sampled_from(sorted(HOME)).flatmap(lambda jid: facts(POLICY, partial=True, near=jid)))
def test_datalog_equals_interpreter_near_eligibility(facts):
    _agree(POLICY, facts)


MONOTONE = [
    ("applicant.income.monthly_avg_12m", 1000),
    ("applicant.income.monthly_avg_6m", 1000),
    ("applicant.income.last_12_months", 12000),
    ("applicant.income.annual_last_3_years[0]", 50000),
    ("applicant.income.annual_last_3_years[2]", 50000),
]


@pytest.mark.parametrize("fact,step", MONOTONE)
@given(facts=st.sampled_from(sorted(HOME)).flatmap(lambda jid: facts(POLICY, near=jid)))
def test_more_income_never_hurts(policy, facts, fact, step):
    for jid in policy.ids():
        before = decide(policy, jid, facts).status
        richer = facts.with_values({fact: facts.values.get(fact, Fraction(0)) + step})
        if before == "eligible":
            assert decide(policy, jid, richer).status == "eligible", (jid, fact)


@given(facts=st.sampled_from(sorted(HOME)).flatmap(lambda jid: facts(POLICY, near=jid)), months=st.integers(1, 36))
def test_more_experience_and_tenure_never_hurt(policy, facts, months):
    """Experience, tenure and social insurance grow together (they are linked by constraints)."""
    grown = facts.with_values({
        f: facts.values[f] + Fraction(months) * (Fraction(1, 12) if f.endswith("years") else 1)
        for f in ("applicant.work_experience_years", "applicant.months_with_employer",
                  "applicant.social_insurance_months") if f in facts.values})
    for jid in policy.ids():
        if decide(policy, jid, facts).status == "eligible":
            assert decide(policy, jid, grown).status == "eligible", jid


def sweep_values(policy, name: str, bounds) -> list:
    spec = policy.vocabulary.spec(name)
    if spec.type == "bool":
        return [True, False]
    if spec.type == "enum":
        return list(spec.choices)
    return [int(v) if v.denominator == 1 else float(v) for v in bounds.get(spec.name, []) if v >= 0]


BOOSTS = [  # one applicant per special pathway, so its clauses can hold
    {"applicant.patents.author_rank": 1, "applicant.patents.invention": 1, "applicant.patents.other": 3,
     "applicant.patents.software_copyright": 3, "applicant.patents.commercialized_in_beijing": True},
    {"applicant.startup.share_pct": 5, "applicant.startup.shareholder_rank": 1,
     "applicant.startup.self_investment_3y": 6000000},
    {"applicant.freelancer.is_freelancer": True, "applicant.freelancer.outstanding_contribution": True,
     "applicant.freelancer.annual_tax_last_3_years": [200000, 200000, 200000]},
    {"employer.service_entity": "law", "applicant.income.annual_last_3_years": [1000000, 1000000, 1000000]},
    {"applicant.income.monthly_avg_6m": 5000, "applicant.income.monthly_avg_12m": 5000},
]


def test_every_clause_both_holds_and_fails(policy):
    """Coverage: starting from the ordinary applicant of each jurisdiction (and one applicant per special
    pathway), set each fact a clause uses to each of its boundary values in turn; every clause must be
    seen holding and failing, and the Datalog and reference backends must agree on every node."""
    assert_every_clause_both_holds_and_fails(policy)


def assert_every_clause_both_holds_and_fails(policy):
    """The check above for any policy (tests/test_district_agnostic.py runs it with an extra district)."""
    from policy.expr import facts_of
    seen: dict[str, set[bool | None]] = {}
    for jid in policy.ids():
        j = policy.jurisdictions[jid][-1]
        for boost in [{}, *BOOSTS]:
            base = {**ordinary(jid, policy=policy), **boost}
            facts0 = facts_from_dict(nest(base), policy)
            bounds = boundary_values(policy, facts0.date)
            names = sorted({f.split("[", 1)[0] for c in j.clauses() for f in facts_of(c.when)})
            if boost:
                names = [n for n in names if n in boost]
            variants = [{}]
            for name in names:
                if name.startswith("applicant.months_to_retirement") or name == "applicant.age_months":
                    variants += [{"applicant.birth_date": f"{2021 - y}-09-14", "applicant.sex": sex,
                                  "applicant.work_experience_years": 10}
                                 for y in (50, 55, 56, 60, 61) for sex in ("male", "female")]
                    continue
                spec = policy.vocabulary.facts[name]
                variants += [{name: [v] * spec.length if spec.type == "money_list" else v}
                             for v in sweep_values(policy, name, bounds)]
            # a clause that is a disjunction of yes/no facts (high-tech or innovation entity) fails
            # only when all of them are false
            variants += [{n: False for n in sorted(facts_of(c.when)) if policy.vocabulary.facts.get(n)
                          and policy.vocabulary.facts[n].type == "bool" and (not boost or n in boost)}
                         for c in j.clauses()]
            for i, change in enumerate(variants):
                facts = facts_from_dict(nest(repair(policy, {**base, **change})), policy)
                prog = compile_program(j, facts.wage, False)
                st = reference_status(prog, facts)
                if i % 3 == 0:  # the backends agree (hypothesis checks this more widely)
                    assert node_status(prog, facts) == st
                for cid, e in prog.requirement.items():
                    seen.setdefault(cid, set()).add(st[id(e)])
    missing = {cid: sts for cid, sts in seen.items() if not {True, False} <= sts}
    assert not missing, missing
    assert set(seen) == {c.id for v in policy.jurisdictions.values() for j in v for c in j.clauses()}
