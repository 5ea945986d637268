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


def minimal_core(s: z3.Solver, core: list[z3.BoolRef]) -> list[z3.BoolRef]:
    """Deletion-based minimisation: every literal left is needed for unsat."""
    core = list(core)
    for lit in list(core):
        trial = [c for c in core if not c.eq(lit)]
        if not check(s, *trial):
            core = trial
    return core


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

    def _minimise(self, on: list[z3.BoolRef], name: str, bound: Callable[[int], z3.BoolRef],
                  value: Callable[[z3.ModelRef], int], lo: int, model: z3.ModelRef) -> tuple[z3.ModelRef, int]:
        """Smallest value ≥ ``lo`` of an integer objective: galloping up from ``lo`` (the optimum is
        usually small: one or two facts changed), then bisection once a model bounds it."""
        hi, step, gallop = value(model), 1, True
        while lo < hi:
            mid = min(lo + step - 1, hi - 1) if gallop else (lo + hi) // 2
            if check(self.s, *on, self.lit((name, mid), lambda mid=mid: bound(mid))):
                model = self.s.model()
                hi, gallop = value(model), False
            else:
                lo, step = mid + 1, step * 2
        return model, hi

    def closest_model(self, goal: list[z3.BoolRef], ref: Mapping[str, Fraction]) -> z3.ModelRef | None:
        """A model of background ∧ goal as close to ``ref`` as possible, or ``None`` if there is none.

        Two phases, exact: (1) the fewest facts different from ``ref`` (a cardinality bound over "fact
        differs" literals, minimised on the incremental solver); (2) with the other facts pinned to
        ``ref``, the smallest changes (Σ |x − ref|) of the numeric facts that had to change.
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
        model, _ = self._minimise(
            on, f"changed:{hash(rkey)}", lambda k: z3.AtMost(*diffs, k) if k < len(diffs) else TRUE,
            lambda m: m.eval(count, model_completion=True).as_long(), 0, s.model())
        changed = [(n, x, t) for n, x, t in targets if model_int(model, x) != t]
        numeric = [(n, x, t) for n, x, t in changed
                   if space.vocab.spec(n).type in ("money", "money_list", "int", "decimal")]
        if not numeric:
            return model
        moved = {n for n, _, _ in changed}
        pins = [x == t for n, x, t in targets if n not in moved]
        size = z3.Sum([z3.If(x >= t, x - t, t - x) for _, x, t in numeric])
        o = self._opt
        if o is None:
            o = self._opt = new_optimize(self.rlimit)
            o.add(*space.background())
        o.push()
        try:
            o.add(g, *pins)
            o.minimize(size)
            return o.model() if check(o) else model
        finally:
            o.pop()


