"""``at_least k of n`` is compiled without enumerating combinations (a counting encoding in Datalog,
a pseudo-boolean constraint in z3), and every backend agrees with the reference semantics on it."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from policy.expr import AtLeast, Cmp, Not, evaluate, walk
from solver.backends.datalog import to_datalog_rules
from solver.backends.registry import backend
from solver.program import Program

FACTS = [f"x{i}" for i in range(6)]


def _cmp(i: int, t: int) -> Cmp:
    return Cmp(((Fraction(1), FACTS[i % len(FACTS)]),), "ge", Fraction(t))


def _program(root) -> Program:
    return Program(jurisdiction=None, wage=None, lenient=False, requirement={"r": root}, waived=frozenset(),
                   pathway={}, base=root, root=root, nodes=list({id(n): n for n in walk(root)}.values()))


def test_at_least_10_of_20_is_small():
    e = AtLeast(10, tuple(_cmp(i, i) for i in range(20)))
    rules = to_datalog_rules(e, {}).splitlines()
    # 20 choose 10 = 184,756 rules before; the counting encoding needs O(n·k)
    assert len(rules) < 600, len(rules)


leaf = st.builds(_cmp, st.integers(0, 5), st.integers(0, 3))


@st.composite
def at_least_trees(draw, depth=2):
    n = draw(st.integers(1, 7))
    items = tuple(draw(leaf if depth == 0 or draw(st.booleans()) else at_least_trees(depth=depth - 1))
                  for _ in range(n))
    k = draw(st.integers(1, n))
    e = AtLeast(k, items)
    return Not(e) if draw(st.booleans()) else e


values = st.dictionaries(st.sampled_from(FACTS), st.integers(0, 3).map(Fraction), max_size=6)


@settings(max_examples=30, deadline=None)
@given(at_least_trees(), values)
def test_backends_agree_on_at_least(e, env):
    prog = _program(e)
    facts = SimpleNamespace(values=env)
    want = {id(n): evaluate(n, env) for n in prog.nodes}
    for name in ("datalog", "z3", "reference"):
        got = backend(name)(prog, facts)
        assert {k: got.get(k) for k in want} == want, name
