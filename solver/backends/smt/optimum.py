"""The cheapest change: lexicographic minimisation over a ``ChangeModel`` (fewest assumed facts, then
fewest points, then the smallest deltas), alternatives by blocking change sets, and the fixed facts
of a canonical minimal core when the goal cannot be reached."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import z3

from policy.expr import TRUE, facts_of
from solver.backends.smt.change import AGE, BIRTH, MTR, MTR_MIN, WAIT, ChangeModel
from solver.backends.smt.session import canonical_core, check, minimise
from solver.backends.smt.space import scale_of
from solver.backends.smt.terms import mk_and, mk_or, model_int
from solver.program import comparisons


def wait_of(m: ChangeModel, model: z3.ModelRef) -> int:
    return model.eval(m.w, model_completion=True).as_long()



def lexmin(m: ChangeModel, on: list[z3.BoolRef], objectives: list[tuple[str, z3.ArithRef]],
            floors: dict[str, int] | None = None, hints: dict[str, list[int]] | None = None,
            start: z3.ModelRef | None = None, lexfloor: list[int] | None = None,
            guess: Callable[[str, dict[str, int]], list[int]] | None = None) -> z3.ModelRef | None:
    """A model under the assumption literals ``on`` minimising the (non-negative, integer)
    ``objectives`` lexicographically, or ``None`` if there is none.

    Each objective is narrowed between its floor (0 unless ``floors`` knows better) and the value of
    the best model so far, with a bound literal per tried value (``objective ≤ b``) on the one
    incremental solver (``session.minimise``): first what ``guess`` proposes, then the other likely
    optima — the floor and the ``hints`` (e.g. a threshold). Nothing is re-asserted and the solver
    keeps what it learnt between queries. ``start``: a model known to
    satisfy ``on`` (spares the first check). ``lexfloor``: a lexicographic lower bound on the
    objectives (the optimum of a less constrained query: the overall answer for a pathway, the
    previous alternative for the next one).
    """
    s = m.s
    model = start
    if model is None and guess is not None:
        # The first model asked for at the guessed optima, if they are known: when they hold, the
        # search below only has to prove them (and the check that merely finds a model is spared).
        pins, done = [], {}
        for name, expr in objectives:
            g = guess(name, done)
            if not g:
                break
            pins.append(m.at_most(name, expr, g[0]))
            done[name] = g[0]
        if pins and check(s, *on, *pins):
            model = s.model()
    if model is None:
        if not check(s, *on):
            return None
        model = s.model()
    fixed = list(on)
    tight = lexfloor is not None  # every objective so far ended at its lexicographic floor
    done: dict[str, int] = {}
    for i, (name, expr) in enumerate(objectives):
        lo, hi = (floors or {}).get(name, 0), model_int(model, expr)
        if tight:
            lo = max(lo, min(lexfloor[i], hi))
        # The guessed optimum first; else the likely optima (the floor, the hints): ``minimise``.
        model, hi = minimise(s, fixed, lambda b, name=name, expr=expr: m.at_most(name, expr, b),
                             lambda mod, expr=expr: model_int(mod, expr), lo, model,
                             likely=(hints or {}).get(name, []), pending=guess(name, done) if guess else [])
        tight = tight and hi == lexfloor[i]
        done[name] = hi
        fixed.append(m.at_most(name, expr, hi))
    return model



def objectives(m: ChangeModel) -> list[tuple[str, z3.ArithRef]]:
    return ([("assumed", m.assumptions())] if m.assume else []) + [("cost", m.cost_expr())]


def values_of(m: ChangeModel, model: z3.ModelRef) -> list[int]:
    return [model.eval(e, model_completion=True).as_long() for _, e in objectives(m)]



def optimum(m: ChangeModel, pathway: str | None, blocks: list[z3.BoolRef], likely: tuple[int, int] | None,
            lexfloor: list[int] | None = None, hints: dict[str, list[int]] | None = None) -> z3.ModelRef | None:
    """The cheapest model of the goal (fewest assumed unknown facts, then fewest points), or ``None``.

    Waiting costs a point a month, so an answer costing C cannot be beaten by waiting past month C:
    the first query bounds the wait to the current epoch. Then, if a later epoch starting before C
    exists (or the answer relies on an assumed fact, which waiting might spare), one satisfiability
    check asks whether those epochs hold anything better; only if so is the optimum searched again
    over the longer horizon. With nothing found in the current epoch, all epochs are searched.

    First, though, the optimum guessed from the rules (``likely``: assumed facts, cost) is tried: a model at it, then one
    check that no epoch holds anything lexicographically better, is the usual whole search.
    """
    n = len(m.epochs)
    objs = objectives(m)
    fixed = [*blocks, *m.fix.values()]

    def guess(name: str, done: dict[str, int]) -> list[int]:
        """The guessed optimum of an objective, while the objectives before it met their guesses."""
        if likely is None or done.get("assumed", likely[0]) != likely[0]:
            return []
        return [likely[0]] if name == "assumed" else [likely[1]]

    den = math.lcm(*(c.denominator for c, _ in m.costs))
    cost = m.cost_expr()

    def better_than(relied: int, best: int, epochs: list[int]) -> z3.BoolRef:
        """A literal for "eligible after a wait in ``epochs``, lexicographically better than (relied,
        best)": fewer assumed facts, or as many and fewer points."""
        return m.lit(("better", pathway, relied, best, tuple(epochs)), lambda: mk_and([
            mk_or([m.goal_in(pathway, i) for i in epochs]),
            mk_or([m.assumptions() < relied, mk_and([m.assumptions() == relied, cost < best])]) if m.assume
            else cost < best]))

    def horizon(relied: int, best: int) -> list[int]:
        # waiting costs a point a month: an epoch starting at month ≥ best cannot do better, unless
        # the answer relies on an assumed fact (which waiting might spare)
        return [i for i in range(1, n) if relied or m.epochs[i][0] * den < best]

    if likely is not None and not blocks:
        # The guessed optimum, when it holds, is proved in one check over every epoch that might beat
        # it (none is needed when it meets the lexicographic floor).
        pins = [m.at_most(name, expr, g[0]) for name, expr in objs for g in [guess(name, {})] if g]
        if check(m.s, m.act(pathway, 0), *fixed, *pins):
            model = m.s.model()
            vals = values_of(m, model)
            relied, best = (vals[0] if m.assume else 0), vals[-1]
            if vals == lexfloor or not check(m.s, better_than(relied, best, [0, *horizon(relied, best)]), *fixed):
                return model
    model = lexmin(m, [m.act(pathway, 0), *fixed], objs, hints=hints, lexfloor=lexfloor, guess=guess)
    if n == 1:
        return model
    if model is None:
        return lexmin(m, [m.act(pathway), *fixed], objs, hints=hints, lexfloor=lexfloor, guess=guess)
    relied = model.eval(m.assumptions(), model_completion=True).as_long() if m.assume else 0
    best = model.eval(cost, model_completion=True).as_long()
    later = horizon(relied, best)
    if not later:
        return model
    better = better_than(relied, best, later)
    if not check(m.s, better, *fixed):
        return model
    # The optimum over the longer horizon beats the current epoch's, so it satisfies ``better``:
    # the search starts from the model just found.
    start = m.s.model()
    return lexmin(m, [m.act(pathway, later[-1]), better, *fixed], objs, hints=hints, lexfloor=lexfloor,
                   start=start, guess=guess)



def block(m: ChangeModel, names: list[str]) -> z3.BoolRef:
    """A literal for "at least one of these changes is left out" (the next alternative)."""
    return m.lit(("block", tuple(names)), lambda: mk_or([z3.Not(m.changed(n)) for n in names]))



def smallest(m: ChangeModel, model: z3.ModelRef, pathway: str | None, blocks: list[z3.BoolRef]) -> z3.ModelRef:
    """Second phase: the same change set, wait, assumptions and cost, with the smallest deltas (the
    income lands on 14,111, not anywhere in the same 1,000-元 step). The wait is pinned, so only the
    goal of its epoch is needed. One numeric fact moved (the usual case): its step count is then
    fixed, which bounds the delta from below, and the thresholds it is compared with are the likely
    answers (``_lexmin`` hints)."""
    model = canonical(m, model, pathway, blocks)
    ev = lambda x: model.eval(x, model_completion=True)  # noqa: E731
    wait, vals = read(m, model)
    moved = [f for f in m.fx.values() if f.kind == "effort" and vals[f.name] != f.before]
    numeric = [f for f in moved if m.vocab.spec(f.name).type not in ("bool", "enum")]
    if not numeric:
        return model
    cost = model_int(model, m.cost_expr())
    relied = m.relied(model)
    pins = [m.w == wait, m.cost_expr() == cost]
    pins += [f.delta == 0 for f in m.fx.values() if f.kind == "effort" and f not in moved]
    pins += [k if n in relied else z3.Not(k) for n, k in m.assume.items()]
    pin = m.lit(("pin", len(m._lits)), lambda: mk_and(pins))
    key = "size:" + "+".join(f.name for f in moved)
    size = z3.Sum([z3.If(f.delta >= 0, f.delta, -f.delta) for f in moved])
    epoch = m.epoch_of(wait)
    floors, hints = {}, {}
    flat = all(f in numeric or m.vocab.spec(f.name).type == "bool" or not m.vocab.spec(f.name).ordered
               for f in moved)
    if len(numeric) == 1 and flat:
        # The cost is pinned and the others moved cost a fixed amount each, so the fact keeps its
        # n steps: fewer would have been a cheaper answer.
        f = numeric[0]
        spec = m.vocab.spec(f.name)
        sc, unit, n = scale_of(spec), spec.change.unit, ev(f.steps).as_long()
        floors[key] = max(1, math.floor((n - 1) * unit / sc) + 1) if n else 1
        prog = m.epochs[epoch][2]
        exprs = [prog.root] if pathway is None else [prog.base, prog.pathway.get(pathway, TRUE)]
        cands: set[int] = set()
        for top in exprs:
            for c in comparisons(top, f.name):
                t = abs(c.rhs / c.terms[0][0] - f.before) / sc
                cands |= {math.ceil(t), math.floor(t) + 1}
        hints[key] = sorted(cands)
    else:
        # Several facts moved: each likely lands on a threshold it is compared with (the closest one
        # at or below its move in the model found), so their sum is the likely optimum.
        prog = m.epochs[epoch][2]
        exprs = [prog.root] if pathway is None else [prog.base, prog.pathway.get(pathway, TRUE)]
        total = 0
        for f in moved:
            now = abs(ev(f.delta).as_long())
            below: set[int] = set()
            if f in numeric:
                sc = scale_of(m.vocab.spec(f.name))
                for top in exprs:
                    for c in comparisons(top, f.name):
                        t = abs(c.rhs / c.terms[0][0] - f.before) / sc
                        below |= {x for x in (math.ceil(t), math.floor(t) + 1) if 0 < x <= now}
            total += max(below, default=now)
        hints[key] = [total]
    out = lexmin(m, [m.act_in(pathway, epoch), *blocks, *m.fix.values(), pin], [(key, size)], floors, hints, model)
    return out if out is not None else model



def canonical(m: ChangeModel, model: z3.ModelRef, pathway: str | None, blocks: list[z3.BoolRef]) -> z3.ModelRef:
    """The canonical one of the optima tied with ``model`` (as many assumed facts, as many points):
    the facts are taken in name order (the waiting first), each left unchanged (an unknown fact: not
    relied on) whenever some optimum still allows it; then the shortest wait. Each step asks whether
    an optimum exists, a question about the rules and the profile alone, so the answer does not depend
    on the model the solver happened to return (which depends on what it learnt from earlier queries).
    A fact the current model already leaves unchanged needs no query."""
    cost = model_int(model, m.cost_expr())
    pins = [m.at_most("cost", m.cost_expr(), cost)]
    if m.assume:
        pins.append(m.at_most("assumed", m.assumptions(), model_int(model, m.assumptions())))
    base = [m.act(pathway), *blocks, *m.fix.values(), *pins]
    names = [WAIT] + sorted(n for n, f in m.fx.items() if f.kind == "effort" or n in m.assume)
    for name in names:
        ch = m.changed(name)
        if z3.is_true(model.eval(ch, model_completion=True)):
            keep = m.lit(("same", name), lambda ch=ch: z3.Not(ch))
            if check(m.s, *base, keep):
                model = m.s.model()
                base.append(keep)
        else:
            base.append(m.lit(("same", name), lambda ch=ch: z3.Not(ch)))
    if model_int(model, m.w) > 0:
        out = lexmin(m, base, [("wait", m.w)], start=model)
        model = out if out is not None else model
    return model



def blockers(m: ChangeModel, pathway: str | None) -> list[str]:
    """The fixed facts (names) of a minimal unsat core: with them free, the goal would be reachable.

    Several minimal cores may exist; the one named is the first in the order of the fixed facts, those
    the pathway's own clauses read first (``session.canonical_core``)."""
    lits = list(m.fix.values())
    if pathway is not None:
        # the facts the pathway's own clauses read come first: "not reachable (no innovation-service
        # firm)" says more about that pathway than the district every pathway needs
        own = facts_of(m.epochs[0][2].pathway.get(pathway, TRUE))
        own |= {BIRTH} if own & {AGE, MTR, MTR_MIN} else set()
        lits = [m.fix[n] for n in m.fix if n in own] + [m.fix[n] for n in m.fix if n not in own]
    core = canonical_core(m.s, [m.act(pathway)], lits) or []
    return [name for name, lit in m.fix.items() if any(lit.eq(c) for c in core)]



def read(m: ChangeModel, model: z3.ModelRef) -> tuple[int, dict[str, Fraction]]:
    """The wait and every fact's value in ``model`` (assumed facts only where the model relies on
    them). Every query keeps the ``fix_`` literals on, so a fixed fact keeps its value and one bound
    to the birth date moves with the wait: only the other variables are read from the model."""
    wait = wait_of(m, model)
    relied = m.relied(model)
    ints: dict[str, int] = {WAIT: wait}  # each variable read once (the time facts share the wait)
    new: dict[str, Fraction] = {}
    for name, f in m.fx.items():
        if f.kind == "fixed":
            new[name] = f.before
            continue
        if f.kind == "age":
            new[name] = f.before + m.vocab.spec(name).change.per_month * wait
            continue
        if f.kind == "assumed" and name not in relied:
            continue
        lin = f.lin
        val = lin.const
        for n, c in lin.coefs:
            x = ints.get(n)
            if x is None:
                x = ints[n] = model_int(model, m.enc.var(n))
            val += c * x
        new[name] = val
    return wait, new

