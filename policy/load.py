"""From YAML to the typed model: strict (unknown/duplicate keys, wrong types, quotes not found
verbatim in their source, undeclared facts — each an ``InputError`` with file:line:col)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from policy.caching import cache
from policy.compiled import compiled
from policy.errors import shown, unknown_district
from policy.expr import OPS, All, Any, AtLeast, Cmp, Expr, In, Not, Span, Threshold, not_of
from policy.i18n import Msg
from policy.model import Change, Cite, Clause, Constraint, FactSpec, Jurisdiction, Params, Pathway, Vocabulary, WageYear
from policy.reader import DOCUMENT, FACT_NAME, IDENT, Reader, parse_date, to_fraction
from policy.sections import check_cite
from policy.yamlio import err, key_pos, node_pos, read_yaml

POLICY_DIR = Path(__file__).resolve().parent
THRESHOLD_PARAMS = ("wage.monthly", "wage.annual")
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Whitespace-free text: quotes match sources whatever the line wrapping."""
    return _WS.sub("", text.replace("\u3000", ""))


@dataclass
class Policy:
    vocabulary: Vocabulary
    params: Params
    jurisdictions: dict[str, list[Jurisdiction]]  # id -> versions, oldest first
    sources: dict[str, str] = field(default_factory=dict)  # file name -> text
    pack: object = None  # the policy.pack.Pack it was read from (None: files given one by one)

    def ids(self) -> list[str]:
        return list(self.jurisdictions)

    def version(self, jid: str, day: dt.date) -> tuple[Jurisdiction, str | None]:
        """The version in force on ``day``; otherwise the nearest one and a warning."""
        if jid not in self.jurisdictions:
            raise unknown_district(jid, self.ids())
        versions = self.jurisdictions[jid]
        for v in versions:
            if v.in_force(day):
                return v, None
        nearest = min(versions, key=lambda v: abs(((v.in_force_from or day) - day).days))
        return nearest, Msg(f"{jid}: no version in force on {day}; evaluated with the version in force from "
                            f"{nearest.in_force_from} ({nearest.document})",
                            f"{jid}：{day} 没有有效的规定版本；按 {nearest.in_force_from} 起施行的版本"
                            f"（{nearest.document}）判断")


def as_date(v) -> dt.date | None:
    """A date YYYY-MM-DD (``policy.reader.parse_date``); ``None`` if ``v`` is not one."""
    try:
        return parse_date(v)
    except ValueError:
        return None


# The typed readers (Reader, to_fraction) are shared with every other loader: policy/reader.py.


# --- vocabulary and parameters -----------------------------------------------------------------

FACT_TYPES = ("date", "bool", "int", "decimal", "money", "enum", "money_list")


def _choice_zh(path: Path, r: Reader, node) -> tuple[tuple[str, str], ...]:
    """``choice_zh``: a Chinese wording for choices of the enum (each key one of its ``choices``)."""
    m = r.get("choice_zh")
    if m is None:
        return ()
    choices = r.list("choices")
    if not isinstance(m, dict):
        raise r.err("choice_zh", "`choice_zh` maps choices to their Chinese wording: {choice: 中文, ...}")
    for k, v in m.items():
        if k not in choices:
            raise err(f"`{k}` is not a choice of this fact; choices: {', '.join(map(str, choices))}", path, m, k)
        if not isinstance(v, str) or not v.strip():
            raise err(f"the Chinese wording of `{k}` must be text", path, m, k)
    return tuple((str(k), str(v)) for k, v in m.items())


def load_vocabulary(path: Path | None = POLICY_DIR / "vocabulary.yaml", topics_path: Path | None = POLICY_DIR / "topics.yaml",
                    base: Vocabulary | None = None) -> Vocabulary:
    """The vocabulary of ``path`` and the topics of ``topics_path``; with ``base`` (a rules pack's
    additions) the facts, constraints and topics are added to ``base``'s, never redefine one."""
    data = read_yaml(path) if path is not None else CommentedMap(facts=CommentedMap())
    top = Reader(path, data, "the vocabulary", {"facts", "constraints"}, {"facts"} if base is None else set(),
                 at=DOCUMENT)
    facts: dict[str, FactSpec] = dict(base.facts) if base else {}
    fnode = top.mapping("facts")
    for name in fnode:
        if not isinstance(name, str) or not FACT_NAME.fullmatch(name) or "[" in name:
            raise err("a fact name is dotted lower-case latin words (`applicant.income.monthly_avg_12m`)",
                      path, fnode, name, field=shown(name, 60))
        if base is not None and name in base.facts:
            raise err(f"`{name}` is a shipped fact: a pack adds facts, it never redefines one", path, fnode, name,
                      field=str(name))
        if base is not None and isinstance(fnode[name], dict) and fnode[name].get("derived"):
            raise err("a pack cannot add a derived fact (wrp computes those)", path, fnode, name, field=str(name))
        r = Reader(path, fnode[name], f"fact `{name}`",
                   {"type", "label", "unit", "choices", "ordered", "min", "max", "length", "derived", "change",
                    "default", "derive", "choice_zh", "series"},
                   {"type", "label"})
        typ = r.str("type")
        if typ not in FACT_TYPES:
            raise r.err("type", f"type must be one of {', '.join(FACT_TYPES)}")
        facts[name] = FactSpec(
            name=name, type=typ, label=r.text("label"), unit=r.text("unit", required=False),
            choices=r.strings("choices", pattern=IDENT), ordered=r.bool("ordered"),
            minimum=r.number("min"), maximum=r.number("max"),
            length=r.int("length", 0, lo=0, hi=50), derived=r.bool("derived") or r.get("derive") is not None,
            change=read_change(path, r), default=r.get("default"), choice_zh=_choice_zh(path, r, fnode[name]),
            series=_series(r, typ))
    topics_data = read_yaml(topics_path) if topics_path is not None else CommentedMap()
    if not isinstance(topics_data, CommentedMap):
        raise err("the topics file maps topic ids to {zh: …, en: …}", topics_path, topics_data)
    topics = dict(base.topics) if base else {}
    for t in topics_data:
        if not isinstance(t, str) or not IDENT.fullmatch(t):
            raise err("a topic id is lower-case latin letters, digits and _", topics_path, topics_data, t,
                      field=shown(t, 60))
        if base is not None and t in base.topics:
            raise err(f"`{t}` is a shipped topic: a pack adds topics, it never redefines one", topics_path,
                      topics_data, t, field=str(t))
        tr = Reader(topics_path, topics_data[t], f"topic `{t}`", {"zh", "en"}, {"zh", "en"})
        topics[t] = {"zh": tr.nonempty("zh"), "en": tr.nonempty("en")}
    vocab = Vocabulary(facts=facts, constraints=list(base.constraints) if base else [], topics=topics)
    for c in top.list("constraints"):
        cr = Reader(path, c, "a constraint", {"id", "when", "validate", "message"}, {"id", "when", "message"})
        vocab.constraints.append(Constraint(id=cr.ident("id"), when=parse_cond(path, c, "when", vocab, None),
                                            validate=cr.bool("validate", True), message=cr.text("message")))
    return vocab


def read_change(path: Path, r: Reader) -> Change:
    """``change:`` of a fact: ``fixed`` (the default) or ``{kind: time | effort, per_month, unit, cost}``."""
    ch = r.get("change", "fixed")
    if ch == "fixed":
        return Change("fixed")
    cr = Reader(path, ch, "`change`", {"kind", "per_month", "unit", "cost"}, {"kind"})
    kind = cr.str("kind")
    if kind not in ("time", "effort"):
        raise cr.err("kind", "kind must be fixed, time or effort")
    return Change(kind, per_month=cr.number("per_month", 0), unit=cr.number("unit", 1),
                  cost=cr.number("cost", 1 if kind == "time" else 0))


def _series(r: Reader, typ: str) -> str | None:
    s = r.get("series")
    if s is None:
        return None
    if s != "monthly" or typ != "money_list":
        raise r.err("series", "`series: monthly` marks a money_list whose items are consecutive months (oldest first)")
    return "monthly"


def load_params(pdir: Path = POLICY_DIR / "params", override: dict[str, Path] | None = None) -> Params:
    """The parameter files of ``pdir``; ``override`` maps a file name (``wage.yaml``) to a pack's file."""
    override = override or {}
    wage_path = override.get("wage.yaml", pdir / "wage.yaml")
    wr = Reader(wage_path, read_yaml(wage_path), "the wage table",
                {"id", "label", "rounding", "rounding_cite", "years"}, {"years", "rounding_cite"}, at=DOCUMENT)
    years = []
    for y in wr.list("years", required=True, nonempty=True):
        yr = Reader(wage_path, y, "a wage year", {"year", "monthly", "annual", "published", "confidence", "cite",
                                                   "evidence"},
                    {"year", "monthly", "published", "cite"})
        evidence = []
        for ev in yr.list("evidence"):
            er = Reader(wage_path, ev, "publication evidence", {"jurisdiction", "published", "cite"},
                        {"jurisdiction", "published", "cite"})
            evidence.append((er.nonempty("jurisdiction"), er.date("published"), er.nonempty("cite")))
        years.append(WageYear(year=yr.int("year", lo=1949, hi=2199), monthly=yr.int("monthly", lo=1, hi=10 ** 7),
                              annual=yr.int("annual", lo=1, hi=10 ** 8), published=yr.date("published"),
                              confidence=yr.str("confidence", "medium"), cite=yr.nonempty("cite"),
                              evidence=tuple(evidence)))
    years.sort(key=lambda y: y.year)
    rc = Reader(wage_path, wr.get("rounding_cite"), "`rounding_cite`", {"source", "section", "quote"},
                {"source", "section", "quote"})
    d_path = override.get("districts.yaml", pdir / "districts.yaml")
    dr = Reader(d_path, read_yaml(d_path), "the districts file", {"id", "sets", "names", "merged"}, {"sets", "names"}, at=DOCUMENT)
    sets, set_labels = {}, {}
    snode = dr.mapping("sets", required=True)
    for k in snode:
        sr = Reader(d_path, snode[k], f"set `{k}`", {"members", "label"}, {"members", "label"})
        sets[str(k)] = sr.strings("members", required=True, pattern=IDENT)
        set_labels[str(k)] = sr.text("label")
    names = {}
    nnode = dr.mapping("names", required=True)
    for k in nnode:
        nr = Reader(d_path, nnode[k], f"district `{k}`", {"zh", "en"}, {"zh", "en"})
        names[str(k)] = {"zh": nr.nonempty("zh"), "en": nr.nonempty("en")}
    r_path = override.get("retirement.yaml", pdir / "retirement.yaml")
    rr = Reader(r_path, read_yaml(r_path), "the retirement file", {"id", "cite", "categories", "reform_in_force"},
                {"cite", "categories"}, at=DOCUMENT)
    cats = {}
    cnode = rr.mapping("categories", required=True)
    for k in cnode:
        keys = {"base_years", "first_affected", "step_months", "max_delay_months"}
        cr = Reader(r_path, cnode[k], f"category `{k}`", keys, keys)
        cr.int("base_years", lo=1, hi=100), cr.int("step_months", lo=1, hi=120), cr.int("max_delay_months", lo=0, hi=600)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}", str(cr.get("first_affected"))):
            raise cr.err("first_affected", "`first_affected` is a month YYYY-MM")
        cats[str(k)] = dict(cnode[k])
    return Params(
        wage_years=years, wage_rounding=str(wr.get("rounding", "half_up_yuan")),
        wage_rounding_cite=Cite(rc.nonempty("source"), rc.nonempty("section"), rc.nonempty("quote")),
        district_sets=sets, district_set_labels=set_labels, district_names=names,
        retirement={"cite": rr.nonempty("cite"), "categories": cats},
    )


# --- conditions --------------------------------------------------------------------------------

COND_KEYS = {"fact", "each", "sum", "all", "any", "not", "at_least", "of", "in", "not_in", *OPS}


def _ticks(names) -> str:
    """Identifiers listed in a Chinese message: `a`、`b`."""
    return "、".join(f"`{n}`" for n in names)


def parse_cond(file: Path, parent, key, vocab: Vocabulary, params: Params | None) -> Expr:
    """Parse the condition at ``parent[key]``."""
    node = parent[key]
    line, col = key_pos(parent, key)
    span = Span(file.name, line or 0, col or 0)
    if not isinstance(node, CommentedMap):
        raise err(Msg("a condition must be a mapping such as `{fact: ..., ge: ...}`, `{all: [...]}`",
                      "条件须为映射，如 `{fact: ..., ge: ...}`、`{all: [...]}`"), file, parent, key)
    extra = [k for k in node if k not in COND_KEYS]
    if extra:
        raise err(Msg(f"unknown key `{shown(extra[0], 60)}` in a condition; allowed: {', '.join(sorted(COND_KEYS))}",
                      f"条件中有未知的键 `{shown(extra[0], 60)}`；可用的键：{_ticks(sorted(COND_KEYS))}"),
                  file, node, extra[0], field=shown(extra[0], 60))
    if "of" in node and "at_least" not in node:
        raise err(Msg("`of` goes with `at_least`", "`of` 须与 `at_least` 一起使用"), file, node, "of")
    if "all" in node or "any" in node:
        k = "all" if "all" in node else "any"
        items = node[k]
        if not isinstance(items, CommentedSeq) or len(node) != 1:
            raise err(Msg(f"`{k}` takes a list of conditions and nothing beside it", f"`{k}` 的值须为条件列表，且不能有其他键"),
                      file, node, k)
        if not items:
            raise err(Msg(f"`{k}` needs at least one condition (an empty `{k}` has no meaning in the texts)",
                          f"`{k}` 至少需要一个条件（空的 `{k}` 在原文中没有意义）"),
                      file, node, k)
        parsed = tuple(parse_cond(file, items, i, vocab, params) for i in range(len(items)))
        return All(parsed, span=span) if k == "all" else Any(parsed, span=span)
    if "not" in node:
        if len(node) != 1:
            raise err(Msg("`not` takes one condition and nothing beside it", "`not` 只接受一个条件，且不能有其他键"), file, node, "not")
        return Not(parse_cond(file, node, "not", vocab, params), span=span)
    if "at_least" in node:
        items = node.get("of")
        k = node["at_least"]
        if not isinstance(items, CommentedSeq) or not items or isinstance(k, bool) or not isinstance(k, int) \
                or set(node) != {"at_least", "of"}:
            raise err(Msg("`at_least: K` needs `of: [conditions]` (a non-empty list) and nothing beside them",
                          "`at_least: K` 须配合 `of: [条件]`（非空列表），且不能有其他键"),
                      file, node, "at_least")
        if not 1 <= k <= len(items):
            raise err(Msg(f"`at_least: {shown(k, 20)}` must be from 1 to the number of conditions in `of` ({len(items)})",
                          f"`at_least: {shown(k, 20)}` 须在 1 至 `of` 中的条件数（{len(items)}）之间"),
                      file, node, "at_least")
        return AtLeast(int(node["at_least"]), tuple(parse_cond(file, items, i, vocab, params)
                                                    for i in range(len(items))), span=span)
    ops = [k for k in node if k in OPS or k in ("in", "not_in")]
    if not ops:
        raise err(Msg("a comparison needs an operator: eq, ne, lt, le, gt, ge, in or not_in",
                      "比较须有运算符：`eq`、`ne`、`lt`、`le`、`gt`、`ge`、`in` 或 `not_in`"), file, parent, key)
    subject_keys = [k for k in ("fact", "each", "sum") if k in node]
    if len(subject_keys) != 1:
        raise err(Msg("a comparison needs exactly one of `fact`, `each`, `sum`", "比较须恰好有 `fact`、`each`、`sum` 之一"),
                  file, parent, key)
    sk = subject_keys[0]
    if sk == "sum":
        terms = []
        seq = node["sum"]
        if not isinstance(seq, CommentedSeq) or not seq:
            raise err(Msg("`sum` is a non-empty list of [coefficient, fact] pairs", "`sum` 须为非空的 [系数, 字段] 对列表"),
                      file, node, "sum")
        for i, pair in enumerate(seq):
            if not isinstance(pair, CommentedSeq) or len(pair) != 2:
                raise err(Msg("`sum` is a list of [coefficient, fact] pairs", "`sum` 须为 [系数, 字段] 对列表"), file, seq, i)
            spec_i = _fact_spec(vocab, pair[1], file, seq, i)
            coef = to_fraction(pair[0], file, seq, i, Msg("a coefficient", "系数"))
            if spec_i.type == "money_list" and "[" not in str(pair[1]):  # a list: every item, same coefficient
                terms += [(coef, n) for n in spec_i.numeric_names]
            else:
                terms.append((coef, str(pair[1])))
        subjects = [tuple(terms)]
        spec = None
    else:
        fname = node[sk]
        spec = _fact_spec(vocab, fname, file, node, sk)
        if sk == "each":
            if spec.type != "money_list":
                raise err(Msg(f"`each` needs a list fact; `{fname}` is {spec.type}", f"`each` 须用于列表字段；`{fname}` 的类型为 {spec.type}"),
                          file, node, sk, field=fname)
            subjects = [((Fraction(1), n),) for n in spec.numeric_names]
        else:
            if spec.type == "money_list":
                raise err(Msg(f"`{fname}` is a list; compare its items with `each:`", f"`{fname}` 是列表；请用 `each:` 比较其各项"),
                          file, node, sk, field=fname)
            if spec.type == "date":
                raise err(Msg(f"`{fname}` is a date; clauses compare the derived numbers (age, months …)",
                          f"`{fname}` 是日期；条款比较由日期推导的数值（年龄、月数等）"),
                          file, node, sk, field=fname)
            subjects = [((Fraction(1), str(fname)),)]
    parts: list[Expr] = []
    for terms in subjects:
        for op in ops:
            parts.append(_comparison(file, node, op, terms, spec, vocab, params, span))
    return parts[0] if len(parts) == 1 else All(tuple(parts), span=span)


def _fact_spec(vocab: Vocabulary, name, file, node, key) -> FactSpec:
    # INVARIANT: a fact name that reaches a backend is a declared name, character for character.
    spec = vocab.facts.get(name.split("[", 1)[0]) if isinstance(name, str) and FACT_NAME.fullmatch(name) else None
    if spec is None or ("[" in name and name not in spec.numeric_names):
        close = [f for f in vocab.facts if str(name).split(".")[-1] in f] if isinstance(name, str) else []
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close[:3])}?" if close else ""
        hint_zh = f"；是否想用 {'、'.join(f'`{c}`' for c in close[:3])}？" if close else ""
        raise err(Msg(f"the clause refers to an undeclared fact `{shown(name, 80)}` (not in vocabulary.yaml){hint}",
                      f"条款引用了未声明的字段 `{shown(name, 80)}`（不在 vocabulary.yaml 中）{hint_zh}"),
                  file, node, key, field=shown(name, 80))
    return spec


def _label_hint(vocab: Vocabulary, spec: FactSpec, value) -> str:
    """`` (use `master` (硕士))`` when ``value`` is the Chinese label of a choice: rules are written with ids."""
    if not isinstance(value, str):
        return ""
    from policy.i18n import _choice_words
    words = {**_choice_words(vocab), **dict(spec.choice_zh)}
    for cid in spec.choices:
        zh = words.get(cid)
        if zh and (value == zh or (zh.endswith("区") and value == zh[:-1])):
            return f": use `{cid}` ({zh})"
    return ""


def _comparison(file, node, op, terms, spec: FactSpec | None, vocab, params, span) -> Expr:
    value = node[op]
    fname = terms[0][1]
    if op in ("in", "not_in"):
        if spec is None or spec.type != "enum":
            raise err(Msg(f"`{op}` needs an enum fact", f"`{op}` 须用于选项字段"), file, node, op)
        set_name = None
        if isinstance(value, CommentedMap) and set(value) == {"set"}:
            set_name = value["set"]
            if params is None or not isinstance(set_name, str) or set_name not in params.district_sets:
                raise err(Msg(f"unknown set `{shown(set_name, 60)}`", f"未知的集合 `{shown(set_name, 60)}`"), file, value, "set")
            names = params.district_sets[set_name]
        elif isinstance(value, CommentedSeq) and all(isinstance(v, str) for v in value):
            names = list(value)
        else:
            raise err(Msg(f"`{op}` takes a list of choices or `{{set: NAME}}`", f"`{op}` 的值须为选项列表或 `{{set: 名称}}`"), file, node, op)
        bad = [n for n in names if n not in spec.choices]
        if not names:
            raise err(Msg(f"`{op}` needs at least one choice", f"`{op}` 至少需要一个选项"), file, node, op)
        if bad:
            raise err(Msg(f"`{shown(bad[0], 60)}` is not a choice of `{fname}`{_label_hint(vocab, spec, bad[0])}; choices: {', '.join(spec.choices)}",
                          f"`{shown(bad[0], 60)}` 不是 `{fname}` 的选项{_label_hint(vocab, spec, bad[0])}；可选：{_ticks(spec.choices)}"), file, node, op)
        e = In(fname, frozenset(spec.choices.index(n) for n in names), set_name=set_name, span=span)
        return not_of(e) if op == "not_in" else e
    if isinstance(value, CommentedMap):
        r = Reader(file, value, "a threshold", {"times", "param", "round"}, {"times", "param"})
        p = r.str("param")
        if p not in THRESHOLD_PARAMS:
            raise r.err("param", Msg(f"unknown parameter `{p}`; known: {', '.join(THRESHOLD_PARAMS)}",
                                    f"未知的参数 `{p}`；已知参数：{_ticks(THRESHOLD_PARAMS)}"))
        rnd = r.get("round", "yuan")
        if rnd not in ("yuan", "exact"):
            raise r.err("round", Msg("`round` is `yuan` (half up to whole 元, as offices publish) or `exact`",
                                    "`round` 为 `yuan`（四舍五入到元，与官方公布一致）或 `exact`"))
        rhs = Threshold(r.number("times"), p,
                        "half_up_yuan" if rnd == "yuan" else None)
        return Cmp(terms, op, rhs, span=span)
    if spec is not None and spec.type == "bool":
        if not isinstance(value, bool) or op not in ("eq", "ne"):
            hint = {"是": " (use `true` for 是)", "否": " (use `false` for 否)"}.get(value, "") if isinstance(value, str) else ""
            raise err(Msg(f"`{fname}` is yes/no: compare with `eq: true` or `eq: false`{hint}",
                          f"`{fname}` 是是否字段：请用 `eq: true` 或 `eq: false` 比较{hint}"), file, node, op, field=fname)
        return Cmp(terms, op, Fraction(int(value)), span=span)
    if spec is not None and spec.type == "enum":
        if value not in spec.choices:
            raise err(Msg(f"`{shown(value, 60)}` is not a choice of `{fname}`{_label_hint(vocab, spec, value)}; choices: {', '.join(spec.choices)}",
                          f"`{shown(value, 60)}` 不是 `{fname}` 的选项{_label_hint(vocab, spec, value)}；可选：{_ticks(spec.choices)}"),
                      file, node, op, field=fname)
        if op not in ("eq", "ne") and not spec.ordered:
            raise err(Msg(f"`{fname}` has no order; use eq, ne, in or not_in", f"`{fname}` 的选项没有大小顺序；请用 `eq`、`ne`、`in` 或 `not_in`"),
                      file, node, op, field=fname)
        idx = spec.choices.index(value)
        if op in ("eq", "ne"):
            e = In(fname, frozenset({idx}), span=span)
            return e if op == "eq" else not_of(e)
        return Cmp(terms, op, Fraction(idx), span=span)
    return Cmp(terms, op, to_fraction(value, file, node, op, Msg(f"the value of `{op}`", f"`{op}` 的值")), span=span)


# --- jurisdictions -----------------------------------------------------------------------------

CLAUSE_KEYS = {"id", "topic", "cite", "quote", "strength", "note", "note_zh", "when", "title", "applies_to"}


def _clause(file: Path, node, kind: str, vocab: Vocabulary, params: Params, sources: dict[str, str],
            pathway: str | None = None, at: tuple | None = None) -> Clause:
    r = Reader(file, node, "a clause", CLAUSE_KEYS, {"id", "topic", "cite", "quote", "when"}, at=at)
    cid = r.ident("id")
    topic = r.ident("topic")
    if topic not in vocab.topics:
        raise r.err("topic", f"unknown topic `{shown(topic, 60)}`; topics are listed in policy/topics.yaml")
    cite = _cite(file, r, sources)
    strength = r.str("strength", "required")
    if strength not in ("required", "in_principle"):
        raise r.err("strength", "strength is `required` or `in_principle` (原则上)")
    line, col = node_pos(node)
    title = r.text("title", required=False) or {"zh": cite.quote[:40], "en": cid}
    return Clause(id=cid, topic=topic, kind=kind, cite=cite, strength=strength,
                  when=parse_cond(file, node, "when", vocab, params), title=title, note=r.str("note"),
                  note_zh=r.str("note_zh"),
                  pathway=pathway, span=Span(file.name, line or 0, col or 0))


def _cite(file: Path, r: Reader, sources: dict[str, str]) -> Cite:
    cr = Reader(file, r.get("cite"), "`cite`", {"source", "section"}, {"source", "section"}, at=(r.node, "cite"))
    src, section, quote = cr.nonempty("source"), cr.nonempty("section"), r.nonempty("quote")
    if src not in sources:
        raise cr.err("source", f"unknown source `{shown(src, 80)}`; bundled sources: {', '.join(sorted(sources))}")
    if not quote or normalize(quote) not in normalize(sources[src]):
        raise r.err("quote", f"the quote is not found verbatim in {src}: “{shown(quote or '', 60)}”")
    bad = check_cite(sources[src], section, quote)
    if bad is not None:
        where, why = bad
        why = why.replace("the source", src)
        raise cr.err("section", why) if where == "section" else r.err("quote", f"“{shown(quote, 40)}”: {why}")
    return Cite(src, section, quote)


def load_jurisdiction(file: Path, vocab: Vocabulary, params: Params, sources: dict[str, str]) -> Jurisdiction:
    data = read_yaml(file)
    top = Reader(file, data, "a jurisdiction file", {"meta", "employer", "applicant", "pathways", "exclusions"},
                 {"meta"}, at=DOCUMENT)
    m = Reader(file, data["meta"], "`meta`",
               {"id", "name", "issuer", "document", "in_force", "sources", "note"}, {"id", "name", "document", "sources"},
               at=(data, "meta"))
    jid = m.str("id")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,59}", jid or ""):
        raise m.err("id", "the id is lower-case latin letters, digits and _ (the pinyin district name)")
    frm = to = None
    if m.get("in_force") is not None:
        fr = Reader(file, m.get("in_force"), "`in_force`", {"from", "to", "note"}, at=(m.node, "in_force"))
        frm, to = fr.date("from"), fr.date("to")
    srcs = m.list("sources", required=True, nonempty=True)
    for i, s in enumerate(srcs):
        if not isinstance(s, str) or s not in sources:
            raise err(f"unknown source `{shown(s, 80)}`; bundled sources: {', '.join(sorted(sources))}", file, srcs, i,
                      field="sources")
    seen: dict[str, Clause] = {}

    def remember(c: Clause, node) -> Clause:
        _prefixed(file, node, c.id, jid, "clause")
        if c.id in seen:
            raise err(f"duplicate clause id `{c.id}`", file, node, "id", field="id")
        seen[c.id] = c
        return c

    def clauses(key: str, kind: str) -> tuple[Clause, ...]:
        seq = top.list(key)
        return tuple(remember(_clause(file, n, kind, vocab, params, sources, at=(seq, i)), n) for i, n in enumerate(seq))

    employer, applicant, exclusions = clauses("employer", "employer"), clauses("applicant", "applicant"), \
        clauses("exclusions", "exclusion")
    pathways = []
    pseq = top.list("pathways")
    for pi, pn in enumerate(pseq):
        pr = Reader(file, pn, "a pathway", {"id", "topic", "title", "clauses"}, {"id", "topic", "title", "clauses"},
                    at=(pseq, pi))
        pid = pr.ident("id")
        _prefixed(file, pn, pid, jid, "pathway")
        if pr.ident("topic") not in vocab.topics:
            raise pr.err("topic", f"unknown topic `{pr.str('topic')}`; topics are listed in policy/topics.yaml")
        cseq = pr.list("clauses", required=True, nonempty=True)
        cls = tuple(remember(_clause(file, n, "pathway", vocab, params, sources, pathway=pid, at=(cseq, i)), n)
                    for i, n in enumerate(cseq))
        line, col = node_pos(pn)
        pathways.append(Pathway(pid, pr.str("topic"), pr.text("title"), cls, Span(file.name, line or 0, col or 0)))
    employer, applicant = _scoped(file, top, "employer", employer, pathways), _scoped(file, top, "applicant", applicant,
                                                                                        pathways)
    for key in ("exclusions",):
        for n in top.list(key):
            if isinstance(n, CommentedMap) and "applies_to" in n:
                raise err("`applies_to` is for employer and applicant clauses (an exclusion applies to every "
                          "pathway)", file, n, "applies_to", field="applies_to")
    for p in pathways:
        for n, c in zip(next(x for x in top.list("pathways") if x.get("id") == p.id)["clauses"], p.clauses,
                        strict=True):
            if "applies_to" in n:
                raise err(f"`applies_to` is for employer and applicant clauses; `{c.id}` is in a pathway already",
                          file, n, "applies_to", field="applies_to")
    return Jurisdiction(id=jid, name=m.text("name"), issuer=m.str("issuer", ""), document=m.nonempty("document"),
                        in_force_from=frm, in_force_to=to, sources=tuple(srcs), employer=employer,
                        applicant=applicant, pathways=tuple(pathways), exclusions=exclusions,
                        note=m.str("note"), file=str(file), raw_meta={"in_force_note": (m.get("in_force") or {}).get("note")})


def _prefixed(file: Path, node, xid: str, jid: str, what: str) -> None:
    """Ids are global (proofs, conflicts and reports name clauses of several jurisdictions side by side):
    each starts with its jurisdiction's id."""
    if not xid.startswith(jid + "."):
        tail = xid.split(".", 1)[1] if "." in xid else xid
        raise err(f"the {what} id `{shown(xid, 60)}` must start with the jurisdiction id `{jid}.` "
                  f"(e.g. `{jid}.{shown(tail, 40)}`)", file, node, "id", field="id")


def _scoped(file: Path, top: Reader, key: str, clauses: tuple[Clause, ...], pathways: list[Pathway]) -> tuple[Clause, ...]:
    """Resolve ``applies_to: {except: [pathway ids]}`` / ``{only: [...]}`` of base clauses."""
    import dataclasses
    ids = [p.id for p in pathways]
    out = []
    for n, c in zip(top.list(key), clauses, strict=True):
        raw = n.get("applies_to")
        if raw is None:
            out.append(c)
            continue
        r = Reader(file, raw, "`applies_to`", {"except", "only"})
        if len(raw) != 1:
            raise err("`applies_to` takes one of `except: [pathway ids]` or `only: [pathway ids]`", file, n,
                      "applies_to", field="applies_to")
        mode = next(iter(raw))
        listed = r.list(mode, required=True)
        for i, pid in enumerate(listed):
            if pid not in ids:
                raise err(f"unknown pathway `{pid}`; this file's pathways: {', '.join(ids) or 'none'}", file, listed, i,
                          field="applies_to")
        chosen = tuple(p for p in ids if (p in listed) == (mode == "only"))
        if not chosen:
            raise err("`applies_to` leaves no pathway this clause applies to", file, n, "applies_to",
                      field="applies_to")
        out.append(dataclasses.replace(c, applies_to=chosen, scope=(str(mode), tuple(str(x) for x in listed))))
    return tuple(out)


def load_sources(sdir: Path = POLICY_DIR / "sources") -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(sdir.glob("*.txt"))}


def load_policy_from(jdir: Path | None, extra_files: list[Path] = ()) -> Policy:
    """The jurisdiction files of ``jdir`` (if any) and ``extra_files``."""
    vocab, params, sources = load_vocabulary(), load_params(), load_sources()
    jur: dict[str, list[Jurisdiction]] = {}
    for f in [*(sorted(jdir.glob("*.yaml")) if jdir else []), *extra_files]:
        j = load_jurisdiction(Path(f), vocab, params, sources)
        jur.setdefault(j.id, []).append(j)
    for versions in jur.values():
        versions.sort(key=lambda v: v.in_force_from or dt.date.min)
    return Policy(vocab, params, jur, sources)


@cache(4)
def load_policy(rules: str | None = None) -> Policy:
    """The shipped policy (package data), or the rules pack in directory ``rules`` (policy/pack.py); loaded
    once per process, and compiled once per content of the files (``policy.compiled``)."""
    # the entry holds the Pack it was read from, and the restricted unpickler never imports a module
    from policy.pack import open_pack
    if rules is None:
        return _compiled_policy(None)
    root = open_pack(Path(rules)).root  # the layout is checked (and errors raised) before any cache lookup
    return _compiled_policy(str(root.resolve()))


def _policy_files(rules: str | None) -> list[Path]:
    """Every file the policy of ``rules`` is read from: what the compiled policy is keyed by."""
    shipped = [POLICY_DIR / "vocabulary.yaml", POLICY_DIR / "topics.yaml", *sorted((POLICY_DIR / "params").glob("*.yaml")),
               *sorted((POLICY_DIR / "sources").glob("*.txt")), *sorted((POLICY_DIR / "jurisdictions").glob("*.yaml"))]
    if rules is None:
        return shipped
    return [*shipped, *sorted(p for p in Path(rules).rglob("*") if p.is_file())]


@compiled(_policy_files, Policy)
def _compiled_policy(rules: str | None) -> Policy:
    from policy.pack import load_pack
    return load_pack(POLICY_DIR if rules is None else Path(rules))
