"""The minimum missing condition: the cheapest change that makes an applicant eligible (MaxSMT).

Every fact of the profile that a rule reads becomes a z3 term (``solver.smt.Lin``):

* **fixed** (birth date, sex, hukou …; employer facts unless ``allow``ed; facts in ``keep``): its
  value now, bound through an assumption literal ``fix_<fact>`` so that, when nothing works, the
  unsat core names the fixed facts that block it;
* **time** (work experience, tenure, months of social insurance, years registered; age and the
  months to retirement): value now + ``per_month`` × *w*, one wait variable *w* (whole months) for
  all of them, 1 point a month. The application date moves with *w*, and so do the average wage
  and the version of the rules in force (one encoding per "epoch" of the next years); ageing past
  the retirement age can make waiting useless ("never by waiting");
* **effort**: value now + a free delta; cost = ``cost`` × ⌈|delta| / ``unit``⌉ (a step function: the
  vocabulary's ``unit`` is the size of one step — +2,111 元/月 with unit 1,000 is 3 steps); an
  unordered enum or a yes/no costs ``cost`` when changed. Money and counts move in whole units;
* **unknown** (not in the profile): free, cost 0 — the answer names the values it *assumed*.

The objective is lexicographic: total points, then the smallest deltas (so the income lands exactly
on the threshold, 14,111, not anywhere in the same step). Alternatives: each answer's change set
is blocked (at least one of its changes must be left out) and the query asked again.

Soundness: every suggestion is applied to the profile (shifted by the wait, on the later date) and
re-checked with the Datalog backend; one that does not replay raises ``AssertionError``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction

import z3

from policy.expr import (
    SYMBOL,
    TRUE,
    All,
    Any,
    AtLeast,
    Cmp,
    Expr,
    In,
    children,
    compare,
    evaluate,
    facts_of,
    fmt_num,
    walk,
)
from policy.i18n import Msg, localize, say, status_text
from policy.load import Policy
from policy.model import Jurisdiction
from solver.decide import Verdict, decide, verdict  # noqa: F401  (decide: benchmarks/bench.py times it here)
from solver.facts import Facts, display, wage_on
from solver.program import Program, compile_program
from solver.smt import (
    AGE,
    MTR,
    MTR_MIN,
    UNKNOWN_TEXT,
    BudgetExhausted,
    Encoder,
    Lin,
    check,
    mk_and,
    mk_implies,
    mk_or,
    model_int,
    new_solver,
    scale_of,
)

UNKNOWN_MSG = Msg(UNKNOWN_TEXT, "未知（求解预算耗尽）")
MAX_WAIT_MONTHS = 360  # suggestions look at most 30 years ahead
WAIT = "wait_months"
BIRTH = "applicant.birth_date"


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


# --- results -------------------------------------------------------------------------------------


@dataclass
class FactChange:
    """One fact moved by a suggestion."""

    fact: str
    label: dict
    kind: str  # effort | time | assumed
    before: Fraction | None
    after: Fraction
    before_text: str
    after_text: str
    cost: Fraction
    threshold: str | None = None  # the requirement it now meets, with the arithmetic
    unit: dict | None = None

    def text(self, lang: str = "en") -> str:
        lab = self.label.get(lang, self.label["en"])
        unit = f" {self.unit.get(lang, self.unit['en'])}" if self.unit else ""
        before, after = localize(self.before_text, lang), localize(self.after_text, lang)
        threshold = localize(self.threshold, lang) if self.threshold else None
        if self.kind == "assumed":
            return f"{lab} = {after}{unit} ({'假设' if lang == 'zh' else 'assumed: not in the profile'})"
        s = f"{lab} {before} → {after}" + (unit if self.kind == "time" else "")
        if self.before is not None and self.kind != "time" and isinstance(self.before, Fraction) and \
                self.unit is not None:
            d = self.after - self.before
            s += f" ({'+' if d >= 0 else '−'}{fmt_num(abs(d))}{unit}"
            s += f", {threshold})" if threshold else ")"
        elif threshold:
            s += f" ({threshold})"
        return s

    def as_dict(self) -> dict:
        delta = self.after - self.before if isinstance(self.before, Fraction) else None
        return {"fact": self.fact, "kind": self.kind, "before": _num(self.before), "after": _num(self.after),
                "delta": _num(delta), "unit": (self.unit or {}).get("en"),
                "before_text": self.before_text, "after_text": self.after_text, "cost": _num(self.cost),
                "threshold": self.threshold}


def _num(x: Fraction | None):
    if x is None:
        return None
    return int(x) if x.denominator == 1 else float(x)


@dataclass
class Suggestion:
    """A set of changes that makes the applicant eligible (replayed through Datalog)."""

    cost: Fraction
    wait_months: int
    eligible_on: dt.date
    changes: list[FactChange]
    assumed: list[FactChange]
    pathways: list[str]  # pathways satisfied after the change (Datalog replay)
    never_by_waiting: bool = False

    @property
    def change_set(self) -> frozenset[str]:
        return frozenset(c.fact for c in [*self.changes, *self.assumed] if c.kind in ("effort", "assumed")) | (
            frozenset({WAIT}) if self.wait_months else frozenset())

    def lines(self, lang: str = "en") -> list[str]:
        out = []
        if self.wait_months:
            w = self.wait_months
            if lang == "zh":
                out.append(f"等待 {w} 个月：{self.eligible_on} 起（其他条件不变）")
            else:
                out.append(f"wait {w} month{'s' if w != 1 else ''}: reached on {self.eligible_on} "
                           "if nothing else changes")
        out += [("  " if c.kind == "time" else "") + c.text(lang) for c in self.changes]
        out += [c.text(lang) for c in self.assumed]
        return out

    def as_dict(self) -> dict:
        return {"cost": _num(self.cost), "wait_months": self.wait_months,
                "eligible_on": self.eligible_on.isoformat(),
                "changes": [c.as_dict() for c in self.changes], "assumed": [c.as_dict() for c in self.assumed],
                "pathways": self.pathways, "text": self.lines("en")}


@dataclass
class Blocker:
    """A fixed fact without which the applicant could become eligible."""

    fact: str
    label: dict
    value: str

    def text(self, lang: str = "en") -> str:
        return f"{self.label.get(lang, self.label['en'])} = {localize(self.value, lang)}"

    def as_dict(self) -> dict:
        return {"fact": self.fact, "value": self.value}


@dataclass
class PathwayMissing:
    pathway: str
    title: dict
    status: str  # satisfied | reachable | blocked | unknown (budget exhausted)
    suggestion: Suggestion | None = None
    blocked_by: list[Blocker] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"pathway": self.pathway, "title": self.title, "status": self.status,
                "suggestion": self.suggestion.as_dict() if self.suggestion else None,
                "blocked_by": [b.as_dict() for b in self.blocked_by]}


@dataclass
class MissingResult:
    jurisdiction: str
    name: dict
    date: dt.date
    status: str  # the decision now: eligible | ineligible | undetermined
    lenient: bool
    overall: list[Suggestion]
    pathways: list[PathwayMissing]
    blocked_by: list[Blocker]
    warnings: list[str] = field(default_factory=list)
    note: str | None = None  # e.g. "unknown (budget exhausted)"

    def as_dict(self) -> dict:
        return {"district": self.jurisdiction, "date": self.date.isoformat(), "status": self.status,
                "lenient": self.lenient, "suggestions": [s.as_dict() for s in self.overall],
                "pathways": [p.as_dict() for p in self.pathways],
                "blocked_by": [b.as_dict() for b in self.blocked_by], "warnings": self.warnings,
                "note": self.note}

    def render(self, lang: str = "en") -> str:
        zh = lang == "zh"
        name = self.name.get(lang, self.name["en"])
        head = f"{name} ({self.jurisdiction}), {self.date}: {status_text(self.status, lang)}"
        out = [head]
        if self.status == "eligible":
            out.append("  已符合条件，无需改变。" if zh else "  already eligible: nothing is missing.")
            return "\n".join(out)
        if self.note:
            out.append(f"  {say(self.note, lang)}")
        if not self.overall:
            if self.blocked_by:
                out.append("  无法通过允许的改变达到条件；阻碍的固定事实：" if zh else
                           "  no allowed change makes the applicant eligible; blocked by the fixed facts:")
                out += [f"    - {b.text(lang)}" for b in self.blocked_by]
                if any(b.fact == BIRTH for b in self.blocked_by):
                    out.append("    (等待无效：先到法定退休年龄)" if zh else
                               "    (never by waiting: the statutory retirement age comes first)")
        for i, s in enumerate(self.overall, 1):
            label = "最省" if zh and i == 1 else ("方案" if zh else ("cheapest" if i == 1 else "alternative"))
            via = ", ".join(s.pathways)
            n = len(s.assumed)
            assumes = "" if not n else (f", 假设 {n} 项未知事实" if zh else f", assumes {n} unknown fact{'s' * (n > 1)}")
            out.append(f"  {i}. {label} — {fmt_num(s.cost)} 分{assumes}（经 {via}）" if zh else
                       f"  {i}. {label} — {fmt_num(s.cost)} points{assumes} (via {via})")
            out += [f"     {x}" for x in s.lines(lang)]
        out.append("  按条件（路径）：" if zh else "  per pathway:")
        for p in self.pathways:
            t = p.title.get(lang, p.title["en"])
            if p.suggestion:
                first = "; ".join(p.suggestion.lines(lang)) or ("—" if p.status == "satisfied" else "")
                out.append(f"    {t}: {fmt_num(p.suggestion.cost)} — {first}")
            elif p.status == "satisfied":
                out.append(f"    {t}: {'已满足' if zh else 'satisfied'}")
            else:
                shown = {"blocked": Msg("blocked", "受阻"), UNKNOWN_TEXT: UNKNOWN_MSG}.get(p.status, p.status)
                why = ", ".join(b.text(lang) for b in p.blocked_by) or say(shown, lang)
                out.append(f"    {t}: {'不可达' if zh else 'not reachable'} ({why})")
        out += [f"  ! {say(w, lang)}" for w in self.warnings]
        return "\n".join(out)

    def __rich__(self):
        from rich.text import Text
        return Text(self.render("en"))


# --- the model -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # shared between models (``_FACT_ENC``): never changed
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
        return self.known.get(name, TRUE_Z3)

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


TRUE_Z3 = z3.BoolVal(True)
_GOALS: dict[tuple, _Goals] = {}


class _Model:
    """The z3 encoding of one ``missing`` question.

    The stretches of waiting ("epochs": same rules, same wage) and the facts the rules read are cached
    per jurisdiction version, date, wage and mode (``_epochs``). The goal of each pathway in each epoch
    is encoded only when a query first needs it: a query starts with the waiting bounded to the
    current epoch and looks further only when that can help (``_optimum``).
    """

    def __init__(self, policy: Policy, j: Jurisdiction, facts: Facts, keep: set[str], allow: set[str],
                 lenient: bool):
        self.policy, self.j, self.facts, self.lenient = policy, j, facts, lenient
        self.vocab = policy.vocabulary
        self.enc = Encoder()
        self.w = self.enc.var(WAIT)
        self.epochs, relevant = _epochs(policy, j, facts, lenient)
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
        for c in cons:
            fs = facts_of(c.when)
            if fs <= relevant and evaluate(c.when, facts.values) is not False:
                self.hard.append(self.enc.to_smt(c.when, self.term))
        if MTR in self.fx and MTR_MIN in self.fx:
            self.hard.append(self.enc.relation(self.fx[MTR].lin.plus(self.fx[MTR_MIN].lin, Fraction(-1)), "ge", 0))
        shape = tuple((n, f.kind, f.unit) for n, f in self.fx.items())
        gkey = (id(policy), id(j), facts.date, facts.wage, lenient, shape)
        gs = _GOALS.get(gkey)
        if gs is None or gs.epochs is not self.epochs:
            if len(_GOALS) > 256:
                _GOALS.clear()
            gs = _GOALS[gkey] = _Goals(self.epochs, {n: f.sym if f.sym is not None else f.lin
                                                     for n, f in self.fx.items()},
                                       frozenset(self.assume))
        self.gs = gs
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
        key = (id(self.vocab), name, v, mode)
        hit = _FACT_ENC.get(key)
        if hit is None or hit[0] is not self.vocab:
            if len(_FACT_ENC) > 20_000:
                _FACT_ENC.clear()
            hit = _FACT_ENC[key] = (self.vocab, _encode_fact(self.enc, spec, name, v, mode))
        enc = hit[1]
        self.hard += enc.hard
        if enc.fix is not None:
            self.fix.setdefault(*enc.fix)
        if enc.cost is not None:
            self.costs.append(enc.cost)
            self.mags.append(enc.mag)
        if enc.assume is not None:
            self.assume[name] = enc.assume
        return enc.fact

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


_FACT_ENC: dict[tuple, tuple[object, _FactEncoding]] = {}


def _encode_fact(enc: Encoder, spec, name: str, v: Fraction | None, mode: str) -> _FactEncoding:
    """One fact as z3 terms: fixed, bound to the birth date (age), moving with the wait (time),
    changed at a cost (effort) or unknown (assumed) — see the module docstring."""
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


# --- epochs (cached) ------------------------------------------------------------------------------

_EPOCHS: dict[tuple, tuple[Policy, list[tuple[int, int, Program]], frozenset[str]]] = {}


def _epochs(policy: Policy, j: Jurisdiction, facts: Facts,
            lenient: bool) -> tuple[list[tuple[int, int, Program]], frozenset[str]]:
    """(first month, last month, program) for each stretch of waiting with the same rules and wage,
    and the facts the rules of any stretch read (with those a vocabulary constraint links to them).
    Cached per policy, jurisdiction version, date, wage and mode."""
    key = (id(policy), id(j), facts.date, facts.wage, lenient)
    hit = _EPOCHS.get(key)
    if hit is not None and hit[0] is policy:
        return hit[1], hit[2]
    out: list[tuple[int, int, Program]] = []
    last_key = None
    for w in range(MAX_WAIT_MONTHS + 1):
        day = add_months(facts.date, w)
        jw, _ = policy.version(j.id, day) if w else (j, None)
        wage = wage_on(policy.params, day) if w else facts.wage
        k = (id(jw), wage.year, wage.monthly, wage.annual)
        if k != last_key:
            out.append((w, w, compile_program(jw, wage, lenient)))
            last_key = k
        else:
            lo, _, p = out[-1]
            out[-1] = (lo, w, p)
    relevant: set[str] = set()
    for _, _, p in out:
        relevant |= facts_of(p.root)
    cons = [c for c in policy.vocabulary.constraints if c.validate]
    grew = True
    while grew:  # facts linked to relevant ones by a constraint matter too
        grew = False
        for c in cons:
            fs = facts_of(c.when)
            if fs & relevant and not fs <= relevant:
                relevant |= fs
                grew = True
    if relevant & {AGE, MTR, MTR_MIN}:
        relevant |= {AGE, MTR, MTR_MIN}
    if len(_EPOCHS) > 256:
        _EPOCHS.clear()
    _EPOCHS[key] = (policy, out, frozenset(relevant))
    return out, frozenset(relevant)


# --- solving --------------------------------------------------------------------------------------


def missing(policy: Policy, jid: str, facts: Facts, keep: Iterable[str] = (), allow: Iterable[str] = (),
            top: int = 3, lenient: bool = False) -> MissingResult:
    """The cheapest changes that make the applicant eligible under ``jid``: overall (``top``
    alternatives with distinct change sets) and per pathway; the fixed facts that block it otherwise.

    Example:
        >>> from fractions import Fraction
        >>> from policy.load import load_policy
        >>> from solver.facts import facts_from_dict
        >>> pol = load_policy()
        >>> f = facts_from_dict({"application": {"date": "2021-09-15"},
        ...     "applicant": {"income": {"monthly_avg_12m": 9000}}}, pol)
        >>> r = missing(pol, "changping", f)
        >>> r.overall[0].changes[0].after, r.overall[0].changes[0].threshold
        (Fraction(11288, 1), '1.2 × 9,407 (2020 monthly average wage) = 11,288.4 → 11,288 (rounded to whole 元)')
    """
    keep, allow = _names(policy, keep), _names(policy, allow)
    # The decision now, by the Datalog backend: its status and satisfied pathways (``verdict``; the
    # proof that ``decide`` would build is not shown here), with ``decide``'s warnings.
    j, warning = policy.version(jid, facts.date)
    now = verdict(policy, jid, facts, lenient=lenient)
    res = MissingResult(jid, j.name, facts.date, now.status, lenient, [], [], [],
                        list(facts.warnings) + ([warning] if warning else []))
    if now.status == "eligible":
        return res
    m = _Model(policy, j, facts, keep, allow, lenient)
    replays: dict[tuple[str, frozenset], Verdict | tuple[dict[str, Fraction], Verdict]] = {}
    try:
        # Overall first: the cheapest answer is also the cheapest for every pathway it satisfies.
        blocks: list[z3.BoolRef] = []
        best: z3.ModelRef | None = None
        floor: list[int] | None = None
        first: list[int] | None = None  # no pathway is cheaper than the overall answer
        reachable = True
        for i in range(max(top, 1)):
            found = _optimum(m, None, blocks, floor)
            if found is None:
                reachable = i > 0
                break
            floor = _values(m, found)  # the next alternative costs at least as much
            first = first or floor
            model = _smallest(m, found, None, blocks)
            best = best or model
            if i >= top:
                break
            sug = _suggestion(policy, jid, m, model, lenient, replays, None)
            res.overall.append(sug)
            blocked = sorted(sug.change_set)
            if not blocked:
                break  # nothing to change but unknowns to assume: no alternative is cheaper
            blocks.append(_block(m, blocked))
        if not reachable:
            res.blocked_by = _blockers(m, None)
        for p in j.pathways:
            st = "satisfied" if p.id in now.satisfied else "not satisfied"
            model = None
            if best is not None and z3.is_true(best.eval(m.goal_in(p.id, m.epoch_of(_wait(m, best))),
                                                         model_completion=True)):
                model = best
            elif reachable:
                # the overall cost is the likely optimum of a pathway that needs assumed facts
                found = _optimum(m, p.id, [], first, {"cost": [first[-1]]})
                model = _smallest(m, found, p.id, []) if found is not None else None
            if model is None:
                res.pathways.append(PathwayMissing(p.id, p.title, "blocked", None, _blockers(m, p.id)))
                continue
            sug = _suggestion(policy, jid, m, model, lenient, replays, p.id)
            status = "satisfied" if st == "satisfied" and not sug.changes and not sug.wait_months else "reachable"
            res.pathways.append(PathwayMissing(p.id, p.title, status, sug))
    except BudgetExhausted as e:
        res.note = Msg(f"{UNKNOWN_TEXT}: {e.reason}", f"{UNKNOWN_MSG.zh}：{e.reason}") if e.reason else UNKNOWN_MSG
    return res


def _wait(m: _Model, model: z3.ModelRef) -> int:
    return model.eval(m.w, model_completion=True).as_long()


def _lexmin(m: _Model, on: list[z3.BoolRef], objectives: list[tuple[str, z3.ArithRef]],
            floors: dict[str, int] | None = None, hints: dict[str, list[int]] | None = None,
            start: z3.ModelRef | None = None, lexfloor: list[int] | None = None,
            guess: Callable[[str, dict[str, int]], list[int]] | None = None) -> z3.ModelRef | None:
    """A model under the assumption literals ``on`` minimising the (non-negative, integer)
    ``objectives`` lexicographically, or ``None`` if there is none.

    Each objective is narrowed between its floor (0 unless ``floors`` knows better) and the value of
    the best model so far, with a bound literal per tried value (``objective ≤ b``) on the one
    incremental solver: first what ``guess`` proposes, then a binary search over the other likely
    optima — the floor and the ``hints`` (e.g. a threshold) —, then one check just under the best
    value found, then bisection. Exact, like z3's ``Optimize``, and several times faster here: nothing is
    re-asserted and the solver keeps what it learnt between queries. ``start``: a model known to
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
        lo, hi = (floors or {}).get(name, 0), model.eval(expr, model_completion=True).as_long()
        if tight:
            lo = max(lo, min(lexfloor[i], hi))
        # The guessed optimum first; else a binary search over the other likely optima (the floor,
        # the hints). Under an answer that sits on one of them, one check (usually proves it
        # optimal); if that holds too, a gallop down (2, 4, 8 … under); then bisection. z3 proves
        # every answer: a guess only chooses the next bound to try.
        pending = guess(name, done) if guess and lo < hi else []
        likely = sorted({lo, *(hints or {}).get(name, [])})
        # step > 0: galloping down from an answer that sits on a likely optimum
        on_likely = hi in likely[1:] or hi in pending
        under, step = on_likely, int(on_likely)
        while lo < hi:
            if pending:
                mid, kind = pending.pop(0), "likely"
                if not lo <= mid < hi:
                    continue
            elif step:
                mid, kind = max(lo, hi - step), "down"
            else:
                inside = [g for g in likely if lo <= g < hi]
                if inside:
                    mid, kind = inside[(len(inside) - 1) // 2], "likely"
                else:
                    mid, kind = (lo + hi) // 2, "bisect"
            if check(s, *fixed, m.at_most(name, expr, mid)):
                model = s.model()
                hi = model.eval(expr, model_completion=True).as_long()
                if kind == "likely" and not under:
                    under, step = True, 1
                elif kind == "down":
                    step = max(2, 2 * step)
            else:
                lo, step = mid + 1, 0
        tight = tight and hi == lexfloor[i]
        done[name] = hi
        fixed.append(m.at_most(name, expr, hi))
    return model


def _objectives(m: _Model) -> list[tuple[str, z3.ArithRef]]:
    return ([("assumed", m.assumptions())] if m.assume else []) + [("cost", m.cost_expr())]


def _values(m: _Model, model: z3.ModelRef) -> list[int]:
    return [model.eval(e, model_completion=True).as_long() for _, e in _objectives(m)]


def _optimum(m: _Model, pathway: str | None, blocks: list[z3.BoolRef],
             lexfloor: list[int] | None = None, hints: dict[str, list[int]] | None = None) -> z3.ModelRef | None:
    """The cheapest model of the goal (fewest assumed unknown facts, then fewest points), or ``None``.

    Waiting costs a point a month, so an answer costing C cannot be beaten by waiting past month C:
    the first query bounds the wait to the current epoch. Then, if a later epoch starting before C
    exists (or the answer relies on an assumed fact, which waiting might spare), one satisfiability
    check asks whether those epochs hold anything better; only if so is the optimum searched again
    over the longer horizon. With nothing found in the current epoch, all epochs are searched.

    First, though, the optimum guessed from the rules (``_guess``) is tried: a model at it, then one
    check that no epoch holds anything lexicographically better, is the usual whole search.
    """
    n = len(m.epochs)
    objectives = _objectives(m)
    fixed = [*blocks, *m.fix.values()]
    likely = _guess(m, pathway)

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
        pins = [m.at_most(name, expr, g[0]) for name, expr in objectives for g in [guess(name, {})] if g]
        if check(m.s, m.act(pathway, 0), *fixed, *pins):
            model = m.s.model()
            vals = _values(m, model)
            relied, best = (vals[0] if m.assume else 0), vals[-1]
            if vals == lexfloor or not check(m.s, better_than(relied, best, [0, *horizon(relied, best)]), *fixed):
                return model
    model = _lexmin(m, [m.act(pathway, 0), *fixed], objectives, hints=hints, lexfloor=lexfloor, guess=guess)
    if n == 1:
        return model
    if model is None:
        return _lexmin(m, [m.act(pathway), *fixed], objectives, hints=hints, lexfloor=lexfloor, guess=guess)
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
    return _lexmin(m, [m.act(pathway, later[-1]), better, *fixed], objectives, hints=hints, lexfloor=lexfloor,
                   start=start, guess=guess)


def _guess(m: _Model, pathway: str | None) -> tuple[int, int] | None:
    """The likely optimum (assumed facts, cost in the units of ``cost_expr``) of the goal, read off
    the rules in one pass: each failing comparison of an effort or time fact is met alone (the steps
    of the fact to the threshold, the months of waiting until it is reached; an unknown fact is
    assumed, at no cost); a conjunction needs all of its parts (per fact the largest move, one wait
    for all time facts), a disjunction its best part, fewest assumptions first. Most answers are
    exactly this; ``_lexmin`` tries it first and proves the answer with z3 either way. ``None``: the
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


def _block(m: _Model, names: list[str]) -> z3.BoolRef:
    """A literal for "at least one of these changes is left out" (the next alternative)."""
    return m.lit(("block", tuple(names)), lambda: mk_or([z3.Not(m.changed(n)) for n in names]))


def _smallest(m: _Model, model: z3.ModelRef, pathway: str | None, blocks: list[z3.BoolRef]) -> z3.ModelRef:
    """Second phase: the same change set, wait, assumptions and cost, with the smallest deltas (the
    income lands on 14,111, not anywhere in the same 1,000-元 step). The wait is pinned, so only the
    goal of its epoch is needed. One numeric fact moved (the usual case): its step count is then
    fixed, which bounds the delta from below, and the thresholds it is compared with are the likely
    answers (``_lexmin`` hints)."""
    ev = lambda x: model.eval(x, model_completion=True)  # noqa: E731
    wait, vals = _read(m, model)
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
            for c in _cmps(top, f.name):
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
                    for c in _cmps(top, f.name):
                        t = abs(c.rhs / c.terms[0][0] - f.before) / sc
                        below |= {x for x in (math.ceil(t), math.floor(t) + 1) if 0 < x <= now}
            total += max(below, default=now)
        hints[key] = [total]
    out = _lexmin(m, [m.act_in(pathway, epoch), *blocks, *m.fix.values(), pin], [(key, size)], floors, hints, model)
    return out if out is not None else model


_CMPS: dict[int, tuple[Expr, dict[str, list[Cmp]]]] = {}


def _cmps(top: Expr, name: str) -> list[Cmp]:
    """The comparisons of one fact alone (``k × fact op rhs``) under ``top``, in ``walk`` order
    (indexed once per expression: programs are cached, so the same trees come back)."""
    hit = _CMPS.get(id(top))
    if hit is None or hit[0] is not top:
        idx: dict[str, list[Cmp]] = {}
        for c in walk(top):
            if isinstance(c, Cmp) and len(c.terms) == 1:
                idx.setdefault(c.terms[0][1], []).append(c)
        if len(_CMPS) > 4096:
            _CMPS.clear()
        hit = _CMPS[id(top)] = (top, idx)
    return hit[1].get(name, [])


def _names(policy: Policy, names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for n in names:
        spec = policy.vocabulary.facts.get(n)
        if spec is None:
            from policy.errors import InputError
            raise InputError(f"unknown fact `{n}`; see policy/vocabulary.yaml", field="--keep/--allow")
        out |= set(spec.numeric_names)
        out.add(n)
    return out


def _blockers(m: _Model, pathway: str | None) -> list[Blocker]:
    """The fixed facts of a minimal unsat core: with them free, the goal would be reachable.

    Several minimal cores may exist; the one named is the first in the order of the fixed facts, those
    the pathway's own clauses read first (a QuickXplain-style progression: the shortest prefix of the facts that blocks the goal ends with
    a fact of the core, found by bisection; then again with that fact kept). It depends only on
    which sets of fixed facts block the goal, never on the solver's history (z3's own unsat core
    does, through the order its terms were created in)."""
    s, act = m.s, m.act(pathway)
    lits = list(m.fix.values())
    if check(s, act, *lits):
        return []
    if pathway is not None:
        # the facts the pathway's own clauses read come first: "not reachable (no innovation-service
        # firm)" says more about that pathway than the district every pathway needs
        own = facts_of(m.epochs[0][2].pathway.get(pathway, TRUE))
        own |= {BIRTH} if own & {AGE, MTR, MTR_MIN} else set()
        lits = [m.fix[n] for n in m.fix if n in own] + [m.fix[n] for n in m.fix if n not in own]
    core: list[z3.BoolRef] = []
    rest = lits
    while check(s, act, *core):
        lo, hi = 1, len(rest)  # core + rest[:hi] blocks the goal; find the shortest such prefix
        while lo < hi:
            mid = (lo + hi) // 2
            if check(s, act, *core, *rest[:mid]):
                lo = mid + 1
            else:
                hi = mid
        core.append(rest[hi - 1])
        rest = rest[:hi - 1]
    out = []
    for name, lit in m.fix.items():
        if any(lit.eq(c) for c in core):
            if name == BIRTH:
                age = m.facts.values.get(AGE)
                val = m.facts.stated.get(BIRTH, None)
                out.append(Blocker(BIRTH, m.vocab.facts[BIRTH].label,
                                   f"{val} (age {display(m.policy, AGE, age)}; "
                                   f"retirement {m.facts.retirement.get('age', '?')})"))
            else:
                out.append(Blocker(name, m.vocab.spec(name).label,
                                   display(m.policy, name, m.facts.values.get(name))))
    return out


def _read(m: _Model, model: z3.ModelRef) -> tuple[int, dict[str, Fraction]]:
    """The wait and every fact's value in ``model`` (assumed facts only where the model relies on
    them). Every query keeps the ``fix_`` literals on, so a fixed fact keeps its value and one bound
    to the birth date moves with the wait: only the other variables are read from the model."""
    wait = _wait(m, model)
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


def _suggestion(policy: Policy, jid: str, m: _Model, model: z3.ModelRef, lenient: bool,
                replays: dict, pathway: str | None) -> Suggestion:
    """The model as changes to the profile, replayed through Datalog (once per distinct change).

    The threshold shown with a change is that of the comparison it meets in the pathway the
    suggestion is for (``pathway``, or those the replay finds satisfied) or in the base requirements.
    """
    wait, new = _read(m, model)
    key = frozenset((n, v) for n, v in new.items()) | {(WAIT, wait)}
    day = add_months(m.facts.date, wait)
    prog = m.epochs[m.epoch_of(wait)][2]
    # Two caches in one dict, kept apart by a tag: the raw model values → (canonical values, verdict),
    # and the canonical values → their Datalog verdict (several raw models can canonicalise alike).
    hit = replays.get(("raw", key))
    if hit is None:
        # The assumed values made canonical first (screened with the IR interpreter), then the
        # suggestion as shown — the profile with every change applied, on the later date — is
        # replayed through Datalog, once per distinct change.
        new = _canonical_assumptions(policy, jid, m, prog, new, day, wait, lenient)
        fkey = frozenset((n, v) for n, v in new.items()) | {(WAIT, wait)}
        d = replays.get(("final", fkey))
        if d is None:
            replay = replace(m.facts, values={**m.facts.values, **new}, date=day,
                             wage=wage_on(policy.params, day) if wait else m.facts.wage)
            d = replays[("final", fkey)] = verdict(policy, jid, replay, lenient=lenient)
        if d.status != "eligible":
            raise AssertionError(f"missing: suggestion for {jid} does not replay (status {d.status}): "
                                 f"wait {wait}, values {sorted((n, v) for n, v in new.items())}")
        hit = replays[("raw", key)] = (new, d)
    new, d = hit
    satisfied = list(d.satisfied)
    via = [pathway] if pathway is not None else satisfied
    exprs = [prog.base, *(prog.pathway[p] for p in via if p in prog.pathway)]
    after_all = {**m.facts.values, **new}
    changes, assumed = [], []
    cost = Fraction(wait)
    for name, f in m.fx.items():
        spec = m.vocab.spec(name)
        if f.kind == "assumed":
            if name in new:
                assumed.append(FactChange(name, spec.label, "assumed", None, new[name], "unknown",
                                          display(policy, name, new[name]), Fraction(0), unit=spec.unit))
            continue
        after = new[name]
        if f.before is None or after == f.before:
            continue
        thr = _threshold(policy, exprs, name, m.facts.values, after_all)
        if f.kind == "effort":
            steps = model.eval(f.steps, model_completion=True).as_long()
            c = spec.change.cost * steps
            cost += c
            changes.append(FactChange(name, spec.label, "effort", f.before, after, display(policy, name, f.before),
                                      display(policy, name, after), c, thr, spec.unit))
        elif f.kind in ("time", "age") and thr:
            changes.append(FactChange(name, spec.label, "time", f.before, after, display(policy, name, f.before),
                                      display(policy, name, after), Fraction(0), thr, spec.unit))
    return Suggestion(cost, wait, day, changes, assumed, satisfied)


_REFERENCE: dict[tuple[int, dt.date], tuple[Policy, dict[str, Fraction]]] = {}


def _canonical_assumptions(policy: Policy, jid: str, m: _Model, prog: Program, new: dict[str, Fraction],
                           day: dt.date, wait: int, lenient: bool) -> dict[str, Fraction]:
    """Values assumed for unknown facts, made canonical: the solver may return any value that works,
    so each is replaced by the first that still replays eligible among the reference applicant's value
    and the thresholds the rules compare the fact with (closest to the reference first). The answer
    then does not depend on the solver's search history. The caller replays the result through Datalog."""
    from solver.conflicts import reference_facts
    assumed = sorted(n for n in new if m.fx[n].kind == "assumed")
    if not assumed:
        return new
    key = (id(policy), m.facts.date)
    if key not in _REFERENCE:
        _REFERENCE[key] = (policy, reference_facts(policy, m.facts.date).values)
    ref = _REFERENCE[key][1]
    wage = wage_on(policy.params, day) if wait else m.facts.wage
    j, _ = policy.version(jid, day)
    root = compile_program(j, wage, lenient).root
    for name in assumed:
        spec = m.vocab.spec(name)
        cands = {ref[name]} if name in ref else set()
        for n in _cmps(prog.root, name):
            if n.terms[0][0] == 1:
                cands |= {n.rhs - 1, n.rhs, n.rhs + 1}
        cands = {c for c in cands if (spec.minimum is None or c >= spec.minimum)
                 and (spec.maximum is None or c <= spec.maximum) and (spec.type == "decimal" or c.denominator == 1)}
        anchor = ref.get(name, Fraction(0))
        for c in sorted(cands, key=lambda c: (abs(c - anchor), c)):
            if c == new[name]:
                break
            trial = {**new, name: c}
            values = {**m.facts.values, **trial}
            if any(k.validate and evaluate(k.when, values) is False for k in m.vocab.constraints):
                continue
            # candidates are screened with the IR interpreter; the one kept is replayed through Datalog below
            if evaluate(root, values) is True:
                new = trial
                break
    return new


def _threshold(policy: Policy, exprs: list[Expr], name: str, before: dict, after: dict) -> str | None:
    """The requirement on ``name`` the change meets: among the comparisons of ``exprs`` on ``name``
    that are not true before and true after, the binding one — the one whose threshold lies closest
    to the new value (8 × the annual wage, not the 4 × of another pathway the value also passes)."""
    best: tuple[Fraction, Cmp] | None = None
    for top in exprs:
        for n in _cmps(top, name):
            b, a = evaluate(n, before), evaluate(n, after)
            if b is not True and a is True:
                gap = abs(n.terms[0][0] * after[name] - n.rhs)
                if best is None or gap < best[0]:
                    best = (gap, n)
    if best is None:
        return None
    n = best[1]
    return n.derivation or f"{SYMBOL[n.op]} {display(policy, name, n.rhs)}"


__all__ = ["missing", "MissingResult", "Suggestion", "FactChange", "PathwayMissing", "Blocker", "TRUE"]
