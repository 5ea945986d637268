"""The z3 backend: exact encoding, smart constructors, budget, and agreement with the other backends."""

from __future__ import annotations

from fractions import Fraction

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.expr import All, Any, AtLeast, Cmp, Const, In, Not
from policy.load import load_policy
from solver.backends.datalog import node_status as datalog_status
from solver.backends.reference import node_status as reference_status
from solver.backends.smt.encode import Encoder, node_status
from solver.backends.smt.session import BudgetExhausted, check, new_solver
from solver.backends.smt.space import indicator
from solver.backends.smt.terms import Lin, mk_and, mk_atleast, mk_not, mk_or
from solver.decide import decide
from solver.facts import facts_from_dict
from solver.program import compile_program
from tests.generate import profiles

POLICY = load_policy()


def x_ge(v) -> Cmp:
    return Cmp(((Fraction(1), "x"),), "ge", Fraction(v))


def test_threshold_is_exact_at_the_half():
    enc = Encoder()
    s = new_solver()
    s.add(enc.to_smt(x_ge(Fraction(29, 2)), enc.var_term), enc.var("x") <= 14)
    assert check(s) is False  # x integer: x ≥ 14.5 ⇔ x ≥ 15
    r = enc.relation(Lin.var("y", Fraction(1, 100)), "ge", Fraction(3, 2))  # decimal y/100 ≥ 1.5
    assert str(r) == "y >= 150"


def test_smart_constructors_fold():
    a, b = z3.Bool("a"), z3.Bool("b")
    assert z3.is_true(mk_and([]))
    assert z3.is_false(mk_and([a, z3.BoolVal(False)]))
    assert mk_and([a, z3.BoolVal(True), a]).eq(a)
    assert z3.is_true(mk_or([b, z3.BoolVal(True)]))
    assert mk_not(mk_not(a)).eq(a)
    assert mk_atleast(2, [a, b]).eq(z3.And(a, b))
    assert z3.is_false(mk_atleast(3, [a, b]))


def test_budget_exhausted_is_explicit():
    xs = [z3.Int(f"p{i}") for i in range(9)]
    s = new_solver(rlimit=1)
    s.add(*(z3.And(x >= 0, x < 8) for x in xs), z3.Distinct(*xs))  # pigeonhole: hard for a tiny budget
    with pytest.raises(BudgetExhausted) as e:
        check(s)
    assert "unknown (budget exhausted)" in str(e.value)


def test_indicator_named_by_clause():
    assert str(indicator("changping.applicant.income")) == "b_changping.applicant.income"


def test_kleene_nodes_match_reference():
    e = All((x_ge(2), Any((In("y", frozenset({1})), Not(Const(False)))), AtLeast(1, (x_ge(5), In("y", frozenset({0}))))))

    class P:  # a minimal Program stand-in
        nodes = [e, *e.items]

    for env in ({}, {"x": Fraction(3)}, {"x": Fraction(1)}, {"x": Fraction(6), "y": Fraction(1)}):
        facts = type("F", (), {"values": env})()
        assert node_status(P, facts) == reference_status(P, facts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_z3_agrees_with_reference(data):
    jid = data.draw(st.sampled_from(POLICY.ids()))
    facts = facts_from_dict(data.draw(profiles(POLICY, partial=True)), POLICY)
    j, _ = POLICY.version(jid, facts.date)
    prog = compile_program(j, facts.wage)
    assert node_status(prog, facts) == reference_status(prog, facts)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_z3_agrees_with_datalog(data):
    jid = data.draw(st.sampled_from(POLICY.ids()))
    facts = facts_from_dict(data.draw(profiles(POLICY, partial=data.draw(st.booleans()), district=jid
                                               if jid != "beijing" else None)), POLICY)
    j, _ = POLICY.version(jid, facts.date)
    prog = compile_program(j, facts.wage)
    assert node_status(prog, facts) == datalog_status(prog, facts)
    assert decide(POLICY, jid, facts, backend_name="z3").status == decide(POLICY, jid, facts).status
