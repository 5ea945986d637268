"""The Datalog backend builds its rule base as engine clauses, without pyDatalog's text parser; the
program text (goldens, docs) is printed from the same rules. Both roads must give the same rule base:
pyDatalog's parser, given the printed text, builds exactly the clauses the backend builds directly."""

from __future__ import annotations

import datetime as dt
import threading
from fractions import Fraction

import pytest

from policy.expr import All, AtLeast, Cmp, In, Not
from solver.backends import datalog
from solver.facts import wage_on
from solver.program import Program, compile_program

DAYS = (dt.date(2021, 9, 15), dt.date(2024, 3, 1))


def _isolated(fn):
    """Run ``fn`` in a thread of its own: pyDatalog keeps one rule base per thread, and these tests
    replace it."""
    out = {}
    t = threading.Thread(target=lambda: out.update(r=fn()))
    t.start()
    t.join()
    return out["r"]


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize("verdict_only", [False, True])
def test_engine_rule_base_equals_parsed_text(policy, day, lenient, verdict_only):
    for jid in policy.ids():
        j, _ = policy.version(jid, day)
        prog = compile_program(j, wage_on(policy.params, day), lenient=lenient)
        text, _ = datalog.to_datalog(prog, verdict_only)
        built = _isolated(lambda prog=prog: datalog.built_rule_base(prog, verdict_only))
        parsed = _isolated(lambda text=text: datalog.parsed_rule_base(text))
        assert built == parsed, jid
        assert len(built) > len(prog.nodes), jid  # the rules are there, not two empty bases


def test_engine_rule_base_equals_parsed_text_on_every_node_kind():
    """Negative and fractional coefficients, several facts in one comparison, sets, negation, counting."""
    x = Cmp(((Fraction(-3, 2), "a.x"), (Fraction(2), "a.y")), "lt", Fraction(-7, 3))
    e = AtLeast(2, (x, Not(In("a.z", frozenset({0, 2}))), All((x, Cmp(((Fraction(1), "a.x"),), "ne", Fraction(0))))))
    prog = Program(jurisdiction=None, wage=None, lenient=False, requirement={"r": e}, waived=frozenset(),
                   pathway={}, base=e, root=e, nodes=[e])
    text, _ = datalog.to_datalog(prog)
    assert "(-9*P0*Q1 + 12*P1*Q0 < -14*Q0*Q1)" in text  # × 6 clears the fractions
    assert _isolated(lambda: datalog.built_rule_base(prog)) == _isolated(lambda: datalog.parsed_rule_base(text))


def test_unsanitised_fact_name_is_refused():
    e = Cmp(((Fraction(1), "x') & evil("),), "ge", Fraction(1))
    with pytest.raises(ValueError, match="unsanitised"):
        datalog.to_datalog_rules(e, {})
