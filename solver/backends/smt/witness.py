"""Two completions of a partial profile that give a node both truths (for ``solver.questions``).

``both_ways`` asks z3 (the completion encoding of ``solver.backends.smt.exact``) for one completion
of the unknown facts that makes ``node`` true and one that makes it false. Each comes back as plain
values — every unknown scalar, the age in months and the months to retirement when they are
unknown — so the caller can try it again with one more fact stated, in Python. Both found: the
answer is undetermined; one: determined; none: the stated facts admit no completion at all. When
z3's work budget runs out, ``exhausted`` is true and a missing completion proves nothing.
"""

from __future__ import annotations

from fractions import Fraction

import z3

from policy.expr import Expr
from policy.load import Policy
from solver.backends.smt.exact import _check, _Copy, _solver
from solver.backends.smt.worker import on_z3_thread
from solver.exact import MTR, holes_of
from solver.facts import Facts

Values = dict[str, Fraction]


def _value(m: z3.ModelRef, v: z3.ArithRef) -> Fraction:
    x = m.eval(v, model_completion=True)
    if z3.is_int_value(x):
        return Fraction(x.as_long())
    return Fraction(x.numerator_as_long(), x.denominator_as_long())


@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def both_ways(policy: Policy, node: Expr, facts: Facts) -> tuple[Values | None, Values | None, bool]:
    """(a completion where ``node`` holds, one where it does not, exhausted): a completion is ``None``
    when there is none — or when z3's budget ran out (``exhausted``)."""
    holes = holes_of(policy, facts, [node])
    c = _Copy(policy, facts, holes, "")
    s = _solver()
    s.add(*c.background())
    t = c.expr(node)
    keep = {x for xs in holes.scalars.values() for x in xs} | {MTR}  # not the free terms of facts that do not matter
    out: list[Values | None] = []
    exhausted = False
    for want in (t, z3.Not(t)):
        r = _check(s, want)
        exhausted |= r is None
        out.append({name: _value(m, v) for name, v in c.vars.items() if name in keep} if r is True and (m := s.model()) else None)
    return out[0], out[1], exhausted
