"""IR → z3. The only module that imports z3.

Every fact is a number (see ``policy.expr``); here every fact becomes an exact *linear form* over
z3 ``Int`` variables (``Lin``: a constant plus rational coefficients), so one encoder serves all
analyses: a witness search (facts free), ``missing`` (a fact = its value now + months waited × rate
+ an effort delta) and the three-valued node status of a given profile. A comparison is scaled by
the least common multiple of its denominators, so the solver only sees integer linear arithmetic:
``income >= 1.5 × 9407`` is decided exactly, right at the threshold.

Representations (the same as every backend): money, int, bool (0/1) and enum (choice index) facts
are ``Int``; a decimal fact (years, %) is ``k / 100`` for an ``Int`` k — exact, and printable as a
decimal number in a profile.

Session rules (claripy / CrossHair style): every query runs on a fresh solver with a fixed seed and
an ``rlimit`` work budget (not wall-clock time, so answers are reproducible); z3 ``unknown`` raises
``BudgetExhausted`` — "unknown (budget exhausted)" to the user — never a crash.

Example:
    >>> from fractions import Fraction
    >>> from policy.expr import Cmp
    >>> enc = Encoder()
    >>> e = Cmp(((Fraction(1), "x"),), "ge", Fraction(29, 2))
    >>> s = new_solver()
    >>> s.add(enc.to_smt(e, enc.var_term), enc.var("x") <= 15)
    >>> check(s)
    True
    >>> s.model()[enc.var("x")]
    15
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import assert_never

import z3

from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, compare, facts_of
from policy.load import Policy
from policy.model import FactSpec
from solver.facts import Facts
from solver.program import Program

RLIMIT = 50_000_000  # z3 work units per query: a few seconds at most, far above what any query here needs
SEED = 0
DECIMAL_SCALE = Fraction(1, 100)  # a decimal fact is k/100
AGE_MAX_MONTHS = 1200  # realism bound for witnesses: nobody applies past 100

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


# --- smart constructors ------------------------------------------------------------------------

TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)
_CTX = z3.main_ctx()
_TRUE_ID, _FALSE_ID = TRUE.get_id(), FALSE.get_id()

# The constructors below are on every encoding's hot path: they use z3's C API directly (an AST id
# instead of ``z3.is_true``, the declaration kind instead of ``z3.is_and``, ``Z3_mk_and`` instead of
# ``z3.And``), which is several times cheaper than the Python-level helpers and builds the same terms.


def _kind(x: z3.ExprRef) -> int:
    ref = _CTX.ref()
    return z3.Z3_get_decl_kind(ref, z3.Z3_get_app_decl(ref, x.as_ast()))


def _args(x: z3.ExprRef) -> list[z3.BoolRef]:
    ref, a = _CTX.ref(), x.as_ast()
    return [z3.BoolRef(z3.Z3_get_app_arg(ref, a, k), _CTX) for k in range(z3.Z3_get_app_num_args(ref, a))]


def _nary(items: list[z3.BoolRef], and_: bool) -> z3.BoolRef:
    arr = (z3.Ast * len(items))(*(i.as_ast() for i in items))
    mk = z3.Z3_mk_and if and_ else z3.Z3_mk_or
    return z3.BoolRef(mk(_CTX.ref(), len(items), arr), _CTX)


def _flat(items: Iterable[z3.BoolRef], and_: bool) -> z3.BoolRef:
    unit, zero = (_TRUE_ID, _FALSE_ID) if and_ else (_FALSE_ID, _TRUE_ID)
    op = z3.Z3_OP_AND if and_ else z3.Z3_OP_OR
    out: list[z3.BoolRef] = []
    seen: set[int] = set()
    for i in items:
        iid = i.get_id()
        if iid == unit:
            continue
        if iid == zero:
            return FALSE if and_ else TRUE
        for j in (_args(i) if _kind(i) == op else (i,)):
            jid = j.get_id()
            if jid not in seen:
                seen.add(jid)
                out.append(j)
    if not out:
        return TRUE if and_ else FALSE
    return out[0] if len(out) == 1 else _nary(out, and_)


def mk_and(items: Iterable[z3.BoolRef]) -> z3.BoolRef:
    return _flat(items, True)


def mk_or(items: Iterable[z3.BoolRef]) -> z3.BoolRef:
    return _flat(items, False)


def mk_not(x: z3.BoolRef) -> z3.BoolRef:
    xid = x.get_id()
    if xid == _TRUE_ID:
        return FALSE
    if xid == _FALSE_ID:
        return TRUE
    if _kind(x) == z3.Z3_OP_NOT:
        return _args(x)[0]
    return z3.BoolRef(z3.Z3_mk_not(_CTX.ref(), x.as_ast()), _CTX)


def mk_atleast(k: int, items: list[z3.BoolRef]) -> z3.BoolRef:
    if k <= 0:
        return TRUE
    rest = [i for i in items if i.get_id() != _FALSE_ID]
    k -= sum(1 for i in rest if i.get_id() == _TRUE_ID)
    rest = [i for i in rest if i.get_id() != _TRUE_ID]
    if k <= 0:
        return TRUE
    if k > len(rest):
        return FALSE
    if k == len(rest):
        return mk_and(rest)
    if k == 1:
        return mk_or(rest)
    return z3.AtLeast(*rest, k)


def mk_implies(a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
    return mk_or([mk_not(a), b])


# --- linear forms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lin:
    """``const + Σ coef × var``: the value of a fact as an exact linear form over Int variables."""

    const: Fraction = Fraction(0)
    coefs: tuple[tuple[str, Fraction], ...] = ()

    @staticmethod
    def of(value: Fraction) -> Lin:
        return Lin(Fraction(value))

    @staticmethod
    def var(name: str, coef: Fraction = Fraction(1)) -> Lin:
        return Lin(Fraction(0), ((name, Fraction(coef)),))

    def plus(self, other: Lin, times: Fraction = Fraction(1)) -> Lin:
        d = dict(self.coefs)
        for n, c in other.coefs:
            d[n] = d.get(n, Fraction(0)) + c * times
        return Lin(self.const + other.const * times, tuple((n, c) for n, c in d.items() if c != 0))

    @property
    def is_const(self) -> bool:
        return not self.coefs


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


def model_int(m: z3.ModelRef, v: z3.ArithRef) -> int:
    r = m.eval(v, model_completion=True)
    # ``as_long`` re-checks the sort through the Python layer: the numeral is read directly
    return int(z3.Z3_get_numeral_string(r.ctx_ref(), r.as_ast()))


def lin_value(m: z3.ModelRef, enc: Encoder, lin: Lin) -> Fraction:
    return lin.const + sum((c * model_int(m, enc.var(n)) for n, c in lin.coefs), Fraction(0))


# --- three-valued status of a given profile (the backend contract) --------------------------------


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


# --- the applicant as z3 variables ---------------------------------------------------------------

AGE = "applicant.age_months"
MTR = "applicant.months_to_retirement"
MTR_MIN = "applicant.months_to_retirement_min"
SEX = "applicant.sex"
CATEGORY = "applicant.female_category"
AGE_GROUP = (AGE, MTR, MTR_MIN)


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def scale_of(spec: FactSpec) -> Fraction:
    return DECIMAL_SCALE if spec.type == "decimal" else Fraction(1)


def domain(enc: Encoder, spec: FactSpec, scalar: str, var: str) -> list[z3.BoolRef]:
    """Domain of one scalar fact held in Int variable ``var`` (value = var × scale)."""
    v = enc.var(var)
    sc = scale_of(spec)
    out: list[z3.BoolRef] = []
    if spec.type == "enum":
        out += [v >= 0, v <= len(spec.choices) - 1]
    elif spec.type == "bool":
        out += [v >= 0, v <= 1]
    else:
        if spec.minimum is not None:
            out.append(enc.relation(Lin.var(var, sc), "ge", spec.minimum))
        if spec.maximum is not None:
            out.append(enc.relation(Lin.var(var, sc), "le", spec.maximum))
    return out


@dataclass
class Space:
    """One applicant on one application date as z3 variables.

    ``free`` facts are variables (all scalars when ``None``), the others are pinned to ``pinned``.
    ``tag`` prefixes the variable names, so two applicants can live in one query (monotonicity).
    ``background()`` is what makes a model a real profile: every fact's domain, every vocabulary
    constraint (``validate`` or not), and the derived ages — ``age_months`` from a birth month,
    ``months_to_retirement`` = statutory retirement age (params/retirement.yaml, by sex, category
    and birth month) − age.
    """

    policy: Policy
    date: dt.date
    pinned: Mapping[str, Fraction] = field(default_factory=dict)
    free: frozenset[str] | None = None
    tag: str = ""
    enc: Encoder = field(default_factory=Encoder)

    def __post_init__(self) -> None:
        self.vocab = self.policy.vocabulary
        self.scalars = [n for n in self.vocab.scalars()]
        if self.free is not None:
            free = set(self.free)
            if free & set(AGE_GROUP):
                free |= {*AGE_GROUP, SEX, CATEGORY}
            self.free = frozenset(free)
        self._memo: dict[tuple, dict[int, z3.BoolRef]] = {}

    def is_free(self, name: str) -> bool:
        return self.free is None or name in self.free

    def varname(self, name: str) -> str:
        return self.tag + name

    def term(self, name: str) -> Lin:
        if self.is_free(name):
            return Lin.var(self.varname(name), scale_of(self.vocab.spec(name)))
        if name not in self.pinned:
            raise KeyError(f"fact `{name}` is neither free nor pinned")
        return Lin.of(self.pinned[name])

    def expr(self, e: Expr, override: Mapping[str, Fraction] | None = None) -> z3.BoolRef:
        """``e`` for this applicant; ``override`` pins facts (the employer's district when relocated)."""
        key = tuple(sorted((override or {}).items()))
        memo = self._memo.setdefault(key, {})
        if not override:
            return self.enc.to_smt(e, self.term, memo)
        ov = dict(override)
        return self.enc.to_smt(e, lambda f: Lin.of(ov[f]) if f in ov else self.term(f), memo)

    def background(self) -> list[z3.BoolRef]:
        if getattr(self, "_background", None) is None:
            self._background = self._make_background()
        return self._background

    def _make_background(self) -> list[z3.BoolRef]:
        out: list[z3.BoolRef] = []
        for name in self.scalars:
            if self.is_free(name) and name not in (MTR, MTR_MIN):
                out += domain(self.enc, self.vocab.spec(name), name, self.varname(name))
        if self.is_free(AGE):
            out.append(self.enc.var(self.varname(AGE)) <= AGE_MAX_MONTHS)
            out += self._retirement()
        for c in self.vocab.constraints:
            out.append(self.expr(c.when))
        return [x for x in out if not z3.is_true(x)]

    def _retirement(self) -> list[z3.BoolRef]:
        age = self.enc.var(self.varname(AGE))
        birth = month_index(self.date) - age  # born on the 1st of that month: completed months = age
        sexes = self.vocab.facts[SEX].choices
        cats = self.vocab.facts[CATEGORY].choices
        ret = {}
        for cat, c in self.policy.params.retirement["categories"].items():
            y, m = (int(x) for x in str(c["first_affected"]).split("-"))
            d = birth - (y * 12 + m - 1)
            step, cap = int(c["step_months"]), int(c["max_delay_months"])
            delay = z3.If(d < 0, 0, z3.If(d / step + 1 > cap, cap, d / step + 1))
            ret[cat] = int(c["base_years"]) * 12 + delay
        sex = self._lin_term(SEX)
        cat = self._lin_term(CATEGORY)
        female_ret = z3.If(cat == cats.index("cadre"), ret["female_cadre"], ret["female_worker"])
        retire = z3.If(sex == sexes.index("male"), ret["male"], female_ret)
        mtr = self.enc.var(self.varname(MTR))
        return [mtr == retire - age, self.enc.var(self.varname(MTR_MIN)) == mtr]

    def _lin_term(self, name: str):
        lin = self.term(name)
        if lin.is_const:
            return z3.IntVal(int(lin.const))
        return self.enc.var(lin.coefs[0][0])

    # --- decoding -------------------------------------------------------------------------------

    def values(self, m: z3.ModelRef) -> dict[str, Fraction]:
        out: dict[str, Fraction] = {}
        for name in self.scalars:
            if self.is_free(name):
                out[name] = lin_value(m, self.enc, self.term(name))
            elif name in self.pinned:
                out[name] = Fraction(self.pinned[name])
        return out

    def profile(self, values: Mapping[str, Fraction], birth_date: dt.date | None = None) -> dict:
        """A profile (the input contract) stating ``values``; derived facts become a birth date."""
        return to_profile(self.policy, self.date, values, birth_date)


def to_profile(policy: Policy, date: dt.date, values: Mapping[str, Fraction],
               birth_date: dt.date | None = None) -> dict:
    """Numbers back to a nested profile dict (enum names, true/false, decimals, lists)."""
    vocab = policy.vocabulary
    out: dict = {"application": {"date": date.isoformat()}}

    def put(name: str, v) -> None:
        parts = name.split(".")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v

    for spec in vocab.facts.values():
        if spec.derived or spec.type == "date":
            continue
        names = spec.numeric_names
        if any(n not in values for n in names):
            continue
        vals = [values[n] for n in names]
        match spec.type:
            case "enum":
                put(spec.name, spec.choices[int(vals[0])])
            case "bool":
                put(spec.name, bool(vals[0]))
            case "money_list":
                put(spec.name, [_number(v) for v in vals])
            case _:
                put(spec.name, _number(vals[0]))
    if birth_date is None and AGE in values:
        idx = month_index(date) - int(values[AGE])
        birth_date = dt.date(idx // 12, idx % 12 + 1, 1)
    if birth_date is not None:
        put("applicant.birth_date", birth_date.isoformat())
    return out


def _number(v: Fraction) -> int | float:
    if v.denominator == 1:
        return int(v)
    f = float(v)
    if Fraction(str(f)) != v:
        raise ValueError(f"{v} is not a short decimal")
    return f


def closure(policy: Policy, names: Iterable[str]) -> frozenset[str]:
    """``names`` and every fact a vocabulary constraint links to them (transitively): the facts a
    query must leave free so that pinning the rest cannot restrict the answer."""
    out = set(names)
    if out & set(AGE_GROUP):
        out |= {*AGE_GROUP, SEX, CATEGORY}
    grew = True
    while grew:
        grew = False
        for c in policy.vocabulary.constraints:
            fs = facts_of(c.when)
            if fs & out and not fs <= out:
                out |= fs
                grew = True
        if out & set(AGE_GROUP) and not {*AGE_GROUP, SEX, CATEGORY} <= out:
            out |= {*AGE_GROUP, SEX, CATEGORY}
            grew = True
    return frozenset(out)


# --- clause indicators ---------------------------------------------------------------------------


def indicator(cid: str, tag: str = "") -> z3.BoolRef:
    """The literal ``b_<clause id>``: assumed, it switches the clause's requirement on."""
    return z3.Bool(f"{tag}b_{cid}")


def indicated(space: Space, prog: Program, cids: Iterable[str],
              override: Mapping[str, Fraction] | None = None) -> tuple[list[z3.BoolRef], dict[str, z3.BoolRef]]:
    """``b_<id> ⇒ requirement`` for each clause, and the literals by clause id (for cores and MaxSMT)."""
    lits = {cid: indicator(cid, space.tag) for cid in cids}
    return [mk_implies(b, space.expr(prog.requirement[cid], override)) for cid, b in lits.items()], lits


def minimal_core(s: z3.Solver, core: list[z3.BoolRef]) -> list[z3.BoolRef]:
    """Deletion-based minimisation: every literal left is needed for unsat."""
    core = list(core)
    for lit in list(core):
        trial = [c for c in core if not c.eq(lit)]
        if not check(s, *trial):
            core = trial
    return core


# --- the generic pair check (Cedar style) --------------------------------------------------------


@dataclass
class PairModel:
    """A model of ``background ∧ a ∧ ¬b``: the applicant's values (decode with ``Space.values``)."""

    values: dict[str, Fraction]


def pair_check(space: Space, a: z3.BoolRef, b: z3.BoolRef, extra: Iterable[z3.BoolRef] = (),
               soft: Mapping[str, Fraction] | None = None, rlimit: int = RLIMIT) -> PairModel | None:
    """Does ``a ⇒ b`` hold for every applicant? ``None`` if proven, else a counterexample.

    ``soft``: a reference applicant; the counterexample then differs from it in as few facts as
    possible (MaxSMT), so it reads like an ordinary person.
    """
    s = new_solver(rlimit)
    s.add(*space.background(), a, mk_not(b), *extra)
    if not check(s):
        return None
    if not soft:
        return PairModel(space.values(s.model()))
    o = new_optimize(rlimit)
    o.add(*space.background(), a, mk_not(b), *extra)
    add_distance(o, space, soft)
    if not check(o):  # cannot happen after sat above, but a budget may
        return PairModel(space.values(s.model()))
    return PairModel(space.values(o.model()))


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


def add_distance(o: z3.Optimize, space: Space, ref: Mapping[str, Fraction]) -> None:
    """Stay close to ``ref``: as few facts changed as possible (one soft constraint per fact)."""
    for _, x, target in _targets(space, ref):
        o.add_soft(x == target, 1, id="facts_changed")


def closest(space: Space, goal: list[z3.BoolRef], ref: Mapping[str, Fraction],
            rlimit: int = RLIMIT) -> dict[str, Fraction] | None:
    m = closest_model(space, goal, ref, rlimit)
    return None if m is None else space.values(m)


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

    PHASE2 = "optimize"

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
        if self.PHASE2 == "optimize":
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
        on.append(self.lit(("pins", mk_and(pins).get_id()), lambda: mk_and(pins)))
        skey = f"size:{z3.simplify(size).get_id()}:{mk_and(pins).get_id()}:{g.get_id()}"
        model, _ = self._minimise(on, skey, lambda k: size <= k, lambda m: m.eval(size, model_completion=True).as_long(),
                                  len(numeric), model)
        return model


__all__ = ["Encoder", "Lin", "Space", "node_status", "new_solver", "new_optimize", "check", "BudgetExhausted",
           "UNKNOWN_TEXT", "mk_and", "mk_or", "mk_not", "mk_atleast", "mk_implies", "indicator", "indicated",
           "minimal_core", "closure", "pair_check", "add_distance", "closest", "closest_model", "Session", "to_profile", "Facts"]
