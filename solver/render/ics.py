"""Deadline timelines as iCalendar (RFC 5545): one all-day event per dated event, with the clauses
and their quotes; deterministic (DTSTAMP is the timeline's anchor date, not the clock)."""

from __future__ import annotations

import datetime as dt

from policy.i18n import say
from policy.procedures import BUSINESSES
from solver.render.procedures import KINDS


def _fold(line: str) -> str:
    """RFC 5545 line folding at 75 octets, never inside a UTF-8 character."""
    out, cur, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(cur)
            cur, size = " ", 1
        cur += ch
        size += n
    out.append(cur)
    return "\r\n".join(out)


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def to_ics(t) -> tuple[str, int]:
    """The timeline as iCalendar text, and the number of events."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//wrp//deadlines//EN", "CALSCALE:GREGORIAN"]
    # DTSTAMP is the day the timeline is computed from, not the clock: the same question gives the same file
    anchor = t.expiry or t.left_employer or min((e.date for ps in t.plans.values() for p in ps.values()
                                                 for e in p.events if e.date), default=dt.date(1970, 1, 1))
    stamp = f"{anchor:%Y%m%d}T000000Z"
    n = 0
    for j, ps in t.plans.items():
        for b, p in ps.items():
            for e in p.events:
                if e.date is None:
                    continue
                n += 1
                summary = f"{j} {BUSINESSES[b]['zh']}: {KINDS[e.kind]['zh']} / {KINDS[e.kind]['en']}"
                desc = "\n".join([*(f"[{c.id}] {c.cite.source} {c.cite.section}: {c.cite.quote}" for c in e.clauses),
                                  *dict.fromkeys([e.note, say(e.note, "zh")] if e.note else [])])
                lines += ["BEGIN:VEVENT", f"UID:{j}-{b}-{e.kind}-{e.date:%Y%m%d}@wrp", f"DTSTAMP:{stamp}",
                          f"DTSTART;VALUE=DATE:{e.date:%Y%m%d}",
                          f"DTEND;VALUE=DATE:{e.date + dt.timedelta(days=1):%Y%m%d}",
                          f"SUMMARY:{_esc(summary)}", f"DESCRIPTION:{_esc(desc)}", "TRANSP:TRANSPARENT",
                          "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines), n
