"""The applicant who may change, as z3 terms: the encoding of one ``missing`` question.

Every fact a rule reads becomes a linear form (``Lin``): fixed (bound by an assumption literal
``fix_<fact>`` so unsat cores name it), moving with the one wait variable (time facts, age), changed
at a cost (effort: value now + a delta, cost per step of the vocabulary's ``unit``) or unknown
(assumed, free at no cost). See ``solver/analyses/missing`` for the question and its answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import z3

from policy.caching import cache
from policy.expr import Expr, evaluate, facts_of
from policy.load import Policy
from policy.model import Jurisdiction
from solver.backends.smt.encode import Encoder
from solver.backends.smt.session import new_solver
from solver.backends.smt.space import AGE, MTR, MTR_MIN, scale_of
from solver.backends.smt.terms import TRUE, Lin, mk_and, mk_implies, mk_or, model_int
from solver.facts import Facts
from solver.program import Program

MAX_WAIT_MONTHS = 360  # suggestions look at most 30 years ahead
WAIT = "wait_months"
BIRTH = "applicant.birth_date"

Epochs = list[tuple[int, int, Program]]  # (first month, last month, program) of each stretch of waiting


@dataclass(frozen=True, eq=False)  # shared between models (``_encode_fact`` is cached): never changed
class _Fact:
    name: str
    kind: str  # fixed | time | effort | assumed | age
    lin: Lin
    before: Fraction | None
    delta: z3.ArithRef | None = None  # effort: the change, in scaled units
    steps: z3.ArithRef | None = None
    sym: Lin | None = None  # time/effort: ``lin`` with the value now a variable (``_Goals``)
    unit: Fraction | None = None  # the value now = that variable × unit


class _Goals:
    """The goal formulas of one family of questions, shared across calls.

    A time or effort fact's value now enters the goals as a variable ``v:<fact>`` (× a unit), so the
    formulas depend only on the epochs (policy, jurisdiction version, date, wage, mode) and on each
    fact's kind; each question substitutes its own values (``z3.substitute``, folded by z3's rewriter
    when asserted) into a fresh solver, so answers do not depend on the call history.
    """

    def __init__(self, epochs: list[tuple[int, int, Program]], terms: dict[str, Lin], assumed: frozenset[str]):
        self.epochs, self.terms = epochs, terms
        self.enc = Encoder()
        self.known = {n: z3.Bool(f"k:{n}") for n in assumed}
        self.memo: dict[int, tuple[z3.BoolRef, z3.BoolRef]] = {}
        self.goals: dict[tuple[str | None, int], z3.BoolRef] = {}
        self.w = self.enc.var(WAIT)

    def _known(self, name: str) -> z3.BoolRef:
        return self.known.get(name, TRUE)

    def holds(self, e: Expr) -> z3.BoolRef:
        return self.enc.to_kleene(e, self.terms.__getitem__, self._known, self.memo)[0]

    def goal_in(self, pathway: str | None, i: int) -> z3.BoolRef:
        key = (pathway, i)
        g = self.goals.get(key)
        if g is None:
            lo, hi, p = self.epochs[i]
            if pathway is None:
                g = self.holds(p.root)
            elif pathway in p.pathway:
                g = mk_and([self.holds(p.base), self.holds(p.pathway[pathway])])
            else:
                g = z3.BoolVal(False)
            g = self.goals[key] = mk_and([self.w >= lo, self.w <= hi, g])
        return g


@cache(256, identity=(0,))
def _goals_slot(epochs: Epochs, shape: tuple) -> dict:
    """Where the shared goal formulas of one family of questions live: the epochs (one object per
    policy, jurisdiction version, date, wage and mode — ``epochs`` is cached) and each fact's kind."""
    return {}


class ChangeModel:
    """The z3 encoding of one ``missing`` question.

    The stretches of waiting ("epochs": same rules, same wage) and the facts the rules read are cached
    per jurisdiction version, date, wage and mode (``_epochs``). The goal of each pathway in each epoch
    is encoded only when a query first needs it: a query starts with the waiting bounded to the
    current epoch and looks further only when that can help (``_optimum``).
    """

    def __init__(self, policy: Policy, j: Jurisdiction, facts: Facts, keep: set[str], allow: set[str],
                 lenient: bool, epochs: Epochs, relevant: frozenset[str]):
        self.policy, self.j, self.facts, self.lenient = policy, j, facts, lenient
        self.vocab = policy.vocabulary
        self.enc = Encoder()
        self.w = self.enc.var(WAIT)
        self.epochs = epochs
        self.progs = [p for _, _, p in self.epochs]
        cons = [c for c in self.vocab.constraints if c.validate]
        self.relevant = sorted(relevant)
        self.fix: dict[str, z3.BoolRef] = {}  # fixed fact -> its assumption literal
        self.hard: list[z3.BoolRef] = [self.w >= 0, self.w <= MAX_WAIT_MONTHS]
        self.costs: list[tuple[Fraction, z3.ArithRef]] = [(Fraction(1), self.w)]
        self.mags: list[z3.ArithRef] = []
        self.fx: dict[str, _Fact] = {}
        self.assume: dict[str, z3.BoolRef] = {}  # unknown fact -> "the suggestion relies on a value for it"
        for name in self.relevant:
            self.fx[name] = self._fact(name, keep, allow)
        for series in sorted({n.split("[", 1)[0] for n, f in self.fx.items() if f.kind == "series"}):
            self._series_window(series)
        for c in cons:
            fs = facts_of(c.when)
            if fs <= relevant and evaluate(c.when, facts.values) is not False:
                self.hard.append(self.enc.to_smt(c.when, self.term))
        if MTR in self.fx and MTR_MIN in self.fx:
            self.hard.append(self.enc.relation(self.fx[MTR].lin.plus(self.fx[MTR_MIN].lin, Fraction(-1)), "ge", 0))
        shape = tuple((n, f.kind, f.unit) for n, f in self.fx.items())
        slot = _goals_slot(self.epochs, shape)
        if "goals" not in slot:
            slot["goals"] = _Goals(self.epochs, {n: f.sym if f.sym is not None else f.lin for n, f in self.fx.items()},
                                   frozenset(self.assume))
        self.gs = slot["goals"]
        pairs = [(self.enc.var(f"v:{n}"), z3.IntVal(int(f.before / f.unit)))
                 for n, f in self.fx.items() if f.sym is not None]
        self._subst_keep = pairs  # the arrays below point into these ASTs
        self.subst = (len(pairs), (z3.Ast * len(pairs))(*(a.as_ast() for a, _ in pairs)),
                      (z3.Ast * len(pairs))(*(b.as_ast() for _, b in pairs)))
        self.memo: dict[int, tuple[z3.BoolRef, z3.BoolRef]] = {}
        self._goals: dict[tuple[str | None, int], z3.BoolRef] = {}
        self._cost: z3.ArithRef | None = None
        self._assumptions: z3.ArithRef | None = None
        self._mask: z3.ArithRef | None = None
        self.needs: dict[int, tuple] = {}  # ``_guess``'s memo
        # One incremental solver per question: goals, bounds and pins are switched on by literals
        # passed as assumptions (``lit``), so nothing is re-encoded or re-asserted between queries.
        self.s = new_solver()
        # Only the values of the variables are read back: z3 need not compact each model (~30% of
        # the time of ``model()``, asked after every sat check).
        self.s.set("model.compact", False)
        self.s.add(*self.hard)
        self._lits: dict[tuple, z3.BoolRef] = {}

    def _series_window(self, series: str) -> None:
        """A monthly series after waiting *w* months: item *i* is the month *i + w* of the series now while
        that is a past month, else a month to come. The months to come share one value, ``<series>[next]``:
        the latest month's value unless changed, at the fact's cost (an effort)."""
        spec = self.vocab.facts[series]
        names = spec.numeric_names
        now = [self.facts.values[n] for n in names]
        nxt = f"{series}[next]"
        enc = _encode_fact(spec, nxt, now[-1], "effort")
        self.hard += enc.hard
        self.costs.append(enc.cost)
        self.mags.append(enc.mag)
        self.fx[nxt] = enc.fact
        future = enc.fact.lin
        n = len(names)
        for i, name in enumerate(names):
            if name not in self.fx or self.fx[name].kind != "series":
                continue
            x = self.fx[name].lin
            for k in range(n - i):
                self.hard.append(mk_implies(self.w == k, self.enc.relation(x, "eq", now[i + k])))
            self.hard.append(mk_implies(self.w >= n - i, self.enc.relation(x.plus(future, Fraction(-1)), "eq", 0)))

    def term(self, name: str) -> Lin:
        return self.fx[name].lin

    def known(self, name: str) -> z3.BoolRef:
        return self.assume.get(name, z3.BoolVal(True))

    def holds(self, e: Expr) -> z3.BoolRef:
        """``e`` is true by Kleene logic, with the assumed unknown facts known."""
        return self.enc.to_kleene(e, self.term, self.known, self.memo)[0]

    def _fact(self, name: str, keep: set[str], allow: set[str]) -> _Fact:
        spec = self.vocab.spec(name)
        v = self.facts.values.get(name)
        kind = spec.change.kind
        if spec.series and v is not None and name not in keep and spec.name not in keep and \
                all(n in self.facts.values for n in spec.numeric_names):
            # A past month never changes: its value after waiting is read off the window (_series_window).
            return _Fact(name, "series", Lin.var(f"x:{name}"), v)
        if v is None:
            mode = "assumed"
        elif name in (AGE, MTR, MTR_MIN):
            mode = "age"
        elif kind == "time" and name not in keep:
            mode = "time"
        elif kind == "effort" and name not in keep and (spec.scope != "employer" or name in allow or
                                                         spec.name in allow):
            mode = "effort"
        else:
            mode = "fixed"
        enc = _encode_fact(spec, name, v, mode)
        self.hard += enc.hard
        if enc.fix is not None:
            self.fix.setdefault(*enc.fix)
        if enc.cost is not None:
            self.costs.append(enc.cost)
            self.mags.append(enc.mag)
        if enc.assume is not None:
            self.assume[name] = enc.assume
        return enc.fact

    def int_of(self, model: z3.ModelRef, term: z3.ArithRef) -> int:
        """The value of an integer term in ``model``."""
        return model_int(model, term)

    def meets(self, model: z3.ModelRef, pathway: str | None) -> bool:
        """Whether ``model`` is eligible (through ``pathway``) after the wait it chose."""
        wait = model_int(model, self.w)
        return z3.is_true(model.eval(self.goal_in(pathway, self.epoch_of(wait)), model_completion=True))

    def epoch_of(self, wait: int) -> int:
        return next(i for i, (lo, hi, _) in enumerate(self.epochs) if lo <= wait <= hi)

    def goal_in(self, pathway: str | None, i: int) -> z3.BoolRef:
        """Eligible (through ``pathway``, or any) after a wait inside epoch ``i``: the shared formula
        (``_Goals``) with this question's values now substituted."""
        key = (pathway, i)
        g = self._goals.get(key)
        if g is None:
            g = self.gs.goal_in(pathway, i)
            n, src, dst = self.subst
            if n:
                # z3.substitute's Python layer re-checks every pair's sort: the C API directly
                ctx = g.ctx
                g = z3.BoolRef(z3.Z3_substitute(ctx.ref(), g.as_ast(), n, src, dst), ctx)
            self._goals[key] = g
        return g

    def goal(self, pathway: str | None, upto: int | None = None) -> z3.BoolRef:
        """Eligible after a wait in epochs ``0..upto`` (default: all of them)."""
        upto = len(self.epochs) - 1 if upto is None else upto
        return mk_or([self.goal_in(pathway, i) for i in range(upto + 1)])

    def cost_expr(self) -> z3.ArithRef:
        if self._cost is None:
            den = math.lcm(*(c.denominator for c, _ in self.costs))
            self._cost = z3.Sum([int(c * den) * x for c, x in self.costs if c])
        return self._cost

    def cost_of(self, model: z3.ModelRef) -> Fraction:
        return sum((c * model.eval(x, model_completion=True).as_long() for c, x in self.costs if c), Fraction(0))

    def lit(self, key: tuple, make) -> z3.BoolRef:
        """A literal that switches on ``make()`` (asserted once as ``lit ⇒ make()``), cached by ``key``."""
        b = self._lits.get(key)
        if b is None:
            b = self._lits[key] = z3.Bool(f"on{len(self._lits)}")
            imp = mk_implies(b, make())
            # ``Solver.add`` re-casts through the Python layer: the C API directly (same assertion)
            z3.Z3_solver_assert(imp.ctx_ref(), self.s.solver, imp.as_ast())
        return b

    def act(self, pathway: str | None, upto: int | None = None) -> z3.BoolRef:
        upto = len(self.epochs) - 1 if upto is None else upto
        return self.lit(("goal", pathway, upto), lambda: self.goal(pathway, upto))

    def act_in(self, pathway: str | None, i: int) -> z3.BoolRef:
        return self.lit(("goal_in", pathway, i), lambda: self.goal_in(pathway, i))

    def at_most(self, name: str, expr: z3.ArithRef, bound: int) -> z3.BoolRef:
        def make() -> z3.BoolRef:  # ``expr <= bound`` without z3's Python-level coercions
            ctx = expr.ctx
            k = z3.IntVal(bound, ctx)
            return z3.BoolRef(z3.Z3_mk_le(ctx.ref(), expr.as_ast(), k.as_ast()), ctx)
        return self.lit(("le", name, bound), make)

    def changed(self, name: str) -> z3.BoolRef:
        if name == WAIT:
            return self.w > 0
        if name in self.assume:
            return self.assume[name]
        return self.fx[name].delta != 0

    def relied(self, model: z3.ModelRef) -> set[str]:
        """The unknown facts ``model`` assumes a value for, read in one evaluation (a bit each)."""
        if not self.assume:
            return set()
        names = list(self.assume)
        if self._mask is None:
            self._mask = z3.Sum([z3.If(self.assume[n], 2 ** i, 0) for i, n in enumerate(names)])
        bits = model_int(model, self._mask)
        return {n for i, n in enumerate(names) if bits >> i & 1}

    def assumptions(self) -> z3.ArithRef | None:
        """The number of unknown facts a suggestion relies on (built once)."""
        if self._assumptions is None and self.assume:
            self._assumptions = z3.Sum([z3.If(k, 1, 0) for k in self.assume.values()])
        return self._assumptions


@dataclass
class _FactEncoding:
    """What one fact adds to a ``_Model``: built once per (fact, value, mode) and shared (z3 terms are
    immutable, and every model lives in z3's one context)."""

    fact: _Fact
    hard: list[z3.BoolRef]
    fix: tuple[str, z3.BoolRef] | None = None  # the fact whose value pins it, and its literal
    cost: tuple[Fraction, z3.ArithRef] | None = None  # effort: points per step, the steps
    mag: z3.ArithRef | None = None
    assume: z3.BoolRef | None = None  # unknown: "the suggestion relies on a value for it"


@cache(20_000, identity=(0,))
def _encode_fact(spec, name: str, v: Fraction | None, mode: str) -> _FactEncoding:
    """One fact as z3 terms: fixed, bound to the birth date (age), moving with the wait (time),
    changed at a cost (effort) or unknown (assumed) — see the module docstring."""
    enc = Encoder()  # z3 terms live in z3's one context: any encoder builds the same ones
    sc = scale_of(spec)
    if mode == "assumed":
        x = f"x:{name}"
        return _FactEncoding(_Fact(name, "assumed", Lin.var(x, sc), None), _domain(enc, spec, Lin.var(x, sc)),
                             assume=z3.Bool(f"k:{name}"))
    if mode == "age":
        # Bound to the birth date (fixed): then they move with the wait, like every time fact.
        lit = z3.Bool(f"fix_{BIRTH}")
        x = f"x:{name}"
        lin = Lin.var(x)
        hard = [mk_implies(lit, enc.relation(lin.plus(Lin.var(WAIT, spec.change.per_month), Fraction(-1)), "eq", v))]
        return _FactEncoding(_Fact(name, "age", lin, v), hard, fix=(BIRTH, lit))
    if mode == "time":
        u = _unit(v, sc)
        return _FactEncoding(_Fact(name, "time", Lin.of(v).plus(Lin.var(WAIT, spec.change.per_month)), v,
                                   sym=Lin.var(f"v:{name}", u).plus(Lin.var(WAIT, spec.change.per_month)), unit=u), [])
    if mode == "fixed":
        x = f"x:{name}"
        lit = z3.Bool(f"fix_{name}")
        return _FactEncoding(_Fact(name, "fixed", Lin.var(x, sc), v),
                             [mk_implies(lit, enc.relation(Lin.var(x, sc), "eq", v))], fix=(name, lit))
    d = enc.var(f"d:{name}")
    lin = Lin.of(v).plus(Lin.var(f"d:{name}", sc))
    hard = _domain(enc, spec, lin)
    ch = spec.change
    if spec.type == "bool" or (spec.type == "enum" and not spec.ordered):
        steps = z3.If(d == 0, 0, 1)
    else:
        steps = enc.var(f"n:{name}")
        # n steps of `unit` cover the change: n × unit ≥ |delta| (delta in units of `scale`)
        hard += [steps >= 0,
                 enc.relation(Lin.var(f"n:{name}", ch.unit).plus(Lin.var(f"d:{name}", sc), -1), "ge", 0),
                 enc.relation(Lin.var(f"n:{name}", ch.unit).plus(Lin.var(f"d:{name}", sc)), "ge", 0)]
    u = _unit(v, sc)
    return _FactEncoding(_Fact(name, "effort", lin, v, d, steps, sym=Lin.var(f"v:{name}", u).plus(Lin.var(f"d:{name}", sc)),
                               unit=u), hard, cost=(ch.cost, steps), mag=z3.If(d >= 0, d, -d))


def _unit(v: Fraction, sc: Fraction) -> Fraction:
    """The unit of the variable standing for the value now: the fact's scale when it divides it."""
    return sc if (v / sc).denominator == 1 else Fraction(1, v.denominator)


def _domain(enc: Encoder, spec, lin: Lin) -> list[z3.BoolRef]:
    if spec.type == "enum":
        return [enc.relation(lin, "ge", 0), enc.relation(lin, "le", len(spec.choices) - 1)]
    if spec.type == "bool":
        return [enc.relation(lin, "ge", 0), enc.relation(lin, "le", 1)]
    out = []
    if spec.minimum is not None:
        out.append(enc.relation(lin, "ge", spec.minimum))
    if spec.maximum is not None:
        out.append(enc.relation(lin, "le", spec.maximum))
    return out


