"""Where the rules disagree: between jurisdictions, inside one, and between the source documents.

(a) **Between jurisdictions** — for each ordered pair (A, B), the city-wide ``beijing`` rule
included, applicants eligible under A and not under B. The person is the same, the employer is
*relocated*: its registered and tax district are A's own district when A judges and B's when B
judges (``beijing`` judges the person in the other jurisdiction's district). One witness per
topic that makes a difference: the witness is rejected by B, and would be accepted by B if B's
clauses of that topic were dropped (or, for a pathway only A has, it is eligible in A through that
pathway). Witnesses stay as close as possible to ``policy/params/reference_profile.yaml`` (fewest
facts changed, then the smallest changes: MaxSMT). The verdict per pair comes from the generic
pair check (``solver.analyses.common.implies``): A ⊆ B proven, B ⊆ A, equivalent, or incomparable.

(b) **Inside one jurisdiction** — dead pathways (unsatisfiable together with the base
requirements), contradictory clause sets (minimal unsat cores over the clause indicators
``b_<clause id>``), redundant clauses (implied by the others; the core says by which).

(c) **Sources** — document numbers ``X发〔YYYY〕N号`` scanned from the bundled texts and compared
across files and with the dates printed around them (signature date, publication date, date in
force, the date in the URL next to the citation).

INVARIANT: every witness is decoded to a profile, loaded like a user's profile and decided by the
Datalog backend before it is returned; one that does not replay raises ``AssertionError``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from policy.errors import unknown_topic
from policy.load import Policy
from policy.source_check import SourceProblem, source_problems
from solver.analyses.common import (
    Finding,
    Replays,
    Witness,
    eligible_claim,
    inside,
    override,
    placement,
    program,
    reference_facts,
    reference_values,
    relation,
    search,
    space_for,
    witness,
)
from solver.backends.smt.session import UNKNOWN_TEXT, BudgetExhausted, Session
from solver.backends.smt.terms import mk_not, mk_or
from solver.backends.smt.worker import on_z3_thread
from solver.facts import Facts
from solver.program import Program
from solver.render.analyses import conflicts_text

# --- results -------------------------------------------------------------------------------------


@dataclass
class TopicDifference:
    topic: str
    label: dict
    witness: Witness | None
    status: str = "found"  # found | unknown (budget exhausted)

    def as_dict(self) -> dict:
        return {"topic": self.topic, "label": self.label, "status": self.status,
                "witness": self.witness.as_dict() if self.witness else None}


@dataclass
class PairResult:
    a: str
    b: str
    verdict: str  # "a ⊆ b" | "b ⊆ a" | "equivalent" | "incomparable" | unknown (budget exhausted)
    differences: list[TopicDifference]

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "verdict": self.verdict,
                "eligible_in_a_not_b": [d.as_dict() for d in self.differences]}


@dataclass
class ConflictsResult:
    date: dt.date
    jurisdictions: list[str]
    pairs: list[PairResult]
    findings: list[Finding]
    sources: list[SourceProblem]
    topic: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "jurisdictions": self.jurisdictions, "topic": self.topic,
                "pairs": [p.as_dict() for p in self.pairs], "inside": [f.as_dict() for f in self.findings],
                "sources": [s.as_dict() for s in self.sources], "notes": self.notes}

    def render(self, lang: str = "en") -> str:
        return conflicts_text(self, lang)



# --- setting up ----------------------------------------------------------------------------------


def _pair_programs(policy: Policy, a: str, b: str, date: dt.date, ref: Facts):
    ja, _ = policy.version(a, date)
    jb, _ = policy.version(b, date)
    pa, pb = program(policy, a, date, ref.wage), program(policy, b, date, ref.wage)
    path_topics = {p.topic for p in ja.pathways} | {p.topic for p in jb.pathways}
    other = sorted({c.topic for c in jb.clauses()} - path_topics)
    drops = {t: program(policy, b, date, ref.wage, frozenset(c.id for c in jb.clauses() if c.topic == t))
             for t in other}
    return ja, jb, pa, pb, drops


def compare_pair(policy: Policy, a: str, b: str, date: dt.date, ref: Facts, topic: str | None = None,
                 session: Session | None = None, replays: Replays | None = None) -> PairResult:
    """Witnesses eligible under ``a`` and not under ``b``, one per topic that makes the difference.

    A pathway topic of A (degree, title, patents …): eligible in A through that pathway, B's base
    requirements met, yet no pathway of B holds. Any other topic of B's clauses: rejected by B, but
    accepted if B's clauses of that topic were dropped — B's rule on that topic is the reason.

    ``session``: a solver shared by many pairs (``conflicts`` passes one whose space covers every
    jurisdiction); ``replays``: witnesses already replayed, by jurisdiction and values.
    """
    da, db = placement(policy, a, b)
    ja, jb, pa, pb, drops = _pair_programs(policy, a, b, date, ref)
    a_paths = sorted({p.topic for p in ja.pathways})
    if session is None:
        session = Session(space_for(policy, ref, [pa, pb, *drops.values()], districts_free=False))
    space = session.space
    ov_a, ov_b = override(da), override(db)
    claim_a = eligible_claim(policy, ref, space, pa, a, da, replays)
    claim_b = eligible_claim(policy, ref, space, pb, b, db, replays)
    ea, eb = claim_a.formula, claim_b.formula
    labels = policy.vocabulary.topics
    diffs: list[TopicDifference] = []
    found = None
    try:
        verdict, found = relation(session, claim_a, claim_b, reference_values(ref))
    except BudgetExhausted:
        verdict = UNKNOWN_TEXT
    if verdict in ("equivalent", "a ⊆ b"):
        return PairResult(a, b, verdict, diffs)
    not_b = mk_not(eb)
    queries = [(t, lambda t=t: [ea, not_b, space.expr(drops[t].root, ov_b)]) for t in drops]
    base_b = space.expr(pb.base, ov_b)
    for t in a_paths:
        queries.append((t, lambda t=t: [space.expr(pa.base, ov_a),
                                        mk_or([space.expr(pa.pathway[p.id], ov_a) for p in ja.pathways if p.topic == t]),
                                        base_b, not_b]))
    for t, goal in sorted(queries, key=lambda q: q[0]):
        if topic and t != topic:
            continue
        try:
            values = search(session, ref, goal())
        except BudgetExhausted:
            diffs.append(TopicDifference(t, labels.get(t, {}), None, UNKNOWN_TEXT))
            continue
        if values is not None:
            diffs.append(TopicDifference(t, labels.get(t, {}), witness(policy, ref, values, a, b, da, db, t, replays)))
    if not diffs and not topic and found is not None:
        # no single topic explains it: the pair check's own witness (eligible in a, not in b)
        diffs.append(TopicDifference("(several)", {}, witness(policy, ref, found.values, a, b, da, db, None, replays)))
    return PairResult(a, b, verdict, diffs)


# --- facade --------------------------------------------------------------------------------------


@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
def conflicts(policy: Policy, jids: list[str] | None = None, topic: str | None = None,
              date: dt.date | None = None, sources: bool = True) -> ConflictsResult:
    """All three analyses over ``jids`` (default: every jurisdiction) on ``date`` (default: today)."""
    date = date or dt.date.today()
    jids = list(jids or policy.ids())
    for j in jids:
        policy.version(j, date)  # unknown ids raise InputError
    if topic is not None and topic not in policy.vocabulary.topics:
        raise unknown_topic(topic, list(policy.vocabulary.topics))
    ref = reference_facts(policy, date)
    res = ConflictsResult(date, jids, [], [], [], topic, list(ref.warnings))
    # One space and one incremental solver for every pair: each jurisdiction's rule (and each
    # "topic dropped" variant) is encoded once per placement of the employer and shared.
    pairs = [(a, b) for a in jids for b in jids if a != b]
    progs: list[Program] = []
    for a, b in pairs:
        _, _, pa, pb, drops = _pair_programs(policy, a, b, date, ref)
        progs += [pa, pb, *drops.values()]
    session = Session(space_for(policy, ref, progs, districts_free=False))
    replays: Replays = {}
    for a, b in pairs:
        res.pairs.append(compare_pair(policy, a, b, date, ref, topic, session, replays))
    for j in jids:
        try:
            res.findings += [f for f in inside(policy, j, date, ref)
                             if topic is None or any(c.topic == topic for c in f.clauses)]
        except BudgetExhausted:
            res.notes.append(f"{j}: {UNKNOWN_TEXT}")
    if sources:
        res.sources = source_problems(policy.sources)
    return res
