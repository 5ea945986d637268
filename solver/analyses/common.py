"""What the analyses share: the reference applicant, the employer's relocation, replay through the
Datalog backend, and ONE pair check (``implies``) whose counterexamples are always replayed.

* ``reference_facts``: the ordinary applicant (``policy/params/reference_profile.yaml``) witnesses
  stay close to (fewest facts changed, then the smallest changes).
* relocation: the same person, with the employer registered and paying tax in the district a
  jurisdiction governs (``relocated`` for a profile, ``override`` / ``placement`` for z3 terms).
* ``implies(session, a, b, ref)``: does every applicant satisfying ``a`` satisfy ``b``? ``None`` when
  z3 proves it; otherwise a witness closest to the reference, decoded and checked by each side's
  concrete evaluator (Cedar's pair check; one that does not replay raises ``AssertionError``).
* ``subsumes`` (a jurisdiction's rule inside another's) and ``inside`` (dead pathways, contradictions,
  redundant clauses) — used by ``conflicts`` and ``verify`` alike.

INVARIANT: no witness leaves this module unreplayed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from policy.expr import facts_of
from policy.load import POLICY_DIR, Policy
from policy.model import Clause
from solver.backends.smt.session import Session, canonical_core, new_solver
from solver.backends.smt.space import AGE, Space, closure, indicated, month_index, to_profile
from solver.backends.smt.terms import mk_not, mk_or
from solver.decide import Decision, decide
from solver.facts import DISTRICT_FACTS, Facts, display, facts_from_dict, home_district, load_profile
from solver.program import Program, compile_program
from solver.render.analyses import witness_diff, witness_lines

REFERENCE = POLICY_DIR / "params" / "reference_profile.yaml"


# --- results shared by the analyses ----------------------------------------------------------------


@dataclass
class ClauseRef:
    id: str
    topic: str
    source: str
    section: str
    quote: str

    @staticmethod
    def of(c: Clause) -> ClauseRef:
        return ClauseRef(c.id, c.topic, c.cite.source, c.cite.section, c.cite.quote)

    def as_dict(self) -> dict:
        return {"clause": self.id, "topic": self.topic,
                "cite": {"source": self.source, "section": self.section, "quote": self.quote}}

    def text(self) -> str:
        return f"{self.id} [{self.source} {self.section}] “{self.quote}”"


@dataclass
class Witness:
    """A concrete applicant, as a profile, and how it differs from the reference applicant."""

    profile: dict
    differences: list[tuple[str, str, str]]  # (fact, reference value, witness value)
    accepted_by: str
    rejected_by: str
    district_a: str | None
    district_b: str | None
    rejecting: list[ClauseRef]  # the clauses of B that fail
    labels: dict[str, dict] = field(default_factory=dict)  # fact -> its label {zh, en}

    def label(self, fact: str, lang: str) -> str:
        lab = self.labels.get(fact)
        return lab.get(lang, lab["en"]) if lab else fact

    def diff_text(self, lang: str = "en") -> str:
        return witness_diff(self, lang)

    def as_dict(self) -> dict:
        return {"accepted_by": self.accepted_by, "rejected_by": self.rejected_by,
                "district_a": self.district_a, "district_b": self.district_b,
                "differences": [{"fact": f, "label": self.labels.get(f), "reference": r, "witness": w}
                                for f, r, w in self.differences],
                "rejecting_clauses": [c.as_dict() for c in self.rejecting], "profile": self.profile}

    def lines(self, lang: str = "en") -> list[str]:
        return witness_lines(self, lang)


@dataclass
class Finding:
    """An inside-one-jurisdiction finding: a dead pathway, a redundant clause, a contradiction."""

    jurisdiction: str
    kind: str  # dead_pathway | redundant_clause | contradiction
    subject: str  # pathway or clause id
    clauses: list[ClauseRef]  # the core / the clauses that imply it
    message: dict

    def as_dict(self) -> dict:
        return {"jurisdiction": self.jurisdiction, "kind": self.kind, "subject": self.subject,
                "message": self.message, "clauses": [c.as_dict() for c in self.clauses]}


# --- the reference applicant and the employer's relocation ----------------------------------------


def reference_facts(policy: Policy, date: dt.date, path: Path = REFERENCE) -> Facts:
    """The ordinary applicant witnesses stay close to, on ``date`` (the file's own date is irrelevant)."""
    f = load_profile(path, policy, date=date)
    f.warnings = [w for w in f.warnings if not w.startswith("--date")]
    return f


def placement(policy: Policy, a: str, b: str) -> tuple[int | None, int | None]:
    """Where the employer is when A judges and when B judges: each one's own district; the city-wide
    rule judges the person in the other's district."""
    da, db = home_district(policy, a), home_district(policy, b)
    return (da if da is not None else db), (db if db is not None else da)


def override(d: int | None) -> dict[str, Fraction]:
    return {} if d is None else {f: Fraction(d) for f in DISTRICT_FACTS}


def program(policy: Policy, jid: str, date: dt.date, wage, drop: frozenset[str] = frozenset()) -> Program:
    j, _ = policy.version(jid, date)
    return compile_program(j, wage, False, drop)


def space_for(policy: Policy, ref: Facts, progs: list[Program], districts_free: bool) -> Space:
    names: set[str] = set()
    for p in progs:
        names |= facts_of(p.root)
    if not districts_free:
        names -= set(DISTRICT_FACTS)
    return Space(policy, ref.date, pinned=ref.values, free=closure(policy, names))


# --- replay --------------------------------------------------------------------------------------


def replay(policy: Policy, ref: Facts, values: dict[str, Fraction], jid: str, district: int | None) -> tuple[dict, Decision]:
    """Decode a model to a profile (relocated to ``district``), load it like a user's, decide with Datalog."""
    vals = dict(values)
    vals.update(override(district))
    birth = None
    if vals.get(AGE) == ref.values.get(AGE) and "applicant.birth_date" in ref.stated:
        b = ref.stated["applicant.birth_date"]
        b = b if isinstance(b, dt.date) else dt.date.fromisoformat(str(b))
        if month_index(ref.date) - month_index(b) == int(vals[AGE]):
            birth = b
    prof = to_profile(policy, ref.date, vals, birth)
    facts = facts_from_dict(prof, policy, date=ref.date, file="<witness>")
    return prof, decide(policy, jid, facts)


Replays = dict[tuple, tuple[dict, Decision]]


def cached_replay(policy: Policy, ref: Facts, values: dict[str, Fraction], jid: str, district: int | None,
            cache: Replays | None) -> tuple[dict, Decision]:
    """``replay``, once per distinct witness and jurisdiction (the same applicant often witnesses
    several topics or pairs)."""
    if cache is None:
        return replay(policy, ref, values, jid, district)
    key = (jid, district, frozenset(values.items()))
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = replay(policy, ref, values, jid, district)
    return hit


def witness(policy: Policy, ref: Facts, values: dict[str, Fraction], a: str, b: str, da, db,
             topic: str | None, cache: Replays | None = None) -> Witness:
    prof_a, dec_a = cached_replay(policy, ref, values, a, da, cache)
    _, dec_b = cached_replay(policy, ref, values, b, db, cache)
    # INVARIANT: a witness is shown only if the concrete evaluator agrees with the solver.
    if dec_a.status != "eligible" or dec_b.status != "ineligible":
        raise AssertionError(f"conflicts: witness {a} ⊄ {b} (topic {topic}) does not replay: "
                             f"{a} {dec_a.status}, {b} {dec_b.status}")
    failed = [c.clause for c in dec_b.failed()]
    on_topic = [c for c in failed if topic and (c.topic == topic or topic in _pathway_topics(dec_b, c))]
    rejecting = [ClauseRef.of(c) for c in (on_topic or failed)]
    diffs = []
    for name, v in sorted(values.items()):
        if name in DISTRICT_FACTS or name not in ref.values or ref.values[name] == v:
            continue
        if name in ("applicant.months_to_retirement", "applicant.months_to_retirement_min"):
            continue
        diffs.append((name, display(policy, name, ref.values[name]), display(policy, name, v)))
    names = policy.vocabulary.facts["employer.registered_district"].choices
    return Witness(prof_a, diffs, a, b, names[da] if da is not None else None,
                   names[db] if db is not None else None, rejecting,
                   {f: policy.vocabulary.spec(f).label for f, _, _ in diffs})


def _pathway_topics(d: Decision, c: Clause) -> set[str]:
    """The topics of the pathways ``c`` belongs to (a pathway clause), or binds (a scoped base clause)."""
    return {p.pathway.topic for p in d.pathways
            if p.pathway.id == c.pathway or (c.applies_to is not None and c.applies(p.pathway.id))}


# --- the pair check --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One side of a pair check: a z3 formula, and the concrete evaluator that judges a decoded
    witness (``holds(values)``: the Datalog backend or the IR interpreter on the replayed profile)."""

    formula: object
    holds: Callable[[dict[str, Fraction]], bool | None]
    space: Space | None = None  # decodes the model for this side (default: the session's space)


@dataclass
class PairWitness:
    """A replayed counterexample to ``a ⇒ b``: the applicant as ``a`` and as ``b`` see it (the same
    values unless the sides live in two spaces, as for monotonicity)."""

    values: dict[str, Fraction]
    values_b: dict[str, Fraction]


def implies(session: Session, a: Claim, b: Claim, ref: Mapping[str, Fraction],
            extra: list | None = None) -> PairWitness | None:
    """Does ``a ⇒ b`` hold for every applicant (under ``extra``)? ``None`` when z3 proves it; else the
    counterexample closest to ``ref``, replayed: ``a`` must hold and ``b`` must fail concretely.

    Example (a fixed date: the answer depends on the rules in force, never on today):
        >>> from policy.load import load_policy
        >>> pol = load_policy()
        >>> day = dt.date(2021, 9, 15)
        >>> subsumes(pol, "chaoyang", "beijing", day) is None
        True
    """
    m = session.closest_model([*(extra or []), a.formula, mk_not(b.formula)], ref)
    if m is None:
        return None
    va = (a.space or session.space).values(m)
    vb = (b.space or session.space).values(m)
    # INVARIANT: a witness is shown only if the concrete evaluator agrees with the solver.
    if a.holds(va) is not True or b.holds(vb) is not False:
        raise AssertionError(f"pair check: the counterexample does not replay ({a.holds(va)}, {b.holds(vb)})")
    return PairWitness(va, vb)


def eligible_claim(policy: Policy, ref: Facts, space: Space, prog: Program, jid: str, district: int | None,
                   cache: Replays | None = None) -> Claim:
    """"Eligible under ``jid``" with the employer in ``district``, judged by replaying through Datalog."""
    def holds(values: dict[str, Fraction]) -> bool | None:
        status = cached_replay(policy, ref, values, jid, district, cache)[1].status
        return {"eligible": True, "ineligible": False}.get(status)
    return Claim(space.expr(prog.root, override(district)), holds)


def relation(session: Session, a: Claim, b: Claim, ref: Mapping[str, Fraction]) -> tuple[str, PairWitness | None]:
    """How ``a`` relates to ``b``: ``equivalent``, ``a ⊆ b``, ``b ⊆ a`` or ``incomparable``, with a
    replayed witness of the first direction that fails (``a ∧ ¬b`` first, else ``b ∧ ¬a``)."""
    ab = implies(session, a, b, ref)
    ba = implies(session, b, a, ref)
    verdict = {(True, True): "equivalent", (True, False): "a ⊆ b", (False, True): "b ⊆ a",
               (False, False): "incomparable"}[(ab is None, ba is None)]
    return verdict, ab if ab is not None else ba


def subsumes(policy: Policy, a: str, b: str, date: dt.date, ref: Facts | None = None) -> Witness | None:
    """Is every applicant eligible under ``a`` also eligible under ``b`` (relocated)? ``None`` when
    proven; otherwise a replayed counterexample close to the reference applicant (Cedar's pair check).

    Example (a fixed date: the answer depends on the rules in force, never on today):
        >>> from policy.load import load_policy
        >>> pol = load_policy()
        >>> subsumes(pol, "chaoyang", "beijing", dt.date(2021, 9, 15)) is None
        True
        >>> w = subsumes(pol, "xicheng", "beijing", dt.date(2021, 9, 15))
        >>> w.accepted_by, w.rejected_by, w.rejecting[0].id.startswith("beijing.")
        ('xicheng', 'beijing', True)
    """
    ref = ref or reference_facts(policy, date)
    da, db = placement(policy, a, b)
    pa, pb = program(policy, a, date, ref.wage), program(policy, b, date, ref.wage)
    session = Session(space_for(policy, ref, [pa, pb], districts_free=False))
    replays: Replays = {}
    found = implies(session, eligible_claim(policy, ref, session.space, pa, a, da, replays),
                    eligible_claim(policy, ref, session.space, pb, b, db, replays), reference_values(ref))
    return None if found is None else witness(policy, ref, found.values, a, b, da, db, None, replays)


def reference_values(ref: Facts) -> dict[str, Fraction]:
    """What witnesses stay close to: the reference applicant's facts, the employer's district aside."""
    return {k: v for k, v in ref.values.items() if k not in DISTRICT_FACTS}


def search(session: Session, ref: Facts, goal: list) -> dict[str, Fraction] | None:
    """A model of background ∧ goal closest to the reference applicant, or ``None`` if unsat."""
    m = session.closest_model(goal, reference_values(ref))
    return None if m is None else session.space.values(m)


# --- inside one jurisdiction -------------------------------------------------------------------------


def inside(policy: Policy, jid: str, date: dt.date, ref: Facts) -> list[Finding]:
    """Dead pathways, contradictory clause sets, redundant clauses of one jurisdiction."""
    j, _ = policy.version(jid, date)
    prog = program(policy, jid, date, ref.wage)
    space = space_for(policy, ref, [prog], districts_free=True)
    by_id = {c.id: c for c in j.clauses()}
    base_ids = [c.id for c in (*j.employer, *j.applicant, *j.exclusions) if c.applies_to is None]
    scoped = [c for c in (*j.employer, *j.applicant) if c.applies_to is not None]  # join their pathways

    def with_scoped(pid: str) -> list[str]:
        return base_ids + [c.id for c in scoped if c.applies(pid)]
    out: list[Finding] = []
    s = new_solver()
    s.add(*space.background())
    cons, lits = indicated(space, prog, by_id)
    s.add(*cons)
    seen_cores: set[frozenset[str]] = set()

    def core_of(ids: list[str]) -> list[str] | None:
        core = canonical_core(s, [], [lits[i] for i in ids])
        return None if core is None else [i for i in ids if any(lits[i].eq(c) for c in core)]

    base_core = core_of(base_ids)
    if base_core is not None:
        out.append(_contradiction(jid, base_core, by_id, seen_cores))
    for p in j.pathways:
        ids = with_scoped(p.id) + [c.id for c in p.clauses]
        core = core_of(ids) if base_core is None else base_core
        if core is not None:
            out.append(Finding(jid, "dead_pathway", p.id, [ClauseRef.of(by_id[i]) for i in core],
                               {"zh": "此条件与基本要求一起永远无法满足", "en": "can never be satisfied together with "
                                "the base requirements; the clauses below contradict each other"}))
            if base_core is None:
                f = _contradiction(jid, core, by_id, seen_cores)
                if f:
                    out.append(f)
    # Redundant: the clause's requirement follows from the others (in its pathway, with the base).
    for c in j.clauses():
        if prog.requirement[c.id].__class__.__name__ == "Const" or c.applies_to is not None:
            continue  # a clause of some pathways only is not checked for redundancy (it is in several)
        if c.kind == "pathway":
            p = next(p for p in j.pathways if p.id == c.pathway)
            others = with_scoped(p.id) + [x.id for x in p.clauses if x.id != c.id]
        else:
            others = [i for i in base_ids if i != c.id]
            others_path = [mk_or([space.expr(prog.pathway[p.id]) for p in j.pathways])] if j.pathways else []
            s.push()
            s.add(*others_path)
        neg = mk_not(space.expr(prog.requirement[c.id]))
        s.push()
        s.add(neg)
        core = core_of(others)
        s.pop()
        if c.kind != "pathway":
            s.pop()
        if core is not None and (base_core is None or set(core) != set(base_core)):
            out.append(Finding(jid, "redundant_clause", c.id, [ClauseRef.of(c), *(ClauseRef.of(by_id[i]) for i in core)],
                               {"zh": "此条款已由其他条款蕴含", "en": "implied by the other clauses "
                                f"({', '.join(core) or 'always true'}); dropping it changes no answer"}))
    return [f for f in out if f]


def _contradiction(jid: str, core: list[str], by_id: dict[str, Clause], seen: set) -> Finding | None:
    key = frozenset(core)
    if key in seen:
        return None
    seen.add(key)
    return Finding(jid, "contradiction", " ∧ ".join(core), [ClauseRef.of(by_id[i]) for i in core],
                   {"zh": "这些条款不能同时满足（最小不可满足核）",
                    "en": "these clauses cannot all hold (a minimal unsatisfiable core)"})


