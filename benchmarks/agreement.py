"""The SQL backend (DuckDB) against the Datalog backend on many profile × jurisdiction decisions.

    python benchmarks/agreement.py [--rows 20000] [--procs 2] [--unknown 0.05]

Draws ``--rows`` SYNTHETIC applicants (``solver.synth``), leaves ``--unknown`` of the facts empty
(unknown; a list fact is left out whole, as a profile would), and decides every row in all five
jurisdictions (relocated, as ``wrp population`` does) by both backends:

  * DuckDB: the query ``wrp population`` runs (``to_sql(..., detail="clauses")``);
  * Datalog: ``solver.decide.decide(..., exact=False)`` — the per-profile decider at the backend
    level (Kleene truths, what SQL's NULLs compute; the exact refinement is the same code after both).

A decision agrees when the status, every pathway's status and every clause's truth (held / failed /
unknown) are equal. A quarter of the chunks decide on a fixed ``--date`` (2019, 2021, 2023, 2025) so
older rule versions and wage years are covered too. Prints a running count and, at the end, the
number of disagreements (must be 0; exit 1 otherwise) with the first few.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policy.load import load_policy  # noqa: E402
from solver.synth import synth  # noqa: E402
from solver.tables import ROW  # noqa: E402

DATES = (None, dt.date(2019, 9, 1), dt.date(2021, 9, 15), dt.date(2023, 3, 1), dt.date(2025, 8, 1))
_POLICY = None


def _policy():
    global _POLICY
    if _POLICY is None:
        _POLICY = load_policy()
    return _POLICY


def _unknowns(t: pa.Table, rate: float, rng) -> pa.Table:
    cols = {}
    masks: dict[str, pa.Array] = {}
    for name in t.column_names:
        if name in (ROW, "id", "name", "application.date") or rate <= 0:
            cols[name] = t.column(name)  # the date kept: the SQL would take today otherwise, Datalog too
            continue
        base = name.split("[")[0]
        mask = masks.setdefault(base, pa.array(rng.random(t.num_rows) < rate))
        cols[name] = pc.if_else(mask, pa.nulls(t.num_rows, t.schema.field(name).type), t.column(name))
    return pa.table(cols)


def chunk(args) -> tuple[int, int, list[str]]:
    """One chunk of rows × every jurisdiction: (decisions, disagreements, first few differences)."""
    rows, seed, unknown, date = args
    from policy.errors import InputError
    from solver.backends.sql import duckdb_connect, run_duckdb, to_sql
    from solver.decide import decide
    from solver.facts import facts_from_dict, relocated
    from solver.population import _profile, relocate
    policy = _policy()
    t = _unknowns(synth(policy, rows, seed=seed), unknown, np.random.default_rng(seed))
    facts = {}
    for r in t.to_pylist():
        try:
            facts[r[ROW]] = facts_from_dict(_profile(policy, r), policy, date=date)
        except InputError:
            pass  # impossible on the fixed date (born after it, …): not a profile; the SQL rows skipped too
    t = t.filter(pc.is_in(t.column(ROW), value_set=pa.array(list(facts), pa.int64())))
    con = duckdb_connect(threads=1)
    n = bad = 0
    diffs: list[str] = []
    for jid in policy.ids():
        q = to_sql(policy, jid, keys=(ROW,), date=date, detail="clauses")
        got = run_duckdb(con, q, relocate(policy, t, jid)).to_pylist()
        for g in sorted(got, key=lambda r: (facts[r[ROW]].date, r[ROW])):  # one Datalog program per date in turn
            d = decide(policy, jid, relocated(policy, facts[g[ROW]], jid), exact=False)
            want = {"status": d.status, **{f"pathway:{p.pathway.id}": p.status for p in d.pathways},
                    **{f"clause:{c.clause.id}": c.status for c in d.clause_results()}}
            n += 1
            wrong = {k: (w, g.get(k)) for k, w in want.items() if g.get(k) != w}
            if wrong:
                bad += 1
                if len(diffs) < 3:
                    diffs.append(f"seed {seed} row {g[ROW]} {jid} date {date}: {wrong}")
    return n, bad, diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=21_000, help="applicants (× 5 jurisdictions = decisions; rows "
                    "impossible on a fixed date are skipped: 21,000 give > 100,000)")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--unknown", type=float, default=0.05, help="share of facts left unknown")
    args = ap.parse_args()
    chunks = []
    for k, i in enumerate(range(0, args.rows, args.chunk)):
        date = DATES[1 + (k // 4) % 4] if k % 4 == 3 else None
        chunks.append((min(args.chunk, args.rows - i), 5000 + k, args.unknown, date))
    print(f"agreement: {args.rows:,} SYNTHETIC applicants × 5 jurisdictions, {args.unknown:.0%} of facts unknown, "
          f"{args.procs} processes, {dt.datetime.now():%Y-%m-%d %H:%M}", flush=True)
    t = time.perf_counter()
    total = bad = 0
    diffs: list[str] = []
    with Pool(args.procs) as pool:
        for k, (n, b, d) in enumerate(pool.imap_unordered(chunk, chunks), 1):
            total, bad = total + n, bad + b
            diffs += d
            if k % 10 == 0 or k == len(chunks):
                print(f"  {total:,} decisions, {bad} disagreements ({time.perf_counter() - t:.0f} s)", flush=True)
    print(f"SQL (DuckDB) vs Datalog — status, pathways and every clause's truth: {total:,} decisions, "
          f"{bad} disagreements (must be 0), {time.perf_counter() - t:.0f} s")
    for d in diffs[:10]:
        print("  " + d)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
