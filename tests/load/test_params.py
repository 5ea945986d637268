"""Dated parameters (../shared/facts.md): the wage year in force and the statutory retirement age."""

import datetime as dt

import pytest

from solver.facts import retirement_age_months, wage_on


@pytest.mark.parametrize("category,birth,months", [
    ("male", dt.date(1964, 12, 31), 720),           # before the reform's first cohort: 60
    ("male", dt.date(1965, 1, 15), 721),            # facts.md: 60y1m, retires 2025-02
    ("male", dt.date(1976, 9, 1), 756),             # 63: the cap
    ("female_cadre", dt.date(1971, 4, 1), 55 * 12 + 4),   # facts.md: 55y4m (2026-08)
    ("female_cadre", dt.date(1981, 9, 1), 58 * 12),
    ("female_worker", dt.date(1975, 12, 1), 50 * 12 + 6),  # facts.md: 50y6m (2026-06)
    ("female_worker", dt.date(1984, 11, 1), 55 * 12),
    ("female_worker", dt.date(1974, 12, 1), 50 * 12),
])
def test_retirement_age(policy, category, birth, months):
    assert retirement_age_months(policy.params, category, birth) == months


@pytest.mark.parametrize("day,year,monthly,warned", [
    (dt.date(2021, 9, 15), 2020, 9407, False),
    (dt.date(2021, 8, 3), 2019, 8847, False),    # 2020's figure published (proxy) 2021-08-04
    (dt.date(2022, 3, 1), 2020, 9407, False),    # early in Y: Y-2
    (dt.date(2022, 7, 19), 2021, 10628, False),
    (dt.date(2025, 9, 18), 2024, 11937, False),
    (dt.date(2026, 11, 22), 2024, 11937, True),  # 2025 not published: explicit warning
])
def test_wage_year(policy, day, year, monthly, warned):
    w = wage_on(policy.params, day)
    assert (w.year, w.monthly) == (year, monthly)
    assert (w.warning is not None) == warned
    if warned:
        assert "2025" in w.warning and "11937" in w.warning


def test_annual_wage_uses_the_published_figure_where_there_is_one(policy):
    assert wage_on(policy.params, dt.date(2019, 9, 1)).annual == 94258   # 2018: published annual
    assert wage_on(policy.params, dt.date(2021, 9, 1)).annual == 12 * 9407
