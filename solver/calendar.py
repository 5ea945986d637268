"""Working days and calendar months, as the permit offices count them.

Working days come from ``chinese_calendar`` (official holidays and weekend make-up workdays).
Its data covers 2004–2026 only; for a date outside it, a working day is counted as Monday–Friday
and a warning saying so is appended to ``warnings`` (once per year) — never an exception.

Counting conventions (the Civil Code, 民法典 第二百零一条: a period starts the day after the event):

* ``add_workdays(day, n)`` is the n-th working day after ``day`` (``day`` itself not counted);
  ``add_workdays(day, -n)`` the n-th working day before it.
* ``count_workdays(start, end)`` counts the working days in the closed range [start, end].
* ``add_months(day, n)`` keeps the day of the month, clamped to the month's end
  (2024-01-31 + 1 month = 2024-02-29); ``months_between`` is its inverse.
* **Completed months — the one convention** for ages, tenure and procedure dates: n months are
  completed on ``add_months(start, n)``, the same day of the month or, when the month has no such
  day, its last day (民法典 第二百零二条: 没有对应日的，月末日为期间的最后一日). Born 1990-05-31, a
  person has completed 373 months on 2021-06-30; born 2000-02-29, one year on 2001-02-28. ``missing``
  moves the date with the same ``add_months``.

Example:
    >>> import datetime as dt
    >>> add_workdays(dt.date(2024, 2, 8), 1)   # Spring Festival 2024: 02-10..02-17 off, 02-18 worked
    datetime.date(2024, 2, 9)
    >>> add_workdays(dt.date(2024, 2, 9), 1)
    datetime.date(2024, 2, 18)
    >>> add_months(dt.date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> months_between(dt.date(1990, 5, 31), dt.date(2021, 6, 30))
    373
    >>> w = []
    >>> add_workdays(dt.date(2027, 1, 1), 1, w), w[0][:16]
    (datetime.date(2027, 1, 4), 'working days in ')
"""

from __future__ import annotations

import calendar
import datetime as dt

import chinese_calendar

from policy.i18n import Msg

DATA_YEARS = (2004, 2026)  # what chinese_calendar 1.11.0 knows; checked by tests/test_workdays.py


def fallback_warning(year: int) -> str:
    return Msg(f"working days in {year} are counted Monday–Friday only: chinese_calendar has official holidays "
               f"and make-up workdays for {DATA_YEARS[0]}–{DATA_YEARS[1]} only; check the State Council's "
               f"holiday notice for {year}",
               f"{year} 年的工作日仅按周一至周五计算：chinese_calendar 只有 {DATA_YEARS[0]}–{DATA_YEARS[1]} 年的"
               f"法定节假日和调休数据；请核对国务院办公厅 {year} 年放假安排的通知")


def in_data(day: dt.date) -> bool:
    """Whether the official calendar is known for ``day``."""
    return DATA_YEARS[0] <= day.year <= DATA_YEARS[1]


def is_workday(day: dt.date, warnings: list[str] | None = None) -> bool:
    """An official working day (make-up Saturdays and Sundays included, holidays excluded)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        msg = fallback_warning(day.year)
        if warnings is not None and msg not in warnings:
            warnings.append(msg)
        return day.weekday() < 5


def add_workdays(day: dt.date, n: int, warnings: list[str] | None = None) -> dt.date:
    """The n-th working day after ``day`` (n > 0) or before it (n < 0); ``day`` itself is not counted.
    n = 0 gives ``day``."""
    step = dt.timedelta(days=1 if n > 0 else -1)
    left, d = abs(n), day
    while left:
        d += step
        if is_workday(d, warnings):
            left -= 1
    return d


def workday_on_or_before(day: dt.date, warnings: list[str] | None = None) -> dt.date:
    d = day
    while not is_workday(d, warnings):
        d -= dt.timedelta(days=1)
    return d


def workday_on_or_after(day: dt.date, warnings: list[str] | None = None) -> dt.date:
    d = day
    while not is_workday(d, warnings):
        d += dt.timedelta(days=1)
    return d


def count_workdays(start: dt.date, end: dt.date, warnings: list[str] | None = None) -> int:
    """Working days in [start, end] (0 when end < start)."""
    n, d = 0, start
    while d <= end:
        n += is_workday(d, warnings)
        d += dt.timedelta(days=1)
    return n


def last_filing_day(deadline: dt.date, review_workdays: int, warnings: list[str] | None = None) -> dt.date:
    """The last working day on which a filing, accepted that day and reviewed in ``review_workdays``
    working days (the acceptance day not counted), is decided on or before ``deadline``."""
    return add_workdays(workday_on_or_before(deadline, warnings), -review_workdays, warnings)


def add_months(day: dt.date, n: int) -> dt.date:
    """Calendar-month arithmetic, clamped to the month's end."""
    y, m = divmod(day.month - 1 + n, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, n: int) -> dt.date:
    return add_months(day, 12 * n)


def months_between(start: dt.date, end: dt.date) -> int:
    """The largest n with ``add_months(start, n) <= end`` (negative when end < start): "end is at least n
    months after start" holds exactly when ``months_between(start, end) >= n``."""
    n = (end.year - start.year) * 12 + (end.month - start.month)
    while add_months(start, n) > end:
        n -= 1
    while add_months(start, n + 1) <= end:
        n += 1
    return n


def years_between(start: dt.date, end: dt.date) -> int:
    """Completed years (an age in 周岁)."""
    return months_between(start, end) // 12
