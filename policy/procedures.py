"""Procedure clauses as data: business types, filing windows, deadlines, review times, materials.

One file per jurisdiction in ``policy/procedures/`` (the jurisdiction ids of ``policy/jurisdictions``).
The loader is as strict as ``policy.load``: unknown and duplicate keys, wrong types, unknown topics,
undeclared facts and quotes not found verbatim in the cited source are ``InputError``s with
``file:line:col``. The schema is documented in ``docs/procedures.md``; in short::

    meta: {jurisdiction: changping, sources: [001_….txt], note: …}
    businesses:
      - id: renewal                       # one of BUSINESSES
        clauses:                          # each: id, topic, cite, quote, strength, note + ONE rule key
          - {id: …, topic: renewal_window, cite: {source: …, section: …}, quote: …,
             window: {before: expiry, within: {days: 60}}}
        materials:                        # each: id, topic, item {zh, en}, cite, quote + optional
          - {id: …, topic: residence_proof, item: {…}, …,   #   pathways, applies_when, validity
             applies_when: {fact: applicant.residence.proof, eq: rented},
             validity: {fact: applicant.residence.lease_months_remaining, ge: 3}}

Rule keys (exactly one per clause):

=============  ==================================================================================
``filer``      who files: applicant | employer | old_employer | new_employer
``validity``   how long a permit is valid: a duration
``review``     review time from acceptance: a duration
``window``     ``{before|after: EVENT, within: DURATION}`` — filing allowed within DURATION before or
               after EVENT (the event day itself not counted, 民法典 第二百零一条)
``deadline``   ``{before|after: EVENT, within|at_least: DURATION, action: file|delink|cancel}`` — the
               last day to act; no duration means "promptly" (及时) with no fixed period
``lapse``      ``{after: EVENT, grace: DURATION, unless: approved|filed}`` — the permit lapses when
               EVENT (+ grace) passes unless the business was approved / filed by then
``suspend``    ``{on: delink}`` — the permit is suspended (挂起) from that event
``auto_extend`` ``{max: DURATION, until: contract_end, when: CONDITION}`` — validity extends by itself
``abolished``  ``true`` — the jurisdiction abolished this business or practice
``period``     ``{from: MM-DD, to: MM-DD}`` — a yearly filing period
``requires``   a CONDITION on profile facts (with optional ``applies_when``)
``allowed``    ``true | false`` with ``situation: CONDITION`` — whether a holder in that situation may
               do this
=============  ==================================================================================

EVENT is one of ``EVENTS``; a DURATION has exactly one of ``days``, ``working_days``, ``months``,
``years``.

Example:
    >>> from policy.load import load_policy
    >>> ps = load_procedures(load_policy())
    >>> [c.rule for c in ps["changping"].clauses("renewal") if c.kind == "window"]
    [Window(side='before', event='expiry', within=Duration(unit='days', n=60))]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from policy.caching import cache
from policy.compiled import compiled
from policy.errors import InputError, shown
from policy.expr import Expr, Span
from policy.load import POLICY_DIR, Policy, _cite, _prefixed, parse_cond, read_change
from policy.model import Cite, FactSpec, Vocabulary
from policy.reader import DOCUMENT, FACT_NAME, IDENT, Reader
from policy.yamlio import err, node_pos, read_yaml

PROCEDURE_DIR = POLICY_DIR / "procedures"
TOPICS_FILE = POLICY_DIR / "procedure_topics.yaml"
VOCABULARY_FILE = POLICY_DIR / "procedure_vocabulary.yaml"

BUSINESSES: dict[str, dict[str, str]] = {
    "general": {"zh": "通用要求", "en": "every business"},
    "employer_registration": {"zh": "单位注册", "en": "employer registration"},
    "new": {"zh": "新办", "en": "new permit"},
    "renewal": {"zh": "续签", "en": "renewal"},
    "employer_change": {"zh": "聘用单位变更", "en": "change of employer"},
    "info_change": {"zh": "信息变更", "en": "change of personal information"},
    "employer_info_change": {"zh": "单位信息变更", "en": "change of employer information"},
    "reissue": {"zh": "补办", "en": "reissue"},
    "cancellation": {"zh": "注销", "en": "cancellation"},
    "annual_inspection": {"zh": "年检", "en": "annual inspection"},
}
EVENTS: dict[str, dict[str, str]] = {
    "expiry": {"zh": "证件有效期届满", "en": "the permit's expiry date"},
    "left_employer": {"zh": "离职", "en": "leaving the employer"},
    "delink": {"zh": "原单位解除员工关联", "en": "de-linking by the former employer"},
    "info_changed": {"zh": "信息变更", "en": "the change of information"},
}
FILERS = ("applicant", "employer", "old_employer", "new_employer")
UNITS = ("days", "working_days", "months", "years")
ACTIONS = ("file", "delink", "cancel")
RULE_KEYS = ("filer", "validity", "review", "window", "deadline", "lapse", "suspend", "auto_extend",
             "abolished", "period", "requires", "allowed")
CLAUSE_KEYS = {"id", "topic", "cite", "quote", "strength", "note", "applies_when", "situation", *RULE_KEYS}
MATERIAL_KEYS = {"id", "topic", "item", "cite", "quote", "strength", "note", "pathways", "applies_when",
                 "validity"}
# Durations are bounded so that every date wrp computes stays inside its calendar (policy.reader).
MAX_DURATION = {"days": 36_500, "working_days": 25_000, "months": 1_200, "years": 100}
MEASURES = ("months_until", "days_since", "years_since", "yyyymm")


# --- model ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Duration:
    unit: str  # days | working_days | months | years
    n: int

    def text(self, lang: str = "en") -> str:
        zh = {"days": "日", "working_days": "个工作日", "months": "个月", "years": "年"}
        en = {"days": "day", "working_days": "working day", "months": "month", "years": "year"}
        if lang == "zh":
            return f"{self.n}{zh[self.unit]}"
        return f"{self.n} {en[self.unit]}{'' if self.n == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class Window:
    side: str  # before | after
    event: str
    within: Duration


@dataclass(frozen=True, slots=True)
class Deadline:
    side: str  # before | after
    event: str
    within: Duration | None = None  # act within this period after / before the event
    at_least: Duration | None = None  # act at least this long before the event
    action: str = "file"


@dataclass(frozen=True, slots=True)
class Lapse:
    event: str
    unless: str  # approved | filed
    grace: Duration | None = None


@dataclass(frozen=True, slots=True)
class AutoExtend:
    max: Duration
    until: str | None
    when: Expr | None


@dataclass(frozen=True, slots=True)
class Period:
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]


@dataclass(frozen=True)
class ProcClause:
    """One procedure rule of one jurisdiction: ``kind`` is its rule key, ``rule`` the typed value."""

    id: str
    topic: str
    business: str
    jurisdiction: str
    cite: Cite
    strength: str
    kind: str
    rule: object  # str | Duration | Window | Deadline | Lapse | AutoExtend | Period | Expr | bool
    note: str | None = None
    applies_when: Expr | None = None
    situation: Expr | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Material:
    """One document to file. ``pathways`` are pathway topics (``pathway_degree`` …): the item is needed
    only for those; ``validity`` is what the document must satisfy to be accepted."""

    id: str
    topic: str
    business: str
    jurisdiction: str
    item: dict
    cite: Cite
    strength: str
    note: str | None = None
    pathways: tuple[str, ...] = ()
    applies_when: Expr | None = None
    validity: Expr | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass
class Business:
    id: str
    clauses: list[ProcClause]
    materials: list[Material]


@dataclass
class Procedures:
    """The procedure data of one jurisdiction."""

    jurisdiction: str
    sources: tuple[str, ...]
    businesses: dict[str, Business]
    note: str | None = None
    file: str = ""

    def clauses(self, business: str | None = None, include_general: bool = False) -> list[ProcClause]:
        keys = [business] if business else list(self.businesses)
        if business and include_general and business != "general":
            keys.append("general")
        return [c for k in keys if k in self.businesses for c in self.businesses[k].clauses]

    def materials(self, business: str, include_general: bool = True) -> list[Material]:
        keys = [business, "general"] if include_general and business != "general" else [business]
        return [m for k in keys if k in self.businesses for m in self.businesses[k].materials]

    def rule(self, business: str, kind: str, topic: str | None = None) -> ProcClause | None:
        """The first clause of ``kind`` (and ``topic``) for ``business``, general ones last."""
        for c in self.clauses(business, include_general=True):
            if c.kind == kind and (topic is None or c.topic == topic):
                return c
        return None


@dataclass
class ProcedureSet:
    """Every jurisdiction's procedures, with the merged vocabulary their conditions use."""

    by_jurisdiction: dict[str, Procedures]
    vocabulary: Vocabulary
    topics: dict[str, dict]
    derivations: dict[str, tuple[str, str]]  # derived fact -> (date fact, measure)

    def __getitem__(self, jid: str) -> Procedures:
        if jid not in self.by_jurisdiction:
            raise InputError(f"no procedure data for `{jid}`; known: {', '.join(self.by_jurisdiction)}",
                             field="--district")
        return self.by_jurisdiction[jid]

    def __contains__(self, jid: str) -> bool:
        return jid in self.by_jurisdiction

    def ids(self) -> list[str]:
        return list(self.by_jurisdiction)

    def all_clauses(self) -> list[ProcClause]:
        return [c for p in self.by_jurisdiction.values() for c in p.clauses()]

    def all_materials(self) -> list[Material]:
        return [m for p in self.by_jurisdiction.values() for b in p.businesses.values() for m in b.materials]


# --- vocabulary and topics -----------------------------------------------------------------------


@compiled(lambda path=TOPICS_FILE: [path], dict)
def load_procedure_topics(path: Path = TOPICS_FILE) -> dict[str, dict]:
    data = read_yaml(path)
    if not isinstance(data, CommentedMap):
        raise err("the topics file is a mapping of topic: {zh, en}", path, data)
    out = {}
    for t in data:
        if not isinstance(t, str) or not IDENT.fullmatch(t):
            raise err("a topic id is lower-case latin letters, digits and _", path, data, t, field=shown(t, 60))
        r = Reader(path, data[t], f"topic `{t}`", {"zh", "en"}, {"zh", "en"})
        out[t] = {"zh": r.nonempty("zh"), "en": r.nonempty("en")}
    return out


@compiled(lambda path=VOCABULARY_FILE: [path], tuple)
def load_procedure_vocabulary(path: Path = VOCABULARY_FILE) -> tuple[dict[str, FactSpec], dict[str, tuple[str, str]]]:
    """The extra facts (and how the derived ones are computed) of ``procedure_vocabulary.yaml``."""
    data = read_yaml(path)
    top = Reader(path, data, "the procedure vocabulary", {"facts"}, {"facts"}, at=DOCUMENT)
    fnode = top.get("facts")
    if not isinstance(fnode, CommentedMap):
        raise top.err("facts", "`facts` must be a mapping of fact name: spec")
    facts: dict[str, FactSpec] = {}
    derivations: dict[str, tuple[str, str]] = {}
    for name in fnode:
        node = fnode[name]
        if not isinstance(name, str) or not FACT_NAME.fullmatch(name) or "[" in name:
            raise err("a fact name is dotted lower-case latin words (`permit.expiry_date`)", path, fnode, name,
                      field=shown(name, 60))
        r = Reader(path, node, f"fact `{name}`",
                   {"type", "label", "unit", "choices", "min", "max", "derived", "derive", "change"}, {"type", "label"})
        typ = r.str("type")
        if typ not in ("date", "bool", "int", "enum"):
            raise r.err("type", "a procedure fact's type is date, bool, int or enum")
        derived = r.get("derived", False)
        if not isinstance(derived, bool):
            raise r.err("derived", "`derived` is true or false")
        if derived != ("derive" in node):
            raise r.err("derived" if derived else "derive", "a derived fact needs `derived: true` and `derive:`")
        if "derive" in node:
            dr = Reader(path, node["derive"], f"`derive` of `{name}`", {"from", "measure"}, {"from", "measure"})
            src, measure = dr.str("from"), dr.str("measure")
            if measure not in MEASURES:
                raise dr.err("measure", f"unknown measure `{measure}`; known: {', '.join(MEASURES)}")
            if src not in fnode or not isinstance(fnode[src], CommentedMap) or fnode[src].get("type") != "date":
                raise dr.err("from", f"`{src}` is not a date fact of this file")
            derivations[str(name)] = (src, measure)
        choices = r.strings("choices", pattern=IDENT)
        if typ == "enum" and not choices:
            raise r.err("type", "an enum fact needs `choices`")
        facts[str(name)] = FactSpec(
            name=str(name), type=typ, label=r.text("label"), unit=r.text("unit", required=False),
            choices=tuple(str(c) for c in choices),
            minimum=r.number("min"), maximum=r.number("max"), derived=derived, change=read_change(path, r))
    return facts, derivations


def with_procedure_facts(policy: Policy, vocabulary_file: Path = VOCABULARY_FILE) -> Policy:
    """A copy of ``policy`` whose vocabulary also has the procedure facts (so profiles may state them)."""
    extra, _ = load_procedure_vocabulary(vocabulary_file)
    clash = [n for n in extra if n in policy.vocabulary.facts]
    if clash:
        raise InputError(f"the fact `{clash[0]}` is declared in both vocabulary files", file=str(vocabulary_file))
    vocab = Vocabulary(facts={**policy.vocabulary.facts, **extra}, constraints=list(policy.vocabulary.constraints),
                       topics={**policy.vocabulary.topics, **load_procedure_topics()})
    return dataclasses.replace(policy, vocabulary=vocab)


def procedure_policy(policy: Policy) -> Policy:
    """``policy`` with the procedure facts in its vocabulary (cached per policy object)."""
    if "permit.expiry_date" in policy.vocabulary.facts:
        return policy
    return _merged(policy)


@cache(8, identity=(0,))
def _merged(policy: Policy) -> Policy:
    return with_procedure_facts(policy)


# --- procedure files -----------------------------------------------------------------------------


def _duration(file: Path, parent, key, what: str) -> Duration:
    node = parent[key]
    if not isinstance(node, CommentedMap) or len(node) != 1:
        raise err(f"{what} is a duration with exactly one of {', '.join(UNITS)}, e.g. `{{days: 60}}`",
                  file, parent, key, field=str(key))
    (unit, n), = node.items()
    if unit not in UNITS:
        raise err(f"unknown duration unit `{shown(unit, 40)}`; use one of {', '.join(UNITS)}", file, node, unit,
                  field=shown(unit, 40))
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DURATION[unit]:
        raise err(f"a duration in {unit} is a whole number from 0 to {MAX_DURATION[unit]}, got `{shown(n, 40)}`",
                  file, node, unit, field=str(unit))
    return Duration(str(unit), int(n))


def _side(file: Path, r: Reader, what: str) -> tuple[str, str]:
    sides = [s for s in ("before", "after") if s in r.node]
    if len(sides) != 1:
        raise err(f"{what} needs exactly one of `before: EVENT` or `after: EVENT`", file, r.node)
    event = r.str(sides[0])
    if event not in EVENTS:
        raise r.err(sides[0], f"unknown event `{event}`; events: {', '.join(EVENTS)}")
    return sides[0], event


def _month_day(r: Reader, key) -> tuple[int, int]:
    v = r.get(key)
    m = re.fullmatch(r"(\d\d)-(\d\d)", str(v)) if isinstance(v, str) else None
    if not m:
        raise r.err(key, f"`{key}` is a day of the year as a quoted \"MM-DD\"")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        dt.date(2024, month, day)
    except ValueError:
        raise r.err(key, f"`{v}` is not a day of the year") from None
    return month, day


def _rule(file: Path, node, kind: str, vocab: Vocabulary, policy: Policy) -> object:
    v = node[kind]
    if kind == "filer":
        if v not in FILERS:
            raise err(f"`filer` is one of {', '.join(FILERS)}", file, node, kind, field=kind)
        return v
    if kind in ("validity", "review"):
        return _duration(file, node, kind, f"`{kind}`")
    if kind in ("abolished", "allowed"):
        if not isinstance(v, bool):
            raise err(f"`{kind}` is true or false", file, node, kind, field=kind)
        return v
    if kind == "requires":
        return parse_cond(file, node, kind, vocab, policy.params)
    if kind == "window":
        r = Reader(file, v, "`window`", {"before", "after", "within"}, {"within"})
        side, event = _side(file, r, "`window`")
        return Window(side, event, _duration(file, v, "within", "`within`"))
    if kind == "deadline":
        r = Reader(file, v, "`deadline`", {"before", "after", "within", "at_least", "action"})
        side, event = _side(file, r, "`deadline`")
        if "within" in v and "at_least" in v:
            raise r.err("at_least", "a deadline has `within` or `at_least`, not both")
        if side == "before" and "within" in v:
            raise r.err("within", "before an event, a deadline is `at_least` a duration; use `window` for "
                                  "\"within N days before\"")
        if side == "after" and "at_least" in v:
            raise r.err("at_least", "after an event, a deadline is `within` a duration")
        action = r.str("action", "file")
        if action not in ACTIONS:
            raise r.err("action", f"`action` is one of {', '.join(ACTIONS)}")
        return Deadline(side, event, _duration(file, v, "within", "`within`") if "within" in v else None,
                        _duration(file, v, "at_least", "`at_least`") if "at_least" in v else None, action)
    if kind == "lapse":
        r = Reader(file, v, "`lapse`", {"after", "grace", "unless"}, {"after", "unless"})
        event = r.str("after")
        if event not in EVENTS:
            raise r.err("after", f"unknown event `{event}`; events: {', '.join(EVENTS)}")
        unless = r.str("unless")
        if unless not in ("approved", "filed"):
            raise r.err("unless", "`unless` is `approved` or `filed`")
        return Lapse(event, unless, _duration(file, v, "grace", "`grace`") if "grace" in v else None)
    if kind == "suspend":
        r = Reader(file, v, "`suspend`", {"on"}, {"on"})
        if r.str("on") not in EVENTS:
            raise r.err("on", f"unknown event `{r.str('on')}`; events: {', '.join(EVENTS)}")
        return r.str("on")
    if kind == "auto_extend":
        r = Reader(file, v, "`auto_extend`", {"max", "until", "when"}, {"max"})
        until = r.str("until")
        if until not in (None, "contract_end"):
            raise r.err("until", "`until` is `contract_end`")
        return AutoExtend(_duration(file, v, "max", "`max`"), until,
                          parse_cond(file, v, "when", vocab, policy.params) if "when" in v else None)
    if kind == "period":
        r = Reader(file, v, "`period`", {"from", "to"}, {"from", "to"})
        return Period(_month_day(r, "from"), _month_day(r, "to"))
    raise AssertionError(kind)


def _common(file: Path, r: Reader, topics: dict, sources: dict[str, str],
            declared: tuple[str, ...]) -> tuple[str, str, Cite, str]:
    cid = r.ident("id")
    if not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", cid or ""):
        raise r.err("id", "an id is dotted lower-case words, e.g. `changping.renewal.window`")
    topic = r.ident("topic")
    if topic not in topics:
        raise r.err("topic", f"unknown topic `{topic}`; procedure topics are listed in policy/procedure_topics.yaml")
    cite = _cite(file, r, sources)
    if cite.source not in declared:
        raise r.err("cite", f"`{cite.source}` is not in this file's `meta.sources` ({', '.join(declared)})")
    strength = r.str("strength", "required")
    if strength not in ("required", "in_principle"):
        raise r.err("strength", "strength is `required` or `in_principle` (原则上)")
    return cid, topic, cite, strength


def _clause(file: Path, node, business: str, jid: str, vocab: Vocabulary, policy: Policy,
            topics: dict, declared: tuple[str, ...]) -> ProcClause:
    r = Reader(file, node, "a procedure clause", CLAUSE_KEYS, {"id", "topic", "cite", "quote"})
    cid, topic, cite, strength = _common(file, r, topics, policy.sources, declared)
    kinds = [k for k in RULE_KEYS if k in node]
    if len(kinds) != 1:
        raise err(f"a procedure clause has exactly one rule key: {', '.join(RULE_KEYS)}"
                  + (f" (found {', '.join(kinds)})" if kinds else ""), file, node, kinds[1] if kinds[1:] else None)
    kind = kinds[0]
    if "situation" in node and kind != "allowed":
        raise r.err("situation", "`situation` goes with `allowed`")
    if kind == "allowed" and "situation" not in node:
        raise r.err("allowed", "`allowed` needs `situation: CONDITION` (who is allowed or not)")
    if "applies_when" in node and kind not in ("requires", "auto_extend"):
        raise r.err("applies_when", "`applies_when` goes with `requires`")
    line, col = node_pos(node)
    return ProcClause(
        id=cid, topic=topic, business=business, jurisdiction=jid, cite=cite, strength=strength, kind=kind,
        rule=_rule(file, node, kind, vocab, policy), note=r.str("note"),
        applies_when=parse_cond(file, node, "applies_when", vocab, policy.params) if "applies_when" in node else None,
        situation=parse_cond(file, node, "situation", vocab, policy.params) if "situation" in node else None,
        span=Span(file.name, line or 0, col or 0))


def _material(file: Path, node, business: str, jid: str, vocab: Vocabulary, policy: Policy,
              topics: dict, pathway_topics: set[str], declared: tuple[str, ...]) -> Material:
    r = Reader(file, node, "a material", MATERIAL_KEYS, {"id", "topic", "item", "cite", "quote"})
    mid, topic, cite, strength = _common(file, r, topics, policy.sources, declared)
    pw = r.list("pathways")
    for i, p in enumerate(pw):
        if not isinstance(p, str) or p not in pathway_topics:
            raise err(f"unknown pathway topic `{shown(p, 60)}`; pathway topics: {', '.join(sorted(pathway_topics))}",
                      file, pw, i, field="pathways")
    line, col = node_pos(node)
    return Material(
        id=mid, topic=topic, business=business, jurisdiction=jid, item=r.text("item"), cite=cite,
        strength=strength, note=r.str("note"), pathways=tuple(str(p) for p in pw),
        applies_when=parse_cond(file, node, "applies_when", vocab, policy.params) if "applies_when" in node else None,
        validity=parse_cond(file, node, "validity", vocab, policy.params) if "validity" in node else None,
        span=Span(file.name, line or 0, col or 0))


def load_procedure_file(file: Path, policy: Policy, topics: dict | None = None) -> Procedures:
    """One jurisdiction's procedure file. ``policy`` must already carry the procedure facts
    (``with_procedure_facts``)."""
    file = Path(file)
    topics = topics if topics is not None else load_procedure_topics()
    vocab = policy.vocabulary
    pathway_topics = {t for t in policy.vocabulary.topics if t.startswith("pathway_") and t not in topics}
    data = read_yaml(file)
    top = Reader(file, data, "a procedure file", {"meta", "businesses"}, {"meta", "businesses"}, at=DOCUMENT)
    m = Reader(file, data["meta"], "`meta`", {"jurisdiction", "sources", "note"}, {"jurisdiction", "sources"})
    jid = m.ident("jurisdiction")
    if jid not in policy.jurisdictions:
        raise m.err("jurisdiction", f"unknown jurisdiction `{jid}`; known: {', '.join(policy.jurisdictions)}")
    srcs = m.list("sources", required=True, nonempty=True)
    for i, s in enumerate(srcs):
        if not isinstance(s, str) or s not in policy.sources:
            raise err(f"unknown source `{shown(s, 80)}`; bundled sources: {', '.join(sorted(policy.sources))}", file, srcs, i)
    declared = tuple(str(s) for s in srcs)
    seen: set[str] = set()
    businesses: dict[str, Business] = {}
    for bnode in top.list("businesses", required=True):
        br = Reader(file, bnode, "a business", {"id", "clauses", "materials", "note"}, {"id"})
        bid = br.ident("id")
        if bid not in BUSINESSES:
            raise br.err("id", f"unknown business `{bid}`; businesses: {', '.join(BUSINESSES)}")
        if bid in businesses:
            raise br.err("id", f"duplicate business `{bid}`")
        b = Business(bid, [], [])
        for cnode in br.list("clauses"):
            c = _clause(file, cnode, bid, jid, vocab, policy, topics, declared)
            _prefixed(file, cnode, c.id, jid, "clause")
            _unique(file, cnode, c.id, seen)
            b.clauses.append(c)
        for mnode in br.list("materials"):
            mt = _material(file, mnode, bid, jid, vocab, policy, topics, pathway_topics, declared)
            _prefixed(file, mnode, mt.id, jid, "material")
            _unique(file, mnode, mt.id, seen)
            b.materials.append(mt)
        businesses[bid] = b
    return Procedures(jid, declared, businesses, m.str("note"), str(file))


def _unique(file: Path, node, xid: str, seen: set[str]) -> None:
    if xid in seen:
        raise err(f"duplicate id `{xid}`", file, node, "id", field="id")
    seen.add(xid)


def load_procedures_from(policy: Policy, files: list[Path]) -> ProcedureSet:
    merged = policy if "permit.expiry_date" in policy.vocabulary.facts else with_procedure_facts(policy)
    _, derivations = load_procedure_vocabulary()
    topics = load_procedure_topics()
    out: dict[str, Procedures] = {}
    for f in files:
        p = load_procedure_file(Path(f), merged, topics)
        if p.jurisdiction in out:
            raise InputError(f"a second procedure file for `{p.jurisdiction}` (first: {out[p.jurisdiction].file})",
                             file=str(f))
        out[p.jurisdiction] = p
    order = [j for j in policy.jurisdictions if j in out]
    return ProcedureSet({j: out[j] for j in order}, merged.vocabulary, topics, derivations)


@cache(8, identity=(0,))
def load_procedures(policy: Policy) -> ProcedureSet:
    """The procedure files of the policy's rules pack (the shipped ones by default), loaded once per policy."""
    files = policy.pack.procedure_files() if policy.pack is not None else sorted(PROCEDURE_DIR.glob("*.yaml"))
    return load_procedures_from(policy, files)
