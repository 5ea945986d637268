"""Working days around Spring Festival and National Day, hand-counted from the State Council notices."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.calendar import (
    DATA_YEARS,
    add_months,
    add_workdays,
    count_workdays,
    is_workday,
    last_filing_day,
    months_between,
    years_between,
)

D = dt.date


@pytest.mark.parametrize("day,work", [
    (D(2024, 2, 4), True),    # Sunday, make-up workday for Spring Festival 2024
    (D(2024, 2, 9), True),    # 除夕 2024 was a working Friday
    (D(2024, 2, 10), False),
    (D(2024, 2, 16), False),  # Friday inside the holiday
    (D(2024, 2, 18), True),   # Sunday, make-up
    (D(2025, 1, 26), True),   # Sunday, make-up for Spring Festival 2025
    (D(2025, 1, 28), False),
    (D(2025, 2, 4), False),
    (D(2025, 2, 8), True),    # Saturday, make-up
    (D(2024, 9, 29), True),   # Sunday, make-up for National Day 2024
    (D(2024, 10, 7), False),
    (D(2024, 10, 12), True),  # Saturday, make-up
    (D(2025, 9, 28), True),   # Sunday, make-up for National Day 2025
    (D(2025, 10, 8), False),  # 2025: National Day and Mid-Autumn, 10-01..10-08
    (D(2025, 10, 11), True),  # Saturday, make-up
])
def test_official_calendar(day, work):
    assert is_workday(day) is work


def test_add_workdays_across_spring_festival():
    assert add_workdays(D(2024, 2, 9), 1) == D(2024, 2, 18)
    assert add_workdays(D(2024, 2, 8), 3) == D(2024, 2, 19)
    assert add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert add_workdays(D(2025, 2, 7), 1) == D(2025, 2, 8)
    assert add_workdays(D(2025, 2, 5), -1) == D(2025, 1, 27)
    assert add_workdays(D(2025, 2, 5), 0) == D(2025, 2, 5)


def test_count_workdays():
    # February 2024: 21 weekdays − 5 holiday weekdays (02-12..02-16) + 2 make-up Sundays = 18
    assert count_workdays(D(2024, 2, 1), D(2024, 2, 29)) == 18
    # October 2025: 23 weekdays − 6 holiday weekdays (10-01..10-03, 10-06..10-08) + 10-11 = 18
    assert count_workdays(D(2025, 10, 1), D(2025, 10, 31)) == 18
    assert count_workdays(D(2025, 10, 2), D(2025, 10, 1)) == 0


def test_last_filing_day_across_national_day():
    # 20 working days before 2025-10-31 (Fri) reach back over the holiday to Sunday 2025-09-28
    assert last_filing_day(D(2025, 10, 31), 20) == D(2025, 9, 28)
    assert last_filing_day(D(2024, 10, 31), 20) == D(2024, 9, 29)
    # expiry on a non-working day: decisions come by the working day before it
    assert last_filing_day(D(2025, 11, 2), 20) == D(2025, 9, 28)
    assert last_filing_day(D(2025, 2, 28), 20) == D(2025, 1, 26)


def test_outside_the_data_warns_and_counts_weekdays():
    assert DATA_YEARS == (2004, 2026)
    w: list[str] = []
    assert add_workdays(D(2026, 12, 31), 1, w) == D(2027, 1, 1)  # a Friday; 元旦 is not known
    assert len(w) == 1 and "2027" in w[0] and "Monday–Friday" in w[0]
    assert count_workdays(D(2026, 12, 28), D(2027, 1, 3), w) == 5
    assert len(w) == 1  # one warning per year
    w2: list[str] = []
    assert is_workday(D(2003, 12, 31), w2) is True and "2003" in w2[0]
    assert is_workday(D(2030, 6, 1)) is False  # no list given: still no exception


def test_calendar_months_clamp():
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)
    assert add_months(D(2024, 12, 15), 2) == D(2025, 2, 15)
    assert months_between(D(2024, 8, 31), D(2025, 2, 28)) == 6
    assert months_between(D(2024, 1, 31), D(2024, 7, 30)) == 5
    assert months_between(D(2024, 5, 1), D(2024, 4, 30)) == -1
    assert years_between(D(2008, 3, 1), D(2025, 2, 28)) == 16
    assert years_between(D(2008, 3, 1), D(2025, 3, 1)) == 17


# --- completed months: the one convention (ages, tenure, procedure dates) ------------------------


def test_completed_months_at_month_ends_and_leap_days():
    assert months_between(D(1990, 5, 31), D(2021, 6, 30)) == 373  # June has no 31st: its last day completes it
    assert months_between(D(1990, 5, 31), D(2021, 6, 29)) == 372
    assert months_between(D(1990, 5, 31), D(2021, 5, 30)) == 371
    assert months_between(D(2000, 2, 29), D(2001, 2, 28)) == 12  # a leap-day birthday: 28 Feb in other years
    assert months_between(D(2000, 2, 29), D(2001, 2, 27)) == 11
    assert months_between(D(2000, 2, 29), D(2004, 2, 29)) == 48
    assert years_between(D(2000, 2, 29), D(2018, 2, 28)) == 18


def test_age_uses_the_calendar_convention():
    from policy.load import load_policy
    from solver.facts import facts_from_dict
    policy = load_policy()
    for birth, day, months in (("1990-05-31", "2021-06-30", 373), ("1990-05-31", "2021-06-29", 372),
                               ("2000-02-29", "2021-02-28", 252)):
        f = facts_from_dict({"application": {"date": day}, "applicant": {"birth_date": birth}}, policy)
        assert f.values["applicant.age_months"] == months, (birth, day)


@given(st.dates(D(1950, 1, 1), D(2060, 12, 31)), st.integers(-600, 600))
def test_months_between_inverts_add_months(start, n):
    assert months_between(start, add_months(start, n)) == n


@given(st.dates(D(1950, 1, 1), D(2060, 12, 31)), st.dates(D(1950, 1, 1), D(2060, 12, 31)))
def test_months_between_is_the_largest_completed_count(start, end):
    n = months_between(start, end)
    assert add_months(start, n) <= end < add_months(start, n + 1)
