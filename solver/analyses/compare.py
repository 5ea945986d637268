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

from policy.expr import Expr, all_of, evaluate, facts_of
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
from solver.backends.smt.worker import on_z3_thread
from solver.facts import facts_from_dict, wage_on
from solver.program import compile_program
from solver.render.analyses import compare_markdown, compare_text
from solver.render.words import describe


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
        return compare_markdown(self, lang)

    def render(self, lang: str = "en") -> str:
        return compare_text(self, lang)



@on_z3_thread  # z3 runs on one thread (solver.backends.smt.worker)
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
