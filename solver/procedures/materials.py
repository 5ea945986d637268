"""The checklist of documents for one applicant, jurisdiction and business, from the procedure data.

An item is ``needed`` (its ``applies_when`` holds and its pathway is the applicant's), ``not_needed``
or ``maybe`` (the profile does not say). Where the item has a ``validity`` condition and the profile
states the dates, the check is ``ok`` or ``fails`` (e.g. a lease with 4 months left in Xicheng, which
asks for 6); otherwise ``unknown`` naming the fact to state. The ``requires`` clauses of the business
(children's age, contract months left …) are reported as ``checks``.

Example:
    >>> import datetime as dt
    >>> from policy.load import load_policy
    >>> from solver.procedures.facts import procedure_facts_from_dict
    >>> p = load_policy()
    >>> f = procedure_facts_from_dict({"application": {"date": "2024-03-01"},
    ...     "applicant": {"residence": {"proof": "rented", "lease_months_remaining": 4}}}, p)
    >>> c = materials(p, "xicheng", f, pathway="degree")
    >>> [(i.material.id, i.check) for i in c.items if i.material.topic == "lease_validity"]
    [('xicheng.new.lease', 'fails')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policy.errors import InputError
from policy.expr import SYMBOL, Cmp, Expr, In, Not, evaluate, fmt_num, walk
from policy.i18n import Msg, cat, choice, say, word
from policy.load import Policy
from policy.procedures import BUSINESSES, Material, ProcClause, ProcedureSet, load_procedures, procedure_policy
from solver.facts import Facts, display
from solver.render.procedures import checklist_text, describe_rule


@dataclass
class Item:
    material: Material
    status: str  # needed | not_needed | maybe
    check: str | None  # ok | fails | unknown | None (no validity rule)
    detail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        m = self.material
        return {"id": m.id, "topic": m.topic, "item": m.item, "status": self.status, "check": self.check,
                "detail": self.detail, "pathways": list(m.pathways), "strength": m.strength, "note": m.note,
                "cite": m.cite.as_dict()}


@dataclass
class Check:
    clause: ProcClause
    status: str  # held | failed | unknown | not_applicable
    detail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        c = self.clause
        return {"id": c.id, "topic": c.topic, "status": self.status, "detail": self.detail, "strength": c.strength,
                "note": c.note, "cite": c.cite.as_dict()}


@dataclass
class Checklist:
    jurisdiction: str
    business: str
    date: str
    pathways: list[str]
    pathway_source: str  # given | eligibility | unknown | none
    items: list[Item]
    checks: list[Check]
    warnings: list[str] = field(default_factory=list)
    rules: list[ProcClause] = field(default_factory=list)  # who files, windows, review time … of the business

    def needed(self) -> list[Item]:
        return [i for i in self.items if i.status == "needed"]

    def problems(self) -> list[Item | Check]:
        return [*(i for i in self.items if i.status != "not_needed" and i.check == "fails"),
                *(c for c in self.checks if c.status == "failed")]

    def as_dict(self) -> dict:
        return {"district": self.jurisdiction, "business": self.business, "date": self.date,
                "pathways": self.pathways, "pathway_source": self.pathway_source,
                "items": [i.as_dict() for i in self.items if i.status != "not_needed"],
                "not_needed": [i.material.id for i in self.items if i.status == "not_needed"],
                "checks": [c.as_dict() for c in self.checks],
                "rules": [{"id": r.id, "topic": r.topic, "kind": r.kind, "rule": describe_rule(r, "en"),
                           "strength": r.strength, "cite": r.cite.as_dict()} for r in self.rules],
                "warnings": self.warnings}

    def render(self, lang: str = "en") -> str:
        return checklist_text(self, lang)


# --- evaluation ------------------------------------------------------------------------------------


def _describe(policy: Policy, pset: ProcedureSet, e: Expr, facts: Facts) -> list[str]:
    """Each comparison of ``e``: the profile's value against what is required, or the fact to state."""
    out: list[str] = []
    for n in walk(e):
        neg = False
        if isinstance(n, Not) and isinstance(n.item, (Cmp, In)):
            continue  # described through its child (rare in procedure data)
        match n:
            case Cmp(terms, op, rhs) if len(terms) == 1:
                name = terms[0][1]
                spec = policy.vocabulary.spec(name)
                want = choice(policy.vocabulary, spec, rhs) if spec.type == "enum" else (
                    word("true" if rhs else "false") if spec.type == "bool" else fmt_num(rhs))
                if name in facts.values:
                    got = display(policy, name, facts.values[name])
                    out.append(Msg(f"{name} = {got} (required {SYMBOL[op]} {want})",
                                   f"{name} = {say(got, 'zh')}（要求 {SYMBOL[op]} {say(want, 'zh')}）"))
                else:
                    src = pset.derivations.get(name, (name, ""))[0]
                    out.append(Msg(f"{name} unknown: state `{src}` (required {SYMBOL[op]} {want})",
                                   f"{name} 未知：请填写 `{src}`（要求 {SYMBOL[op]} {say(want, 'zh')}）"))
            case In(fact, values):
                spec = policy.vocabulary.spec(fact)
                want = cat(*(choice(policy.vocabulary, spec, i) for i in sorted(values)), sep=", ")
                got = display(policy, fact, facts.values.get(fact)) if fact in facts.values else word("unknown")
                out.append(Msg(f"{fact} = {got} ({'required ≠' if neg else 'one of'} {want})",
                               f"{fact} = {say(got, 'zh')}（{'要求 ≠' if neg else '须为其一：'}"
                               f"{say(want, 'zh')}）"))
    return out


def _pathways(policy: Policy, jid: str, facts: Facts, pathway: str | None, warnings: list[str]) -> tuple[list[str], str]:
    topics = sorted(t for t in policy.vocabulary.topics if t.startswith("pathway_"))
    if pathway is not None:
        name = pathway if pathway.startswith("pathway_") else f"pathway_{pathway}"
        if name not in topics:
            raise InputError(f"unknown pathway `{pathway}`; choose one of: "
                             f"{', '.join(t.removeprefix('pathway_') for t in topics)}", field="--pathway")
        return [name], "given"
    if jid not in policy.jurisdictions:
        return [], "unknown"
    from solver.decide import decide
    d = decide(policy, jid, facts)
    held = [p.pathway.topic for p in d.pathways if p.status == "satisfied"]
    if held:
        return list(dict.fromkeys(held)), "eligibility"
    open_ = [p.pathway.topic for p in d.pathways if p.status == "unknown"]
    if open_:
        warnings.append(Msg("the profile does not decide which pathway applies; items of every undecided pathway "
                            "are listed as `maybe` (pass --pathway to choose)",
                            "档案不足以确定适用哪一条件；所有未定条件的材料均列为 `maybe`（可用 --pathway 指定）"))
        return list(dict.fromkeys(open_)), "unknown"
    warnings.append(Msg(f"no pathway of {jid} holds for this profile (see `wrp check`); pathway items are not listed",
                        f"该档案不满足 {jid} 的任何条件（见 `wrp check`）；不列出各条件的材料"))
    return [], "none"


def materials(policy: Policy, jid: str, facts: Facts, business: str = "new", pathway: str | None = None) -> Checklist:
    """The checklist for ``facts`` (from ``solver.procedures.facts``) in jurisdiction ``jid``."""
    merged = procedure_policy(policy)
    pset = load_procedures(policy)
    proc = pset[jid]
    if business not in BUSINESSES or business == "general":
        raise InputError(f"unknown business `{business}`; choose one of: "
                         f"{', '.join(b for b in BUSINESSES if b != 'general')}", field="--business")
    warnings = list(facts.warnings)
    if business not in proc.businesses:
        stated = ", ".join(b for b in proc.businesses if b != "general")
        warnings.append(Msg(f"{jid} states nothing for `{business}`; it states: {stated}",
                            f"{jid} 未规定 `{business}` 业务；已规定的业务：{stated}"))
    pathways, source = _pathways(policy, jid, facts, pathway, warnings) if business == "new" else ([], "none")
    items: list[Item] = []
    for m in proc.materials(business):
        if m.pathways and not set(m.pathways) & set(pathways):
            continue
        applies = True if m.applies_when is None else evaluate(m.applies_when, facts.values)
        if m.pathways and source == "unknown" and applies is not False:
            applies = None
        status = {True: "needed", False: "not_needed", None: "maybe"}[applies]
        detail = _describe(merged, pset, m.applies_when, facts) if applies is None and m.applies_when else []
        check = None
        if m.validity is not None:
            v = evaluate(m.validity, facts.values)
            check = {True: "ok", False: "fails", None: "unknown"}[v]
            detail += _describe(merged, pset, m.validity, facts)
        items.append(Item(m, status, check, detail))
    checks: list[Check] = []
    own = proc.clauses(business)
    # a general rule (e.g. the review time of 六、) is shown only where the business states none of its kind
    rules = [*(c for c in own if c.kind != "requires"),
             *(c for c in proc.clauses("general") if c.kind != "requires" and not any(o.kind == c.kind for o in own))]
    for c in proc.clauses(business, include_general=True):
        if c.kind != "requires":
            continue
        applies = True if c.applies_when is None else evaluate(c.applies_when, facts.values)
        if applies is False:
            checks.append(Check(c, "not_applicable"))
            continue
        v = evaluate(c.rule, facts.values)
        status = {True: "held", False: "failed", None: "unknown"}[v] if applies else (
            "held" if v is True else "unknown")
        checks.append(Check(c, status, _describe(merged, pset, c.rule, facts)))
    return Checklist(jid, business, facts.date.isoformat(), pathways, source, items, checks, warnings, rules)
