"""The z3 session rules (claripy / CrossHair style): every query runs on a solver with a fixed seed
and an ``rlimit`` work budget (not wall-clock time, so answers are reproducible); z3 ``unknown``
raises ``BudgetExhausted`` — "unknown (budget exhausted)" to the user — never a crash. ``Session``
is one incremental solver over a ``Space``'s background for many queries.

Example:
    >>> s = new_solver()
    >>> x = z3.Int("x")
    >>> s.add(x > 2, x < 4)
    >>> check(s), s.model()[x]
    (True, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

import z3

from solver.backends.smt.space import MTR, MTR_MIN, Space
from solver.backends.smt.terms import TRUE, mk_and, mk_implies, model_int

RLIMIT = 50_000_000  # z3 work units per query: a few seconds at most, far above what any query here needs
SEED = 0

z3.set_param("smt.random_seed", SEED)

UNKNOWN_TEXT = "unknown (budget exhausted)"


class BudgetExhausted(Exception):
    """z3 answered ``unknown``: the work budget (rlimit) ran out before an answer."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        super().__init__(UNKNOWN_TEXT + (f": {reason}" if reason else ""))


# --- sessions ----------------------------------------------------------------------------------


def new_solver(rlimit: int = RLIMIT) -> z3.Solver:
    s = z3.SolverFor("QF_LIA")
    s.set("random_seed", SEED)
    s.set("rlimit", rlimit)
    return s


def new_optimize(rlimit: int = RLIMIT) -> z3.Optimize:
    o = z3.Optimize()
    o.set("rlimit", rlimit)
    o.set("random_seed", SEED)
    return o


def check(s: z3.Solver | z3.Optimize, *assumptions: z3.BoolRef) -> bool:
    """``True`` sat, ``False`` unsat; ``unknown`` raises ``BudgetExhausted``."""
    try:
        if type(s) is z3.Solver:
            # z3's ``Solver.check`` re-casts every assumption through the Python layer (a few µs
            # each, ~20 literals a check in ``missing``): the C API is called directly instead.
            n = len(assumptions)
            arr = (z3.Ast * n)(*(a.as_ast() for a in assumptions))
            r = z3.CheckSatResult(z3.Z3_solver_check_assumptions(s.ctx.ref(), s.solver, n, arr))
        else:
            r = s.check(*assumptions)
    except z3.Z3Exception as e:  # z3 errors are translated, never leaked
        raise BudgetExhausted(str(e)) from None
    if r == z3.sat:
        return True
    if r == z3.unsat:
        return False
    raise BudgetExhausted(s.reason_unknown())


def minimise(s: z3.Solver, on: list[z3.BoolRef], at_most: Callable[[int], z3.BoolRef],
             value: Callable[[z3.ModelRef], int], lo: int, model: z3.ModelRef, likely: Iterable[int] = (),
             pending: Iterable[int] = (), gallop_up: bool = False) -> tuple[z3.ModelRef, int]:
    """The one integer minimiser: the smallest value ≥ ``lo`` of an objective under the assumption
    literals ``on``, starting from ``model`` (which bounds it from above); ``at_most(b)`` is a literal
    for "objective ≤ b" (cached by the caller, so the incremental solver keeps what it learnt).

    Strategy (every answer is proven by z3; a strategy only chooses the next bound to try): first the
    ``pending`` guesses; else a binary search over the ``likely`` optima (``lo`` among them); under an
    answer that sits on a likely optimum, one check just under it, then a gallop down (2, 4, 8 …);
    with ``gallop_up``, a gallop up from ``lo`` (1, 2, 4 … over: the optimum is usually small); then
    bisection. Exact, like z3's ``Optimize``, and several times faster on these queries.
    """
    hi = value(model)
    pending = list(pending) if lo < hi else []
    likely = sorted({lo, *likely})
    on_likely = hi in likely[1:] or hi in pending
    under, step, up = on_likely, int(on_likely), int(gallop_up)
    while lo < hi:
        if pending:
            mid, kind = pending.pop(0), "likely"
            if not lo <= mid < hi:
                continue
        elif step:
            mid, kind = max(lo, hi - step), "down"
        elif up:
            mid, kind = min(lo + up - 1, hi - 1), "up"
        else:
            inside = [g for g in likely if lo <= g < hi]
            if inside:
                mid, kind = inside[(len(inside) - 1) // 2], "likely"
            else:
                mid, kind = (lo + hi) // 2, "bisect"
        if check(s, *on, at_most(mid)):
            model = s.model()
            hi = value(model)
            if kind == "likely" and not under:
                under, step = True, 1
            elif kind == "down":
                step = max(2, 2 * step)
            elif kind == "up":
                up = 0
        else:
            lo, step = mid + 1, 0
            up *= 2
    return model, hi


def canonical_core(s: z3.Solver, on: list[z3.BoolRef], lits: list[z3.BoolRef]) -> list[z3.BoolRef] | None:
    """The one minimal-core routine: ``None`` if ``on`` ∧ ``lits`` is satisfiable; else a minimal
    subset of ``lits`` that is unsatisfiable with ``on`` — the first in the order of ``lits`` (a
    QuickXplain-style progression: the shortest prefix of the rest that is unsatisfiable with the core
    so far ends with a literal of the core, found by bisection; then again with it kept). It depends
    only on which subsets are unsatisfiable, never on the solver's history (z3's own unsat core does,
    through the order its terms were created in).

    Example:
        >>> a, b, c = z3.Bools("a b c")
        >>> s = new_solver()
        >>> s.add(z3.Implies(a, z3.Not(c)), z3.Implies(b, z3.Not(c)))
        >>> canonical_core(s, [], [a, b, c]), canonical_core(s, [], [b, a, c]), canonical_core(s, [], [a, b])
        ([a, c], [b, c], None)
    """
    if check(s, *on, *lits):
        return None
    core: list[z3.BoolRef] = []
    rest = list(lits)
    while check(s, *on, *core):
        lo, hi = 1, len(rest)  # core + rest[:hi] is unsatisfiable; find the shortest such prefix
        while lo < hi:
            mid = (lo + hi) // 2
            if check(s, *on, *core, *rest[:mid]):
                lo = mid + 1
            else:
                hi = mid
        core.append(rest[hi - 1])
        rest = rest[:hi - 1]
    return [x for x in lits if any(x.eq(c) for c in core)]


def _targets(space: Space, ref: Mapping[str, Fraction]) -> list[tuple[str, z3.ArithRef, int]]:
    out = []
    for name, v in ref.items():
        if not space.is_free(name) or name in (MTR, MTR_MIN):
            continue
        lin = space.term(name)
        target = v / lin.coefs[0][1]
        if target.denominator == 1:
            out.append((name, space.enc.var(lin.coefs[0][0]), int(target)))
    return out



def closest_model(space: Space, goal: list[z3.BoolRef], ref: Mapping[str, Fraction],
                  rlimit: int = RLIMIT) -> z3.ModelRef | None:
    """A model of background ∧ goal as close to ``ref`` as possible, or ``None`` if there is none
    (a one-query ``Session``; see ``Session.closest_model``)."""
    return Session(space, rlimit).closest_model(goal, ref)


class Session:
    """One incremental solver over a ``Space``'s background, for many queries.

    The background is asserted (and internalised by z3) once; each query's goal, and every bound an
    optimisation tries, is switched on by a literal passed as an assumption (``lit``), so queries
    share the encoding and what the solver learnt, and nothing is retracted. Identical queries are
    answered once (``closest_model`` is cached by the goal's AST and the reference).
    """

    def __init__(self, space: Space, rlimit: int = RLIMIT) -> None:
        self.space, self.rlimit = space, rlimit
        self.s = new_solver(rlimit)
        self.s.add(*space.background())
        self._lits: dict[tuple, z3.BoolRef] = {}
        self._closest: dict[tuple, z3.ModelRef | None] = {}
        self._targets: dict[tuple, tuple] = {}
        self._opt: z3.Optimize | None = None

    def lit(self, key: tuple, make: Callable[[], z3.BoolRef]) -> z3.BoolRef:
        """A literal that switches ``make()`` on (asserted once as ``lit ⇒ make()``), cached by ``key``."""
        b = self._lits.get(key)
        if b is None:
            b = self._lits[key] = z3.Bool(f"{self.space.tag}on{len(self._lits)}")
            self.s.add(mk_implies(b, make()))
        return b

    def on(self, goal: Iterable[z3.BoolRef]) -> z3.BoolRef:
        g = mk_and(goal)
        return self.lit(("goal", g.get_id()), lambda: g)

    def sat(self, goal: Iterable[z3.BoolRef]) -> bool:
        return check(self.s, self.on(goal))

    def closest_model(self, goal: list[z3.BoolRef], ref: Mapping[str, Fraction]) -> z3.ModelRef | None:
        """A model of background ∧ goal as close to ``ref`` as possible, or ``None`` if there is none.

        Exact and canonical: (1) the fewest facts different from ``ref`` (a cardinality bound over "fact
        differs" literals, minimised on the incremental solver), the facts that change chosen in the
        order of their names; (2) with the other facts pinned to ``ref``, the smallest changes
        (Σ |x − ref|) of the numeric facts that had to change, then the first choices of the enums.
        """
        g = mk_and(goal)
        key = (g.get_id(), tuple(sorted(ref.items())))
        if key in self._closest:
            return self._closest[key]
        out = self._closest[key] = self._closest_model(g, ref)
        return out

    def _closest_model(self, g: z3.BoolRef, ref: Mapping[str, Fraction]) -> z3.ModelRef | None:
        space, s = self.space, self.s
        on = [self.on([g])]
        if not check(s, *on):
            return None
        rkey = tuple(sorted(ref.items()))
        if rkey not in self._targets:
            ts = _targets(space, ref)
            diffs = [x != t for _, x, t in ts]
            self._targets[rkey] = (ts, diffs, z3.Sum([z3.If(d, 1, 0) for d in diffs]) if diffs else None)
        targets, diffs, count = self._targets[rkey]
        if not targets:
            return s.model()
        name = f"changed:{hash(rkey)}"

        def at_most(k: int) -> z3.BoolRef:
            return self.lit((name, k), lambda: z3.AtMost(*diffs, k) if k < len(diffs) else TRUE)

        model, k = minimise(s, on, at_most, lambda m: model_int(m, count), 0, s.model(), gallop_up=True)
        # Which facts change, canonically: among the sets of k changes, keep the facts at the reference
        # value in the order of their names as long as one still can (a pin the current model already
        # meets needs no check). Equally close witnesses are many; this picks one that does not depend
        # on what the solver did before.
        pinned = []
        for n, x, t in sorted(targets, key=lambda nxt: nxt[0]):
            pin = self.lit(("ref", n, t), lambda x=x, t=t: x == t)
            if model_int(model, x) == t:
                pinned.append(pin)
            elif check(s, *on, at_most(k), *pinned, pin):
                model = s.model()
                pinned.append(pin)
        changed = [(n, x, t) for n, x, t in targets if model_int(model, x) != t]
        numeric = [(n, x, t) for n, x, t in changed
                   if space.vocab.spec(n).type in ("money", "money_list", "int", "decimal")]
        choices = [x for n, x, t in changed if space.vocab.spec(n).type == "enum"]
        if not numeric and not choices:
            return model
        moved = {n for n, _, _ in changed}
        pins = [x == t for n, x, t in targets if n not in moved]
        o = self._opt
        if o is None:
            o = self._opt = new_optimize(self.rlimit)
            o.add(*space.background())
        o.push()
        try:
            o.add(g, *pins)
            # the smallest changes of the numbers, then the first choices that work (lexicographic)
            if numeric:
                o.minimize(z3.Sum([z3.If(x >= t, x - t, t - x) for _, x, t in numeric]))
            for x in choices:
                o.minimize(x)
            return o.model() if check(o) else model
        finally:
            o.pop()


