"""IR → z3: the ``Encoder`` (two-valued ``to_smt``, dual-rail three-valued ``to_kleene``) and the
backend contract ``node_status`` (the Kleene truth of every node of a program for one profile).
See ``solver/backends/smt/__init__.py`` for the representation of facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import assert_never

import z3

from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, compare
from solver.backends.smt.terms import FALSE, TRUE, Lin, mk_and, mk_atleast, mk_not, mk_or, model_int
from solver.backends.smt.worker import on_z3_thread
from solver.facts import Facts
from solver.program import Program

Term = Callable[[str], Lin]


class Encoder:
    """IR → z3 over a table of Int variables. ``to_smt`` is two-valued: every fact has a value."""

    def __init__(self) -> None:
        self.vars: dict[str, z3.ArithRef] = {}

    def var(self, name: str) -> z3.ArithRef:
        v = self.vars.get(name)
        if v is None:
            v = self.vars[name] = z3.Int(name)
        return v

    def var_term(self, name: str) -> Lin:
        return Lin.var(name)

    def relation(self, lin: Lin, op: str, rhs: Fraction) -> z3.BoolRef:
        """``lin op rhs`` with integer coefficients only (scaled by the lcm of all denominators)."""
        rhs = Fraction(rhs) - lin.const
        if lin.is_const:
            return z3.BoolVal(compare(Fraction(0), op, rhs))
        den = math.lcm(rhs.denominator, *(c.denominator for _, c in lin.coefs))
        g = 0
        for _, c in lin.coefs:
            g = math.gcd(g, int(c * den))
        lhs_terms = [(int(c * den) // g, self.var(n)) for n, c in lin.coefs]
        r = rhs * den / g
        if len(lhs_terms) == 1 and lhs_terms[0][0] == 1:
            lhs = lhs_terms[0][1]
        else:
            lhs = z3.Sum([c * v if c != 1 else v for c, v in lhs_terms])
        # INVARIANT: integer variables, so a fractional bound rounds exactly (x ≥ 29/2 ⇔ x ≥ 15).
        match op:
            case "ge":
                return lhs >= math.ceil(r)
            case "gt":
                return lhs >= math.floor(r) + 1
            case "le":
                return lhs <= math.floor(r)
            case "lt":
                return lhs <= math.ceil(r) - 1
            case "eq":
                return lhs == int(r) if r.denominator == 1 else FALSE
            case "ne":
                return lhs != int(r) if r.denominator == 1 else TRUE
        raise ValueError(f"unknown operator {op!r}")

    def to_smt(self, e: Expr, term: Term, memo: dict[int, z3.BoolRef] | None = None) -> z3.BoolRef:
        memo = {} if memo is None else memo
        key = id(e)
        if key in memo:
            return memo[key]
        match e:
            case Const(v):
                out = z3.BoolVal(v)
            case Cmp(terms, op, rhs):
                assert isinstance(rhs, Fraction), "resolve thresholds before encoding"
                lin = Lin()
                for c, f in terms:
                    lin = lin.plus(term(f), c)
                out = self.relation(lin, op, rhs)
            case In(fact, values):
                lin = term(fact)
                out = mk_or([self.relation(lin, "eq", Fraction(v)) for v in sorted(values)])
            case All(items):
                out = mk_and([self.to_smt(i, term, memo) for i in items])
            case Any(items):
                out = mk_or([self.to_smt(i, term, memo) for i in items])
            case Not(item):
                out = mk_not(self.to_smt(item, term, memo))
            case AtLeast(k, items):
                out = mk_atleast(k, [self.to_smt(i, term, memo) for i in items])
            case _:
                assert_never(e)
        memo[key] = out
        return out

    def to_kleene(self, e: Expr, term: Term, known: Callable[[str], z3.BoolRef],
                  memo: dict[int, tuple[z3.BoolRef, z3.BoolRef]] | None = None) -> tuple[z3.BoolRef, z3.BoolRef]:
        """Dual rail: (``e`` is true, ``e`` is false) when only the facts with ``known(f)`` count.

        A comparison is decided only if all its facts are known; ``All`` is false as soon as one item
        is false, ``Any`` true as soon as one is true — ``policy.expr.evaluate``'s Kleene logic, with
        "known" itself a z3 term (``missing`` lets the solver choose which unknown facts to assume).
        """
        memo = {} if memo is None else memo
        if id(e) in memo:
            return memo[id(e)]
        match e:
            case Const(v):
                r = (z3.BoolVal(v), z3.BoolVal(not v))
            case Cmp() | In():
                names = [f for _, f in e.terms] if isinstance(e, Cmp) else [e.fact]
                kn = mk_and([known(f) for f in names])
                if z3.is_false(kn):
                    r = (FALSE, FALSE)
                else:
                    rel = self.to_smt(e, term, {})
                    r = (mk_and([kn, rel]), mk_and([kn, mk_not(rel)]))
            case All(items):
                kids = [self.to_kleene(i, term, known, memo) for i in items]
                r = (mk_and([k[0] for k in kids]), mk_or([k[1] for k in kids]))
            case Any(items):
                kids = [self.to_kleene(i, term, known, memo) for i in items]
                r = (mk_or([k[0] for k in kids]), mk_and([k[1] for k in kids]))
            case Not(item):
                t, f = self.to_kleene(item, term, known, memo)
                r = (f, t)
            case AtLeast(k, items):
                kids = [self.to_kleene(i, term, known, memo) for i in items]
                r = (mk_atleast(k, [x[0] for x in kids]), mk_atleast(len(kids) - k + 1, [x[1] for x in kids]))
            case _:
                assert_never(e)
        memo[id(e)] = r
        return r


def lin_value(m: z3.ModelRef, enc: Encoder, lin: Lin) -> Fraction:
    return lin.const + sum((c * model_int(m, enc.var(n)) for n, c in lin.coefs), Fraction(0))


# --- three-valued status of a given profile (the backend contract) --------------------------------


@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def node_status(prog: Program, facts: Facts) -> dict[int, bool | None]:
    """Kleene truth of every node of ``prog`` for ``facts`` (``None``: unknown), computed with z3.

    Dual rail (``Encoder.to_kleene``): each node gets two z3 terms, "is true" and "is false" under
    the partial assignment; a comparison with an unknown fact has both rails false. With every known
    fact a constant the rails fold to constants (z3's simplifier decides each comparison); agreement
    with ``solver.decide.reference_status`` is tested by hypothesis.
    """
    enc = Encoder()
    values = facts.values
    rails: dict[int, tuple[z3.BoolRef, z3.BoolRef]] = {}

    def term(f: str) -> Lin:
        return Lin.of(values.get(f, Fraction(0)))

    def known(f: str) -> z3.BoolRef:
        return TRUE if f in values else FALSE

    out: dict[int, bool | None] = {}
    for n in prog.nodes:
        t, f = enc.to_kleene(n, term, known, rails)
        t, f = z3.simplify(t), z3.simplify(f)
        out[id(n)] = True if z3.is_true(t) else False if z3.is_true(f) else None
    return out

