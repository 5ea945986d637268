"""Deadlines for a permit holder, per jurisdiction, from the procedure clauses.

For a renewal (given the expiry date) and a change of employer (given the day the holder left, and
the expiry date), each jurisdiction's plan has:

* ``earliest``   the first day a filing is allowed (a ``window``)
* ``deadline``   the last day the rules ask for (a ``deadline``, or the end of the ``window``)
* ``last_safe``  the last working day to file so that the review time (``review``) still ends before
                 the permit lapses — never later than ``deadline``
* ``lapse``      the first day the permit is no longer valid if nothing is filed / approved in time
* ``suspended``  the day the permit is suspended (挂起), at the latest
* other events: de-linking and cancellation by the former employer, automatic extension, late filing

Counting (see ``solver.calendar``): periods start the day after the event; working days are the
official calendar; "at least N working days before expiry" and a review of N working days both
give the last working day whose N-th following working day is on or before the expiry date (or the
last working day before it).

Example:
    >>> import datetime as dt
    >>> from policy.load import load_policy
    >>> t = deadlines(load_policy(), ["changping"], expiry=dt.date(2025, 10, 31))
    >>> p = t.plan("changping", "renewal")
    >>> p.earliest, p.last_safe, p.lapse
    (datetime.date(2025, 9, 1), datetime.date(2025, 9, 28), datetime.date(2025, 11, 1))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from policy.expr import evaluate
from policy.i18n import Msg, say
from policy.load import Policy
from policy.procedures import (
    EVENTS,
    AutoExtend,
    Deadline,
    Duration,
    Lapse,
    ProcClause,
    Procedures,
    Window,
    load_procedures,
)
from solver.calendar import (
    add_months,
    add_workdays,
    is_workday,
    last_filing_day,
    workday_on_or_after,
    workday_on_or_before,
)
from solver.facts import Facts
from solver.procedures.facts import stated_date
from solver.render.ics import to_ics
from solver.render.procedures import KINDS, timeline_text

TIMED_BUSINESSES = ("renewal", "employer_change")
# Clauses of another business that belong on the same timeline (cancelling the old link on leaving).
RELATED = {"employer_change": ("cancellation",)}

ACTION_ZH = {"file": "申请", "delink": "解除关联", "cancel": "申请注销"}


def shift(day: dt.date, d: Duration, sign: int, warnings: list[str]) -> dt.date:
    """``day`` moved by ``d`` forwards (sign 1) or backwards (sign -1)."""
    match d.unit:
        case "days":
            return day + dt.timedelta(days=sign * d.n)
        case "working_days":
            return add_workdays(day, sign * d.n, warnings)
        case "months":
            return add_months(day, sign * d.n)
        case "years":
            return add_months(day, sign * 12 * d.n)
    raise ValueError(d.unit)


@dataclass
class Event:
    """One dated point of a plan, with the clauses that put it there."""

    kind: str
    date: dt.date | None
    clauses: tuple[ProcClause, ...]
    note: str | None = None  # a ``Msg``: English, with its Chinese wording

    def as_dict(self) -> dict:
        return {"kind": self.kind, "date": self.date.isoformat() if self.date else None,
                "label": KINDS[self.kind], "note": self.note,
                **({"note_zh": say(self.note, "zh")} if self.note else {}),
                "clauses": [{"id": c.id, "cite": c.cite.as_dict(), "strength": c.strength} for c in self.clauses]}


@dataclass
class Plan:
    """One jurisdiction, one business."""

    jurisdiction: str
    business: str
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # ``Msg``s: English, with their Chinese wording
    review: Duration | None = None

    def get(self, kind: str) -> dt.date | None:
        for e in self.events:
            if e.kind == kind:
                return e.date
        return None

    def event(self, kind: str) -> Event | None:
        return next((e for e in self.events if e.kind == kind), None)

    @property
    def earliest(self) -> dt.date | None:
        return self.get("earliest")

    @property
    def deadline(self) -> dt.date | None:
        return self.get("deadline")

    @property
    def last_safe(self) -> dt.date | None:
        return self.get("last_safe")

    @property
    def lapse(self) -> dt.date | None:
        return self.get("lapse")

    @property
    def suspended(self) -> dt.date | None:
        return self.get("suspended")

    def allows(self, day: dt.date) -> bool | None:
        """Whether filing on ``day`` is within [earliest, last_safe] (None when neither is known)."""
        if self.earliest is None and self.last_safe is None:
            return None
        return (self.earliest is None or self.earliest <= day) and (self.last_safe is None or day <= self.last_safe)

    def as_dict(self) -> dict:
        return {"jurisdiction": self.jurisdiction, "business": self.business,
                "review": {self.review.unit: self.review.n} if self.review else None,
                **{k: (self.get(k).isoformat() if self.get(k) else None)
                   for k in ("earliest", "deadline", "last_safe", "lapse", "suspended")},
                "events": [e.as_dict() for e in self.events], "notes": self.notes,
                "notes_zh": [say(n, "zh") for n in self.notes]}


@dataclass
class Timeline:
    """Plans side by side: ``plans[jurisdiction][business]``."""

    expiry: dt.date | None
    left_employer: dt.date | None
    plans: dict[str, dict[str, Plan]]
    warnings: list[str] = field(default_factory=list)

    def plan(self, jid: str, business: str) -> Plan:
        return self.plans[jid][business]

    def as_dict(self) -> dict:
        return {"expiry": self.expiry.isoformat() if self.expiry else None,
                "left_employer": self.left_employer.isoformat() if self.left_employer else None,
                "jurisdictions": [{"jurisdiction": j, "plans": [p.as_dict() for p in ps.values()]}
                                  for j, ps in self.plans.items()],
                "warnings": self.warnings}

    def render(self, lang: str = "en") -> str:
        return timeline_text(self, lang)

    def to_ics(self, path: str | Path, force: bool = False, inputs=()) -> int:
        """Write every dated event as an all-day VEVENT (atomically; an existing file only with
        ``force``; never over one of ``inputs``); returns the number of events."""
        from solver.render.atomic import write_atomic
        text, n = to_ics(self)
        write_atomic(path, text, force=force, inputs=inputs, field="--ics")
        return n


# --- building plans --------------------------------------------------------------------------------


def _min(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else max(a, b)


def build_plan(proc: Procedures, business: str, anchors: dict[str, dt.date | None], facts: Facts | None,
               warnings: list[str]) -> Plan:
    """The plan of one business from its clauses (and the jurisdiction's general ones)."""
    plan = Plan(proc.jurisdiction, business)
    clauses = proc.clauses(business, include_general=True)
    for extra in RELATED.get(business, ()):
        clauses += proc.clauses(extra)
    earliest: tuple[dt.date | None, list[ProcClause]] = (None, [])
    deadline: tuple[dt.date | None, list[ProcClause]] = (None, [])
    review_clause = next((c for c in clauses if c.kind == "review"), None)
    plan.review = review_clause.rule if review_clause else None
    lapse_clause = next((c for c in clauses if c.kind == "lapse"), None)
    validity = next((c for c in clauses if c.kind == "validity"), None)
    expiry = anchors.get("expiry")

    def need(event: str, c: ProcClause) -> dt.date | None:
        day = anchors.get(event)
        if day is None:
            msg = Msg(f"{c.id}: needs the date of {EVENTS[event]['en']}", f"{c.id}：需要{EVENTS[event]['zh']}的日期")
            if msg not in plan.notes:
                plan.notes.append(msg)
        return day

    for c in clauses:
        match c.kind:
            case "window":
                w: Window = c.rule
                anchor = need(w.event, c)
                if anchor is None:
                    continue
                start, end = ((shift(anchor, w.within, -1, warnings), anchor) if w.side == "before"
                              else (anchor, shift(anchor, w.within, 1, warnings)))
                if earliest[0] is None or start > earliest[0]:
                    earliest = (start, [c])
                if deadline[0] is None or end < deadline[0]:
                    deadline = (end, [c])
            case "deadline":
                d: Deadline = c.rule
                anchor = need(d.event, c)
                if anchor is None:
                    continue
                if d.within is None and d.at_least is None:
                    plan.events.append(Event("promptly", anchor, (c,), Msg(
                        f"{d.action} promptly after {EVENTS[d.event]['en']}",
                        f"{EVENTS[d.event]['zh']}后及时{ACTION_ZH[d.action]}")))
                    if d.action == "delink" and _suspends(clauses):
                        plan.events.append(Event("suspended", None, (c, *_suspends(clauses)), Msg(
                            "on de-linking, which has no fixed deadline", "解除关联时挂起（解除关联无固定期限）")))
                    continue
                if d.side == "after":
                    last = shift(anchor, d.within, 1, warnings)
                    if not is_workday(last, warnings):
                        nxt = workday_on_or_after(last, warnings)
                        plan.notes.append(Msg(
                            f"{c.id}: the period ends on {last}, not a working day; 民法典 第二百零三条 moves the "
                            f"end to the next working day, {nxt}; the last safe day stays on the working day before",
                            f"{c.id}：期间届满日 {last} 不是工作日，依《民法典》第二百零三条顺延至下一个工作日 {nxt}；"
                            f"最晚安全申请日仍取此前的工作日"))
                elif d.at_least.unit == "working_days":
                    last = last_filing_day(anchor, d.at_least.n, warnings)
                else:
                    last = shift(anchor, d.at_least, -1, warnings)
                if d.action == "delink":
                    plan.events.append(Event("delink_by", last, (c,)))
                    if _suspends(clauses):
                        plan.events.append(Event("suspended", last, (c, *_suspends(clauses)), Msg(
                            "suspended when de-linked, at the latest on this day", "解除关联即挂起，最迟于当日")))
                elif d.action == "cancel":
                    plan.events.append(Event("cancel_by", last, (c,)))
                elif deadline[0] is None or last < deadline[0]:
                    deadline = (last, [c])
                elif last == deadline[0]:
                    deadline[1].append(c)
            case "auto_extend":
                _auto_extend(plan, c, expiry, facts)
    if business == "employer_change" and anchors.get("left_employer") and earliest[0] is None:
        left = anchors["left_employer"]
        earliest = (left, [])
        plan.notes.append(Msg("a change of employer can be filed from the day the holder leaves, once the new "
                              "employer is linked", "自离职之日起，新单位完成关联后即可申请变更单位"))
    if earliest[0]:
        plan.events.append(Event("earliest", earliest[0], tuple(earliest[1])))
    if deadline[0]:
        plan.events.append(Event("deadline", deadline[0], tuple(deadline[1])))
    # The permit lapses: when EVENT (+ grace) passes unless approved/filed; without a lapse clause, at
    # the end of its validity.
    approval_by: tuple[dt.date | None, list[ProcClause]] = (None, [])
    if lapse_clause is not None:
        lp: Lapse = lapse_clause.rule
        anchor = need(lp.event, lapse_clause)
        if anchor is not None:
            end = shift(anchor, lp.grace, 1, warnings) if lp.grace else anchor
            plan.events.append(Event("lapse", end + dt.timedelta(days=1), (lapse_clause,), Msg(
                f"unless {'approved' if lp.unless == 'approved' else 'filed'} by {end}",
                f"除非在 {end} 前{'获批' if lp.unless == 'approved' else '提交申请'}")))
            if lp.unless == "approved":
                approval_by = (end, [lapse_clause])
            elif lp.grace:
                plan.events.append(Event("late_until", end, (lapse_clause,)))
    elif validity is not None and expiry is not None and business == "renewal":
        plan.events.append(Event("lapse", expiry + dt.timedelta(days=1), (validity,), Msg(
            "the validity ends; no lapse rule is stated, so approval by the expiry date is assumed necessary",
            "有效期届满；未规定失效规则，故假定须在有效期届满前获批")))
        approval_by = (expiry, [validity])
    last_safe = deadline
    if approval_by[0] is not None and plan.review is not None:
        if plan.review.unit == "working_days":
            by_review = last_filing_day(approval_by[0], plan.review.n, warnings)
        else:
            by_review = workday_on_or_before(shift(approval_by[0], plan.review, -1, warnings), warnings)
        if last_safe[0] is None or by_review < last_safe[0]:
            last_safe = (by_review, [*approval_by[1], review_clause])
        elif by_review == last_safe[0]:
            last_safe = (by_review, [*last_safe[1], review_clause])
    elif approval_by[0] is not None and last_safe[0] is None:
        last_safe = approval_by
        plan.notes.append(Msg("no review time is stated; the filing must be approved by the lapse date",
                              "未规定审核时限；须在失效日前获批"))
    if plan.review is None and last_safe[0] is not None:
        plan.notes.append(Msg("no review time is stated: the last safe day is the rule's own deadline",
                              "未规定审核时限：最晚安全申请日即规定的最后申请日"))
    if last_safe[0] is not None:
        # INVARIANT: a last safe day is a working day (offices accept on working days).
        plan.events.append(Event("last_safe", workday_on_or_before(last_safe[0], warnings),
                                 tuple(dict.fromkeys(last_safe[1]))))
    if plan.earliest and plan.last_safe and plan.earliest > plan.last_safe:
        plan.notes.append(Msg(f"the window opens on {plan.earliest}, after the last safe day {plan.last_safe}: "
                              "no filing day satisfies both rules",
                              f"申请窗口 {plan.earliest} 才开启，晚于最晚安全申请日 {plan.last_safe}：没有同时满足两条规定的申请日"))
    plan.events.sort(key=lambda e: (e.date or dt.date.max, list(KINDS).index(e.kind)))
    return plan


def _suspends(clauses: list[ProcClause]) -> tuple[ProcClause, ...]:
    return tuple(c for c in clauses if c.kind == "suspend")


def _auto_extend(plan: Plan, c: ProcClause, expiry: dt.date | None, facts: Facts | None) -> None:
    ax: AutoExtend = c.rule
    applies = None if ax.when is None else (evaluate(ax.when, facts.values) if facts is not None else None)
    if ax.when is None:
        applies = True
    if applies is False:
        return
    if expiry is None:
        plan.notes.append(Msg(f"{c.id}: needs the expiry date", f"{c.id}：需要证件有效期届满日"))
        return
    limit = shift(expiry, ax.max, 1, [])
    contract_end = stated_date(facts, "applicant.contract.end_date") if facts is not None else None
    to = min(limit, contract_end) if (ax.until == "contract_end" and contract_end) else limit
    cond = "" if applies else "if this is the holder's first permit (permit.first_permit) and still eligible: "
    cond_zh = "" if applies else "如为首次办理（permit.first_permit）且仍符合条件："
    if contract_end and to == contract_end:
        how, how_zh = f"until the labour contract ends ({contract_end})", f"至劳动合同期满（{contract_end}）"
    else:
        how = f"at most {ax.max.text()} past expiry, bounded by the labour contract"
        how_zh = f"有效期届满后最长{ax.max.text('zh')}，以劳动合同期限为限"
    plan.events.append(Event("extended_to", to, (c,), Msg(f"{cond}no renewal needed; {how}",
                                                           f"{cond_zh}无需续办；{how_zh}")))
    if applies:
        plan.notes.append(Msg(f"{c.id}: a first permit extends automatically; the renewal dates below apply to "
                              "later permits", f"{c.id}：首次办理的证件自动延续；以下续办日期适用于此后的证件"))


def deadlines(policy: Policy, jurisdictions: list[str] | None = None, expiry: dt.date | None = None,
              left_employer: dt.date | None = None, facts: Facts | None = None,
              businesses: tuple[str, ...] = TIMED_BUSINESSES, info_changed: dt.date | None = None) -> Timeline:
    """Renewal and employer-change plans for each jurisdiction, side by side.

    ``expiry`` and ``left_employer`` default to the profile's ``permit.expiry_date`` and
    ``permit.left_employer_date`` when ``facts`` (from ``solver.procedures.facts``) are given.
    """
    pset = load_procedures(policy)
    jids = jurisdictions or pset.ids()
    if facts is not None:
        expiry = expiry or stated_date(facts, "permit.expiry_date")
        left_employer = left_employer or stated_date(facts, "permit.left_employer_date")
    warnings: list[str] = list(facts.warnings) if facts is not None else []
    if expiry is None and left_employer is None:
        warnings.append(Msg("no expiry date and no date of leaving the employer: give --expiry and/or "
                            "--left-employer (or permit.expiry_date / permit.left_employer_date in the profile)",
                            "没有证件有效期届满日，也没有离职日期：请给出 --expiry 和/或 --left-employer"
                            "（或在档案中填写 permit.expiry_date / permit.left_employer_date）"))
    anchors = {"expiry": expiry, "left_employer": left_employer, "info_changed": info_changed}
    if info_changed is not None and "info_change" not in businesses:
        businesses = (*businesses, "info_change")
    plans: dict[str, dict[str, Plan]] = {}
    for jid in jids:
        proc = pset[jid]
        plans[jid] = {}
        for b in businesses:
            if (b == "employer_change" and left_employer is None) or (b == "info_change" and info_changed is None):
                continue
            if b == "renewal" and expiry is None and (left_employer or info_changed):
                continue
            if b in proc.businesses or any(r in proc.businesses for r in RELATED.get(b, ())) or b == "renewal":
                if b == "info_change" and b not in proc.businesses:
                    continue
                plans[jid][b] = build_plan(proc, b, anchors, facts, warnings)
    return Timeline(expiry, left_employer, plans, warnings)
