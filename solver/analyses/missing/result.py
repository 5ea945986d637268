"""What ``wrp missing`` answers: suggestions (facts changed, months waited, values assumed) per
overall answer and per pathway, and the fixed facts that block a goal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from policy.i18n import Msg
from solver.backends.smt.change import WAIT
from solver.backends.smt.session import UNKNOWN_TEXT
from solver.render.analyses import blocker_text, fact_change_text, missing_text, suggestion_lines

UNKNOWN_MSG = Msg(UNKNOWN_TEXT, "未知（求解预算耗尽）")



@dataclass
class FactChange:
    """One fact moved by a suggestion."""

    fact: str
    label: dict
    kind: str  # effort | time | assumed
    before: Fraction | None
    after: Fraction
    before_text: str
    after_text: str
    cost: Fraction
    threshold: str | None = None  # the requirement it now meets, with the arithmetic
    unit: dict | None = None
    choices: tuple[str, ...] = ()  # an enum fact: its choices (JSON gives the choice, not its index)
    boolean: bool = False  # a yes/no fact (JSON gives true / false)

    def text(self, lang: str = "en") -> str:
        return fact_change_text(self, lang)

    def as_dict(self) -> dict:
        delta = self.after - self.before if isinstance(self.before, Fraction) else None
        if self.choices or self.boolean:  # values, not integer codes
            def val(x):
                return None if x is None else (self.choices[int(x)] if self.choices else bool(x))
            return {"fact": self.fact, "kind": self.kind, "before": val(self.before), "after": val(self.after),
                    "delta": None, "unit": None, "before_text": self.before_text, "after_text": self.after_text,
                    "cost": _num(self.cost), "threshold": self.threshold}
        return {"fact": self.fact, "kind": self.kind, "before": _num(self.before), "after": _num(self.after),
                "delta": _num(delta), "unit": (self.unit or {}).get("en"),
                "before_text": self.before_text, "after_text": self.after_text, "cost": _num(self.cost),
                "threshold": self.threshold}


def _num(x: Fraction | None):
    if x is None:
        return None
    return int(x) if x.denominator == 1 else float(x)


@dataclass
class Suggestion:
    """A set of changes that makes the applicant eligible (replayed through Datalog)."""

    cost: Fraction
    wait_months: int
    eligible_on: dt.date
    changes: list[FactChange]
    assumed: list[FactChange]
    pathways: list[str]  # pathways satisfied after the change (Datalog replay)
    never_by_waiting: bool = False

    @property
    def change_set(self) -> frozenset[str]:
        return frozenset(c.fact for c in [*self.changes, *self.assumed] if c.kind in ("effort", "assumed")) | (
            frozenset({WAIT}) if self.wait_months else frozenset())

    def lines(self, lang: str = "en") -> list[str]:
        return suggestion_lines(self, lang)

    def as_dict(self) -> dict:
        return {"cost": _num(self.cost), "wait_months": self.wait_months,
                "eligible_on": self.eligible_on.isoformat(),
                "changes": [c.as_dict() for c in self.changes], "assumed": [c.as_dict() for c in self.assumed],
                "pathways": self.pathways, "text": self.lines("en")}


@dataclass
class Blocker:
    """A fixed fact without which the applicant could become eligible."""

    fact: str
    label: dict
    value: str

    def text(self, lang: str = "en") -> str:
        return blocker_text(self, lang)

    def as_dict(self) -> dict:
        return {"fact": self.fact, "value": self.value}


@dataclass
class PathwayMissing:
    pathway: str
    title: dict
    status: str  # satisfied | reachable | blocked | unknown (budget exhausted)
    suggestion: Suggestion | None = None
    blocked_by: list[Blocker] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"pathway": self.pathway, "title": self.title, "status": self.status,
                "suggestion": self.suggestion.as_dict() if self.suggestion else None,
                "blocked_by": [b.as_dict() for b in self.blocked_by]}


@dataclass
class MissingResult:
    jurisdiction: str
    name: dict
    date: dt.date
    status: str  # the decision now: eligible | ineligible | undetermined
    lenient: bool
    overall: list[Suggestion]
    pathways: list[PathwayMissing]
    blocked_by: list[Blocker]
    warnings: list[str] = field(default_factory=list)
    note: str | None = None  # e.g. "unknown (budget exhausted)"

    def as_dict(self) -> dict:
        return {**getattr(self, "ident", {}), "district": self.jurisdiction, "date": self.date.isoformat(),
                "status": self.status,
                "lenient": self.lenient, "suggestions": [s.as_dict() for s in self.overall],
                "pathways": [p.as_dict() for p in self.pathways],
                "blocked_by": [b.as_dict() for b in self.blocked_by], "warnings": self.warnings,
                "note": self.note}

    def render(self, lang: str = "en") -> str:
        return missing_text(self, lang)


