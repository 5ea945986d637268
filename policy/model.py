"""Typed model of the policy data: vocabulary, parameters, jurisdictions and their clauses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from policy.expr import Expr, Span

Text = dict  # {"zh": ..., "en": ...}


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # fixed | time | effort
    per_month: Fraction = Fraction(0)  # time: growth per month waited
    unit: Fraction = Fraction(1)  # effort: size of one step
    cost: Fraction = Fraction(0)  # effort: points per step


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    type: str  # date | bool | int | decimal | money | enum | money_list
    label: Text
    unit: Text | None = None
    choices: tuple[str, ...] = ()
    ordered: bool = False
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    length: int = 0
    derived: bool = False
    default: object = None  # value used when the profile leaves the fact out
    change: Change = Change("fixed")
    choice_zh: tuple[tuple[str, str], ...] = ()  # enum: (choice, its Chinese wording)
    # money_list only: "monthly" when the items are consecutive months, oldest first, the last the latest
    # complete month before the application date. ``missing`` never changes a past month: waiting moves the
    # window, and the months to come take one value that may be changed at the fact's cost.
    series: str | None = None

    @property
    def scope(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def numeric_names(self) -> tuple[str, ...]:
        """The scalar facts the backends see (a list fact becomes name[0], name[1], ...)."""
        if self.type == "money_list":
            return tuple(f"{self.name}[{i}]" for i in range(self.length))
        return (self.name,)


@dataclass(frozen=True, slots=True)
class Constraint:
    id: str
    when: Expr
    validate: bool
    message: Text


@dataclass
class Vocabulary:
    facts: dict[str, FactSpec]
    constraints: list[Constraint]
    topics: dict[str, Text]

    def spec(self, scalar: str) -> FactSpec:
        """Spec of a scalar fact name, ``x[1]`` resolving to list fact ``x``."""
        return self.facts[scalar.split("[", 1)[0]]

    def scalars(self) -> list[str]:
        return [n for s in self.facts.values() if s.type != "date" for n in s.numeric_names]


@dataclass(frozen=True, slots=True)
class Cite:
    source: str
    section: str
    quote: str

    def as_dict(self) -> dict:
        return {"source": self.source, "section": self.section, "quote": self.quote}


@dataclass(frozen=True)
class Clause:
    id: str
    topic: str
    kind: str  # employer | applicant | pathway | exclusion
    cite: Cite
    strength: str  # required | in_principle
    when: Expr
    title: Text
    note: str | None = None
    pathway: str | None = None
    span: Span | None = field(default=None, compare=False)
    note_zh: str | None = None  # the same interpretation in Chinese (explanations with --lang zh)
    # A base (employer / applicant) clause that applies to some pathways only (``applies_to: {except: [...]}``
    # or ``{only: [...]}``): the ids of the pathways it applies to; ``None`` for every pathway.
    applies_to: tuple[str, ...] | None = None
    scope: tuple[str, tuple[str, ...]] | None = None  # as written: ("except" | "only", pathway ids)

    def applies(self, pathway_id: str) -> bool:
        return self.applies_to is None or pathway_id in self.applies_to

    def note_in(self, lang: str) -> str | None:
        return (self.note_zh or self.note) if lang == "zh" else (self.note or self.note_zh)


@dataclass(frozen=True)
class Pathway:
    id: str
    topic: str
    title: Text
    clauses: tuple[Clause, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(eq=False)
class Jurisdiction:
    id: str
    name: Text
    issuer: str
    document: str
    in_force_from: dt.date | None
    in_force_to: dt.date | None
    sources: tuple[str, ...]
    employer: tuple[Clause, ...]
    applicant: tuple[Clause, ...]
    pathways: tuple[Pathway, ...]
    exclusions: tuple[Clause, ...]
    note: str | None = None
    file: str = ""
    raw_meta: dict = field(default_factory=dict)

    def clauses(self) -> list[Clause]:
        return [*self.employer, *self.applicant, *(c for p in self.pathways for c in p.clauses), *self.exclusions]

    def clause(self, cid: str) -> Clause:
        for c in self.clauses():
            if c.id == cid:
                return c
        raise KeyError(cid)

    def in_force(self, day: dt.date) -> bool:
        return (self.in_force_from is None or self.in_force_from <= day) and (
            self.in_force_to is None or day <= self.in_force_to)


@dataclass(frozen=True, slots=True)
class WageYear:
    year: int
    monthly: int
    annual: int | None
    published: dt.date
    confidence: str
    cite: str
    # (jurisdiction id, date, cite): a primary source of that jurisdiction, in force on that date,
    # prints the figure, which proves it published by then there (earlier than the proxy date).
    evidence: tuple[tuple[str, dt.date, str], ...] = ()

    def published_for(self, jurisdiction: str | None) -> tuple[dt.date, str | None]:
        """The publication date that counts for ``jurisdiction``, and the evidence cited (None: proxy)."""
        for jid, day, cite in self.evidence:
            if jid == jurisdiction and day < self.published:
                return day, cite
        return self.published, None


@dataclass
class Params:
    wage_years: list[WageYear]
    wage_rounding: str
    wage_rounding_cite: Cite
    district_sets: dict[str, tuple[str, ...]]
    district_set_labels: dict[str, Text]
    district_names: dict[str, Text]
    retirement: dict


# The facts the loader derives from others (``solver.facts``), and what they are derived from: the
# vocabulary marks them ``derived``; lint and the profile reference show where they come from.
DERIVED_FROM = {
    "applicant.age_months": ("applicant.birth_date", "application.date"),
    "applicant.months_to_retirement": ("applicant.birth_date", "applicant.sex", "applicant.female_category"),
    "applicant.months_to_retirement_min": ("applicant.birth_date", "applicant.sex", "applicant.female_category"),
}
