"""The SQL backend (DuckDB) equals the Datalog backend: status, pathways and every clause's truth,
for generated profiles (partial ones too), every jurisdiction, several dates, strict and lenient."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.backends.sql import duckdb_connect, params_table, run_duckdb, to_sql
from solver.decide import decide
from solver.facts import facts_from_dict
from solver.tables import ROW, from_profiles
from tests.generate import DATES, nest, ordinary, profiles

CON = duckdb_connect(threads=1)


def _expected(policy, jid, facts, lenient):
    d = decide(policy, jid, facts, lenient=lenient)
    return {"status": d.status, **{f"pathway:{p.pathway.id}": p.status for p in d.pathways},
            **{f"clause:{c.clause.id}": c.status for c in d.clause_results()}}


def _agree(policy, profiles: list[dict], date: dt.date | None = None, lenient: bool = False):
    table = from_profiles(policy, profiles)
    facts = [facts_from_dict(p, policy, date=date) for p in profiles]
    for jid in policy.ids():
        rows = sorted(run_duckdb(CON, to_sql(policy, jid, keys=(ROW,), date=date, lenient=lenient), table).to_pylist(),
                      key=lambda r: r[ROW])
        assert len(rows) == len(profiles)
        for f, row in zip(facts, rows):
            want = _expected(policy, jid, f, lenient)
            got = {k: row[k] for k in want}
            assert got == want, (jid, f.stated, {k: (want[k], got[k]) for k in want if want[k] != got[k]})
            assert row["wage_year"] == f.wage.year


@settings(max_examples=6)
@given(st.data())
def test_sql_equals_datalog_on_generated_profiles(policy, data):
    drawn = data.draw(st.lists(profiles(policy, partial=True), min_size=1, max_size=12))
    _agree(policy, drawn, lenient=data.draw(st.booleans()))


@settings(max_examples=5)
@given(st.data(), st.sampled_from([None, *DATES]))
def test_sql_equals_datalog_near_eligibility(policy, data, date):
    """Ordinary eligible applicants of each jurisdiction with a few facts changed (and left out)."""
    drawn = data.draw(st.lists(st.sampled_from(policy.ids()).flatmap(
        lambda j: profiles(policy, partial=True, near=j)), min_size=1, max_size=10))
    _agree(policy, drawn, date=date)


def test_parameter_table_is_the_wage_in_force(policy):
    """Every day of every interval of the parameter table has the wage and version ``wage_on`` and
    ``Policy.version`` give (checked day by day over 2015–2030)."""
    from solver.backends.sql import _wage
    for jid in policy.ids():
        p = params_table(policy, jid)
        assert len(p.rows) > 3
        for row in p.rows:
            day = max(row[0], dt.date(2015, 1, 1))
            while day < min(row[1], dt.date(2030, 12, 31)):
                w = _wage(policy, day, jid)
                assert (w.year, w.monthly, w.annual) == row[2:5], (jid, day)
                assert policy.jurisdictions[jid].index(policy.version(jid, day)[0]) == row[5]
                day += dt.timedelta(days=1)


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "trino", "postgres"])
def test_query_generates_in_every_dialect(policy, dialect):
    sql = to_sql(policy, "changping", keys=(ROW,)).sql(dialect)
    assert "pathway:changping.pathway.1" in sql and "CURRENT_DATE" in sql.upper()


def test_threshold_is_exact_at_the_boundary(policy):
    """1.5 × 9407 = 14110.5 → 14111 (Changping, not high-tech, 2021): 14110 fails and 14111 holds."""
    rows = [nest(ordinary("changping", **{"applicant.income.monthly_avg_12m": v, "employer.high_tech": False}))
            for v in (14110, 14111)]
    out = sorted(run_duckdb(CON, to_sql(policy, "changping", keys=(ROW,)), from_profiles(policy, rows)).to_pylist(),
                 key=lambda r: r[ROW])
    assert [r["clause:changping.applicant.income"] for r in out] == ["failed", "held"]
    _agree(policy, rows)
