"""Side by side: each jurisdiction's rule on every topic, in plain words and the original quote.

A row per topic; a cell per jurisdiction with its clauses on that topic (parameters in words, the
threshold arithmetic on the date, strength, citation, quote). Differences are not guessed from the
text: z3 compares the cells (the conjunction of a jurisdiction's clauses on the topic, employer
placed in its own district) with the first jurisdiction that has the topic — ``same``, ``stricter``,
``looser`` or ``different`` — and a topic a jurisdiction does not regulate is ``absent``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from policy.expr import SYMBOL, All, Any, AtLeast, Cmp, Const, Expr, In, Not, all_of, evaluate, facts_of, fmt_num
from policy.i18n import choice, say
from policy.load import Policy
from solver.analyses.common import (
    DISTRICT_FACTS,
    Claim,
    PairWitness,
    home_district,
    implies,
    override,
    reference_facts,
    reference_values,
)
from solver.backends.smt.session import UNKNOWN_TEXT, BudgetExhausted, Session
from solver.backends.smt.space import Space, closure, to_profile
from solver.facts import display, facts_from_dict, wage_on
from solver.program import compile_program
from solver.render.inert import markdown as md

WORDS = {"and": {"zh": "且", "en": "and"}, "or": {"zh": "或", "en": "or"}, "not": {"zh": "非", "en": "not"},
         "at_least": {"zh": "至少满足{k}项", "en": "at least {k} of"}, "true": {"zh": "恒成立", "en": "always"},
         "false": {"zh": "不可能", "en": "never"},
         "each": {"zh": "{label}", "en": "{label}"}}  # list labels already say "each of the last 3 years"

RELATION_ZH = {"different": "不同", "absent": "未规定", "unknown (budget exhausted)": "未知（求解预算耗尽）"}


def _each(items) -> Cmp | None:
    """The comparison an `each:` expanded into (same op and threshold on x[0], x[1], …), or None."""
    if len(items) < 2 or not all(isinstance(i, Cmp) and len(i.terms) == 1 and i.terms[0][0] == 1 for i in items):
        return None
    names = [i.terms[0][1] for i in items]
    base = names[0].split("[", 1)[0]
    if names != [f"{base}[{k}]" for k in range(len(items))] or len({(i.op, i.rhs) for i in items}) != 1:
        return None
    return items[0]


def describe(policy: Policy, e: Expr, lang: str = "en") -> str:
    """An expression in plain words (vocabulary labels, choice names, thresholds with their arithmetic)."""
    vocab = policy.vocabulary

    def label(f: str) -> str:
        spec = vocab.spec(f)
        lab = spec.label.get(lang, spec.label["en"])
        return lab + (f"[{f.split('[')[1]}" if "[" in f else "")

    def go(x: Expr, top: bool = False) -> str:
        match x:
            case Const(v):
                return WORDS["true" if v else "false"][lang]
            case Cmp(terms, op, rhs):
                if len(terms) == 1 and terms[0][0] == 1:
                    f = terms[0][1]
                    spec = vocab.spec(f)
                    val = say(display(policy, f, rhs), lang) if spec.type in ("enum", "bool") else fmt_num(rhs)
                    unit = f" {spec.unit.get(lang, spec.unit['en'])}" if spec.unit and spec.type not in ("enum", "bool") \
                        else ""
                    s = f"{label(f)} {SYMBOL[op]} {val}{unit}"
                else:
                    lhs = " + ".join(f"{fmt_num(c)} × {label(f)}" for c, f in terms)
                    s = f"{lhs} {SYMBOL[op]} {fmt_num(rhs)}"
                return s + (f" [{say(x.derivation, lang)}]" if x.derivation else "")
            case In(fact, values):
                spec = vocab.spec(fact)
                if x.set_name:
                    names = policy.params.district_set_labels.get(x.set_name, {}).get(lang, x.set_name)
                else:
                    names = ", ".join(say(choice(vocab, spec, i), lang) for i in sorted(values))
                return f"{label(fact)} ∈ {{{names}}}" if len(values) > 1 else f"{label(fact)} = {names}"
            case All(items) if (each := _each(items)) is not None:
                # `each:` over a list fact: one phrase, not one comparison per item
                c = each
                f = c.terms[0][1].split("[", 1)[0]
                spec = vocab.spec(f)
                unit = f" {spec.unit.get(lang, spec.unit['en'])}" if spec.unit else ""
                head = WORDS["each"][lang].format(label=spec.label.get(lang, spec.label["en"]))
                return f"{head} {SYMBOL[c.op]} {fmt_num(c.rhs)}{unit}" + (f" [{say(c.derivation, lang)}]" if c.derivation else "")
            case All(items):
                s = f" {WORDS['and'][lang]} ".join(go(i) for i in items)
                return s if top else f"({s})"
            case Any(items):
                s = f" {WORDS['or'][lang]} ".join(go(i) for i in items)
                return s if top else f"({s})"
            case Not(item):
                if isinstance(item, In):
                    spec = vocab.spec(item.fact)
                    names = (policy.params.district_set_labels.get(item.set_name, {}).get(lang, item.set_name)
                             if item.set_name else ", ".join(say(choice(vocab, spec, i), lang) for i in sorted(item.values)))
                    return f"{label(item.fact)} ∉ {{{names}}}" if len(item.values) > 1 else \
                        f"{label(item.fact)} ≠ {names}"
                return f"{WORDS['not'][lang]} {go(item)}"
            case AtLeast(k, items):
                return WORDS["at_least"][lang].format(k=k) + " (" + "; ".join(go(i) for i in items) + ")"
        raise TypeError(x)

    return go(e, True)


@dataclass
class ClauseCell:
    id: str
    kind: str  # employer | applicant | pathway | exclusion
    pathway: str | None
    strength: str
    words: dict  # zh/en: the requirement in plain words
    source: str
    section: str
    quote: str

    def as_dict(self) -> dict:
        return {"clause": self.id, "kind": self.kind, "pathway": self.pathway, "strength": self.strength,
                "rule": self.words, "cite": {"source": self.source, "section": self.section, "quote": self.quote}}


@dataclass
class Cell:
    jurisdiction: str
    clauses: list[ClauseCell]
    relation: str  # reference | same | stricter | looser | different | absent | unknown (budget exhausted)
    relative_to: str | None = None
    witness: dict | None = None  # stricter / looser / different: a replayed profile one rule accepts, the other not

    def as_dict(self) -> dict:
        return {"jurisdiction": self.jurisdiction, "relation": self.relation, "relative_to": self.relative_to,
                "clauses": [c.as_dict() for c in self.clauses], "witness": self.witness}


@dataclass
class Row:
    topic: str
    label: dict
    cells: list[Cell]

    @property
    def differs(self) -> bool:
        return any(c.relation not in ("reference", "same") for c in self.cells)

    def as_dict(self) -> dict:
        return {"topic": self.topic, "label": self.label, "differs": self.differs,
                "cells": [c.as_dict() for c in self.cells]}


@dataclass
class Comparison:
    date: dt.date
    jurisdictions: list[str]
    rows: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "jurisdictions": self.jurisdictions,
                "topics": [r.as_dict() for r in self.rows]}

    to_json = as_dict

    def to_markdown(self, lang: str = "en") -> str:
        zh = lang == "zh"
        out = [f"# {'对比' if zh else 'Comparison'}: {', '.join(self.jurisdictions)} ({self.date})", ""]
        out.append("| " + ("主题" if zh else "topic") + " | " + " | ".join(self.jurisdictions) + " |")
        out.append("|---" * (len(self.jurisdictions) + 1) + "|")
        for r in self.rows:
            mark = "**≠** " if r.differs else ""
            cells = []
            for c in r.cells:
                if not c.clauses:
                    cells.append("—")
                    continue
                rel = "" if c.relation in ("reference", "same") else f"**{c.relation}** "
                # policy text is made literal (markdown()): the only markup in a cell is ours
                body = "<br>".join(f"{md(x.words[lang])}{' (原则上)' if x.strength == 'in_principle' else ''}"
                                   f"<br>“{md(x.quote)}” ({md(x.source)} {md(x.section)})" for x in c.clauses)
                cells.append(rel + body)
            out.append(f"| {mark}{md(r.label.get(lang, r.topic))} | " + " | ".join(cells) + " |")
        return "\n".join(out) + "\n"

    def render(self, lang: str = "en") -> str:
        out = [f"{'对比' if lang == 'zh' else 'compare'} {', '.join(self.jurisdictions)} ({self.date})"]
        for r in self.rows:
            out.append(f"{'≠' if r.differs else '='} {r.topic} — {r.label.get(lang, r.topic)}")
            for c in r.cells:
                if not c.clauses:
                    out.append(f"    {c.jurisdiction}: — ({'未规定' if lang == 'zh' else 'not regulated'})")
                    continue
                if c.relation in ("reference", "same"):
                    rel = ""
                elif lang == "zh":
                    zh = {"stricter": "严于", "looser": "宽于"}
                    rel = (f"［{zh[c.relation]} {c.relative_to}］" if c.relation in zh
                           else f"［{RELATION_ZH.get(c.relation, c.relation)}］")
                else:
                    rel = (f" [{c.relation} than {c.relative_to}]" if c.relation in ("stricter", "looser")
                           else f" [{c.relation}]")
                out.append(f"    {c.jurisdiction}{rel}:")
                for x in c.clauses:
                    inp = " (原则上)" if x.strength == "in_principle" else ""
                    out.append(f"      {x.words[lang]}{inp}")
                    out.append(f"      “{x.quote}” [{x.source} {x.section}]")
        return "\n".join(out)



def compare(policy: Policy, jids: list[str], topic: str | None = None, date: dt.date | None = None) -> Comparison:
    """Each jurisdiction's clauses by topic, with z3's verdict of how they relate.

    Example:
        >>> from policy.load import load_policy
        >>> c = compare(load_policy(), ["changping", "xicheng"], topic="work_experience", date=dt.date(2021, 9, 15))
        >>> [x.relation for x in c.rows[0].cells]
        ['reference', 'same']
    """
    date = date or dt.date.today()
    wage = wage_on(policy.params, date)
    progs = {}
    for j in jids:
        jur, _ = policy.version(j, date)
        progs[j] = compile_program(jur, wage)
    topics = [t for t in policy.vocabulary.topics if topic is None or t == topic]
    ref = reference_facts(policy, date)
    res = Comparison(date, list(jids))
    for t in topics:
        conds: dict[str, Expr] = {}
        cells: list[Cell] = []
        for j in jids:
            prog = progs[j]
            cs = [c for c in prog.jurisdiction.clauses() if c.topic == t]
            cells.append(Cell(j, [ClauseCell(c.id, c.kind, c.pathway, c.strength,
                                             {lang: describe(policy, prog.requirement[c.id], lang)
                                              for lang in ("zh", "en")},
                                             c.cite.source, c.cite.section, c.cite.quote) for c in cs], "absent"))
            if cs:
                conds[j] = all_of([prog.requirement[c.id] for c in cs])
        if not conds:
            continue
        first = next(iter(conds))
        for cell in cells:
            if cell.jurisdiction not in conds:
                cell.relative_to = first
                continue
            if cell.jurisdiction == first:
                cell.relation = "reference"
                continue
            try:
                cell.relation, cell.witness = _relation(policy, ref, conds[cell.jurisdiction], cell.jurisdiction,
                                                        conds[first], first)
            except BudgetExhausted:
                cell.relation = UNKNOWN_TEXT
            cell.relative_to = first
        res.rows.append(Row(t, policy.vocabulary.topics[t], cells))
    return res


def _relation(policy: Policy, ref, x: Expr, jx: str, y: Expr, jy: str) -> tuple[str, dict | None]:
    """How rule ``x`` (of ``jx``, employer in its district) relates to ``y`` (of ``jy``): same /
    stricter (x ⇒ y) / looser (y ⇒ x) / different — proven by z3 over every applicant, with a
    replayed witness profile that one rule accepts and the other rejects (``None`` when the same)."""
    names = (facts_of(x) | facts_of(y)) - set(DISTRICT_FACTS)
    space = Space(policy, ref.date, pinned=ref.values, free=closure(policy, names))
    dx, dy = home_district(policy, jx), home_district(policy, jy)
    dx, dy = (dx if dx is not None else dy), (dy if dy is not None else dx)
    session = Session(space)
    cx, cy = _claim(policy, ref, space, x, dx), _claim(policy, ref, space, y, dy)
    near = reference_values(ref)
    x_not_y = implies(session, cx, cy, near)
    y_not_x = implies(session, cy, cx, near)
    rel = {(True, True): "same", (True, False): "stricter", (False, True): "looser",
           (False, False): "different"}[(x_not_y is None, y_not_x is None)]
    found: PairWitness | None = y_not_x if y_not_x is not None else x_not_y
    return rel, None if found is None else to_profile(policy, ref.date, found.values)


def _claim(policy: Policy, ref, space: Space, e: Expr, district: int | None) -> Claim:
    """A cell's rule as one side of the pair check, judged on the replayed profile by the IR
    interpreter (a cell is a conjunction of clauses, not a whole rule, so there is no Datalog verdict)."""
    def holds(values) -> bool | None:
        prof = to_profile(policy, ref.date, {**values, **override(district)})
        facts = facts_from_dict(prof, policy, date=ref.date, file="<witness>")
        return evaluate(e, facts.values)
    return Claim(space.expr(e, override(district)), holds)
