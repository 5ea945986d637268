"""The z3 encoding of the statutory retirement age (``Space._retirement``) against the one in
``solver.facts.retirement_age_months``: the same months to retirement for every birth month and
category, before and after the 2025 reform."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from policy.load import load_policy
from solver.analyses.common import reference_facts
from solver.backends.smt.session import check, new_solver
from solver.backends.smt.space import AGE, CATEGORY, MTR, MTR_MIN, SEX, Space, month_index
from solver.facts import retirement_age_months

POLICY = load_policy()
CATEGORIES = {"male": ("male", None), "female_cadre": ("female", "cadre"), "female_worker": ("female", "worker")}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([dt.date(2021, 9, 15), dt.date(2025, 1, 1), dt.date(2026, 11, 22)]),
       st.integers(0, 40 * 12), st.sampled_from(sorted(CATEGORIES)))
def test_z3_months_to_retirement_match_the_statute(day, back, category):
    policy = POLICY
    idx = month_index(day) - 30 * 12 - back  # born 30 to 70 years before the date
    birth = dt.date(idx // 12, idx % 12 + 1, 1)  # the encoding's birth: the 1st of the month
    age = month_index(day) - idx
    # the other facts pinned to the reference applicant's (the vocabulary's constraints read some)
    space = Space(policy, day, pinned=reference_facts(policy, day).values, free=frozenset({AGE, MTR, MTR_MIN, SEX, CATEGORY}))
    vocab = policy.vocabulary
    sex, cat = CATEGORIES[category]
    v = lambda name: space.enc.var(space.varname(name))  # noqa: E731
    s = new_solver()
    s.add(*space.background(), v(AGE) == age, v(SEX) == vocab.facts[SEX].choices.index(sex))
    if cat:
        s.add(v(CATEGORY) == vocab.facts[CATEGORY].choices.index(cat))
    assert check(s)
    m = s.model()
    expected = retirement_age_months(policy.params, category, birth) - age
    assert m.eval(v(MTR)).as_long() == expected
    assert m.eval(v(MTR_MIN)).as_long() == expected
