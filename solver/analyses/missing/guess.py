"""The likely optimum of a ``missing`` question, read off the rules in one pass (z3 proves it)."""

from __future__ import annotations

import math
from fractions import Fraction

from policy.expr import TRUE, All, Any, AtLeast, Cmp, Expr, In, children, compare, evaluate
from solver.backends.smt.change import WAIT, ChangeModel
from solver.backends.smt.space import scale_of


def guess(m: ChangeModel, pathway: str | None) -> tuple[int, int] | None:
    """The likely optimum (assumed facts, cost in the units of ``cost_expr``) of the goal, read off
    the rules in one pass: each failing comparison of an effort or time fact is met alone (the steps
    of the fact to the threshold, the months of waiting until it is reached; an unknown fact is
    assumed, at no cost); a conjunction needs all of its parts (per fact the largest move, one wait
    for all time facts), a disjunction its best part, fewest assumptions first. Most answers are
    exactly this; ``lexmin`` tries it first and proves the answer with z3 either way. ``None``: the
    guess finds no way (z3 may still find one)."""
    prog = m.epochs[0][2]
    tops = [prog.root] if pathway is None else [prog.base, prog.pathway.get(pathway, TRUE)]
    values = m.facts.values
    Need = dict[tuple[str, str], Fraction]  # (kind, fact) -> points; kind "?" = an assumed fact

    def single(name: str, targets: list[Fraction]) -> Need | None:
        f = m.fx.get(name)
        if f is None or f.kind == "assumed":
            return {("?", name): Fraction(0)}  # unknown now: assumed, at no cost
        if f.kind not in ("effort", "time") or f.before is None:
            return None
        spec = m.vocab.spec(name)
        best: Fraction | None = None
        for t in targets:
            if f.kind == "time":
                pm = spec.change.per_month
                c = Fraction(math.ceil((t - f.before) / pm)) if pm > 0 and t > f.before else None
            elif spec.type == "bool" or (spec.type == "enum" and not spec.ordered):
                c = spec.change.cost
            else:
                c = spec.change.cost * math.ceil(abs(t - f.before) / spec.change.unit)
            if c is not None and (best is None or c < best):
                best = c
        return None if best is None else {("wait", WAIT) if f.kind == "time" else ("effort", name): best}

    def total(need: Need) -> tuple[int, Fraction]:
        return sum(k == "?" for k, _ in need), sum(need.values(), Fraction(0))

    def merge(needs: list[Need]) -> Need:
        out: Need = {}
        for n in needs:
            for f, c in n.items():
                out[f] = max(out.get(f, c), c)
        return out

    memo = m.needs  # the base and shared clauses, once per question

    def go(e: Expr) -> tuple[bool, Need | None]:
        hit = memo.get(id(e))
        if hit is None:
            hit = memo[id(e)] = need_of(e)
        return hit

    def need_of(e: Expr) -> tuple[bool, Need | None]:
        """(true now, what making it true needs — ``None``: impossible), bottom-up in one pass."""
        match e:
            case Cmp(terms=((c, name),)):
                if evaluate(e, values) is True:
                    return True, {}
                t, sc = e.rhs / c, scale_of(m.vocab.spec(name))
                return False, single(name, [x for x in (t - sc, t, t + sc) if compare(c * x, e.op, e.rhs)])
            case In(fact=name):
                if evaluate(e, values) is True:
                    return True, {}
                return False, single(name, [Fraction(v) for v in e.values])
            case All() | Any() | AtLeast():
                kids = [go(k) for k in children(e)]
                k = len(kids) if isinstance(e, All) else e.k if isinstance(e, AtLeast) else 1
                if sum(t for t, _ in kids) >= k:
                    return True, {}
                ns = sorted((n for _, n in kids if n is not None), key=total)
                if isinstance(e, All):
                    return False, None if len(ns) < len(kids) else merge(ns)
                return False, None if len(ns) < k else merge(ns[:k])
        return evaluate(e, values) is True, {}  # a negation or a sum of facts: not guessed

    parts = [go(t)[1] for t in tops]  # (memo keyed by node: the program's nodes live as long as it)
    if any(n is None for n in parts):
        return None
    assumed, cost = total(merge(parts))
    return assumed, int(cost * math.lcm(*(c.denominator for c, _ in m.costs)))

