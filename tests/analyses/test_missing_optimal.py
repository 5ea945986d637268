"""`missing`'s optimum (``solver.backends.smt.optimum``: our own lexicographic minimiser over one
incremental solver) against z3's ``Optimize`` with the same lexicographic objectives — fewest assumed
unknown facts, then fewest points — on generated questions (profiles × jurisdictions)."""

from __future__ import annotations

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.load import load_policy
from solver.analyses.missing.epochs import epochs
from solver.analyses.missing.guess import guess
from solver.backends.smt.change import ChangeModel
from solver.backends.smt.optimum import objectives, optimum, values_of
from solver.backends.smt.terms import model_int
from solver.facts import facts_from_dict
from tests.generate import profiles

POLICY = load_policy()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_optimum_is_z3_optimize_s(data):
    jid = data.draw(st.sampled_from(POLICY.ids()))
    facts = facts_from_dict(data.draw(profiles(POLICY, partial=True)), POLICY)
    j, _ = POLICY.version(jid, facts.date)
    eps, relevant = epochs(POLICY, j, facts.date, facts.wage, False)
    m = ChangeModel(POLICY, j, facts, set(), set(), False, eps, relevant)
    found = optimum(m, None, [], guess(m, None))
    goal = m.act(None)  # asserted as `goal ⇒ eligible after some wait` in the model's solver
    o = z3.Optimize()
    o.set("random_seed", 0)
    o.add(*m.s.assertions(), goal, *m.fix.values())
    objs = objectives(m)
    for _, e in objs:
        o.minimize(e)  # z3's default priority: lexicographic, in the order given
    result = o.check()
    if found is None:
        assert result == z3.unsat
    else:
        assert result == z3.sat
        assert [model_int(o.model(), e) for _, e in objs] == values_of(m, found)
