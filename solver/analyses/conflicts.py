"""Where the rules disagree: between jurisdictions, inside one, and between the source documents.

(a) **Between jurisdictions** — for each ordered pair (A, B), the city-wide ``beijing`` rule
included, applicants eligible under A and not under B. The person is the same, the employer is
*relocated*: its registered and tax district are A's own district when A judges and B's when B
judges (``beijing`` judges the person in the other jurisdiction's district). One witness per
topic that makes a difference: the witness is rejected by B, and would be accepted by B if B's
clauses of that topic were dropped (or, for a pathway only A has, it is eligible in A through that
pathway). Witnesses stay as close as possible to ``policy/params/reference_profile.yaml`` (fewest
facts changed, then the smallest changes: MaxSMT). The verdict per pair comes from the generic
pair check (``subsumes``): A ⊆ B proven, B ⊆ A, equivalent, or incomparable.

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
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from policy.expr import facts_of, fmt_num
from policy.i18n import localize
from policy.load import POLICY_DIR, Policy
from policy.model import Clause
from solver.decide import Decision, decide
from solver.facts import Facts, display, facts_from_dict, load_profile
from solver.program import Program, compile_program
from solver.smt import (
    AGE,
    UNKNOWN_TEXT,
    BudgetExhausted,
    Session,
    Space,
    check,
    closure,
    indicated,
    minimal_core,
    mk_not,
    mk_or,
    month_index,
    new_solver,
    to_profile,
)

REFERENCE = POLICY_DIR / "params" / "reference_profile.yaml"
DISTRICT_FACTS = ("employer.registered_district", "employer.tax_district")

VERDICT_ZH = {"a ⊆ b": "a ⊆ b（a 更严或相同）", "b ⊆ a": "b ⊆ a（b 更严或相同）", "equivalent": "等价",
              "incomparable": "互不包含", "unknown (budget exhausted)": "未知（求解预算耗尽）"}


# --- results -------------------------------------------------------------------------------------


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
        """How the witness differs from the reference applicant, fact by fact (labels, values)."""
        sep = "；" if lang == "zh" else "; "
        return sep.join(f"{self.label(f, lang)} {localize(r, lang)} → {localize(w, lang)}"
                        for f, r, w in self.differences)

    def as_dict(self) -> dict:
        return {"accepted_by": self.accepted_by, "rejected_by": self.rejected_by,
                "district_a": self.district_a, "district_b": self.district_b,
                "differences": [{"fact": f, "label": self.labels.get(f), "reference": r, "witness": w}
                                for f, r, w in self.differences],
                "rejecting_clauses": [c.as_dict() for c in self.rejecting], "profile": self.profile}

    def lines(self, lang: str = "en") -> list[str]:
        zh = lang == "zh"
        diff = self.diff_text(lang) or (
            "参照申请人本身" if zh else "the reference applicant itself")
        out = [("申请人：" if zh else "applicant: ") + diff]
        out += [("  被拒：" if zh else "  rejected by ") + c.text() for c in self.rejecting]
        return out


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


@dataclass
class SourceProblem:
    kind: str  # number_mismatch | date_mismatch | url_date_mismatch
    document: str  # e.g. 京政办发 29号
    message: dict
    evidence: list[dict]  # {source, line, text}

    def as_dict(self) -> dict:
        return {"kind": self.kind, "document": self.document, "message": self.message, "evidence": self.evidence}


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
        zh = lang == "zh"
        out = [f"{'冲突分析' if zh else 'conflicts'} {', '.join(self.jurisdictions)} ({self.date})"]
        out.append("一、跨辖区" if zh else "1. between jurisdictions")
        for p in self.pairs:
            out.append(f"  {p.a} vs {p.b}: {VERDICT_ZH.get(p.verdict, p.verdict) if zh else p.verdict}")
            for d in p.differences:
                lab = d.label.get(lang, d.label["en"]) if d.label else d.topic
                head = f"    [{d.topic}] {lab}: " + (
                    f"{'在' if zh else 'eligible in '}{p.a}{'符合，' if zh else ', not in '}{p.b}{'不符合' if zh else ''}")
                out.append(head if d.witness else f"    [{d.topic}] {d.status}")
                if d.witness:
                    out += [f"      {x}" for x in d.witness.lines(lang)]
        out.append("二、辖区内部" if zh else "2. inside each jurisdiction")
        if not self.findings:
            out.append("  （无）" if zh else "  (none)")
        for f in self.findings:
            out.append(f"  {f.jurisdiction} {f.kind} {f.subject}: {f.message.get(lang, f.message['en'])}")
            out += [f"    - {c.text()}" for c in f.clauses]
        out.append("三、来源文件" if zh else "3. sources")
        if not self.sources:
            out.append("  （无）" if zh else "  (none)")
        for s in self.sources:
            out.append(f"  {s.kind} {s.document}: {s.message.get(lang, s.message['en'])}")
            out += [f"    - {e['source']}:{e['line']}: {e['text']}" for e in s.evidence]
        out += [f"  ! {n}" for n in self.notes]
        return "\n".join(out)

    def __rich__(self):
        from rich.text import Text
        return Text(self.render("en"))


# --- setting up ----------------------------------------------------------------------------------


def reference_facts(policy: Policy, date: dt.date, path: Path = REFERENCE) -> Facts:
    """The ordinary applicant witnesses stay close to, on ``date`` (the file's own date is irrelevant)."""
    f = load_profile(path, policy, date=date)
    f.warnings = [w for w in f.warnings if not w.startswith("--date")]
    return f


def home_district(policy: Policy, jid: str) -> int | None:
    """The district index a jurisdiction governs (``None`` for the city-wide rule)."""
    choices = policy.vocabulary.facts["employer.registered_district"].choices
    return choices.index(jid) if jid in choices else None


def placement(policy: Policy, a: str, b: str) -> tuple[int | None, int | None]:
    """Where the employer is when A judges and when B judges: each one's own district; the city-wide
    rule judges the person in the other's district."""
    da, db = home_district(policy, a), home_district(policy, b)
    return (da if da is not None else db), (db if db is not None else da)


def override(d: int | None) -> dict[str, Fraction]:
    return {} if d is None else {f: Fraction(d) for f in DISTRICT_FACTS}


def _program(policy: Policy, jid: str, date: dt.date, wage, drop: frozenset[str] = frozenset()) -> Program:
    j, _ = policy.version(jid, date)
    return compile_program(j, wage, False, drop)


def _space(policy: Policy, ref: Facts, progs: list[Program], districts_free: bool) -> Space:
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


def _replay(policy: Policy, ref: Facts, values: dict[str, Fraction], jid: str, district: int | None,
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


def _witness(policy: Policy, ref: Facts, values: dict[str, Fraction], a: str, b: str, da, db,
             topic: str | None, cache: Replays | None = None) -> Witness:
    prof_a, dec_a = _replay(policy, ref, values, a, da, cache)
    _, dec_b = _replay(policy, ref, values, b, db, cache)
    # INVARIANT: a witness is shown only if the concrete evaluator agrees with the solver.
    if dec_a.status != "eligible" or dec_b.status != "ineligible":
        raise AssertionError(f"conflicts: witness {a} ⊄ {b} (topic {topic}) does not replay: "
                             f"{a} {dec_a.status}, {b} {dec_b.status}")
    failed = [c.clause for c in dec_b.failed()]
    on_topic = [c for c in failed if topic and (c.topic == topic or _pathway_topic(dec_b, c) == topic)]
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


def _pathway_topic(d: Decision, c: Clause) -> str | None:
    return next((p.pathway.topic for p in d.pathways if p.pathway.id == c.pathway), None)


# --- (a) pairs -------------------------------------------------------------------------------------


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
    pa, pb = _program(policy, a, date, ref.wage), _program(policy, b, date, ref.wage)
    space = _space(policy, ref, [pa, pb], districts_free=False)
    ea, eb = space.expr(pa.root, override(da)), space.expr(pb.root, override(db))
    values = _search(Session(space), ref, [ea, mk_not(eb)])
    if values is None:
        return None
    return _witness(policy, ref, values, a, b, da, db, None)


def _search(session: Session, ref: Facts, goal: list) -> dict[str, Fraction] | None:
    """A model of background ∧ goal closest to the reference applicant, or ``None`` if unsat."""
    m = session.closest_model(goal, {k: v for k, v in ref.values.items() if k not in DISTRICT_FACTS})
    return None if m is None else session.space.values(m)


def _pair_programs(policy: Policy, a: str, b: str, date: dt.date, ref: Facts):
    ja, _ = policy.version(a, date)
    jb, _ = policy.version(b, date)
    pa, pb = _program(policy, a, date, ref.wage), _program(policy, b, date, ref.wage)
    path_topics = {p.topic for p in ja.pathways} | {p.topic for p in jb.pathways}
    other = sorted({c.topic for c in jb.clauses()} - path_topics)
    drops = {t: _program(policy, b, date, ref.wage, frozenset(c.id for c in jb.clauses() if c.topic == t))
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
        session = Session(_space(policy, ref, [pa, pb, *drops.values()], districts_free=False))
    space = session.space
    ov_a, ov_b = override(da), override(db)
    ea, eb = space.expr(pa.root, ov_a), space.expr(pb.root, ov_b)
    labels = policy.vocabulary.topics
    diffs: list[TopicDifference] = []
    try:
        verdict = _verdict(session, ea, eb)
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
            values = _search(session, ref, goal())
        except BudgetExhausted:
            diffs.append(TopicDifference(t, labels.get(t, {}), None, UNKNOWN_TEXT))
            continue
        if values is not None:
            diffs.append(TopicDifference(t, labels.get(t, {}), _witness(policy, ref, values, a, b, da, db, t, replays)))
    if not diffs and not topic and verdict != UNKNOWN_TEXT:
        values = _search(session, ref, [ea, not_b])
        if values is not None:
            diffs.append(TopicDifference("(several)", {}, _witness(policy, ref, values, a, b, da, db, None, replays)))
    return PairResult(a, b, verdict, diffs)


def _verdict(session: Session, ea, eb) -> str:
    a_in_b = not session.sat([ea, mk_not(eb)])
    b_in_a = not session.sat([eb, mk_not(ea)])
    return {(True, True): "equivalent", (True, False): "a ⊆ b", (False, True): "b ⊆ a",
            (False, False): "incomparable"}[(a_in_b, b_in_a)]


# --- (b) inside one jurisdiction -------------------------------------------------------------------


def inside(policy: Policy, jid: str, date: dt.date, ref: Facts) -> list[Finding]:
    """Dead pathways, contradictory clause sets, redundant clauses of one jurisdiction."""
    j, _ = policy.version(jid, date)
    prog = _program(policy, jid, date, ref.wage)
    space = _space(policy, ref, [prog], districts_free=True)
    by_id = {c.id: c for c in j.clauses()}
    base_ids = [c.id for c in (*j.employer, *j.applicant, *j.exclusions)]
    out: list[Finding] = []
    s = new_solver()
    s.add(*space.background())
    cons, lits = indicated(space, prog, by_id)
    s.add(*cons)
    seen_cores: set[frozenset[str]] = set()

    def core_of(ids: list[str]) -> list[str] | None:
        if check(s, *(lits[i] for i in ids)):
            return None
        core = [c for c in s.unsat_core()]
        core = minimal_core(s, core)
        return [i for i in ids if any(lits[i].eq(c) for c in core)]

    base_core = core_of(base_ids)
    if base_core is not None:
        out.append(_contradiction(jid, base_core, by_id, seen_cores))
    for p in j.pathways:
        ids = base_ids + [c.id for c in p.clauses]
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
        if prog.requirement[c.id].__class__.__name__ == "Const":
            continue
        if c.kind == "pathway":
            p = next(p for p in j.pathways if p.id == c.pathway)
            others = base_ids + [x.id for x in p.clauses if x.id != c.id]
        else:
            others = [i for i in base_ids if i != c.id]
            others_path = [mk_or([space.expr(prog.pathway[p.id]) for p in j.pathways])] if j.pathways else []
            s.push()
            s.add(*others_path)
        neg = mk_not(space.expr(prog.requirement[c.id]))
        s.push()
        s.add(neg)
        core = None
        if not check(s, *(lits[i] for i in others)):
            small = minimal_core(s, list(s.unsat_core()))
            core = [i for i in others if any(lits[i].eq(x) for x in small)]
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


# --- (c) sources ---------------------------------------------------------------------------------

_OPEN, _CLOSE = "〔\\[［【(（„﹝", "〕\\]］】)）‟﹞"
DOC_NO = re.compile(rf"(?P<prefix>[\u4e00-\u9fff]{{1,6}}?[发通函字令])[{_OPEN}](?P<year>\d{{4}})[{_CLOSE}]"
                    rf"(?P<num>\d+)号")
URL_DATE = re.compile(r"/(?P<ym>(?:19|20)\d{2}(?:0[1-9]|1[0-2]))/t(?P<ymd>\d{8})_")
ISO_CN_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "0": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_DATE = re.compile(r"(?P<y>[〇○零0O一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?P<d>[一二三四五六七八九十]{1,3})日")
IN_FORCE = re.compile(r"(?:自|实施日期[：:]\s*)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")


def _cn_number(s: str) -> int:
    if "十" in s:
        a, _, b = s.partition("十")
        return (CN_DIGITS[a] if a else 1) * 10 + (CN_DIGITS[b] if b else 0)
    return CN_DIGITS[s]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _snippet(text: str, pos: int, end: int) -> str:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", end)
    return text[a:b if b != -1 else len(text)].strip()[:160]


@dataclass
class DocRef:
    source: str
    line: int
    prefix: str
    year: int
    num: int
    text: str
    pos: int
    end: int


def scan_refs(sources: dict[str, str]) -> list[DocRef]:
    out = []
    for name, text in sorted(sources.items()):
        flat = text  # line breaks inside a number are rejoined below
        for m in DOC_NO.finditer(flat):
            out.append(DocRef(name, _line_of(flat, m.start()), m["prefix"][-4:], int(m["year"]), int(m["num"]),
                              _snippet(flat, m.start(), m.end()), m.start(), m.end()))
        joined = re.sub(r"\s*\n\s*", "", text)  # numbers broken over two lines: 京政办发\n〔2003〕29号
        for m in DOC_NO.finditer(joined):
            if not any(r.source == name and r.prefix == m["prefix"][-4:] and r.year == int(m["year"])
                       and r.num == int(m["num"]) for r in out):
                out.append(DocRef(name, 0, m["prefix"][-4:], int(m["year"]), int(m["num"]),
                                  joined[max(0, m.start() - 40):m.end()], -1, -1))
    return out


def source_problems(sources: dict[str, str]) -> list[SourceProblem]:
    """Inconsistent citations and dates in the source texts, found by scanning them."""
    refs = scan_refs(sources)
    out: list[SourceProblem] = []
    groups: dict[tuple[str, int], list[DocRef]] = {}
    for r in refs:
        groups.setdefault((_issuer_key(r.prefix), r.num), []).append(r)
    for (prefix, num), rs in sorted(groups.items()):
        years = sorted({r.year for r in rs})
        if len(years) > 1:
            ev = _evidence(rs)
            by_year = {y: sorted({r.source for r in rs if r.year == y}) for y in years}
            desc = "; ".join(f"〔{y}〕 in {', '.join(s)}" for y, s in by_year.items())
            out.append(SourceProblem("number_mismatch", f"{prefix}〔?〕{num}号", {
                "zh": f"同一文件号被引用为不同年份：{desc}",
                "en": f"the same document is cited with different years: {desc}"}, ev))
    for name, text in sorted(sources.items()):
        out += _dates_in(name, text, [r for r in refs if r.source == name and r.pos >= 0])
    return out


def _issuer_key(prefix: str) -> str:
    # 市政府办公厅转发…（京政办发…）: compare by the last characters, the issuer code proper
    return prefix[-4:] if len(prefix) >= 4 else prefix


def _evidence(rs: list[DocRef]) -> list[dict]:
    seen, ev = set(), []
    for r in rs:
        key = (r.source, r.year)
        if key in seen:
            continue
        seen.add(key)
        ev.append({"source": r.source, "line": r.line, "text": r.text})
    return ev


def _dates_in(name: str, text: str, refs: list[DocRef]) -> list[SourceProblem]:
    """Per cited document: the date in the URL printed after it, and the signature / in-force dates of
    the text printed under it, against the year of its number."""
    out: list[SourceProblem] = []
    seen: set[tuple] = set()
    for i, r in enumerate(refs):
        nxt = refs[i + 1].pos if i + 1 < len(refs) else len(text)
        after = text[r.end:min(nxt, r.end + 200)]
        m = URL_DATE.search(after)
        if m and int(m["ym"][:4]) != r.year:
            key = ("url", r.prefix, r.num, r.year, m["ym"])
            if key not in seen:
                seen.add(key)
                out.append(SourceProblem("url_date_mismatch", f"{r.prefix}〔{r.year}〕{r.num}号", {
                    "zh": f"文号年份 {r.year} 与其链接中的日期 {m['ym'][:4]}-{m['ym'][4:]} 不符",
                    "en": f"the number says {r.year}, the URL printed with it is dated "
                          f"{m['ym'][:4]}-{m['ym'][4:]} ({m['ymd']})"},
                    [{"source": name, "line": _line_of(text, r.pos), "text": r.text},
                     {"source": name, "line": _line_of(text, r.end + m.start()), "text": m.group(0)}]))
        # A document printed in full: its number on a line of its own, then the text.
        line = _snippet(text, r.pos, r.end)
        if len(line) > 20:
            continue
        body = text[r.end:min(nxt, r.end + 6000)]
        signed = CN_DATE.search(body)
        forced = list(IN_FORCE.finditer(body))
        published = re.search(r"发布日期[：:]\s*(\d{4})年(\d{1,2})月(\d{1,2})日", body)
        if not signed:
            continue
        sd = dt.date(int("".join(str(CN_DIGITS[c]) for c in signed["y"])), _cn_number(signed["m"]),
                     _cn_number(signed["d"]))
        ev = [{"source": name, "line": _line_of(text, r.pos), "text": line},
              {"source": name, "line": _line_of(text, r.end + signed.start()), "text": signed.group(0)}]
        problems = []
        if sd.year != r.year:
            problems.append(f"number year {r.year} vs signed {sd}")
        for f in forced:
            fd = dt.date(int(f["y"]), int(f["m"]), int(f["d"]))
            if fd < sd or (fd - sd).days > 366:
                problems.append(f"in force {fd} vs signed {sd}")
                ev.append({"source": name, "line": _line_of(text, r.end + f.start()),
                           "text": _snippet(body, f.start(), f.end())})
        if published:
            pd = dt.date(*(int(x) for x in published.groups()))
            if pd.year != sd.year:
                problems.append(f"published {pd} vs signed {sd}")
        key = ("dates", r.prefix, r.num, tuple(problems))
        if problems and key not in seen:
            seen.add(key)
            out.append(SourceProblem("date_mismatch", f"{r.prefix}〔{r.year}〕{r.num}号", {
                "zh": f"文中日期互相矛盾：{'；'.join(problems)}（落款 {signed.group(0)}）",
                "en": f"the dates printed with the text contradict each other: {'; '.join(problems)} "
                      f"(signed {signed.group(0)})"}, _dedupe(ev)))
    return out


def _dedupe(ev: list[dict]) -> list[dict]:
    seen, out = set(), []
    for e in ev:
        k = (e["source"], e["line"])
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


# --- facade --------------------------------------------------------------------------------------


def conflicts(policy: Policy, jids: list[str] | None = None, topic: str | None = None,
              date: dt.date | None = None, sources: bool = True) -> ConflictsResult:
    """All three analyses over ``jids`` (default: every jurisdiction) on ``date`` (default: today)."""
    date = date or dt.date.today()
    jids = list(jids or policy.ids())
    for j in jids:
        policy.version(j, date)  # unknown ids raise InputError
    if topic is not None and topic not in policy.vocabulary.topics:
        from policy.errors import InputError
        raise InputError(f"unknown topic `{topic}`; topics: {', '.join(policy.vocabulary.topics)}", field="--topic")
    ref = reference_facts(policy, date)
    res = ConflictsResult(date, jids, [], [], [], topic, list(ref.warnings))
    # One space and one incremental solver for every pair: each jurisdiction's rule (and each
    # "topic dropped" variant) is encoded once per placement of the employer and shared.
    pairs = [(a, b) for a in jids for b in jids if a != b]
    progs: list[Program] = []
    for a, b in pairs:
        _, _, pa, pb, drops = _pair_programs(policy, a, b, date, ref)
        progs += [pa, pb, *drops.values()]
    session = Session(_space(policy, ref, progs, districts_free=False))
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


__all__ = ["conflicts", "subsumes", "compare_pair", "inside", "source_problems", "scan_refs", "ConflictsResult",
           "PairResult", "TopicDifference", "Witness", "Finding", "SourceProblem", "ClauseRef", "replay",
           "reference_facts", "placement", "fmt_num"]
