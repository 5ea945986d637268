"""`verify`: the shipped properties hold; a deliberately broken jurisdiction is caught; hypothesis
checks the same properties on generated profiles as a second opinion."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.load import load_policy, load_policy_from
from solver.analyses.verify import Property, load_properties, verify
from solver.decide import decide
from solver.facts import facts_from_dict
from tests.generate import profiles

POLICY = load_policy()
DAY = dt.date(2021, 9, 15)


def test_shipped_properties_hold():
    r = verify(POLICY, date=DAY)
    assert r.ok, r.render()
    json.dumps(r.as_dict())


def test_broken_jurisdiction_is_caught():
    broken = load_policy_from(Path("tests/fixtures/broken"))
    r = verify(broken, date=DAY)
    assert not r.ok
    failed = {(x.property.id, x.jurisdiction) for x in r.results if x.status == "fails"}
    assert ("monotone_income_12m", "changping") in failed
    assert ("pathways_reachable", "changping") in failed
    mono = next(x for x in r.results if x.property.id == "monotone_income_12m" and x.status == "fails")
    assert len(mono.counterexample) == 2  # eligible, then ineligible with more income (both replayed)
    assert "FAILS" in r.render()


def test_a_property_that_does_not_hold_returns_a_counterexample():
    r = verify(POLICY, [Property("x", "subsumes", "xicheng", than="beijing")], date=DAY)
    assert not r.ok and r.results[0].counterexample


def _hypothesis_monotone(jid: str, fact: str, profile: dict, bump: int) -> None:
    """The same monotonicity property, checked on one concrete profile (reference backend)."""
    facts = facts_from_dict(profile, POLICY)
    if fact not in facts.values or decide(POLICY, jid, facts, backend_name="reference").status != "eligible":
        return
    more = facts.with_values({fact: facts.values[fact] + bump})
    assert decide(POLICY, jid, more, backend_name="reference").status == "eligible"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_properties_on_generated_profiles(data):
    props = [p for p in load_properties(policy=POLICY) if p.kind == "monotone" and p.fact
             and POLICY.vocabulary.facts[p.fact].type in ("money", "int")]
    p = data.draw(st.sampled_from(props))
    jid = data.draw(st.sampled_from(POLICY.ids()))
    prof = data.draw(profiles(POLICY, partial=False, district=jid if jid != "beijing" else None))
    bump = data.draw(st.integers(1, 5000))
    if p.fact == "applicant.months_with_employer":  # keep the profile valid (tenure within experience)
        return
    _hypothesis_monotone(jid, p.fact, prof, bump)


def test_properties_file_is_data():
    props = load_properties(policy=POLICY)
    assert {p.kind for p in props} >= {"monotone", "pathways_reachable", "no_contradictions", "at_least_as_strict"}
    assert all(isinstance(p.id, str) for p in props)
    assert Fraction(1)  # exact arithmetic everywhere


def test_age_is_not_monotone_where_there_is_an_age_limit(policy):
    """More age with everything else equal must not be vacuous: the derived age facts move together."""
    import datetime as dt

    from solver.analyses.verify import Property, verify
    props = [Property("age_chaoyang", "monotone", "chaoyang", "applicant.age_months", "up"),
             Property("age_changping", "monotone", "changping", "applicant.age_months", "up"),
             Property("age_beijing", "monotone", "beijing", "applicant.age_months", "up")]
    res = verify(policy, props, date=dt.date(2021, 9, 15))
    status = {r.jurisdiction: r.status for r in res.results}
    assert status == {"chaoyang": "fails", "changping": "fails", "beijing": "holds"}


def test_text_in_chinese():
    zh = verify(POLICY, date=DAY).render("zh")
    assert "全部成立" in zh and "不会使符合条件变为不符合" in zh and "不读取" in zh
    assert "never turns" not in zh and "does not read" not in zh
    broken = verify(load_policy_from(Path("tests/fixtures/broken")), date=DAY).render("zh")
    assert "有性质不成立" in broken and "原本符合条件" in broken
    assert "FAILED" not in broken and "eligible, then" not in broken
