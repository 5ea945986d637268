"""Property-based consistency checks declared as data (``policy/properties.yaml``), proven by z3.

Kinds:

``monotone``            more of ``fact`` (``direction: up``) or less (``down``) never turns an
                        eligible applicant ineligible. Two applicants, equal but for that fact.
``at_least_as_strict``  every applicant eligible under ``jurisdiction`` is eligible under ``than``
                        (each judging with the employer in its own district).
``subsumes``            the same, stated as ``a ⊆ b`` (``a``, ``b``).
``pathways_reachable``  every pathway can be satisfied together with the base requirements.
``no_contradictions``   the base requirements can be met at all (no unsatisfiable clause set).

``jurisdiction`` may be ``all`` (one check per jurisdiction). z3 either proves a property or returns
a counterexample, which is replayed through the Datalog backend before it is reported (one that
does not replay raises). A property naming a jurisdiction the policy does not have is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from policy.expr import facts_of
from policy.i18n import Msg, cat, say
from policy.load import Policy
from policy.properties import PROPERTIES, Property, load_properties
from solver.analyses.common import (
    DISTRICT_FACTS,
    Claim,
    ClauseRef,
    Replays,
    cached_replay,
    home_district,
    implies,
    inside,
    override,
    program,
    reference_facts,
    reference_values,
    subsumes,
)
from solver.backends.smt.session import UNKNOWN_TEXT, BudgetExhausted, Session
from solver.backends.smt.space import AGE_GROUP, Space, closure
from solver.backends.smt.worker import on_z3_thread
from solver.facts import display
from solver.render.analyses import verify_text


@dataclass
class PropertyResult:
    property: Property
    jurisdiction: str | None
    status: str  # holds | fails | skipped | unknown (budget exhausted)
    message: str = ""
    counterexample: list[dict] = field(default_factory=list)  # profiles, replayed
    clauses: list[ClauseRef] = field(default_factory=list)

    def as_dict(self) -> dict:
        p = self.property
        return {"id": p.id, "kind": p.kind, "jurisdiction": self.jurisdiction, "status": self.status,
                "message": self.message, "counterexample": self.counterexample,
                "clauses": [c.as_dict() for c in self.clauses]}


@dataclass
class VerifyResult:
    date: dt.date
    results: list[PropertyResult]

    @property
    def ok(self) -> bool:
        """Exit status for the CLI: every property holds (or is skipped)."""
        return all(r.status in ("holds", "skipped") for r in self.results)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "ok": self.ok, "properties": [r.as_dict() for r in self.results]}

    def render(self, lang: str = "en") -> str:
        return verify_text(self, lang)



@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def verify(policy: Policy, properties: list[Property] | Path | None = None, date: dt.date | None = None) -> VerifyResult:
    """Check every property; counterexamples are replayed through Datalog."""
    date = date or dt.date.today()
    props = properties if isinstance(properties, list) else load_properties(properties or PROPERTIES, policy)
    ref = reference_facts(policy, date)
    res = VerifyResult(date, [])
    for p in props:
        jids = policy.ids() if p.jurisdiction == "all" else [p.jurisdiction]
        for j in jids:
            if j not in policy.jurisdictions or (p.than and p.than not in policy.jurisdictions):
                res.results.append(PropertyResult(p, j, "skipped", "jurisdiction not in this policy"))
                continue
            try:
                res.results.append(check_property(policy, p, j, date, ref))
            except BudgetExhausted:
                res.results.append(PropertyResult(p, j, UNKNOWN_TEXT))
    return res


def check_property(policy: Policy, p: Property, jid: str, date: dt.date, ref=None) -> PropertyResult:
    ref = ref or reference_facts(policy, date)
    match p.kind:
        case "monotone":
            return _monotone(policy, p, jid, date, ref)
        case "at_least_as_strict" | "subsumes":
            w = subsumes(policy, jid, p.than, date, ref)
            if w is None:
                return PropertyResult(p, jid, "holds", Msg(f"every applicant eligible in {jid} is eligible in {p.than}",
                                                           f"在 {jid} 符合条件的申请人在 {p.than} 均符合条件"))
            summary = w.diff_text("en") or "the reference applicant"
            summary_zh = w.diff_text("zh") or "参照申请人本身"
            return PropertyResult(p, jid, "fails", Msg(f"eligible in {jid}, not in {p.than}",
                                                       f"在 {jid} 符合条件，在 {p.than} 不符合"),
                                  [{"summary": summary, "summary_zh": summary_zh, "profile": w.profile}], w.rejecting)
        case "pathways_reachable" | "no_contradictions":
            kinds = ("dead_pathway",) if p.kind == "pathways_reachable" else ("contradiction",)
            found = [f for f in inside(policy, jid, date, ref) if f.kind in kinds]
            if not found:
                return PropertyResult(p, jid, "holds")
            return PropertyResult(p, jid, "fails", Msg("; ".join(f"{f.subject}: {f.message['en']}" for f in found),
                                                       "；".join(f"{f.subject}：{f.message.get('zh', f.message['en'])}"
                                                                for f in found)), [],
                                  [c for f in found for c in f.clauses])
    raise ValueError(p.kind)


def _monotone(policy: Policy, p: Property, jid: str, date: dt.date, ref) -> PropertyResult:
    prog = program(policy, jid, date, ref.wage)
    names = facts_of(prog.root) - set(DISTRICT_FACTS)
    spec = policy.vocabulary.facts[p.fact]
    targets = set(spec.numeric_names)
    if not (targets | (set(AGE_GROUP) if targets & set(AGE_GROUP) else set())) & names:
        return PropertyResult(p, jid, "holds", Msg(f"{jid} does not read `{p.fact}`", f"{jid} 不读取 `{p.fact}`"))
    free = closure(policy, names | targets)
    one = Space(policy, ref.date, pinned=ref.values, free=free)
    two = Space(policy, ref.date, pinned=ref.values, free=free, tag="more:", enc=one.enc)
    ov = override(home_district(policy, jid))
    tie = []
    # Facts derived together with the target (age and the months to retirement move as one) follow it;
    # tying them would make "more age, all else equal" impossible and the property vacuously true.
    linked = set(AGE_GROUP) if targets & set(AGE_GROUP) else set()
    for n in sorted(free):
        if n in targets:
            tie.append(one.relate(two, n, "ge" if p.direction == "up" else "le"))
        elif n not in linked:
            tie.append(one.relate(two, n, "eq"))
    d = home_district(policy, jid)
    replays: Replays = {}

    def eligible(values) -> bool | None:
        return {"eligible": True, "ineligible": False}.get(cached_replay(policy, ref, values, jid, d, replays)[1].status)

    found = implies(Session(one), Claim(one.expr(prog.root, ov), eligible, one), Claim(two.expr(prog.root, ov), eligible, two),
                    reference_values(ref), extra=[*two.background(), *tie])
    if found is None:
        more_less = ("more", "增加") if p.direction == "up" else ("less", "减少")
        return PropertyResult(p, jid, "holds", Msg(
            f"{more_less[0]} `{p.fact}` never turns eligible into ineligible in {jid}",
            f"在 {jid}，{more_less[1]} `{p.fact}` 不会使符合条件变为不符合"))
    values, more = found.values, found.values_b
    prof1, _ = cached_replay(policy, ref, values, jid, d, replays)
    prof2, dec2 = cached_replay(policy, ref, more, jid, d, replays)
    changed = cat(*(cat(f"{n} ", display(policy, n, values[n]), " → ", display(policy, n, more[n]))
                    for n in sorted(targets) if values[n] != more[n]), sep=", ")  # yes/no, ages, choices in words
    # what the person looks like: the facts the rejecting clauses read, as the first profile has them
    read = sorted({f for c in dec2.failed() for f in facts_of(c.clause.when)} | targets)
    shape = cat(*(cat(f"{n}=", display(policy, n, values[n])) for n in read if n in values), sep=", ")
    return PropertyResult(p, jid, "fails", Msg(f"eligible, then ineligible with {changed}",
                                               f"原本符合条件，{say(changed, 'zh')} 后不符合"),
                          [{"summary": f"eligible ({shape})", "summary_zh": f"符合条件（{say(shape, 'zh')}）",
                            "profile": prof1},
                           {"summary": f"ineligible ({changed})", "summary_zh": f"不符合条件（{say(changed, 'zh')}）",
                            "profile": prof2}],
                          [ClauseRef.of(c.clause) for c in dec2.failed()])


def _fmt(x: Fraction) -> str:
    from policy.expr import fmt_num
    return fmt_num(x)
