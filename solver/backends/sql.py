"""IR → SQL: one query per jurisdiction over a table with one row per applicant.

The only module that builds SQL. The query is an sqlglot expression tree (never a string built by
hand), generated for DuckDB (in-process, the default), Spark, Trino or PostgreSQL.

Input table (``docs/population.md``): one column per stated fact, named by its path
(``applicant.income.monthly_avg_12m``, list items ``applicant.income.annual_last_3_years[0]``);
dates ``DATE``, yes/no ``BOOLEAN``, choices ``VARCHAR`` (the vocabulary's English choice names),
numbers integer or ``DECIMAL``. A ``NULL`` cell is an unknown fact; a fact with a vocabulary
default gets it when the cell is ``NULL``.

The query has four stages::

    p  parameters by date: wage year and figures, every threshold as num/den, the rules version of
       each jurisdiction — computed by solver.facts / policy.load themselves, as intervals of days
    f  facts, derived facts from the row's dates, the parameters of the row's interval (a CASE)
    l  every comparison of the rules (a leaf) as a SQL boolean: NULL is unknown
    c  every clause's requirement from its leaves: SQL's AND / OR / NOT on NULL is Kleene logic
    →  status, pathways, clauses (held / failed / unknown / waived), leaf truths and thresholds

Arithmetic is exact: multipliers are fractions cleared into integer coefficients
(``income * 10 >= 12 * 9407`` style), thresholds are integers rounded half up by the same code the
other backends use. ``AtLeast(k, …)`` counts true (and true-or-unknown) items.

Example:
    >>> from policy.load import load_policy
    >>> q = to_sql(load_policy(), "beijing")
    >>> "status" in q.columns and q.sql("duckdb").startswith("WITH")
    True
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import assert_never

from sqlglot import exp

from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, Threshold, compare, facts_of, walk
from policy.load import Policy
from policy.model import Jurisdiction
from solver.facts import threshold_value, wage_on

DIALECTS = ("duckdb", "spark", "trino", "postgres")
DERIVED = ("applicant.age_months", "applicant.months_to_retirement", "applicant.months_to_retirement_min")
DATE_COL = "application.date"
BIRTH_COL = "applicant.birth_date"
# the calendar the parameter table is computed over; outside it the first / last interval applies
CAL_FROM, CAL_TO = dt.date(1990, 1, 1), dt.date(2060, 12, 31)
STATUS = {True: "eligible", False: "ineligible"}
PATHWAY = {True: "satisfied", False: "failed"}
CLAUSE = {True: "held", False: "failed"}
CMP = {"eq": exp.EQ, "ne": exp.NEQ, "lt": exp.LT, "le": exp.LTE, "gt": exp.GT, "ge": exp.GTE}


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True, copy=False)


def num(x: int) -> exp.Expression:
    return exp.Literal.number(x) if x >= 0 else exp.Neg(this=exp.Literal.number(-x))


def date_lit(d: dt.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(d.isoformat()), "DATE")


def _truth_case(e: exp.Expression, words: dict[bool, str], unknown: str) -> exp.Expression:
    return (exp.Case().when(e, exp.Literal.string(words[True]))
            .when(exp.not_(e), exp.Literal.string(words[False])).else_(exp.Literal.string(unknown)))


# --- the parameter table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """Date intervals [valid_from, valid_to) with everything that depends on the date alone."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    thresholds: dict[Threshold, tuple[str, str | None]]  # threshold -> (num column, den column or None)


def _thresholds(versions: list[Jurisdiction]) -> list[Threshold]:
    out: list[Threshold] = []
    for j in versions:
        for c in j.clauses():
            for n in walk(c.when):
                if isinstance(n, Cmp) and isinstance(n.rhs, Threshold) and n.rhs not in out:
                    out.append(n.rhs)
    return out


_PARAMS: dict[tuple[int, str], tuple[Policy, Params]] = {}


def params_table(policy: Policy, jid: str) -> Params:
    """The parameter table of jurisdiction ``jid`` (computed once per policy)."""
    if (id(policy), jid) not in _PARAMS:
        _PARAMS[(id(policy), jid)] = (policy, _params_table(policy, jid))  # policy kept alive: id() stays unique
    return _PARAMS[(id(policy), jid)][1]


def _wage(policy: Policy, day: dt.date, jid: str):
    try:
        return wage_on(policy.params, day, jid)  # the wage in force for this jurisdiction
    except TypeError:
        return wage_on(policy.params, day)


def _change_days(policy: Policy, versions: list[Jurisdiction]) -> list[dt.date]:
    """Every day on which the wage in force or the rules version may change: 1 January (the wage
    year is the year before), each figure's publication (and any earlier evidence of it), each
    version's first and last day, and the midpoints where the nearest version changes."""
    one = dt.timedelta(days=1)
    days = {CAL_FROM} | {dt.date(y, 1, 1) for y in range(CAL_FROM.year, CAL_TO.year + 1)}
    for w in policy.params.wage_years:
        days.add(w.published)
        days.update(d for _, d, _ in getattr(w, "evidence", ()))
    starts = sorted(v.in_force_from for v in versions if v.in_force_from)
    for v in versions:
        days.update(d for d in (v.in_force_from, v.in_force_to and v.in_force_to + one) if d)
    for a, b in zip(starts, starts[1:]):
        mid = a + (b - a) / 2
        days.update({mid - one, mid, mid + one})
    return sorted(d for d in days if CAL_FROM <= d <= CAL_TO)


def _params_table(policy: Policy, jid: str) -> Params:
    """The parameter table, computed day by day with ``wage_on`` / ``Policy.version`` /
    ``threshold_value`` (the functions every other backend uses) and compressed into intervals."""
    versions = policy.jurisdictions[jid]
    ths = _thresholds(versions)

    def key(day: dt.date) -> tuple:
        w = _wage(policy, day, jid)
        ver = 0 if len(versions) == 1 else versions.index(policy.version(jid, day)[0])
        return (w.year, w.monthly, w.annual, ver), w

    spans: list[list] = []
    days = _change_days(policy, versions)
    for day, nxt in zip(days, [*days[1:], CAL_TO + dt.timedelta(days=1)]):
        k, w = key(day)
        if spans and spans[-1][2][:4] == k:
            spans[-1][1] = nxt - dt.timedelta(days=1)
        else:
            spans.append([day, nxt - dt.timedelta(days=1), (*k, tuple(threshold_value(t, w)[0] for t in ths))])
    dens = [any(s[2][4][i].denominator != 1 for s in spans) for i in range(len(ths))]
    columns = ["valid_from", "valid_to", "wage_year", "wage_monthly", "wage_annual", "version"]
    thcols: dict[Threshold, tuple[str, str | None]] = {}
    for i, t in enumerate(ths):
        thcols[t] = (f"t{i}_num", f"t{i}_den" if dens[i] else None)
        columns += [f"t{i}_num"] + ([f"t{i}_den"] if dens[i] else [])
    rows = []
    for n, (lo, hi, k) in enumerate(spans):
        start = dt.date(1, 1, 1) if n == 0 else lo
        end = dt.date(9999, 12, 31) if n == len(spans) - 1 else hi + dt.timedelta(days=1)
        row = [start, end, *k[:4]]
        for i, v in enumerate(k[4]):
            row += [v.numerator] + ([v.denominator] if dens[i] else [])
        rows.append(tuple(row))
    return Params(tuple(columns), tuple(rows), thcols)


def _slot(p: Params, day: exp.Expression) -> exp.Expression:
    """The parameter interval of ``day`` (its row number in the table), computed once per row."""
    if len(p.rows) == 1:
        return num(0)
    case = exp.Case()
    for i, r in enumerate(p.rows[:-1]):
        case = case.when(exp.LT(this=day.copy(), expression=date_lit(r[1])), num(i))
    return case.else_(num(len(p.rows) - 1))


def _param_sql(p: Params, i: int, slot: exp.Expression) -> exp.Expression:
    """Column ``i`` of the parameter table for the row in interval ``slot``: a constant when every
    interval has the same value, else a CASE over the intervals whose value differs from the last."""
    vals = [r[i] for r in p.rows]
    if len(set(vals)) == 1:
        return num(int(vals[0]))
    case = exp.Case()
    for k, v in enumerate(vals[:-1]):
        if v != vals[-1]:
            case = case.when(exp.EQ(this=slot.copy(), expression=num(k)), num(int(v)))
    return case.else_(num(int(vals[-1])))


# --- facts as numbers ----------------------------------------------------------------------------


def _years_months(d: exp.Expression) -> tuple[exp.Expression, exp.Expression, exp.Expression]:
    return exp.Year(this=d.copy()), exp.Month(this=d.copy()), exp.Day(this=d.copy())


def _retirement_age(policy: Policy, category: str, birth: exp.Expression) -> exp.Expression:
    """``solver.facts.retirement_age_months`` in SQL: base age plus the 2025 reform's delay by birth month."""
    c = policy.params.retirement["categories"][category]
    fy, fm = (int(x) for x in str(c["first_affected"]).split("-"))
    by, bm, _ = _years_months(birth)
    d = exp.paren(exp.Add(this=exp.Mul(this=exp.paren(exp.Sub(this=by, expression=num(fy))), expression=num(12)),
                          expression=exp.paren(exp.Sub(this=bm, expression=num(fm)))))
    step = exp.Add(this=exp.IntDiv(this=d.copy(), expression=num(int(c["step_months"]))), expression=num(1))
    delay = exp.Case().when(exp.LT(this=d.copy(), expression=num(0)), num(0)).else_(
        exp.Least(this=step, expressions=[num(int(c["max_delay_months"]))]))
    return exp.paren(exp.Add(this=num(int(c["base_years"]) * 12), expression=delay))


def _dates_stage(policy: Policy, table: str, day: exp.Expression, params: Params | None = None) -> exp.Select:
    """Stage d: the applicant table with the application day, the age in completed months and the
    statutory retirement age of each category computed once per row (``solver.facts._derive_age``)."""
    birth = col(BIRTH_COL, "a")
    dy, dm, dd = _years_months(day)
    by, bm, bd = _years_months(birth)
    # solver.calendar.months_between: the largest n with add_months(birth, n) <= day (month ends clamp):
    # one month less when the birth day is later than the day, unless the day is its month's last
    short = exp.and_(exp.GT(this=bd, expression=dd),
                     exp.LT(this=dd.copy(), expression=exp.Day(this=exp.LastDay(this=day.copy()))))
    age = exp.paren(exp.Sub(
        this=exp.Add(this=exp.Mul(this=exp.paren(exp.Sub(this=dy, expression=by)), expression=num(12)),
                     expression=exp.paren(exp.Sub(this=dm, expression=bm))),
        expression=exp.Case().when(short, num(1)).else_(num(0))))
    cols = [exp.Star(), exp.alias_(day.copy(), "__day", quoted=True, copy=False),
            exp.alias_(age, "__age", quoted=True, copy=False)]
    for c in ("male", "female_cadre", "female_worker"):
        cols.append(exp.alias_(_retirement_age(policy, c, birth), f"__retire_{c}", quoted=True, copy=False))
    if params is not None:  # the row's parameter interval, computed once per row
        cols.append(exp.alias_(_slot(params, day), "__slot", quoted=True, copy=False))
    return exp.select(*cols, copy=False).from_(exp.alias_(exp.to_table(table), "a"), copy=False)


def _derived(policy: Policy) -> dict[str, exp.Expression]:
    """Age and months to the statutory retirement age from stage d's columns (``_derive_age``): the
    exact figure when sex (and a woman's category) is known, the earliest possible one always."""
    age = col("__age", "a")
    r = {c: col(f"__retire_{c}", "a") for c in ("male", "female_cadre", "female_worker")}
    sex, cat = col("applicant.sex", "a"), col("applicant.female_category", "a")

    def is_(c, v):
        return exp.EQ(this=c.copy(), expression=exp.Literal.string(v))

    def least(*xs):
        return exp.Least(this=xs[0].copy(), expressions=[x.copy() for x in xs[1:]]) if len(xs) > 1 else xs[0].copy()

    def minus_age(x):
        return exp.Sub(this=x, expression=age.copy())

    exact = (exp.Case()
             .when(is_(sex, "male"), minus_age(r["male"].copy()))
             .when(exp.and_(is_(sex, "female"), is_(cat, "cadre")), minus_age(r["female_cadre"].copy()))
             .when(exp.and_(is_(sex, "female"), is_(cat, "worker")), minus_age(r["female_worker"].copy())))
    null = exp.Is(this=sex.copy(), expression=exp.null())
    cnull = exp.Is(this=cat.copy(), expression=exp.null())
    earliest = (exp.Case()
                .when(is_(sex, "male"), r["male"].copy())
                .when(exp.and_(is_(sex, "female"), is_(cat, "cadre")), r["female_cadre"].copy())
                .when(exp.and_(is_(sex, "female"), is_(cat, "worker")), r["female_worker"].copy())
                .when(is_(sex, "female"), least(r["female_cadre"], r["female_worker"]))
                .when(exp.and_(null, is_(cat, "cadre")), least(r["male"], r["female_cadre"]))
                .when(exp.and_(null.copy(), is_(cat, "worker")), least(r["male"], r["female_worker"]))
                .when(exp.and_(null.copy(), cnull), least(r["male"], r["female_cadre"], r["female_worker"])))
    return {"applicant.age_months": age, "applicant.months_to_retirement": exact,
            "applicant.months_to_retirement_min": minus_age(earliest)}


def _fact_expr(policy: Policy, name: str) -> exp.Expression:
    """A stated fact with its vocabulary default when the cell is empty. Choices stay names and
    yes/no stays boolean: a comparison with them becomes a test of the names or the boolean that
    satisfy it (``_leaf_sql``), cheaper than converting every cell to a number."""
    spec = policy.vocabulary.spec(name)
    c = col(name, "a")
    if spec.default is None:
        return c
    if spec.type == "enum":
        default = exp.Literal.string(str(spec.default))
    elif spec.type == "bool":
        default = exp.true() if spec.default else exp.false()
    else:
        default = num(int(spec.default))
    return exp.Coalesce(this=c, expressions=[default])


# --- the IR as SQL -------------------------------------------------------------------------------


@dataclass
class Leaf:
    """One comparison of the rules, as SQL column ``name``."""

    name: str
    node: Cmp | In
    threshold: tuple[str, str | None] | None = None  # parameter columns of its threshold, if any


@dataclass
class Query:
    """A compiled query and what its output columns mean."""

    jid: str
    tree: exp.Select
    keys: tuple[str, ...]
    pathways: list[str]
    clauses: list[str]
    leaves: dict[str, list[Leaf]] = field(default_factory=dict)  # version index -> leaves
    columns: list[str] = field(default_factory=list)
    _text: dict = field(default_factory=dict, repr=False)

    def sql(self, dialect: str = "duckdb", pretty: bool = False) -> str:
        key = (dialect, pretty)
        if key not in self._text:
            self._text[key] = self.tree.sql(dialect=dialect, pretty=pretty)
        return self._text[key]


def _cmp_sql(e: Cmp, p: Params, ref) -> exp.Expression:
    # sum(c_i * f_i) op num/den  ⇔  sum(L*c_i * f_i) * den op L * num   (L clears the fractions)
    if isinstance(e.rhs, Threshold):
        ncol, dcol = p.thresholds[e.rhs]
        rnum, rden = col(ncol, "f"), (col(dcol, "f") if dcol else None)
        lcm = math.lcm(*(c.denominator for c, _ in e.terms))
    else:
        lcm = math.lcm(*(c.denominator for c, _ in e.terms), e.rhs.denominator)
        rnum, rden = num(int(e.rhs * lcm)), None
    lhs: exp.Expression | None = None
    for c, f in e.terms:
        k = int(c * lcm)
        term = ref(f) if k == 1 else exp.Mul(this=num(k), expression=ref(f))
        lhs = term if lhs is None else exp.Add(this=lhs, expression=term)
    if isinstance(e.rhs, Threshold) and lcm != 1:
        rnum = exp.Mul(this=num(lcm), expression=rnum)
    if rden is not None:
        lhs = exp.Mul(this=exp.paren(lhs), expression=rden)
    return CMP[e.op](this=lhs, expression=rnum)


def _leaf_sql(e: Cmp | In, p: Params, ref, policy: Policy) -> exp.Expression:
    """One comparison. A choice fact is tested against the names of the choices that satisfy it, a
    yes/no fact is itself or its negation; numbers compare exactly (``_cmp_sql``)."""
    facts = [e.fact] if isinstance(e, In) else [f for _, f in e.terms]
    spec = policy.vocabulary.spec(facts[0]) if len(facts) == 1 and facts[0] not in DERIVED else None
    if spec is not None and spec.type in ("enum", "bool"):
        domain = range(len(spec.choices)) if spec.type == "enum" else (0, 1)
        if isinstance(e, In):
            ok = [v for v in domain if v in e.values]
        else:
            c = e.terms[0][0]
            ok = [v for v in domain if compare(c * v, e.op, e.rhs)]
        x = ref(facts[0])
        if spec.type == "bool":
            if len(ok) == 1:
                return x if ok == [1] else exp.not_(x)
            return exp.Case().when(exp.Is(this=x, expression=exp.null()), exp.null()).else_(
                exp.true() if ok else exp.false())
        if not ok or len(ok) == len(spec.choices):
            return exp.Case().when(exp.Is(this=x, expression=exp.null()), exp.null()).else_(
                exp.true() if ok else exp.false())
        return exp.In(this=x, expressions=[exp.Literal.string(spec.choices[v]) for v in ok])
    return _cmp_sql(e, p, ref)


def _node_sql(e: Expr, leaf) -> exp.Expression:
    match e:
        case Const(v):
            return exp.true() if v else exp.false()
        case Cmp() | In():
            return leaf(e)
        case All(items):
            return exp.paren(exp.and_(*(_node_sql(i, leaf) for i in items), copy=False))
        case Any(items):
            return exp.paren(exp.or_(*(_node_sql(i, leaf) for i in items), copy=False))
        case Not(item):
            return exp.not_(exp.paren(_node_sql(item, leaf)))
        case AtLeast(k, items):
            subs = [_node_sql(i, leaf) for i in items]

            def count(unknown_as: int) -> exp.Expression:
                terms = [exp.Case().when(s.copy(), num(1)).when(exp.not_(s.copy()), num(0)).else_(num(unknown_as))
                         for s in subs]
                out = terms[0]
                for t in terms[1:]:
                    out = exp.Add(this=out, expression=t)
                return exp.paren(out)
            return exp.paren(exp.Case().when(exp.GTE(this=count(0), expression=num(k)), exp.true())
                             .when(exp.LT(this=count(1), expression=num(k)), exp.false()).else_(exp.null()))
        case _:
            assert_never(e)


def _requirement(j: Jurisdiction) -> dict[str, Expr]:
    # INVARIANT: the same requirement ``solver.program.requirement_of`` builds, with thresholds symbolic
    return {c.id: (Not(c.when) if c.kind == "exclusion" else c.when) for c in j.clauses()}


def waivers(j: Jurisdiction) -> frozenset[str]:
    """The clauses ``--lenient`` waives, as ``solver.program`` decides them."""
    try:
        from solver.program import lenient_waivers
    except ImportError:
        return frozenset(c.id for c in j.clauses() if c.strength == "in_principle")
    return lenient_waivers(j)


def _and(xs: list[exp.Expression]) -> exp.Expression:
    return exp.paren(exp.and_(*xs, copy=False)) if xs else exp.true()


def _or(xs: list[exp.Expression]) -> exp.Expression:
    return exp.paren(exp.or_(*xs, copy=False)) if xs else exp.false()


_QUERIES: dict[tuple, tuple[Policy, Query]] = {}


def to_sql(policy: Policy, jid: str, *, table: str = "applicants", keys: tuple[str, ...] = (),
           date: dt.date | None = None, lenient: bool = False, detail: str = "clauses", words: bool = True) -> Query:
    """The query deciding jurisdiction ``jid`` for every row of ``table`` (built once per arguments).

    ``keys``: columns carried through (row number, id, name). ``date``: one application date for
    every row (``--date``); otherwise each row's ``application.date`` (today when empty).
    ``detail``: ``status`` (status and pathways), ``clauses`` (and every clause), ``leaves`` (and
    every comparison's truth, its threshold and the facts it reads — what reasons are made of).
    ``words=False``: status, pathways and clauses as SQL booleans (NULL: unknown; a waived clause
    TRUE) instead of words — what ``wrp population`` and ``wrp reform`` count.
    """
    key = (id(policy), jid, table, tuple(keys), date, lenient, detail, words)
    if key not in _QUERIES:
        if len(_QUERIES) > 256:
            _QUERIES.clear()
        _QUERIES[key] = (policy, _to_sql(policy, jid, table, tuple(keys), date, lenient, detail, words))  # policy kept alive
    return _QUERIES[key][1]


def _to_sql(policy: Policy, jid: str, table: str, keys: tuple[str, ...], date: dt.date | None, lenient: bool,
            detail: str, words: bool = True) -> Query:
    if detail not in ("status", "clauses", "leaves"):
        raise ValueError(detail)
    versions = policy.jurisdictions[jid]
    p = params_table(policy, jid)
    day = date_lit(date) if date is not None else exp.Coalesce(this=col(DATE_COL, "a"),
                                                              expressions=[exp.CurrentDate()])
    used = sorted({f for j in versions for c in j.clauses() for f in facts_of(c.when)})
    d_stage = _dates_stage(policy, table, day, p)
    day = col("__day", "a")
    derived = _derived(policy)

    # stage f: facts as numbers, and the parameters of the row's date: a CASE on its interval (a
    # handful of them) rather than a join, so the query is one pipeline of projections, rows in order
    fcols = [exp.alias_(col(k, "a"), k, quoted=True, copy=False) for k in keys]
    fcols.append(exp.alias_(day.copy(), "__date", quoted=True, copy=False))
    fcols += [exp.alias_(_param_sql(p, i, col("__slot", "a")), c, quoted=True, copy=False)
              for i, c in enumerate(p.columns) if i >= 2]
    for f in used:
        fcols.append(exp.alias_(derived[f].copy() if f in DERIVED else _fact_expr(policy, f), f, quoted=True, copy=False))
    f_stage = exp.select(*fcols, copy=False).from_(exp.alias_(exp.to_table("d"), "a"))

    def ref_f(name: str) -> exp.Expression:
        return col(name, "f")

    # stage l: every distinct comparison of every version, once
    leaves: dict[str, list[Leaf]] = {}
    lcols = [col(k, "f") for k in keys] + [col("__date", "f"), col("wage_year", "f")]
    names: dict[tuple[int, Expr], str] = {}
    for vi, j in enumerate(versions):
        leaves[str(vi)] = []
        for e in _requirement(j).values():
            for n in walk(e):
                if isinstance(n, (Cmp, In)) and (vi, n) not in names:
                    names[(vi, n)] = f"l{len(names)}"
                    th = p.thresholds.get(n.rhs) if isinstance(n, Cmp) and isinstance(n.rhs, Threshold) else None
                    leaves[str(vi)].append(Leaf(names[(vi, n)], n, th))
                    lcols.append(exp.alias_(_leaf_sql(n, p, ref_f, policy), names[(vi, n)], quoted=True, copy=False))
    if detail == "leaves":
        extra = {c for lv in leaves.values() for lf in lv if lf.threshold for c in lf.threshold if c}
        lcols += [col(c, "f") for c in sorted(extra)] + [col(f, "f") for f in used]
    if len(versions) > 1:
        lcols.append(col("version", "f"))
    l_stage = exp.select(*lcols, copy=False).from_(exp.alias_(exp.to_table("f"), "f"), copy=False)

    # stage c: every clause's requirement from its leaves (per version)
    ver = col("version", "l")
    carry = [col(k, "l") for k in keys] + [col("__date", "l"), col("wage_year", "l")]
    if detail == "leaves":
        carry += [col(lf.name, "l") for lv in leaves.values() for lf in lv]
        carry += [col(c, "l") for c in sorted({c for lv in leaves.values() for lf in lv if lf.threshold
                                               for c in lf.threshold if c})]
        carry += [col(f, "l") for f in used]
    ccols = list(carry)
    clause_ids: list[str] = []
    cname: dict[str, str] = {}
    per_version: list[dict[str, exp.Expression]] = []
    for vi, j in enumerate(versions):
        req = {cid: _node_sql(e, lambda n, vi=vi: col(names[(vi, n)], "l")) for cid, e in _requirement(j).items()}
        per_version.append(req)
        for cid in req:
            if cid not in cname:
                cname[cid] = f"c{len(cname)}"
                clause_ids.append(cid)
    for cid in clause_ids:
        if len(versions) == 1:
            e = per_version[0][cid]
        else:
            e = exp.Case()
            for vi, req in enumerate(per_version):
                if cid in req:
                    e = e.when(exp.EQ(this=ver.copy(), expression=num(vi)), req[cid])
        ccols.append(exp.alias_(e, cname[cid], quoted=True, copy=False))
    if len(versions) > 1:
        ccols.append(col("version", "l"))
    c_stage = exp.select(*ccols, copy=False).from_(exp.alias_(exp.to_table("l"), "l"), copy=False)

    # output: pathways and status per version, in lenient mode with the 原则上 clauses waived
    def cref(cid: str) -> exp.Expression:
        return col(cname[cid], "c")

    def verdict(j: Jurisdiction) -> tuple[exp.Expression, dict[str, exp.Expression]]:
        waived = waivers(j) if lenient else frozenset()

        def r(c):
            return exp.true() if c.id in waived else cref(c.id)
        # as solver.program.assemble: a base clause with applies_to joins the pathways it applies to
        scoped = [c for c in (*j.employer, *j.applicant) if getattr(c, "applies_to", None) is not None]
        pw = {pw.id: _and([*(r(c) for c in scoped if c.applies(pw.id)), *(r(c) for c in pw.clauses)])
              for pw in j.pathways}
        base = [r(c) for c in (*j.employer, *j.applicant, *j.exclusions) if getattr(c, "applies_to", None) is None]
        root = _and(base + ([_or([x.copy() for x in pw.values()])] if pw else []))
        return root, pw

    pathway_ids: list[str] = list(dict.fromkeys(pw.id for j in versions for pw in j.pathways))
    verdicts = [verdict(j) for j in versions]

    def by_version(pick, vcol: exp.Expression) -> exp.Expression:
        if len(versions) == 1:
            return pick(0)
        e = exp.Case()
        for vi in range(len(versions)):
            e = e.when(exp.EQ(this=vcol.copy(), expression=num(vi)), pick(vi))
        return e

    # stage v: the rule and its pathways as booleans (each computed once)
    vcol = col("version", "c")
    vcols = [col(k, "c") for k in keys] + [col("__date", "c"), col("wage_year", "c")]
    vcols.append(exp.alias_(by_version(lambda vi: verdicts[vi][0], vcol), "__root", quoted=True, copy=False))
    pname = {pid: f"p{i}" for i, pid in enumerate(pathway_ids)}
    for pid in pathway_ids:
        vcols.append(exp.alias_(by_version(lambda vi, pid=pid: verdicts[vi][1][pid].copy() if pid in verdicts[vi][1]
                                           else exp.null(), vcol), pname[pid], quoted=True, copy=False))
    if detail != "status":
        vcols += [col(cname[cid], "c") for cid in clause_ids]
    if detail == "leaves":
        vcols += [col(x.alias_or_name, "c") for x in carry[len(keys) + 2:]]
    if len(versions) > 1:
        vcols.append(col("version", "c"))
    v_stage = exp.select(*vcols, copy=False).from_(exp.alias_(exp.to_table("c"), "c"), copy=False)

    outs = [col(k, "v") for k in keys] + [exp.alias_(col("__date", "v"), "date", quoted=True, copy=False),
                                         exp.alias_(col("wage_year", "v"), "wage_year", quoted=True, copy=False)]
    # words=False: the truths themselves, TRUE / FALSE / NULL (unknown), a bit each in Arrow
    truth = _truth_case if words else (lambda e, _words, _unknown: e)
    outs.append(exp.alias_(truth(col("__root", "v"), STATUS, "undetermined"), "status", quoted=True, copy=False))
    for pid in pathway_ids:
        outs.append(exp.alias_(truth(col(pname[pid], "v"), PATHWAY, "unknown"), f"pathway:{pid}", quoted=True, copy=False))
    if detail != "status":
        for cid in clause_ids:
            e = truth(col(cname[cid], "v"), CLAUSE, "unknown")
            waived_in = [vi for vi, j in enumerate(versions) if lenient and cid in waivers(j)]
            if waived_in:
                e = by_version(lambda vi, e=e, w=waived_in: (exp.Literal.string("waived") if words else exp.true())
                               if vi in w else e.copy(),
                               col("version", "v"))
            outs.append(exp.alias_(e, f"clause:{cid}", quoted=True, copy=False))
    if detail == "leaves":
        outs += [col(x.alias_or_name, "v") for x in carry[len(keys) + 2:]]
    if len(versions) > 1:
        outs.append(exp.alias_(col("version", "v"), "version", quoted=True, copy=False))
    tree = (exp.select(*outs, copy=False).from_(exp.alias_(exp.to_table("v"), "v"), copy=False)
            .with_("d", as_=d_stage, copy=False).with_("f", as_=f_stage, copy=False).with_("l", as_=l_stage, copy=False)
            .with_("c", as_=c_stage, copy=False).with_("v", as_=v_stage, copy=False))
    q = Query(jid, tree, tuple(keys), pathway_ids, clause_ids, leaves)
    q.columns = [x.alias_or_name for x in outs]
    return q


def constraint_sql(policy: Policy, *, table: str = "applicants", keys: tuple[str, ...] = (),
                   date: dt.date | None = None) -> tuple[exp.Select, list[str]]:
    """The vocabulary's validating constraints per row (``FALSE``: an impossible profile), plus
    ``birth_after_date`` — the checks ``solver.facts.facts_from_dict`` makes on a profile."""
    p = Params((), (), {})  # the constraints compare facts with constants only
    day = date_lit(date) if date is not None else exp.Coalesce(this=col(DATE_COL, "a"),
                                                              expressions=[exp.CurrentDate()])
    d_stage = _dates_stage(policy, table, day)
    day = col("__day", "a")
    derived = _derived(policy)
    cons = [c for c in policy.vocabulary.constraints if c.validate]

    def ref(name: str) -> exp.Expression:
        return exp.paren(derived[name].copy() if name in DERIVED else _fact_expr(policy, name))

    outs = [col(k, "a") for k in keys]
    for c in cons:
        outs.append(exp.alias_(_node_sql(c.when, lambda n: _leaf_sql(n, p, ref, policy)), c.id, quoted=True,
                                      copy=False))
    outs.append(exp.alias_(exp.GT(this=col(BIRTH_COL, "a"), expression=day.copy()), "birth_after_date", quoted=True, copy=False))
    q = (exp.select(*outs, copy=False).from_(exp.alias_(exp.to_table("d"), "a"), copy=False)
         .with_("d", as_=d_stage, copy=False))
    return q, [c.id for c in cons] + ["birth_after_date"]


__all__ = ["to_sql", "constraint_sql", "duckdb_connect", "run_duckdb", "duckdb_sql", "outcome_codes", "CODE", "params_table",
           "Query", "Leaf", "DIALECTS", "Fraction"]


# --- running it: DuckDB in-process ---------------------------------------------------------------


def duckdb_connect(threads: int | None = None):
    """An in-process DuckDB connection (nothing to start)."""
    import duckdb
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads TO {int(threads)}")
    return con


WORDS = tuple(dict.fromkeys([*STATUS.values(), "undetermined", *PATHWAY.values(), *CLAUSE.values(), "unknown", "waived"]))
_ENUM = exp.DataType.build("ENUM(" + ", ".join(f"'{w}'" for w in WORDS) + ")", dialect="duckdb")


def _as_enum(node: exp.Expression) -> exp.Expression:
    """An outcome word (a CASE's result) as a DuckDB ENUM constant: DuckDB then carries one byte per
    cell instead of a string, and hands Arrow a dictionary column."""
    if (isinstance(node, exp.Literal) and node.is_string and node.this in WORDS
            and ((isinstance(node.parent, exp.If) and node.arg_key == "true")
                 or (isinstance(node.parent, exp.Case) and node.arg_key == "default"))):
        return exp.Cast(this=node.copy(), to=_ENUM.copy())
    return node


def duckdb_sql(q: Query) -> str:
    """The query as run by ``run_duckdb``: the outcome words as ENUM constants (same values)."""
    key = ("duckdb", "enum")
    if key not in q._text:
        q._text[key] = q.tree.transform(_as_enum).sql(dialect="duckdb")
    return q._text[key]


def run_duckdb(con, q: Query, table, name: str = "applicants", decode: bool = True):
    """Run ``q`` over the Arrow table ``table`` (registered as ``name``); the result as an Arrow table,
    outcome columns as plain strings (decoded from their dictionary in Arrow, cheaper than DuckDB
    materialising a string per cell), or with ``decode=False`` as the dictionary columns DuckDB's
    ENUM gives (what ``wrp population`` counts: ``outcome_codes``)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    con.register(name, table)
    try:
        out = con.sql(duckdb_sql(q)).to_arrow_table()
    finally:
        con.unregister(name)
    if not decode or not any(pa.types.is_dictionary(t) for t in out.schema.types):
        return out
    return pa.table([pc.cast(c, pa.string()) if pa.types.is_dictionary(c.type) else c for c in out.columns],
                    names=out.column_names)


CODE = {w: i for i, w in enumerate(WORDS)}  # outcome word -> small integer code (``outcome_codes``)


def outcome_codes(column):
    """An outcome column of ``run_duckdb`` (dictionary or strings) as a numpy int8 array of ``CODE``
    (-1 for a null cell), without a Python string per cell."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    lut = np.array([CODE[w] for w in arr.dictionary.to_pylist()] + [-1], dtype=np.int8)
    idx = pc.fill_null(arr.indices, len(arr.dictionary)).to_numpy(zero_copy_only=False)
    return lut[idx]
