"""Income thresholds over time: every wage year × every multiple a jurisdiction's rules use.

The thresholds are read from the rules (every comparison whose right-hand side is ``times ×
wage.monthly`` or ``times × wage.annual``) and computed for each year of ``policy/params/wage.yaml``
with the same arithmetic the solvers use (``solver.facts.threshold_value``: the exact product,
rounded half up to whole 元 where the rule says so). A wage year applies to applications from its
publication date until the next year's publication; a point is marked ``in_force=False`` when no
version of the jurisdiction's rules was in force in that window.

Example:
    >>> from policy.load import load_policy
    >>> lines = income_thresholds(load_policy(), ["changping"])
    >>> p = next(p for l in lines if l.times == 1.5 and l.param == "wage.monthly" for p in l.points if p.year == 2024)
    >>> int(p.value), p.published.isoformat(), p.derivation
    (17906, '2025-09-18', '1.5 × 11,937 (2024 monthly average wage) = 17,905.5 → 17,906 (rounded to whole 元)')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from policy.expr import Cmp, Threshold, walk
from policy.load import Policy
from solver.facts import Wage, threshold_value


@dataclass
class ThresholdPoint:
    year: int  # the wage (statistics) year
    published: dt.date
    applies_until: dt.date | None  # the day before the next year's figure is published
    value: int | Fraction
    derivation: str
    in_force: bool  # some version of the rules was in force while this figure applied


@dataclass
class ThresholdLine:
    jurisdiction: str
    param: str  # wage.monthly | wage.annual
    times: Fraction
    rounding: str | None
    clauses: list[str]
    facts: list[str]
    points: list[ThresholdPoint] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.param, self.times, self.rounding)

    def as_dict(self) -> dict:
        return {"jurisdiction": self.jurisdiction, "param": self.param, "times": float(self.times),
                "clauses": self.clauses, "facts": self.facts,
                "points": [{"year": p.year, "published": p.published.isoformat(),
                            "applies_until": p.applies_until.isoformat() if p.applies_until else None,
                            "value": int(p.value) if Fraction(p.value).denominator == 1 else float(p.value),
                            "derivation": p.derivation, "in_force": p.in_force} for p in self.points]}


def _wage(w) -> Wage:
    return Wage(year=w.year, monthly=w.monthly, annual=w.annual or 12 * w.monthly, annual_is_published=w.annual is not None,
                published=w.published, cite=w.cite, note="")


def income_thresholds(policy: Policy, jids: list[str]) -> list[ThresholdLine]:
    """One line per jurisdiction and distinct threshold (parameter, multiple), a point per wage year."""
    years = sorted(policy.params.wage_years, key=lambda w: w.year)
    out: list[ThresholdLine] = []
    for jid in jids:
        lines: dict[tuple, ThresholdLine] = {}
        versions = policy.jurisdictions[jid]
        for v in versions:
            for c in v.clauses():
                for n in walk(c.when):
                    if isinstance(n, Cmp) and isinstance(n.rhs, Threshold):
                        t = n.rhs
                        line = lines.setdefault((t.param, t.times, t.rounding),
                                                ThresholdLine(jid, t.param, t.times, t.rounding, [], []))
                        if c.id not in line.clauses:
                            line.clauses.append(c.id)
                        for _, f in n.terms:
                            base = f.split("[", 1)[0]
                            if base not in line.facts:
                                line.facts.append(base)
        for line in lines.values():
            t = Threshold(line.times, line.param, line.rounding)
            for i, w in enumerate(years):
                start = w.published
                nxt = years[i + 1].published if i + 1 < len(years) else None
                until = nxt - dt.timedelta(days=1) if nxt else None
                in_force = any((v.in_force_from is None or until is None or v.in_force_from <= until)
                               and (v.in_force_to is None or v.in_force_to >= start) for v in versions)
                value, text = threshold_value(t, _wage(w))
                line.points.append(ThresholdPoint(w.year, w.published, until, value, text, in_force))
        out += sorted(lines.values(), key=lambda x: (x.param, x.times))
    return out


__all__ = ["income_thresholds", "ThresholdLine", "ThresholdPoint"]
