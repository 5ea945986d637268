"""What ``wrp missing`` answers: suggestions (facts changed, months waited, values assumed) per
overall answer and per pathway, and the fixed facts that block a goal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from policy.expr import fmt_num
from policy.i18n import Msg, say, status_text
from solver.backends.smt.change import BIRTH, WAIT
from solver.backends.smt.session import UNKNOWN_TEXT

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

    def text(self, lang: str = "en") -> str:
        lab = self.label.get(lang, self.label["en"])
        unit = f" {self.unit.get(lang, self.unit['en'])}" if self.unit else ""
        before, after = say(self.before_text, lang), say(self.after_text, lang)
        threshold = say(self.threshold, lang) if self.threshold else None
        if self.kind == "assumed":
            return f"{lab} = {after}{unit} ({'假设' if lang == 'zh' else 'assumed: not in the profile'})"
        s = f"{lab} {before} → {after}" + (unit if self.kind == "time" else "")
        if self.before is not None and self.kind != "time" and isinstance(self.before, Fraction) and \
                self.unit is not None:
            d = self.after - self.before
            s += f" ({'+' if d >= 0 else '−'}{fmt_num(abs(d))}{unit}"
            s += f", {threshold})" if threshold else ")"
        elif threshold:
            s += f" ({threshold})"
        return s

    def as_dict(self) -> dict:
        delta = self.after - self.before if isinstance(self.before, Fraction) else None
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
        out = []
        if self.wait_months:
            w = self.wait_months
            if lang == "zh":
                out.append(f"等待 {w} 个月：{self.eligible_on} 起（其他条件不变）")
            else:
                out.append(f"wait {w} month{'s' if w != 1 else ''}: reached on {self.eligible_on} "
                           "if nothing else changes")
        out += [("  " if c.kind == "time" else "") + c.text(lang) for c in self.changes]
        out += [c.text(lang) for c in self.assumed]
        return out

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
        return f"{self.label.get(lang, self.label['en'])} = {say(self.value, lang)}"

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
        return {"district": self.jurisdiction, "date": self.date.isoformat(), "status": self.status,
                "lenient": self.lenient, "suggestions": [s.as_dict() for s in self.overall],
                "pathways": [p.as_dict() for p in self.pathways],
                "blocked_by": [b.as_dict() for b in self.blocked_by], "warnings": self.warnings,
                "note": self.note}

    def render(self, lang: str = "en") -> str:
        zh = lang == "zh"
        name = self.name.get(lang, self.name["en"])
        head = f"{name} ({self.jurisdiction}), {self.date}: {status_text(self.status, lang)}"
        out = [head]
        if self.status == "eligible":
            out.append("  已符合条件，无需改变。" if zh else "  already eligible: nothing is missing.")
            return "\n".join(out)
        if self.note:
            out.append(f"  {say(self.note, lang)}")
        if not self.overall:
            if self.blocked_by:
                out.append("  无法通过允许的改变达到条件；阻碍的固定事实：" if zh else
                           "  no allowed change makes the applicant eligible; blocked by the fixed facts:")
                out += [f"    - {b.text(lang)}" for b in self.blocked_by]
                if any(b.fact == BIRTH for b in self.blocked_by):
                    out.append("    (等待无效：先到法定退休年龄)" if zh else
                               "    (never by waiting: the statutory retirement age comes first)")
        for i, s in enumerate(self.overall, 1):
            label = "最省" if zh and i == 1 else ("方案" if zh else ("cheapest" if i == 1 else "alternative"))
            via = ", ".join(s.pathways)
            n = len(s.assumed)
            assumes = "" if not n else (f", 假设 {n} 项未知事实" if zh else f", assumes {n} unknown fact{'s' * (n > 1)}")
            out.append(f"  {i}. {label} — {fmt_num(s.cost)} 分{assumes}（经 {via}）" if zh else
                       f"  {i}. {label} — {fmt_num(s.cost)} points{assumes} (via {via})")
            out += [f"     {x}" for x in s.lines(lang)]
        out.append("  按条件（路径）：" if zh else "  per pathway:")
        for p in self.pathways:
            t = p.title.get(lang, p.title["en"])
            if p.suggestion:
                first = "; ".join(p.suggestion.lines(lang)) or ("—" if p.status == "satisfied" else "")
                out.append(f"    {t}: {fmt_num(p.suggestion.cost)} — {first}")
            elif p.status == "satisfied":
                out.append(f"    {t}: {'已满足' if zh else 'satisfied'}")
            else:
                shown = {"blocked": Msg("blocked", "受阻"), UNKNOWN_TEXT: UNKNOWN_MSG}.get(p.status, p.status)
                why = ", ".join(b.text(lang) for b in p.blocked_by) or say(shown, lang)
                out.append(f"    {t}: {'不可达' if zh else 'not reachable'} ({why})")
        out += [f"  ! {say(w, lang)}" for w in self.warnings]
        return "\n".join(out)


