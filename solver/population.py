"""Populations through the SQL backend: a table of applicants decided per district, with reasons in
words; counts, pathways and flips; reforms (two rule sets or two dates) and who flips.

The SQL backend (``solver.backends.sql``) carries the volume. A row the SQL leaves ``undetermined``
is decided again by the per-profile decider (``solver.decide``) — the engine of record — so the
final answer is the same as ``wrp check`` gives for that row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from policy.expr import NEGATE, SYMBOL, All, Any, AtLeast, Cmp, Const, Expr, In, Not, fmt_num, not_of
from policy.i18n import STATUS_ZH
from policy.load import Policy
from policy.model import Jurisdiction
from solver.backends.sql import CODE, _requirement, duckdb_connect, outcome_codes, run_duckdb, to_sql
from solver.tables import ROW, Applicants, columns

DISTRICT_COLS = ("employer.registered_district", "employer.tax_district")


# --- which districts -----------------------------------------------------------------------------


def home_district(policy: Policy, jid: str) -> str | None:
    """The district an employer must be in for ``jid`` (None for the city-wide rule)."""
    return jid if jid in policy.vocabulary.facts["employer.registered_district"].choices else None


def relocate(policy: Policy, table: pa.Table, jid: str) -> pa.Table:
    """Every employer registered and paying tax in ``jid``'s district (``wrp check --relocate``)."""
    d = home_district(policy, jid)
    if d is None:
        return table
    one = pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, np.int32)), pa.array([d]))
    for c in DISTRICT_COLS:  # one name and a zero per row: no string per row
        table = table.set_column(table.column_names.index(c), c, one)
    return table


def own_district(policy: Policy, table: pa.Table) -> dict[str, pa.Table]:
    """Rows grouped by their employer's registered district (unknown or not encoded: ``beijing``)."""
    reg = table.column("employer.registered_district")
    out: dict[str, pa.Table] = {}
    known = [j for j in policy.ids() if home_district(policy, j)]
    mask_known = pc.is_in(reg, value_set=pa.array(known, pa.string()))
    for jid in known:
        sub = table.filter(pc.fill_null(pc.equal(reg, jid), False))
        if sub.num_rows:
            out[jid] = sub
    rest = table.filter(pc.invert(pc.fill_null(mask_known, False)))
    if rest.num_rows:
        out["beijing"] = pa.concat_tables([out["beijing"], rest]) if "beijing" in out else rest
    return out


# --- words ---------------------------------------------------------------------------------------


def label(policy: Policy, fact: str, lang: str) -> str:
    spec = policy.vocabulary.spec(fact)
    lab = spec.label[lang]
    if "[" in fact:
        lab += fact[fact.index("["):]
    return lab


def show(policy: Policy, fact: str, v, lang: str) -> str:
    """A number the SQL returned (a fact, or a threshold) as a person reads it."""
    if v is None:
        return "未知" if lang == "zh" else "unknown"
    spec = policy.vocabulary.spec(fact)
    if isinstance(v, str) and spec.type == "enum":  # the SQL passes choices through by name
        return dict(spec.choice_zh).get(v, v) if lang == "zh" else v
    x = v if isinstance(v, Fraction) else Fraction(int(v)) if isinstance(v, bool) else Fraction(str(v))
    if spec.type == "enum":
        choice = spec.choices[int(x)]
        return dict(spec.choice_zh).get(choice, choice) if lang == "zh" else choice
    if spec.type == "bool":
        return ("是" if x else "否") if lang == "zh" else ("yes" if x else "no")
    if fact == "applicant.age_months":
        y, m = divmod(int(x), 12)
        return (f"{y}岁" + (f"{m}个月" if m else "")) if lang == "zh" else (f"{y}y{m}m" if m else f"{y}y")
    text = fmt_num(x)
    if spec.unit and spec.unit.get("en") in ("months", "years"):
        text += (" 个月" if spec.unit["en"] == "months" else " 年") if lang == "zh" else " " + spec.unit["en"]
    elif spec.type in ("money", "money_list"):
        text += " 元"
    return text


def _truth(e: Expr, leaf) -> bool | None:
    match e:
        case Const(v):
            return v
        case Cmp() | In():
            return leaf(e)
        case Not(item):
            v = _truth(item, leaf)
            return None if v is None else not v
        case All(items):
            vs = [_truth(i, leaf) for i in items]
            return False if False in vs else None if None in vs else True
        case Any(items):
            vs = [_truth(i, leaf) for i in items]
            return True if True in vs else None if None in vs else False
        case AtLeast(k, items):
            vs = [_truth(i, leaf) for i in items]
            return True if vs.count(True) >= k else False if vs.count(True) + vs.count(None) < k else None
    raise TypeError(e)


def _culprits(e: Expr, leaf, neg: bool = False) -> list[tuple[Cmp | In, bool]]:
    """The comparisons that make ``e`` false (with their polarity): as ``solver.decide._culprits``."""
    match e:
        case Cmp() | In():
            return [(e, neg)]
        case Const():
            return []
        case Not(item):
            return _culprits(item, leaf, not neg)
    kids = list(e.items)
    v = _truth(e, leaf)
    if isinstance(e, All) and not neg and v is False:
        kids = [k for k in kids if _truth(k, leaf) is False]
    elif isinstance(e, Any) and neg and v is True:
        kids = [k for k in kids if _truth(k, leaf) is True]
    elif isinstance(e, Any) and not neg and v is False:
        def items(x):
            return x.items if isinstance(x, All) else (x,)
        # a case split any(all(g, a), all(not g, b)): the branch whose guard is false explains nothing
        others = [(k, [i for s in kids if s is not k for i in items(s)]) for k in kids]
        kids = [k for k, o in others if not any(_truth(g, leaf) is False and not_of(g) in o for g in items(k))] or kids
    return [c for k in kids for c in _culprits(k, leaf, neg)]


def reason(policy: Policy, e: Cmp | In, neg: bool, row: dict, leafcol: str, thcol, lang: str) -> str:
    """``fact actual, required op value`` for one failed comparison, from the SQL row."""
    del leafcol
    if isinstance(e, In):
        spec = policy.vocabulary.spec(e.fact)
        names = [show(policy, e.fact, Fraction(i), lang) for i in sorted(e.values)]
        op = ("≠" if neg else "=") if len(names) == 1 else ("∉" if neg else "∈")
        req = names[0] if len(names) == 1 else "{" + ", ".join(names) + "}"
        del spec
        return f"{label(policy, e.fact, lang)} {show(policy, e.fact, row.get(e.fact), lang)}" + (
            f"，要求 {op} {req}" if lang == "zh" else f", required {op} {req}")
    op = NEGATE[e.op] if neg else e.op
    if thcol:
        num, den = row.get(thcol[0]), row.get(thcol[1]) if thcol[1] else 1
        rhs = Fraction(int(num), int(den))
    else:
        rhs = e.rhs
    if len(e.terms) == 1 and e.terms[0][0] == 1:
        f = e.terms[0][1]
        return f"{label(policy, f, lang)} {show(policy, f, row.get(f), lang)}" + (
            f"，要求 {SYMBOL[op]} {show(policy, f, rhs, lang)}" if lang == "zh"
            else f", required {SYMBOL[op]} {show(policy, f, rhs, lang)}")
    lhs = " + ".join(f"{fmt_num(c)}×{label(policy, f, lang)}" for c, f in e.terms)
    actual = ", ".join(f"{label(policy, f, lang)} {show(policy, f, row.get(f), lang)}" for _, f in e.terms)
    return f"{actual}" + (f"，要求 {lhs} {SYMBOL[op]} {fmt_num(rhs)}" if lang == "zh"
                          else f", required {lhs} {SYMBOL[op]} {fmt_num(rhs)}")


# --- deciding a table ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """One applicant × district."""

    row: int
    id: object
    name: object
    district: str
    status: str
    pathways: list[str]
    failed: list[str]  # clause ids that matter (base clauses; pathway clauses when none holds)
    reasons: list[str]
    unknown: list[str] = field(default_factory=list)
    error: str | None = None
    fix: str | None = None
    decided_by: str = "sql"

    def as_dict(self, lang: str = "en") -> dict:
        return {"row": self.row, "id": self.id, "name": self.name, "district": self.district,
                "status": self.status if lang != "zh" or self.status == "error" else STATUS_ZH.get(self.status, self.status),
                "pathways": self.pathways, "failed": self.failed, "reasons": self.reasons, "unknown": self.unknown,
                "error": self.error, **({"fix": self.fix} if self.fix is not None else {})}


def _profile(policy: Policy, row: dict) -> dict:
    """An applicant-table row back as a profile dict (for the per-profile decider)."""
    kinds = columns(policy)
    flat: dict[str, object] = {}
    lists: dict[str, list] = {}
    for c in kinds:
        v = row.get(c)
        if v is None:
            continue
        if hasattr(v, "as_tuple"):  # Decimal
            v = int(v) if v == v.to_integral_value() else float(v) if len(str(v)) < 16 else str(v)
        if isinstance(v, dt.date):
            v = v.isoformat()
        if "[" in c:
            base, i = c[:-1].split("[")
            lists.setdefault(base, [None] * policy.vocabulary.facts[base].length)[int(i)] = v
        else:
            flat[c] = v
    for base, vals in lists.items():
        if all(x is not None for x in vals):
            flat[base] = vals
    out: dict = {}
    for name, v in flat.items():
        *path, last = name.split(".")
        node = out
        for p in path:
            node = node.setdefault(p, {})
        node[last] = v
    return out


def decide_table(policy: Policy, apps: Applicants, district: str | None = None, *, date: dt.date | None = None,
                 lenient: bool = False, lang: str = "en", relocated: bool = False, refine: bool = True,
                 missing: bool = False, progress=None, con=None) -> list[Outcome]:
    """Every row × its district(s): ``district`` a jurisdiction id, ``all``, or None (each row's
    employer's registered district). Error rows come out as ``status == "error"``."""
    con = con or duckdb_connect()
    out: list[Outcome] = []
    table, bad = _check_constraints(policy, apps, date, lang, con)
    out += bad
    for e in apps.errors:
        out.append(Outcome(e.row, e.id, e.name, "", "error", [], [], [], error=e.zh() if lang == "zh" else str(e)))
    if district == "all":
        groups = {j: table for j in policy.ids()}
        relocated = True
    elif district:
        groups = {district: table}
    else:
        groups = own_district(policy, table)
    for jid, sub in groups.items():
        if relocated:
            sub = relocate(policy, sub, jid)
        q = to_sql(policy, jid, keys=(ROW,), date=date, lenient=lenient, detail="leaves")
        rows = run_duckdb(con, q, sub).to_pylist()
        versions = policy.jurisdictions[jid]
        outs = [_outcome(policy, versions[r.get("version") or 0], q, r, apps, lang) for r in rows]
        vague = {r[ROW] for r in rows if any(v == "unknown" for k, v in r.items() if k.startswith("pathway:"))}
        for o in outs:  # a Kleene-unknown pathway may be exactly satisfied or failed: decided again too
            if o.row in vague and o.status != "undetermined":
                o.decided_by = "vague"
        again = [o.row for o in outs if ((o.status == "undetermined" or o.decided_by == "vague") and refine)
                 or (missing and o.status != "eligible")]
        raw = {r[ROW]: r for r in sub.filter(pc.is_in(sub.column(ROW), value_set=pa.array(again, pa.int64())))
               .to_pylist()} if again else {}
        for o in outs:
            if (o.status == "undetermined" or o.decided_by == "vague") and refine:
                o = _refine(policy, jid, raw[o.row], o, date, lenient, lang)
            if missing and o.status != "eligible":
                o.fix = _fix(policy, jid, raw[o.row], date, lenient, lang)
            out.append(o)
            if progress:
                progress()
    out.sort(key=lambda o: (o.row, o.district))
    return out


def _check_constraints(policy, apps: Applicants, date, lang, con) -> tuple[pa.Table, list[Outcome]]:
    from sqlglot import exp

    from solver.backends.sql import constraint_sql
    q, ids = constraint_sql(policy, keys=(ROW,), date=date)
    table = apps.table
    if not table.num_rows:
        return table, []
    violated = exp.or_(*(exp.EQ(this=exp.column(c, quoted=True), expression=exp.false()) for c in ids
                         if c != "birth_after_date"), exp.column("birth_after_date", quoted=True))
    only_bad = exp.select("*").from_(q.subquery("k")).where(violated)  # only the impossible rows come back
    con.register("applicants", table)
    try:
        res = con.sql(only_bad.sql("duckdb")).to_arrow_table().to_pylist()
    finally:
        con.unregister("applicants")
    cons = {c.id: c for c in policy.vocabulary.constraints}
    bad: list[Outcome] = []
    drop: list[int] = []
    ids = ["birth_after_date", *(i for i in ids if i != "birth_after_date")]  # as facts_from_dict checks them
    for r in res:
        for cid in ids:
            v = r[cid]
            if (cid == "birth_after_date" and v is True) or (cid != "birth_after_date" and v is False):
                if cid == "birth_after_date":
                    msg = ("出生日期晚于申请日期" if lang == "zh" else "the birth date is after the application date")
                    column = "applicant.birth_date"
                else:
                    c = cons[cid]
                    msg = ("不可能的档案：" if lang == "zh" else "impossible profile: ") + c.message[lang]
                    from policy.expr import facts_of
                    from policy.model import DERIVED_FROM
                    stated = {s for f in facts_of(c.when) for s in DERIVED_FROM.get(f, (f,))[:1]}
                    column = ", ".join(sorted(stated))
                n = r[ROW]
                where = (f"第 {n} 行，列 `{column}`：" if lang == "zh" else f"row {n}, column `{column}`: ")
                bad.append(Outcome(n, apps.ids.get(n), apps.names.get(n), "", "error", [], [], [], error=where + msg))
                drop.append(n)
                break
    if drop:
        table = table.filter(pc.invert(pc.is_in(table.column(ROW), value_set=pa.array(drop, pa.int64()))))
    return table, bad


def _outcome(policy: Policy, j: Jurisdiction, q, r: dict, apps: Applicants, lang: str) -> Outcome:
    n = r[ROW]
    vi = str(r.get("version") or 0)
    leaves = {lf.node: lf for lf in q.leaves[vi]}

    def leaf(e):
        return r[leaves[e].name]

    req = _requirement(j)
    held_pw = [p.id for p in j.pathways if r[f"pathway:{p.id}"] == "satisfied"]
    failed: list[str] = []
    reasons: list[str] = []
    base = [c for c in (*j.employer, *j.applicant, *j.exclusions) if getattr(c, "applies_to", None) is None]
    scoped = [c for c in (*j.employer, *j.applicant) if getattr(c, "applies_to", None) is not None]
    matter = base + ([] if held_pw else [*scoped, *(c for p in j.pathways for c in p.clauses)])
    for c in matter:
        if r[f"clause:{c.id}"] != "failed" or c.id in failed:
            continue
        failed.append(c.id)
        parts = [reason(policy, e, neg, r, leaves[e].name, leaves[e].threshold, lang)
                 for e, neg in _culprits(req[c.id], leaf)
                 if (leaf(e) if not neg else (None if leaf(e) is None else not leaf(e))) is False]
        topic = policy.vocabulary.topics.get(c.topic, {}).get(lang, c.topic)
        reasons.append(f"{c.title['zh']}：" + "；".join(parts) if lang == "zh" else
                       f"{c.id} ({topic}): " + "; ".join(parts))
    unknown: list[str] = []
    if r["status"] == "undetermined":
        for c in matter:
            if r[f"clause:{c.id}"] == "unknown":
                for e in leaves:
                    if leaf(e) is None:
                        for f in ([e.fact] if isinstance(e, In) else [x for _, x in e.terms]):
                            if r.get(f) is None and f not in unknown:
                                unknown.append(f)
    return Outcome(n, apps.ids.get(n), apps.names.get(n), j.id, r["status"], held_pw, failed, reasons, unknown)


def _refine(policy, jid, r, o: Outcome, date, lenient, lang) -> Outcome:
    """An undetermined row, decided by the per-profile decider (the engine of record)."""
    from solver.decide import decide
    from solver.facts import facts_from_dict
    facts = facts_from_dict(_profile(policy, r), policy, date=date)
    d = decide(policy, jid, facts, lenient=lenient)
    if d.status == o.status:
        o.unknown = list(d.unknown) if d.status == "undetermined" else []
        o.pathways = [p.pathway.id for p in d.pathways if p.status == "satisfied"]
        o.decided_by = "sql+decide"
        return o
    from solver.render.leaf import actual_text, required_text
    reasons = []
    for c in d.failed():
        parts = [f"{lf.facts[0]} {actual_text(policy, lf)}, required {required_text(policy, lf)}" for lf in c.leaves]
        reasons.append(f"{c.clause.title[lang]}: " + "; ".join(parts))
    return Outcome(o.row, o.id, o.name, o.district, d.status, [p.pathway.id for p in d.pathways if p.status == "satisfied"],
                   list(dict.fromkeys(c.clause.id for c in d.failed())), reasons, list(d.unknown), decided_by="decide")


def _fix(policy, jid, r, date, lenient, lang) -> str:
    from solver.analyses.missing.answer import missing
    from solver.facts import facts_from_dict
    facts = facts_from_dict(_profile(policy, r), policy, date=date)
    res = missing(policy, jid, facts, top=1, lenient=lenient)
    if not res.overall:
        return "无可行的修改" if lang == "zh" else "no change makes this applicant eligible"
    return "；".join(res.overall[0].lines(lang)) if lang == "zh" else "; ".join(res.overall[0].lines(lang))


def outcome_rows(outcomes: list[Outcome], lang: str, with_fix: bool = False, policy: Policy | None = None) -> list[dict]:
    """The output file's rows: id, name, district, status, pathways that hold, reasons in words
    (unknown facts by their Chinese labels for ``zh`` when ``policy`` is given)."""
    zh = lang == "zh"
    rows = []
    for o in outcomes:
        st = ("错误" if zh else "error") if o.status == "error" else (STATUS_ZH[o.status] if zh else o.status)
        unknown = [label(policy, f, "zh") for f in o.unknown] if zh and policy else o.unknown
        words = o.reasons + ([("未知：" if zh else "unknown: ") + ("、" if zh else ", ").join(unknown)] if unknown else [])
        row = {"row": o.row, "id": o.id, "name": o.name, "district": o.district or None, "status": st,
               "pathways": " ".join(o.pathways), "reasons": o.error or " | ".join(words)}
        if with_fix:
            row["fix"] = o.fix
        rows.append(row)
    return rows


__all__ = ["decide_table", "outcome_rows", "Outcome", "relocate", "own_district", "Counter", "_culprits"]


# --- populations: counts, pathways, flips ---------------------------------------------------------


class Decided:
    """One jurisdiction's answers for a table in the table's row order, read as int8 codes of
    ``solver.backends.sql.CODE`` column by column when asked: ``status``, ``pathway:<id>``,
    ``clause:<id>``. The query returns SQL booleans (NULL: unknown), a bit per cell; rows the SQL left
    undetermined (or with an unknown pathway) are decided again by the per-profile decider."""

    WORDS = {"status": ("eligible", "ineligible", "undetermined"), "pathway": ("satisfied", "failed", "unknown"),
             "clause": ("held", "failed", "unknown")}

    def __init__(self, out: pa.Table, order: np.ndarray | None):
        self.out, self.order = out, order
        self.cols: dict[str, np.ndarray] = {}
        self.names = [n for n in out.column_names if n == "status" or n.startswith(("pathway:", "clause:"))]
        self.refined = 0

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.cols:
            col = self.out.column(name).combine_chunks()
            if pa.types.is_boolean(col.type):
                t, f, u = (CODE[w] for w in self.WORDS[name.split(":")[0]])
                val = pc.fill_null(col, False).to_numpy(zero_copy_only=False).view(np.uint8)
                known = col.is_valid().to_numpy(zero_copy_only=False).view(np.uint8)
                c = np.array([u, u, f, t], dtype=np.int8)[val + 2 * known]  # unknown, -, false, true
            else:
                c = outcome_codes(col)
            self.cols[name] = c if self.order is None else c[self.order]
        return self.cols[name]


def _run(policy: Policy, table: pa.Table, jid: str, date, lenient: bool, con, refine: bool = True) -> Decided:
    """Every row of ``table`` decided in ``jid`` as if the employer were there: the one SQL query
    (status, pathways, every clause), then the exact decider for the rows it leaves open."""
    q = to_sql(policy, jid, keys=(ROW,), date=date, lenient=lenient, detail="clauses", words=False)
    out = run_duckdb(con, q, relocate(policy, table, jid))
    rows = out.column(ROW).to_numpy()
    want = table.column(ROW).to_numpy()
    order = None if np.array_equal(rows, want) else np.argsort(rows)[np.argsort(np.argsort(want))]
    res = Decided(out, order)
    if refine:
        st = out.column("status")
        open_ = st.is_null().to_numpy(zero_copy_only=False)
        for name in q.pathways:
            open_ |= out.column(f"pathway:{name}").is_null().to_numpy(zero_copy_only=False)
        if order is not None:
            open_ = open_[order]
        idx = np.flatnonzero(open_)
        if len(idx):
            _refine_codes(policy, jid, table.take(pa.array(idx)), idx, res, date, lenient)
    return res


def _refine_codes(policy: Policy, jid: str, rows: pa.Table, idx: np.ndarray, res: Decided, date, lenient) -> None:
    """The exact answer (``solver.decide.decide``, what ``wrp check`` gives) for the rows at ``idx``."""
    from solver.decide import decide
    from solver.facts import facts_from_dict, relocated
    for i, r in zip(idx, rows.to_pylist()):
        d = decide(policy, jid, relocated(policy, facts_from_dict(_profile(policy, r), policy, date=date), jid),
                   lenient=lenient)
        res["status"][i] = CODE[d.status]
        for p in d.pathways:
            if f"pathway:{p.pathway.id}" in res:
                res[f"pathway:{p.pathway.id}"][i] = CODE[p.status]
        for c in d.clause_results():
            if f"clause:{c.clause.id}" in res and c.status in CODE:
                res[f"clause:{c.clause.id}"][i] = CODE[c.status]
        res.refined += 1


def batches(apps) -> list:
    """``Applicants`` (one table) or an iterable of them (``solver.tables.iter_applicants``)."""
    return [apps] if isinstance(apps, Applicants) else apps


def _districts(policy: Policy, district: str | None) -> list[str]:
    from policy.errors import InputError
    if district in (None, "all"):
        return policy.ids()
    if district not in policy.jurisdictions:
        raise InputError(f"unknown district `{district}`; choose one of: {', '.join(policy.ids())}, all",
                         field="--district")
    return [district]


def _zh_status(s: str, lang: str) -> str:
    return STATUS_ZH.get(s, s) if lang == "zh" else s


@dataclass
class PopulationResult:
    rows: int
    errors: int
    date: str | None
    counts: dict[str, dict[str, int]]  # district -> status -> n
    pathways: dict[str, dict[str, int]]  # district -> pathway -> n satisfied
    flips: dict[str, dict[str, int]]  # A -> B -> n eligible in A and not in B
    culprits: dict[str, dict[str, list[tuple[str, int]]]]  # A -> B -> [(clause of B, n)]
    refined: int = 0  # row × district answers the SQL left open, decided by the per-profile decider

    def as_dict(self) -> dict:
        return {"rows": self.rows, "errors": self.errors, "date": self.date, "refined": self.refined,
                "counts": self.counts,
                "pathways": self.pathways,
                "flips": [{"eligible_in": a, "not_in": b, "n": n,
                           "clauses": [{"clause": c, "n": k} for c, k in self.culprits[a][b]]}
                          for a, row in self.flips.items() for b, n in row.items() if n]}

    def _tables(self, lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
        zh = lang == "zh"
        sts = ("eligible", "ineligible", "undetermined")
        out = [("按辖区和结论计数" if zh else "Counts by district and status",
                ["辖区" if zh else "district", *(_zh_status(s, lang) for s in sts), "合计" if zh else "total"],
                [[d, *(f"{c.get(s, 0):,}" for s in sts), f"{sum(c.values()):,}"] for d, c in self.counts.items()])]
        out.append(("满足各条件的人数" if zh else "Pathways satisfied",
                    ["辖区" if zh else "district", "条件" if zh else "pathway", "人数" if zh else "n"],
                    [[d, p, f"{n:,}"] for d, ps in self.pathways.items() for p, n in ps.items()]))
        if len(self.flips) > 1:
            out.append(("在 A 符合而在 B 不符合（及 B 中最主要的原因条款）" if zh else
                        "Eligible in A and not in B (and B's clauses most responsible)",
                        ["A", "B", "人数" if zh else "n", "条款" if zh else "clauses"],
                        [[a, b, f"{n:,}", ", ".join(f"{c} ({k:,})" for c, k in self.culprits[a][b])]
                         for a, row in self.flips.items() for b, n in row.items() if n]))
        return out

    def text(self, lang: str = "en") -> str:
        head = (f"{self.rows:,} 行" + (f"（{self.errors} 行有误，已跳过）" if self.errors else "") if lang == "zh"
                else f"{self.rows:,} rows" + (f" ({self.errors} bad rows skipped)" if self.errors else ""))
        lines = [head + (f"；日期 {self.date}" if lang == "zh" and self.date else f"; date {self.date}" if self.date else "")]
        for title, hdr, body in self._tables(lang):
            lines += ["", title]
            widths = [max(len(str(x)) for x in col) for col in zip(hdr, *body)] if body else [len(h) for h in hdr]
            lines.append("  ".join(str(h).ljust(w) for h, w in zip(hdr, widths)).rstrip())
            lines += ["  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip() for r in body]
        return "\n".join(lines) + "\n"

    def render(self, lang: str = "en") -> list:
        return [self.text(lang)]

    def to_markdown(self, lang: str = "en") -> str:
        return self.markdown(lang)

    def markdown(self, lang: str = "en") -> str:
        out = []
        for title, hdr, body in self._tables(lang):
            out += [f"### {title}", "", "| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
            out += ["| " + " | ".join(r) + " |" for r in body]
            out.append("")
        return "\n".join(out)


def population(policy: Policy, apps, district: str | None = "all", *, date: dt.date | None = None,
               lenient: bool = False, con=None, refine: bool = True) -> PopulationResult:
    """Every applicant decided in each district as if the employer were there (``--relocate``).

    ``apps``: ``Applicants``, or batches of them (``iter_applicants``): memory stays flat in the
    number of rows, each batch decided by one query per jurisdiction and counted as int8 codes."""
    con = con or duckdb_connect()
    jids = _districts(policy, district)
    E, S, F = CODE["eligible"], CODE["satisfied"], CODE["failed"]
    counts = {j: Counter() for j in jids}
    pathways: dict[str, Counter] = {j: Counter() for j in jids}
    flips: dict[str, dict[str, int]] = {a: {b: 0 for b in jids if b != a} for a in jids}
    culprits: dict[str, dict[str, Counter]] = {a: {b: Counter() for b in jids if b != a} for a in jids}
    rows = errors = refined = 0
    names = {CODE[w]: w for w in ("eligible", "ineligible", "undetermined")}
    for apps_b in batches(apps):
        table, bad = _check_constraints(policy, apps_b, date, "en", con)
        rows += table.num_rows
        errors += len(apps_b.errors) + len(bad)
        if not table.num_rows:
            continue
        res = {jid: _run(policy, table, jid, date, lenient, con, refine) for jid in jids}
        elig = {}
        for jid, r in res.items():
            refined += r.refined
            st = r["status"]
            for code, k in enumerate(np.bincount(st, minlength=len(CODE))):
                if k:
                    counts[jid][names[code]] += int(k)
            for p in policy.jurisdictions[jid][0].pathways:
                pathways[jid][p.id] += int(np.count_nonzero(r[f"pathway:{p.id}"] == S))
            elig[jid] = st == E
        # eligible in A and not in B, and B's deciding clauses, for every pair at once: one product of
        # B's reasons (rows × reasons) with the eligibility of every A (rows × districts)
        ea = np.stack([elig[a] for a in jids], axis=1).astype(np.float32)  # exact: batches < 2**24 rows
        for b in jids:
            rb, jb = res[b], policy.jurisdictions[b][0]
            base = [cl.id for cl in (*jb.employer, *jb.applicant, *jb.exclusions)
                    if getattr(cl, "applies_to", None) is None]  # a scoped clause decides through the pathways
            why = [rb[f"clause:{c}"] == F for c in base]
            if jb.pathways:
                some = np.zeros(len(st), dtype=bool)
                for p in jb.pathways:
                    some |= rb[f"pathway:{p.id}"] == S
                why.append(~some)
            notb = ~elig[b]
            m = np.stack([notb, *(w & notb for w in why)], axis=0).astype(np.float32) @ ea
            labels = [*base, f"{b}: no pathway"]
            for ai, a in enumerate(jids):
                if a == b:
                    continue
                flips[a][b] += int(m[0, ai])
                for k, lab in enumerate(labels[:len(why)]):
                    if m[k + 1, ai]:
                        culprits[a][b][lab] += int(m[k + 1, ai])
            rb.cols = {k: v for k, v in rb.cols.items() if not k.startswith("clause:")}  # memory: done with them
            del why, m
        del res, elig, ea, table  # memory: this batch's answers go before the next batch is read
    out = PopulationResult(
        rows, errors, date.isoformat() if date else None,
        {j: {s: counts[j].get(s, 0) for s in ("eligible", "ineligible", "undetermined")} for j in jids},
        {j: {p.id: pathways[j].get(p.id, 0) for p in policy.jurisdictions[j][0].pathways} for j in jids},
        flips, {a: {b: c.most_common(3) for b, c in row.items()} for a, row in culprits.items()}, refined)
    return out


# --- reforms: two rule sets, or two dates ----------------------------------------------------------


@dataclass
class Flip:
    row: int
    id: object
    name: object
    district: str
    before: str
    after: str
    clauses: list[str]  # clauses whose truth changed in the direction of the flip


@dataclass
class ReformResult:
    baseline: str
    modified: str
    rows: int
    per_district: dict[str, dict[str, int]]  # district -> {gains, losses, eligible_before, eligible_after}
    clauses: dict[str, dict[str, list[tuple[str, int]]]]  # district -> gains|losses -> [(clause, n)]
    flips: list[Flip]
    sample: int = 3
    output: str | None = None
    skipped: int = 0  # rows not read, or impossible on the baseline date (born after it, …)

    def render(self, lang: str = "en") -> list:
        return [self.text(lang)]

    def to_markdown(self, lang: str = "en") -> str:
        return self.markdown(lang)

    def as_dict(self) -> dict:
        return {"baseline": self.baseline, "modified": self.modified, "rows": self.rows, "skipped": self.skipped,
                "districts": {d: {**v, "clauses": {k: [{"clause": c, "n": n} for c, n in cl]
                                                  for k, cl in self.clauses[d].items()},
                                  "sample": [f.__dict__ for f in self._sample(d)]}
                              for d, v in self.per_district.items()}}

    def _sample(self, d: str) -> list[Flip]:
        out = []
        for kind in ("gain", "loss"):
            out += [f for f in self.flips if f.district == d and _kind(f) == kind][:self.sample]
        return out

    def flipped_rows(self, lang: str) -> list[dict]:
        return [{"row": f.row, "id": f.id, "name": f.name, "district": f.district,
                 "before": _zh_status(f.before, lang), "after": _zh_status(f.after, lang),
                 "change": ("获得资格" if _kind(f) == "gain" else "失去资格") if lang == "zh" else _kind(f),
                 "clauses": " ".join(f.clauses)} for f in self.flips]

    def text(self, lang: str = "en") -> str:
        zh = lang == "zh"
        lines = [(f"基准：{self.baseline}\n对比：{self.modified}\n{self.rows:,} 行"
                  + (f"（另有 {self.skipped:,} 行有误或在基准日期不可能，已跳过）" if self.skipped else "")) if zh else
                 f"baseline: {self.baseline}\nmodified: {self.modified}\n{self.rows:,} rows"
                 + (f" ({self.skipped:,} more rows skipped: unreadable, or impossible on the baseline date)"
                    if self.skipped else "")]
        for d, v in self.per_district.items():
            lines.append("")
            lines.append(f"{d}: " + (f"获得资格 {v['gains']:,}，失去资格 {v['losses']:,}（符合条件 {v['eligible_before']:,} → "
                                      f"{v['eligible_after']:,}）" if zh else
                                      f"gains {v['gains']:,}, losses {v['losses']:,} (eligible {v['eligible_before']:,} → "
                                      f"{v['eligible_after']:,})"))
            for kind, word in (("gains", "获得" if zh else "gains"), ("losses", "失去" if zh else "losses")):
                if self.clauses[d][kind]:
                    lines.append(f"  {word}: " + ", ".join(f"{c} ({n:,})" for c, n in self.clauses[d][kind]))
            for f in self._sample(d):
                lines.append(f"  row {f.row}" + (f" {f.id}" if f.id is not None else "") +
                             f": {_zh_status(f.before, lang)} → {_zh_status(f.after, lang)}  {' '.join(f.clauses)}")
        if self.output:
            lines += ["", (f"翻转的行已写入 {self.output}" if zh else f"flipped rows written to {self.output}")]
        return "\n".join(lines) + "\n"

    def markdown(self, lang: str = "en") -> str:
        zh = lang == "zh"
        hdr = ["辖区", "获得资格", "失去资格", "符合（前）", "符合（后）", "主要条款"] if zh else \
            ["district", "gains", "losses", "eligible before", "eligible after", "clauses"]
        out = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
        for d, v in self.per_district.items():
            cl = ", ".join(f"{c} ({n:,})" for k in ("gains", "losses") for c, n in self.clauses[d][k])
            out.append(f"| {d} | {v['gains']:,} | {v['losses']:,} | {v['eligible_before']:,} | {v['eligible_after']:,} | {cl} |")
        return "\n".join(out) + "\n"


def _kind(f: Flip) -> str:
    return "gain" if f.after == "eligible" else "loss"


def reform(base: Policy, new: Policy, apps, district: str | None = "all", *, date: dt.date | None = None,
           vs: dt.date | None = None, lenient: bool = False, sample: int = 3, lang: str = "en", con=None) -> ReformResult:
    """Who gains and who loses eligibility between ``base`` on ``date`` and ``new`` on ``vs``
    (``apps``: ``Applicants`` or batches of them, as ``population``)."""
    con = con or duckdb_connect()
    jids = [j for j in _districts(base, district) if j in new.jurisdictions]
    E, HELD, FAILED = CODE["eligible"], CODE["held"], CODE["failed"]
    per = {j: Counter() for j in jids}
    counters = {j: {"gains": Counter(), "losses": Counter()} for j in jids}
    flips: list[Flip] = []
    n_rows = skipped = 0
    names = {v: k for k, v in CODE.items()}
    for apps_b in batches(apps):
        table, bad = _check_constraints(base, apps_b, date, "en", con)
        n_rows += table.num_rows
        skipped += len(bad) + len(apps_b.errors)
        if not table.num_rows:
            continue
        rows = table.column(ROW).to_numpy()
        for jid in jids:
            a = _run(base, table, jid, date, lenient, con)
            b = _run(new, table, jid, vs, lenient, con)
            sa, sb = a["status"], b["status"]
            gain, loss = (sa != E) & (sb == E), (sa == E) & (sb != E)
            per[jid].update({"gains": int(gain.sum()), "losses": int(loss.sum()),
                             "eligible_before": int((sa == E).sum()), "eligible_after": int((sb == E).sum())})
            cmp = [n for n in a.names if n.startswith("clause:") and n in b]
            for kind, m, was, now in (("gains", gain, FAILED, HELD), ("losses", loss, HELD, FAILED)):
                if m.any():
                    for n in cmp:
                        k = int(((a[n] == was) & (b[n] == now) & m).sum())
                        if k:
                            counters[jid][kind][n[len("clause:"):]] += k
            for i in np.flatnonzero(gain | loss):
                was, now = (FAILED, HELD) if gain[i] else (HELD, FAILED)
                changed = [n[len("clause:"):] for n in cmp if a[n][i] == was and b[n][i] == now]
                r = int(rows[i])
                flips.append(Flip(r, apps_b.ids.get(r), apps_b.names.get(r), jid, names[int(sa[i])],
                                  names[int(sb[i])], changed))
    label_a = f"shipped rules, {date or 'each row’s date'}"
    label_b = (f"{'modified rules' if new is not base else 'shipped rules'}, {vs or 'each row’s date'}")
    keys = ("gains", "losses", "eligible_before", "eligible_after")
    return ReformResult(label_a, label_b, n_rows, {j: {k: per[j].get(k, 0) for k in keys} for j in jids},
                        {j: {k: c.most_common(5) for k, c in counters[j].items()} for j in jids},
                        sorted(flips, key=lambda f: (f.row, f.district)), sample, skipped=skipped)
