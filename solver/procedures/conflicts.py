"""Procedural conflicts: the same situation given incompatible deadlines or requirements by two
jurisdictions, each with a concrete witness computed from the procedure data.

Three kinds, all derived from the clauses by topic (no finding is written by hand):

``requirement``  two jurisdictions' conditions on the same topic and business (``requires`` clauses,
                 ``allowed`` clauses, ``validity`` of materials; a jurisdiction's ``general`` entries
                 count for every business) disagree on some profile. The witness is found on the grid
                 of boundary values of the facts involved (each constant c gives c-1, c, c+1; booleans
                 and enums all values), which is exhaustive for these single-fact comparisons. It is
                 then written as a profile (dates derived back from the filing day) and **replayed**
                 through ``solver.procedures.facts`` before it is reported.
``deadline``     for a renewal or a change of employer, a filing day inside one jurisdiction's
                 [earliest, last safe] window and outside the other's, or a day on which the permit is
                 valid in one and lapsed in the other when nothing is filed (``solver.procedures.deadlines``).
``practice``     one jurisdiction abolished what another still requires (annual inspection).

Example:
    >>> from policy.load import load_policy
    >>> cs = procedural_conflicts(load_policy())
    >>> c = next(c for c in cs if c.topic == "child_age_limit" and {c.a, c.b} == {"changping", "daxing"})
    >>> c.witness["applicant.accompanying.oldest_child_age_years"]
    17
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from fractions import Fraction

from policy.expr import TRUE, Cmp, Expr, all_of, any_of, evaluate, facts_of, not_of, walk
from policy.i18n import Msg
from policy.load import Policy
from policy.procedures import BUSINESSES, Material, ProcClause, ProcedureSet, load_procedures, procedure_policy
from solver.calendar import add_months, add_years
from solver.procedures.deadlines import TIMED_BUSINESSES, Plan, deadlines
from solver.procedures.facts import procedure_facts_from_dict

DEFAULT_EXPIRY = dt.date(2025, 10, 31)  # a working Friday in the calendar's data, after National Day
DEFAULT_FILING = dt.date(2025, 6, 30)
GRID_LIMIT = 20000

Entry = ProcClause | Material


@dataclass
class ProcConflict:
    kind: str  # requirement | deadline | practice
    topic: str
    business: str
    a: str
    b: str
    entries_a: list[Entry]
    entries_b: list[Entry]
    witness: dict
    outcome_a: str
    outcome_b: str
    explanation: str
    waivable: bool = False  # the stricter side's rule is 原则上 (in_principle)
    replayed: bool = True
    # found: a replayed witness; not_searched: the grid was too large to search, so whether the two
    # conflict is not known (never to be read as "no conflict")
    status: str = "found"
    explanation_zh: str = ""

    def as_dict(self) -> dict:
        def cl(es: list[Entry]) -> list[dict]:
            return [{"id": e.id, "strength": e.strength, "cite": e.cite.as_dict()} for e in es]
        return {"kind": self.kind, "status": self.status, "topic": self.topic, "business": self.business,
                "a": self.a, "b": self.b,
                "witness": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.witness.items()},
                "outcome": {self.a: self.outcome_a, self.b: self.outcome_b}, "explanation": self.explanation,
                **({"explanation_zh": self.explanation_zh} if self.explanation_zh else {}),
                "waivable": self.waivable, "clauses": {self.a: cl(self.entries_a), self.b: cl(self.entries_b)}}


class NotSearched:
    """``find_witness`` gave up: the grid of boundary values has ``size`` points, over ``GRID_LIMIT``."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __bool__(self) -> bool:  # never mistaken for a witness
        return False


# --- requirement conflicts ---------------------------------------------------------------------------


def entry_condition(e: Entry) -> Expr | None:
    """What a clause or material demands of a profile, as one condition (None: demands nothing)."""
    if isinstance(e, Material):
        if e.validity is None:
            return None
        return any_of([not_of(e.applies_when), e.validity]) if e.applies_when is not None else e.validity
    if e.kind == "requires":
        return any_of([not_of(e.applies_when), e.rule]) if e.applies_when is not None else e.rule
    if e.kind == "allowed":
        return TRUE if e.rule else not_of(e.situation)
    return None


def _conditions(pset: ProcedureSet, jids: list[str]) -> dict[tuple[str, str], dict[str, list[tuple[Entry, Expr]]]]:
    """(topic, business) -> jurisdiction -> the entries and their conditions."""
    out: dict[tuple[str, str], dict[str, list[tuple[Entry, Expr]]]] = {}
    for j in jids:
        proc = pset[j]
        for b in proc.businesses.values():
            for e in [*b.clauses, *b.materials]:
                cond = entry_condition(e)
                if cond is not None:
                    out.setdefault((e.topic, b.id), {}).setdefault(j, []).append((e, cond))
    # general entries join every business the jurisdiction is compared on
    for (topic, bid), per in list(out.items()):
        if bid == "general":
            continue
        for j in jids:
            for e, cond in out.get((topic, "general"), {}).get(j, []):
                per.setdefault(j, []).append((e, cond))
    return {k: v for k, v in out.items() if k[1] != "general"}


def _candidates(policy: Policy, fact: str, exprs: list[Expr]) -> list[Fraction]:
    spec = policy.vocabulary.spec(fact)
    if spec.type == "bool":
        return [Fraction(0), Fraction(1)]
    if spec.type == "enum":
        return [Fraction(i) for i in range(len(spec.choices))]
    consts = {n.rhs for e in exprs for n in walk(e) if isinstance(n, Cmp) and n.fact == fact
              and isinstance(n.rhs, Fraction)}
    vals = sorted({c + d for c in consts for d in (-1, 0, 1)})
    lo = spec.minimum if spec.minimum is not None else None
    hi = spec.maximum if spec.maximum is not None else None
    return [v for v in vals if (lo is None or v >= lo) and (hi is None or v <= hi)]


def find_witness(policy: Policy, a: Expr, b: Expr, valid=None) -> dict[str, Fraction] | NotSearched | None:
    """A profile (fact -> number) on which ``a`` and ``b`` are both decided and differ; ``None`` when the
    whole grid was searched and none differs; ``NotSearched`` when the grid is over ``GRID_LIMIT`` points
    (nothing is known then). ``valid(env)``: points that are no profile (a month 13) are skipped."""
    facts = sorted(facts_of(a) | facts_of(b))
    grids = [_candidates(policy, f, [a, b]) for f in facts]
    size = 1
    for g in grids:
        size *= max(len(g), 1)
    if size > GRID_LIMIT:
        return NotSearched(size)
    for point in itertools.product(*grids):
        env = dict(zip(facts, point, strict=True))
        va, vb = evaluate(a, env), evaluate(b, env)
        if va is not None and vb is not None and va != vb and (valid is None or valid(env)):
            return env
    return None


def to_profile(policy: Policy, pset: ProcedureSet, env: dict[str, Fraction], filing: dt.date) -> dict:
    """The witness as a profile a person can read and ``wrp materials`` can load."""
    inverse = {name: (src, measure) for name, (src, measure) in pset.derivations.items()}
    prof: dict = {"application.date": filing}
    for name, v in env.items():
        spec = policy.vocabulary.spec(name)
        if name in inverse:
            src, measure = inverse[name]
            n = int(v)
            match measure:
                case "months_until":
                    prof[src] = add_months(filing, n)
                case "days_since":
                    prof[src] = filing - dt.timedelta(days=n)
                case "years_since":
                    prof[src] = add_years(filing, -n)
                case "yyyymm":
                    if not 1 <= n % 100 <= 12:
                        return {}
                    prof[src] = dt.date(n // 100, n % 100, 1)
        elif spec.type == "bool":
            prof[name] = bool(v)
        elif spec.type == "enum":
            prof[name] = spec.choices[int(v)]
        else:
            prof[name] = int(v) if v.denominator == 1 else float(v)
    return prof


def _nest(flat: dict) -> dict:
    out: dict = {}
    for k, v in flat.items():
        cur = out
        parts = k.split(".")
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = v
    return out


OUTCOME_ZH = {"accepted": "受理", "rejected": "不受理", "in time": "在期限内", "valid": "有效", "lapsed": "已失效",
              "abolished": "已取消", "required": "仍须办理",
              "rejected in principle (原则上; the office may waive it)": "原则上不受理（可酌情豁免）"}


def _zh_value(v) -> str:
    """A witness value in Chinese words (yes/no as 是/否)."""
    if isinstance(v, bool):
        return "是" if v else "否"
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def _outcome_zh(o: str) -> str:
    if o in OUTCOME_ZH:
        return OUTCOME_ZH[o]
    if o.startswith("too early (window opens "):
        return f"过早（{o.removeprefix('too early (window opens ').rstrip(')')} 起方可申请）"
    if o.startswith("too late (last safe day "):
        return f"过晚（最后稳妥申请日 {o.removeprefix('too late (last safe day ').rstrip(')')}）"
    return o


def _outcome(ok: bool, entries: list[tuple[Entry, Expr]], env: dict) -> tuple[str, bool]:
    if ok:
        return "accepted", False
    failing = [e for e, c in entries if evaluate(c, env) is False]
    waivable = bool(failing) and all(e.strength == "in_principle" for e in failing)
    return ("rejected in principle (原则上; the office may waive it)" if waivable else "rejected"), waivable


def requirement_conflicts(policy: Policy, pset: ProcedureSet, jids: list[str], filing: dt.date) -> list[ProcConflict]:
    merged = procedure_policy(policy)
    out: list[ProcConflict] = []
    for (topic, bid), per in sorted(_conditions(pset, jids).items()):
        for ja, jb in itertools.combinations([j for j in jids if j in per], 2):
            ca = all_of([c for _, c in per[ja]])
            cb = all_of([c for _, c in per[jb]])
            env = find_witness(merged, ca, cb, valid=lambda e: bool(to_profile(merged, pset, e, filing)))
            label = policy.vocabulary.topics.get(topic, {}).get("en", topic) if topic in policy.vocabulary.topics \
                else pset.topics.get(topic, {}).get("en", topic)
            if isinstance(env, NotSearched):
                zh_label = (policy.vocabulary.topics.get(topic) or pset.topics.get(topic) or {}).get("zh", topic)
                out.append(ProcConflict(
                    "requirement", topic, bid, ja, jb, [e for e, _ in per[ja]], [e for e, _ in per[jb]], {},
                    "not searched", "not searched",
                    f"{label} ({BUSINESSES[bid]['en']}): not searched — {env.size:,} combinations of boundary values "
                    f"exceed the limit of {GRID_LIMIT:,}; {ja} and {jb} may conflict here",
                    status="not_searched",
                    explanation_zh=f"{zh_label}（{BUSINESSES[bid]['zh']}）：未搜索——边界值组合 {env.size:,} 个，"
                                   f"超过上限 {GRID_LIMIT:,}；{ja} 与 {jb} 在此可能冲突"))
                continue
            if env is None:
                continue
            flat = to_profile(merged, pset, env, filing)
            # INVARIANT: the witness is replayed from its profile before anyone sees it; one that does not
            # replay is a defect of this module, never a finding (as in `conflicts`).
            facts = procedure_facts_from_dict(_nest(flat), policy, date=filing)
            va, vb = evaluate(ca, facts.values), evaluate(cb, facts.values)
            if va is None or vb is None or va == vb:
                raise AssertionError(f"procedural conflicts: witness {ja}/{jb} (topic {topic}, {bid}) does not "
                                     f"replay: {flat} gives {va} and {vb}")
            oa, wa = _outcome(va, per[ja], facts.values)
            ob, wb = _outcome(vb, per[jb], facts.values)
            shown = {k: v for k, v in flat.items() if k != "application.date"}
            derived = {n: int(facts.values[n]) for n in pset.derivations if n in facts.values}
            witness = {"application.date": filing, **shown, **derived}
            labels = policy.vocabulary.topics.get(topic, {}) if topic in policy.vocabulary.topics \
                else pset.topics.get(topic, {})
            label = labels.get("en", topic)
            values = {**shown, **derived}
            out.append(ProcConflict(
                "requirement", topic, bid, ja, jb, [e for e, _ in per[ja]], [e for e, _ in per[jb]], witness, oa, ob,
                Msg(f"{label} ({BUSINESSES[bid]['en']}): "
                    + ", ".join(f"{k}={v}" for k, v in values.items()) + f" is {oa} in {ja}, {ob} in {jb}",
                    f"{labels.get('zh', label)}（{BUSINESSES[bid]['zh']}）："
                    + "，".join(f"{k}={_zh_value(v)}" for k, v in values.items())
                    + f"：在 {ja} {_outcome_zh(oa)}，在 {jb} {_outcome_zh(ob)}"),
                waivable=wa or wb))
    return out


# --- deadline conflicts --------------------------------------------------------------------------------


def _valid_without_filing(p: Plan, day: dt.date) -> bool | None:
    ext = p.event("extended_to")
    if ext is not None and ext.date is not None and "if this is" not in (ext.note or ""):
        return day <= ext.date
    return None if p.lapse is None else day < p.lapse


def _responsible(p: Plan, kinds: tuple[str, ...]) -> list[ProcClause]:
    return list(dict.fromkeys(c for e in p.events if e.kind in kinds for c in e.clauses))


def deadline_conflicts(policy: Policy, jids: list[str], expiry: dt.date, left: dt.date) -> list[ProcConflict]:
    out: list[ProcConflict] = []
    t = deadlines(policy, jids, expiry=expiry, left_employer=left)
    first = procedure_facts_from_dict({"application": {"date": expiry.isoformat()}, "permit": {"first_permit": True}},
                                      policy, date=expiry)
    t_first = deadlines(policy, jids, expiry=expiry, left_employer=left, facts=first)
    for b in TIMED_BUSINESSES:
        rows = [(j, t.plans[j][b]) for j in jids if b in t.plans.get(j, {})]
        for (ja, pa), (jb, pb) in itertools.combinations(rows, 2):
            anchors = {"expiry": expiry} if b == "renewal" else {"expiry": expiry, "left_employer": left}
            days = sorted({d + dt.timedelta(days=k) for p in (pa, pb) for d in (p.earliest, p.last_safe) if d
                           for k in (-1, 0, 1)})
            for day in days:
                va, vb = pa.allows(day), pb.allows(day)
                if va is not None and vb is not None and va != vb:
                    kinds = ("earliest", "deadline", "last_safe", "promptly", "lapse")
                    out.append(ProcConflict(
                        "deadline", f"{b}_window", b, ja, jb, _responsible(pa, kinds), _responsible(pb, kinds),
                        {**anchors, "filing_day": day},
                        "in time" if va else _why(pa, day), "in time" if vb else _why(pb, day),
                        Msg(f"{BUSINESSES[b]['en']}: filing on {day} is {'in time' if va else 'not in time'} in {ja} "
                            f"[{pa.earliest or '…'} – {pa.last_safe or '…'}] and {'in time' if vb else 'not in time'} "
                            f"in {jb} [{pb.earliest or '…'} – {pb.last_safe or '…'}]",
                            f"{BUSINESSES[b]['zh']}：{day} 申请，在 {ja} {'在期限内' if va else '不在期限内'}"
                            f"［{pa.earliest or '…'} – {pa.last_safe or '…'}］，在 {jb} "
                            f"{'在期限内' if vb else '不在期限内'}［{pb.earliest or '…'} – {pb.last_safe or '…'}］")))
                    break
            # nothing filed: valid in one jurisdiction, lapsed in the other
            for pa_, pb_, label in ((pa, pb, ""), (t_first.plans[ja][b], t_first.plans[jb][b], "first permit")):
                cands = sorted({d for p in (pa_, pb_) for d in (p.lapse, p.lapse and p.lapse - dt.timedelta(days=1))
                                if d})
                for day in cands:
                    va, vb = _valid_without_filing(pa_, day), _valid_without_filing(pb_, day)
                    if va is not None and vb is not None and va != vb:
                        kinds = ("lapse", "extended_to", "late_until")
                        w = {**anchors, "day": day, **({"permit.first_permit": True} if label else {})}
                        out.append(ProcConflict(
                            "deadline", f"{b}_lapse", b, ja, jb, _responsible(pa_, kinds), _responsible(pb_, kinds),
                            w, "valid" if va else "lapsed", "valid" if vb else "lapsed",
                            Msg(f"{BUSINESSES[b]['en']}{' (' + label + ')' if label else ''}: with nothing filed, on "
                                f"{day} the permit is {'valid' if va else 'lapsed'} in {ja} and "
                                f"{'valid' if vb else 'lapsed'} in {jb}",
                                f"{BUSINESSES[b]['zh']}{'（首次办证）' if label else ''}：未申请时，{day} 证件在 {ja} "
                                f"{'有效' if va else '已失效'}，在 {jb} {'有效' if vb else '已失效'}")))
                        break
                else:
                    continue
                break
    return out


def _why(p: Plan, day: dt.date) -> str:
    if p.earliest and day < p.earliest:
        return f"too early (window opens {p.earliest})"
    return f"too late (last safe day {p.last_safe})"


# --- practice conflicts --------------------------------------------------------------------------------


def practice_conflicts(pset: ProcedureSet, jids: list[str], year: int) -> list[ProcConflict]:
    out: list[ProcConflict] = []
    by_topic: dict[str, dict[str, list[ProcClause]]] = {}
    for j in jids:
        for c in pset[j].clauses():
            if c.kind in ("abolished", "period"):
                by_topic.setdefault(c.topic, {}).setdefault(j, []).append(c)
    for topic, per in sorted(by_topic.items()):
        for ja, jb in itertools.combinations(list(per), 2):
            aa = any(c.kind == "abolished" and c.rule for c in per[ja])
            ab = any(c.kind == "abolished" and c.rule for c in per[jb])
            if aa == ab:
                continue
            live = per[jb] if aa else per[ja]
            period = next((c.rule for c in live if c.kind == "period"), None)
            w: dict = {}
            if period is not None:
                w = {"period_from": dt.date(year, *period.start), "period_to": dt.date(year, *period.end)}
            keeps, drops = (jb, ja) if aa else (ja, jb)
            c0 = per[ja][0]
            out.append(ProcConflict(
                "practice", topic, c0.business, ja, jb, per[ja], per[jb], w,
                "abolished" if aa else "required", "abolished" if ab else "required",
                Msg(f"{topic}: abolished in {drops}, still required in {keeps}"
                    + (f" (from {w['period_from']} to {w['period_to']}; a holder who misses it is frozen there)"
                       if w else ""),
                    f"{topic}：{drops} 已取消，{keeps} 仍须办理"
                    + (f"（{w['period_from']} 至 {w['period_to']}；错过者在该地被冻结）" if w else ""))))
    return out


def procedural_conflicts(policy: Policy, jurisdictions: list[str] | None = None, expiry: dt.date | None = None,
                         left_employer: dt.date | None = None, filing: dt.date | None = None) -> list[ProcConflict]:
    """Every procedural conflict between pairs of ``jurisdictions`` (default: all with procedure data)."""
    pset = load_procedures(policy)
    jids = jurisdictions or pset.ids()
    expiry = expiry or DEFAULT_EXPIRY
    left = left_employer or add_months(expiry, -12)
    filing = filing or DEFAULT_FILING
    return [*requirement_conflicts(policy, pset, jids, filing), *deadline_conflicts(policy, jids, expiry, left),
            *practice_conflicts(pset, jids, expiry.year)]
