"""The exact refinement with z3 (see ``solver.exact``): one incremental solver over the completions of
the unknown facts; each unknown node is asked both ways (the models found on the way settle many
nodes at once); a fact is relevant to a node when two copies of the completion, equal on every other
unknown fact, can give the node different truths (one assumption set per fact)."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import z3

from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, compare, facts_of, walk
from policy.i18n import Msg
from policy.load import Policy
from solver.backends.smt.worker import on_z3_thread
from solver.exact import (
    AGE,
    AGE_MAX_MONTHS,
    BIRTH,
    CATEGORY,
    MTR,
    MTR_MIN,
    SEX,
    Exact,
    Holes,
    Status,
    _appearance,
    _hole_of,
    _linked,
    holes_of,
)
from solver.facts import Facts, retirement_age_months

RLIMIT = 20_000_000


# --- completions as z3 terms ------------------------------------------------------------------------------------------


class _Copy:
    """One completion as z3 terms: known facts are constants, holes are variables (``tag``-prefixed)."""

    def __init__(self, policy: Policy, facts: Facts, holes: Holes, tag: str) -> None:
        self.policy, self.facts, self.holes, self.tag = policy, facts, holes, tag
        self.vars: dict[str, z3.ArithRef] = {}
        self.memo: dict[int, z3.BoolRef] = {}
        self.hole_scalars = {s for ss in holes.scalars.values() for s in ss}
        self.mtr_known = MTR in facts.values

    def var(self, scalar: str) -> z3.ArithRef:
        v = self.vars.get(scalar)
        if v is None:
            spec = self.policy.vocabulary.spec(scalar) if scalar != AGE else None
            mk = z3.Real if spec is not None and spec.type == "decimal" else z3.Int
            v = self.vars[scalar] = mk(self.tag + scalar)
        return v

    def term(self, scalar: str):
        if scalar in (MTR, MTR_MIN) and not self.mtr_known:
            return self.var(MTR)
        if scalar in self.hole_scalars:
            return self.var(scalar)
        v = self.facts.values.get(scalar)
        if v is None:  # a fact no hole covers is one that does not matter: any value does
            return self.var(scalar)
        return v

    def cmp(self, terms, op: str, rhs: Fraction) -> z3.BoolRef:
        const = Fraction(0)
        parts: list[tuple[Fraction, object]] = []
        for c, f in terms:
            t = self.term(f)
            if isinstance(t, Fraction):
                const += c * t
            else:
                parts.append((c, t))
        r = rhs - const
        if not parts:
            return z3.BoolVal(compare(Fraction(0), op, r))
        den = math.lcm(r.denominator, *(c.denominator for c, _ in parts))
        xs = [t if c * den == 1 else int(c * den) * t for c, t in parts]
        lhs = z3.Sum(xs) if len(xs) > 1 else xs[0]
        rr = z3.IntVal(int(r * den))
        return {"eq": lhs == rr, "ne": lhs != rr, "lt": lhs < rr, "le": lhs <= rr,
                "gt": lhs > rr, "ge": lhs >= rr}[op]

    def expr(self, e: Expr) -> z3.BoolRef:
        key = id(e)
        out = self.memo.get(key)
        if out is not None:
            return out
        match e:
            case Const(v):
                out = z3.BoolVal(v)
            case Cmp(terms, op, rhs):
                out = self.cmp(terms, op, rhs)
            case In(fact, values):
                t = self.term(fact)
                out = z3.BoolVal(t in values) if isinstance(t, Fraction) else \
                    z3.Or([t == v for v in sorted(values)]) if values else z3.BoolVal(False)
            case All(items):
                out = z3.And([self.expr(i) for i in items]) if items else z3.BoolVal(True)
            case Any(items):
                out = z3.Or([self.expr(i) for i in items]) if items else z3.BoolVal(False)
            case Not(item):
                out = z3.Not(self.expr(item))
            case AtLeast(k, items):
                out = z3.AtLeast(*[self.expr(i) for i in items], k) if items else z3.BoolVal(k <= 0)
            case _:
                raise TypeError(e)
        self.memo[key] = out
        return out

    def background(self) -> list[z3.BoolRef]:
        vocab = self.policy.vocabulary
        out: list[z3.BoolRef] = []
        for scalars in self.holes.scalars.values():
            for s in scalars:
                v = self.var(s)
                if s == AGE:
                    out += [v >= 0, v <= AGE_MAX_MONTHS]
                    continue
                spec = vocab.spec(s)
                if spec.type == "enum":
                    out += [v >= 0, v <= len(spec.choices) - 1]
                elif spec.type == "bool":
                    out += [v >= 0, v <= 1]
                else:
                    if spec.minimum is not None:
                        out.append(v >= _num(spec.minimum))
                    if spec.maximum is not None:
                        out.append(v <= _num(spec.maximum))
        if not self.mtr_known and ({BIRTH, SEX, CATEGORY} & set(self.holes.scalars)):
            out.append(self.var(MTR) == self._retirement() - self._age())
        out += [self.expr(c) for c in self.holes.constraints]
        return out

    def _age(self):
        return self.term(AGE)

    def _retirement(self):
        """Statutory retirement age in months for this completion (params/retirement.yaml)."""
        params = self.policy.params
        vocab = self.policy.vocabulary
        cats = params.retirement["categories"]
        birth = self.facts.stated.get(BIRTH)
        ret: dict[str, object] = {}
        if AGE in self.facts.values and isinstance(birth, dt.date | str):
            b = birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth))
            ret = {c: retirement_age_months(params, c, b) for c in cats}
        else:
            # born on the 1st of the month: for a given age the latest birth month possible, which no
            # constraint can tell apart (none bounds the age from above)
            age = self.term(AGE)
            d0 = self.facts.date.year * 12 + self.facts.date.month - 1
            for c, spec in cats.items():
                y, m = (int(x) for x in str(spec["first_affected"]).split("-"))
                d = d0 - age - (y * 12 + m - 1)
                step, cap = int(spec["step_months"]), int(spec["max_delay_months"])
                ret[c] = int(spec["base_years"]) * 12 + z3.If(d < 0, 0, z3.If(d / step + 1 > cap, cap, d / step + 1))
        sexes = vocab.facts[SEX].choices
        cat_choices = vocab.facts[CATEGORY].choices
        sex, cat = self.term(SEX), self.term(CATEGORY)
        female = z3.If(_eq(cat, cat_choices.index("cadre")), _iv(ret["female_cadre"]), _iv(ret["female_worker"]))
        return z3.If(_eq(sex, sexes.index("male")), _iv(ret["male"]), female)


def _eq(t, v: int):
    return z3.BoolVal(t == v) if isinstance(t, Fraction) else t == v


def _iv(x):
    return z3.IntVal(x) if isinstance(x, int) else x


def _num(x: Fraction):
    return z3.IntVal(int(x)) if x.denominator == 1 else z3.RealVal(x)


def _solver() -> z3.Solver:
    s = z3.Solver()
    s.set("random_seed", 0)
    s.set("rlimit", RLIMIT)
    return s


def _check(s: z3.Solver, *assumptions) -> bool | None:
    r = s.check(*assumptions)
    return True if r == z3.sat else False if r == z3.unsat else None


@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def z3_refine(policy: Policy, nodes: list[Expr], facts: Facts, kleene: Status,
              targets: list[Expr] = ()) -> Exact:
    """Refine the unknown nodes exactly; ``targets``: the nodes whose relevant facts are wanted."""
    open_nodes = [n for n in nodes if kleene.get(id(n)) is None]
    if not open_nodes:
        return Exact(dict(kleene))
    holes = holes_of(policy, facts, open_nodes)
    a = _Copy(policy, facts, holes, "")
    s = _solver()
    s.add(*a.background())
    status = dict(kleene)
    first = _check(s)
    if first is None:  # z3's resource limit: keep the sound Kleene answer, and say so
        return Exact(status, warnings=[_BOUND])
    if first is False:  # no completion at all: keep the sound Kleene answer
        return Exact(status, warnings=["the stated facts admit no completion within the vocabulary's constraints"])
    terms = {id(n): a.expr(n) for n in open_nodes}
    seen: dict[int, set[bool]] = {id(n): set() for n in open_nodes}

    def absorb(m: z3.ModelRef) -> None:
        for k, t in terms.items():
            if len(seen[k]) < 2:
                seen[k].add(z3.is_true(m.eval(t, model_completion=True)))

    absorb(s.model())
    gave_up = 0
    for n in open_nodes:
        k = id(n)
        for want in (True, False):
            if want in seen[k]:
                continue
            r = _check(s, terms[k] if want else z3.Not(terms[k]))
            if r is True:
                absorb(s.model())
            elif r is None:
                seen[k].add(want)  # budget: keep it unknown (sound), and say so below
                gave_up += 1
    refined = set()
    for n in open_nodes:
        vals = seen[id(n)]
        if len(vals) == 1:
            status[id(n)] = next(iter(vals))
            refined.add(id(n))
    relevant = {}
    wanted = [t for t in targets if status.get(id(t)) is None]
    warnings = []
    if gave_up:
        warnings.append(_BOUND)
    if wanted:
        relevant, stopped = _z3_relevant(policy, facts, holes, wanted, status)
        if stopped:
            warnings.append(Msg(f"exactness bound reached: z3's resource limit stopped {stopped} question(s) about "
                                "which facts decide; those facts are listed as deciding (perhaps more than needed)",
                                f"达到精确性上限：z3 资源上限中止了 {stopped} 个关于决定性事实的判断；"
                                "这些事实被列为决定性事实（可能多列）"))
    return Exact(status, relevant, frozenset(refined), warnings=warnings)


_BOUND = Msg("exactness bound reached: z3's resource limit stopped some questions; what they concern is shown "
             "undetermined, which may not be exact (sound: never a wrong eligible or ineligible)",
             "达到精确性上限：z3 资源上限中止了部分判断；相关结论显示为“待定”，可能不精确（但不会给出错误的符合或不符合）")


def _z3_relevant(policy: Policy, facts: Facts, holes: Holes, targets: list[Expr],
                 status: Status) -> tuple[dict[int, list[str]], int]:
    """Two copies of the completion, equal on every hole but the one asked about: a hole is relevant to a
    target when the copies can give the target different truths."""
    a = _Copy(policy, facts, holes, "A|")
    b = _Copy(policy, facts, holes, "B|")
    s = _solver()
    s.add(*a.background(), *b.background())
    same: dict[str, z3.BoolRef] = {}
    for h, scalars in holes.scalars.items():
        lit = z3.Bool(f"same|{h}")
        s.add(z3.Implies(lit, z3.And([a.var(x) == b.var(x) for x in scalars])))
        same[h] = lit
    on: dict[int, z3.BoolRef] = {}
    for t in targets:
        lit = z3.Bool(f"target|{id(t)}")
        s.add(z3.Implies(lit, z3.And(a.expr(t), z3.Not(b.expr(t)))))
        on[id(t)] = lit
    # a hole can change a target only through a comparison it appears in whose truth is open
    open_leaf_holes = {h for n in targets for x in walk(n) if isinstance(x, Cmp | In) and status.get(id(x)) is None
                       for f in facts_of(x) for h in _hole_of(policy, f)}
    out: dict[int, list[str]] = {}
    stopped = 0
    for t in targets:
        cands = [h for h in _appearance(policy, t, holes) if h in holes.scalars]
        found = []
        for h in cands:
            if h not in open_leaf_holes and not _linked(policy, holes, h, t):
                continue
            r = _check(s, on[id(t)], *(lit for g, lit in same.items() if g != h))
            stopped += r is None
            if r is not False:
                found.append(h)
        out[id(t)] = found
    return out, stopped
