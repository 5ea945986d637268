"""`wrp diff`: what changed between two versions of the rules.

Two versions are two rules packs on one date (``--rules OLD --rules NEW``), or one pack on two dates
(``--date`` and ``--to-date``: a wage-year change, a new version in force). For every jurisdiction the
version in force on each side is compiled with that side's average wage, and

* clause by clause (matched by id): added, removed, changed — the threshold before and after with its
  arithmetic, the condition in words, strength, citation and quote (quotes stay Chinese);
* symbolically, one witness per changed topic: an applicant eligible under one version and not the
  other, found by z3 with the other changed clauses holding on both sides (so the difference is the
  topic's), closest to the reference applicant, and replayed through Datalog on both sides before it
  is shown.

Example:
    >>> import datetime as dt
    >>> from policy.load import load_policy
    >>> pol = load_policy()
    >>> d = diff_rules(pol, pol, date=dt.date(2022, 3, 1), to_date=dt.date(2022, 9, 1), district="changping",
    ...                witnesses=False)
    >>> [c.clause for c in d.changes][:1], d.wage_old.year, d.wage_new.year
    (['changping.applicant.income'], 2020, 2021)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, fmt_num
from policy.load import Policy
from policy.model import Clause
from solver.backends.smt.worker import on_z3_thread
from solver.facts import display, home_district, wage_on
from solver.program import compile_program

CHANGE_WORDS = {"added": ("added", "新增"), "removed": ("removed", "删除"), "changed": ("changed", "修改")}
MARK = {"added": "+", "removed": "-", "changed": "~"}


@dataclass
class ClauseChange:
    jurisdiction: str
    clause: str
    change: str  # added | removed | changed
    topic: str
    old: Clause | None
    new: Clause | None
    details: list[tuple[str, str]] = field(default_factory=list)  # (en, zh) lines

    def as_dict(self) -> dict:
        def side(c: Clause | None):
            return None if c is None else {"cite": c.cite.as_dict(), "strength": c.strength, "kind": c.kind,
                                           "pathway": c.pathway}
        return {"jurisdiction": self.jurisdiction, "clause": self.clause, "change": self.change, "topic": self.topic,
                "details": [en for en, _ in self.details], "details_zh": [zh for _, zh in self.details],
                "old": side(self.old), "new": side(self.new)}


@dataclass
class TopicWitness:
    jurisdiction: str
    topic: str
    status: str  # found | none | no_replay
    eligible_under: str | None = None  # old | new
    profile: dict | None = None
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # fact, reference value, witness value
    rejecting: list[Clause] = field(default_factory=list)  # what rejects it on the other side
    note: str | None = None

    def as_dict(self) -> dict:
        return {"jurisdiction": self.jurisdiction, "topic": self.topic, "status": self.status,
                "eligible_under": self.eligible_under, "profile": self.profile,
                "changed": [{"fact": f, "reference": a, "witness": b} for f, a, b in self.changed],
                "rejected_by": [{"clause": c.id, "cite": c.cite.as_dict()} for c in self.rejecting],
                "note": self.note}


@dataclass
class RulesDiff:
    old_name: str
    new_name: str
    old_date: dt.date
    new_date: dt.date
    wage_old: object
    wage_new: object
    added_jurisdictions: list[str]
    removed_jurisdictions: list[str]
    versions: dict[str, tuple[str, str]]  # jid -> (old document, new document) when the version changed
    changes: list[ClauseChange]
    witnesses: list[TopicWitness]
    topics: dict
    exit_code: int = 0

    def as_dict(self) -> dict:
        return {"old": {"rules": self.old_name, "date": self.old_date.isoformat(),
                        "wage": {"year": self.wage_old.year, "monthly": self.wage_old.monthly}},
                "new": {"rules": self.new_name, "date": self.new_date.isoformat(),
                        "wage": {"year": self.wage_new.year, "monthly": self.wage_new.monthly}},
                "added_jurisdictions": self.added_jurisdictions, "removed_jurisdictions": self.removed_jurisdictions,
                "versions": {j: {"old": a, "new": b} for j, (a, b) in self.versions.items()},
                "changes": [c.as_dict() for c in self.changes], "witnesses": [w.as_dict() for w in self.witnesses]}

    def render(self, lang: str = "en") -> str:
        zh = lang == "zh"
        out = [f"wrp diff: {self.old_name} ({self.old_date}) → {self.new_name} ({self.new_date})"]
        if self.wage_old.year != self.wage_new.year:
            out.append((f"平均工资：{self.wage_old.year} 年度 {self.wage_old.monthly:,} 元/月 → {self.wage_new.year} 年度 "
                        f"{self.wage_new.monthly:,} 元/月") if zh else
                       (f"average wage: {self.wage_old.year} {self.wage_old.monthly:,} CNY/month → {self.wage_new.year} "
                        f"{self.wage_new.monthly:,} CNY/month"))
        if self.added_jurisdictions:
            out.append(("新增辖区：" if zh else "jurisdictions added: ") + ", ".join(self.added_jurisdictions))
        if self.removed_jurisdictions:
            out.append(("删除辖区：" if zh else "jurisdictions removed: ") + ", ".join(self.removed_jurisdictions))
        for jid, (a, b) in self.versions.items():
            out.append(f"{jid}: {a} → {b}")
        if not self.changes:
            out.append("两个版本的条款相同" if zh else "no clause differs")
        last = None
        for c in self.changes:
            if c.jurisdiction != last:
                last = c.jurisdiction
                out.append("")
                out.append(c.jurisdiction)
            cl = c.new or c.old
            topic = self.topics.get(c.topic, {}).get(lang, c.topic)
            word = CHANGE_WORDS[c.change][1 if zh else 0]
            out.append(f"  {MARK[c.change]} {c.clause} ({word}; {topic}) — {cl.cite.source} {cl.cite.section}")
            out.append(f"      «{cl.cite.quote.strip()}»")
            for en, zh_text in c.details:
                out.append(f"      {zh_text if zh else en}")
        if self.witnesses:
            out += ["", "见证申请人（已由 Datalog 复核）：" if zh else "witness applicants (replayed through Datalog):"]
        for w in self.witnesses:
            topic = self.topics.get(w.topic, {}).get(lang, w.topic)
            if w.status != "found":
                out.append(f"  {w.jurisdiction} · {topic}: {w.note}")
                continue
            side = {"old": ("旧版本符合、新版本不符合" if zh else "eligible under the old rules, not under the new"),
                    "new": ("新版本符合、旧版本不符合" if zh else "eligible under the new rules, not under the old")}
            out.append(f"  {w.jurisdiction} · {topic}: {side[w.eligible_under]}")
            if w.changed:
                head = "与参考申请人不同：" if zh else "differs from the reference applicant in: "
                out.append("      " + head + "; ".join(f"{f} {a} → {b}" for f, a, b in w.changed))
            for c in w.rejecting:
                out.append(f"      {'不符合' if zh else 'rejected by'} {c.id} [{c.cite.source} {c.cite.section}] "
                           f"«{c.cite.quote.strip()}»")
        return "\n".join(out)


# --- clause by clause --------------------------------------------------------------------------------------


def _same_shape(a: Expr, b: Expr) -> bool:
    match a, b:
        case Cmp(), Cmp():
            return a.terms == b.terms and a.op == b.op
        case In(), In():
            return a == b
        case Const(), Const():
            return a == b
        case (All(), All()) | (Any(), Any()):
            return len(a.items) == len(b.items) and all(_same_shape(x, y) for x, y in zip(a.items, b.items, strict=True))
        case AtLeast(), AtLeast():
            return a.k == b.k and len(a.items) == len(b.items) and \
                all(_same_shape(x, y) for x, y in zip(a.items, b.items, strict=True))
        case Not(), Not():
            return _same_shape(a.item, b.item)
    return False


def _cmps(e: Expr) -> list[Cmp]:
    from policy.expr import walk
    return [n for n in walk(e) if isinstance(n, Cmp)]


def _threshold_lines(policy: Policy, old: Expr, new: Expr) -> list[tuple[str, str]]:
    from solver.render.words import describe
    lines = []
    for a, b in zip(_cmps(old), _cmps(new), strict=True):
        if a.rhs == b.rhs:
            continue
        label_en = " + ".join(policy.vocabulary.spec(f).label["en"] for _, f in a.terms)
        label_zh = " + ".join(policy.vocabulary.spec(f).label["zh"] for _, f in a.terms)
        sym = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}[a.op]
        how_a = f" ({a.derivation})" if a.derivation else ""
        how_b = f" ({b.derivation})" if b.derivation else ""
        lines.append((f"{label_en}: {sym} {fmt_num(a.rhs)}{how_a} → {sym} {fmt_num(b.rhs)}{how_b}",
                      f"{label_zh}：{sym} {fmt_num(a.rhs)}{how_a} → {sym} {fmt_num(b.rhs)}{how_b}"))
    lines = list(dict.fromkeys(lines))  # `each` of a list repeats one comparison per item
    if not lines:  # same numbers, other structure: say both conditions in words
        lines.append((f"condition: {describe(policy, old, 'en')} → {describe(policy, new, 'en')}",
                      f"条件：{describe(policy, old, 'zh')} → {describe(policy, new, 'zh')}"))
    return lines


def _clause_changes(old_pol, new_pol, jid, ja, jb, wa, wb) -> list[ClauseChange]:
    from solver.render.words import describe
    out = []
    a_by = {c.id: c for c in ja.clauses()} if ja else {}
    b_by = {c.id: c for c in jb.clauses()} if jb else {}
    req_a = compile_program(ja, wa).requirement if ja else {}
    req_b = compile_program(jb, wb).requirement if jb else {}

    for cid, c in a_by.items():
        if cid not in b_by:
            out.append(ClauseChange(jid, cid, "removed", c.topic, c, None,
                                    [(f"was: {describe(old_pol, req_a[c.id], 'en')}",
                                      f"原为：{describe(old_pol, req_a[c.id], 'zh')}")]))
    for cid, c in b_by.items():
        if cid not in a_by:
            out.append(ClauseChange(jid, cid, "added", c.topic, None, c,
                                    [(f"requires: {describe(new_pol, req_b[c.id], 'en')}",
                                      f"要求：{describe(new_pol, req_b[c.id], 'zh')}")]))
            continue
        a = a_by[cid]
        ea, eb = req_a[cid], req_b[cid]
        details: list[tuple[str, str]] = []
        if ea != eb:
            details += _threshold_lines(new_pol, ea, eb) if _same_shape(ea, eb) else [
                (f"condition: {describe(old_pol, ea, 'en')} → {describe(new_pol, eb, 'en')}",
                 f"条件：{describe(old_pol, ea, 'zh')} → {describe(new_pol, eb, 'zh')}")]
        if a.strength != c.strength:
            details.append((f"strength: {a.strength} → {c.strength}", f"效力：{a.strength} → {c.strength}"))
        if (a.cite.source, a.cite.section) != (c.cite.source, c.cite.section):
            details.append((f"cited: {a.cite.source} {a.cite.section} → {c.cite.source} {c.cite.section}",
                            f"出处：{a.cite.source} {a.cite.section} → {c.cite.source} {c.cite.section}"))
        if a.cite.quote.strip() != c.cite.quote.strip():
            details.append((f"quote was: «{a.cite.quote.strip()}»", f"原引文：«{a.cite.quote.strip()}»"))
        if a.pathway != c.pathway or a.kind != c.kind:
            details.append((f"moved: {a.kind} {a.pathway or ''} → {c.kind} {c.pathway or ''}",
                            f"位置：{a.kind} {a.pathway or ''} → {c.kind} {c.pathway or ''}"))
        if details:
            out.append(ClauseChange(jid, cid, "changed", c.topic, a, c, details))
    return out


# --- witnesses -----------------------------------------------------------------------------------------------


def _prune(profile: dict, policy: Policy, prefix: str = "") -> dict:
    """The profile without facts the policy's vocabulary does not know (a pack's new fact, on the other side)."""
    out = {}
    names = policy.vocabulary.facts
    for k, v in profile.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and name not in names:
            sub = _prune(v, policy, name + ".")
            if sub:
                out[k] = sub
        elif name in names:
            out[k] = v
    return out


def _replay(policy: Policy, day: dt.date, values: dict[str, Fraction], jid: str, district):
    from solver.analyses.common import override
    from solver.backends.smt.space import to_profile
    from solver.decide import decide
    from solver.facts import facts_from_dict
    prof = _prune(to_profile(policy, day, {**values, **override(district)}), policy)
    return prof, decide(policy, jid, facts_from_dict(prof, policy, date=day, file="<witness>"))


def _witnesses(old_pol, new_pol, jid, ja, jb, da, db, wa, wb, changes) -> list[TopicWitness]:
    from policy.expr import facts_of
    from solver.analyses.common import Claim, implies, override, reference_facts, reference_values
    from solver.backends.smt.session import Session
    from solver.backends.smt.space import Space, closure
    from solver.facts import DISTRICT_FACTS
    pa, pb = compile_program(ja, wa), compile_program(jb, wb)
    ref = reference_facts(new_pol, da)
    names = (facts_of(pa.root) | facts_of(pb.root)) - set(DISTRICT_FACTS)
    space = Space(new_pol, da, pinned=ref.values, free=closure(new_pol, names))
    district = home_district(new_pol, jid)
    if district is None:
        district = home_district(old_pol, jid)
    near = reference_values(ref)

    def claim(prog, pol, day) -> Claim:
        def holds(values):
            status = _replay(pol, day, values, jid, district)[1].status
            return {"eligible": True, "ineligible": False}.get(status)
        return Claim(space.expr(prog.root, override(district)), holds)

    old_c, new_c = claim(pa, old_pol, da), claim(pb, new_pol, db)
    out = []
    for topic in dict.fromkeys(c.topic for c in changes):
        # the other changed clauses judge the witness alike on both sides: the difference is this topic's
        extra = []
        for c in changes:
            if c.topic == topic:
                continue
            a = space.expr(pa.requirement[c.clause], override(district)) if c.clause in pa.requirement else None
            b = space.expr(pb.requirement[c.clause], override(district)) if c.clause in pb.requirement else None
            if a is not None and b is not None:
                extra.append(a == b)
            elif a is not None or b is not None:
                extra.append(a if a is not None else b)  # added or removed: it holds, so it decides nothing
        session = Session(space)
        try:
            found, side = implies(session, new_c, old_c, near, extra), "new"
            if found is None:
                found, side = implies(session, old_c, new_c, near, extra), "old"
        except AssertionError as exc:  # the solver's claim did not replay: say so, show nothing
            out.append(TopicWitness(jid, topic, "no_replay", note=f"no witness shown: {exc}"))
            continue
        if found is None:
            out.append(TopicWitness(jid, topic, "none", note="no applicant is judged differently because of this "
                                                              "topic alone (z3: proven)"))
            continue
        prof, dec_new = _replay(new_pol, db, found.values, jid, district)
        _, dec_old = _replay(old_pol, da, found.values, jid, district)
        rejecting = [c.clause for c in (dec_old if side == "new" else dec_new).failed()]
        on_topic = [c for c in rejecting if c.topic == topic] or rejecting
        changed = [(f, display(new_pol, f, ref.values[f]), display(new_pol, f, v)) for f, v in sorted(found.values.items())
                   if f in ref.values and ref.values[f] != v and f not in DISTRICT_FACTS
                   and not f.startswith("applicant.months_to_retirement")]
        out.append(TopicWitness(jid, topic, "found", side, prof, changed, on_topic))
    return out


# --- the whole diff ------------------------------------------------------------------------------------------


@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def diff_rules(old: Policy, new: Policy, date: dt.date | None = None, to_date: dt.date | None = None,
               district: str | None = None, witnesses: bool = True, old_name: str = "old",
               new_name: str = "new") -> RulesDiff:
    """What changed from ``old`` on ``date`` to ``new`` on ``to_date`` (default: the same date)."""
    from policy.errors import InputError
    da = date or dt.date.today()
    db = to_date or da
    wa, wb = wage_on(old.params, da), wage_on(new.params, db)
    ids = list(dict.fromkeys([*old.ids(), *new.ids()]))
    if district is not None:
        if district not in ids:
            raise InputError(f"unknown district `{district}`; choose one of: {', '.join(ids)}", field="--district")
        ids = [district]
    res = RulesDiff(old_name, new_name, da, db, wa, wb, [j for j in ids if j not in old.jurisdictions],
                    [j for j in ids if j not in new.jurisdictions], {}, [], [],
                    {**old.vocabulary.topics, **new.vocabulary.topics})
    for jid in ids:
        ja = old.version(jid, da)[0] if jid in old.jurisdictions else None
        jb = new.version(jid, db)[0] if jid in new.jurisdictions else None
        if ja is not None and jb is not None and (ja.document, ja.in_force_from) != (jb.document, jb.in_force_from):
            res.versions[jid] = (f"{ja.document} ({ja.in_force_from or '—'})", f"{jb.document} ({jb.in_force_from or '—'})")
        changes = _clause_changes(old, new, jid, ja, jb, wa, wb)
        res.changes += changes
        if witnesses and changes and ja is not None and jb is not None:
            res.witnesses += _witnesses(old, new, jid, ja, jb, da, db, wa, wb, changes)
    return res


__all__ = ["diff_rules", "RulesDiff", "ClauseChange", "TopicWitness"]
