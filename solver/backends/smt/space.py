"""One applicant as z3 variables: a ``Space`` pins some facts and leaves the others free, with the
background that makes a model a real profile (domains, vocabulary constraints, derived ages), and
decodes a model back to a profile (``to_profile``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import z3

from policy.expr import Expr, facts_of
from policy.load import Policy
from policy.model import FactSpec
from solver.backends.smt.encode import Encoder, lin_value
from solver.backends.smt.terms import Lin, mk_implies
from solver.program import Program

DECIMAL_SCALE = Fraction(1, 100)  # a decimal fact is k/100
AGE_MAX_MONTHS = 1200  # realism bound for witnesses: nobody applies past 100

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

    def relate(self, other: Space, name: str, op: str) -> z3.BoolRef:
        """``other``'s value of the free fact ``name`` ``op`` this applicant's (two applicants in one
        query: "the same but for more income")."""
        mine, theirs = self.term(name), other.term(name)
        diff = theirs.plus(mine, Fraction(-1))
        return self.enc.relation(diff, op, Fraction(0))

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
