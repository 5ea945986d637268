"""Population throughput of the SQL backend, with its peers measured in the same run.

    python benchmarks/population.py [--rows 1000000] [--big 0] [--skip-openfisca]

Prints, for a SYNTHETIC population (``wrp synth``), wall time and CPU time (both DuckDB threads
counted; other programs on a shared machine slow the wall clock, not the CPU time):
  * the query in memory (``run_duckdb``: Arrow in, Arrow out — what every path runs), per
    jurisdiction and for all five: status + pathways, and with every clause's truth;
  * ``wrp population``'s own code path in memory (``solver.population.population``: every row in
    all five jurisdictions with every clause, exact refinement, counts and the flip matrix);
  * ``wrp population FILE.parquet`` end to end as a command (read in batches, decide, count), with
    its peak RSS, for 1/4 of the rows and all of them (memory flat in the number of rows), and for
    ``--big N`` rows if asked (10M: ≤ 2 GB);
  * peers on Changping: the Datalog backend (per profile), OpenFisca-core's vectorised engine (a
    minimal tax-benefit system defined below, its formulas generated from the same IR), and plain
    numpy (two boolean masks per IR node for the three values: the practical limit) — answers
    compared with DuckDB's.
Agreement with Datalog on ≥ 100,000 decisions is ``benchmarks/agreement.py``.
Targets (issue 13) are printed next to the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policy.expr import All, Any, AtLeast, Cmp, Const, In, Not, Threshold  # noqa: E402
from policy.load import load_policy  # noqa: E402
from solver.backends.sql import _requirement, duckdb_connect, params_table, run_duckdb, to_sql  # noqa: E402
from solver.synth import synth  # noqa: E402
from solver.tables import ROW  # noqa: E402

JID = "changping"


def timed(f, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def rate(n: int, s: float) -> str:
    return f"{n / s / 1e6:6.2f} M/s"


# --- numpy: the IR with two masks per node (true, false) ----------------------------------------------


def numpy_columns(policy, table: pa.Table) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Facts as int64 in hundredths (exact for the synthetic decimals) and their known-masks; the
    derived ages and the wage thresholds of each row's date, vectorised."""
    from policy.expr import facts_of
    vals, known = {}, {}
    j = policy.jurisdictions[JID][0]
    used = {f for c in j.clauses() for f in facts_of(c.when)}
    for f in used:
        if f.startswith("applicant.age_months") or f.startswith("applicant.months_to_retirement"):
            continue
        col = table.column(f).combine_chunks()
        spec = policy.vocabulary.spec(f)
        known[f] = ~np.asarray(col.is_null().to_numpy(zero_copy_only=False))
        if spec.type == "enum":
            idx = pc.index_in(col, value_set=pa.array(list(spec.choices)))
            vals[f] = np.asarray(pc.fill_null(idx, 0).to_numpy(zero_copy_only=False), dtype=np.int64) * 100
        elif spec.type == "bool":
            vals[f] = np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), dtype=np.int64) * 100
        else:
            x = pc.multiply(pc.fill_null(col.cast(pa.decimal128(30, 2)), 0), pa.scalar(100, pa.decimal128(5, 0)))
            vals[f] = np.asarray(x.cast(pa.int64()).to_numpy(zero_copy_only=False))
    day = table.column("application.date").combine_chunks().to_numpy(zero_copy_only=False).astype("datetime64[D]")
    birth = table.column("applicant.birth_date").combine_chunks().to_numpy(zero_copy_only=False).astype("datetime64[D]")

    def ymd(d):
        m = d.astype("datetime64[M]")
        return m.astype("datetime64[Y]").astype(np.int64) + 1970, m.astype(np.int64) % 12 + 1, (d - m.astype("datetime64[D]")).astype(np.int64) + 1

    dy, dm, dd = ymd(day)
    by, bm, bd = ymd(birth)
    last = ((day.astype("datetime64[M]") + 1).astype("datetime64[D]") - day).astype(np.int64) == 1
    age = (dy - by) * 12 + (dm - bm) - ((bd > dd) & ~last)

    def retire(cat):
        c = policy.params.retirement["categories"][cat]
        fy, fm = (int(x) for x in str(c["first_affected"]).split("-"))
        d = (by - fy) * 12 + (bm - fm)
        return c["base_years"] * 12 + np.where(d < 0, 0, np.minimum(d // c["step_months"] + 1, c["max_delay_months"]))

    sex = table.column("applicant.sex").cast(pa.string()).to_numpy(zero_copy_only=False)
    cat = table.column("applicant.female_category").cast(pa.string()).to_numpy(zero_copy_only=False)
    r = np.where(sex == "male", retire("male"), np.where(cat == "cadre", retire("female_cadre"), retire("female_worker")))
    rmin = np.where(sex == "male", retire("male"), np.where(cat == "cadre", retire("female_cadre"), retire("female_worker")))
    allk = np.ones(len(age), dtype=bool)
    vals["applicant.age_months"], known["applicant.age_months"] = age * 100, allk
    vals["applicant.months_to_retirement"], known["applicant.months_to_retirement"] = (r - age) * 100, allk
    vals["applicant.months_to_retirement_min"], known["applicant.months_to_retirement_min"] = (rmin - age) * 100, allk
    # thresholds by date: the parameter table's intervals, looked up with searchsorted
    p = params_table(policy, JID)
    starts = np.array([np.datetime64(r[0]) for r in p.rows], dtype="datetime64[D]")
    slot = np.searchsorted(starts, day, side="right") - 1
    for t, (ncol, dcol) in p.thresholds.items():
        i, k = p.columns.index(ncol), p.columns.index(dcol) if dcol else None
        num = np.array([r[i] for r in p.rows], dtype=np.int64)[slot]
        den = np.array([r[k] for r in p.rows], dtype=np.int64)[slot] if k else 1
        vals[("threshold", t)] = (num * 100, den)
    return vals, known


def numpy_decide(policy, vals, known) -> np.ndarray:
    """Status of every row (0 ineligible, 1 eligible, 2 undetermined) by the Kleene rule in numpy."""
    def node(e):
        match e:
            case Const(v):
                n = len(next(iter(known.values())))
                return np.full(n, v), np.full(n, not v)
            case Cmp(terms, op, rhs):
                k = np.logical_and.reduce([known[f] for _, f in terms])
                lhs = sum(int(c * 1) * vals[f] if c.denominator == 1 else None for c, f in terms)
                if isinstance(rhs, Threshold):
                    num, den = vals[("threshold", rhs)]
                    lhs, r = lhs * den, num
                else:
                    r = int(rhs * 100) if (rhs * 100).denominator == 1 else None
                v = {"ge": lhs >= r, "gt": lhs > r, "le": lhs <= r, "lt": lhs < r, "eq": lhs == r, "ne": lhs != r}[op]
                return v & k, ~v & k
            case In(fact, values):
                v = np.isin(vals[fact], [x * 100 for x in values])
                return v & known[fact], ~v & known[fact]
            case All(items):
                ms = [node(i) for i in items]
                return np.logical_and.reduce([m[0] for m in ms]), np.logical_or.reduce([m[1] for m in ms])
            case Any(items):
                ms = [node(i) for i in items]
                return np.logical_or.reduce([m[0] for m in ms]), np.logical_and.reduce([m[1] for m in ms])
            case Not(item):
                t, f = node(item)
                return f, t
            case AtLeast(k, items):
                ms = [node(i) for i in items]
                nt = sum(m[0].astype(np.int8) for m in ms)
                nf = sum(m[1].astype(np.int8) for m in ms)
                return nt >= k, (len(items) - nf) < k
        raise TypeError(e)

    j = policy.jurisdictions[JID][0]
    req = _requirement(j)
    base = All(tuple(req[c.id] for c in (*j.employer, *j.applicant, *j.exclusions)))
    root = All((base, Any(tuple(All(tuple(req[c.id] for c in p.clauses)) for p in j.pathways))))
    t, f = node(root)
    return np.where(t, 1, np.where(f, 0, 2))


# --- OpenFisca: a minimal tax-benefit system whose variables are the rule's clauses ------------------


def openfisca_system(policy):
    """One entity (person); one input variable per fact, one variable per clause and the verdict,
    their formulas the two-valued rule (the synthetic population states every fact) from the IR."""
    from openfisca_core.entities import build_entity
    from openfisca_core.periods import DateUnit
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable
    Person = build_entity(key="person", plural="persons", label="applicant", is_person=True)
    system = TaxBenefitSystem([Person])
    j = policy.jurisdictions[JID][0]
    req = _requirement(j)
    inputs = sorted({f for e in req.values() for f in _facts(e)} | {f"__thr{i}" for i in range(len(params_table(policy, JID).thresholds))})
    thr_names = {t: f"__thr{i}" for i, t in enumerate(params_table(policy, JID).thresholds)}
    names = {f: "f_" + f.replace(".", "_").replace("[", "_").replace("]", "") for f in inputs}

    for f in inputs:
        system.add_variable(type(names[f], (Variable,), {"value_type": float, "entity": Person,
                                                         "definition_period": DateUnit.YEAR, "label": f}))

    def ev(e, person, period):
        match e:
            case Const(v):
                return v
            case Cmp(terms, op, rhs):
                lhs = sum(int(c) * person(names[f], period) for c, f in terms)
                r = person(names[thr_names[rhs]], period) if isinstance(rhs, Threshold) else int(rhs * 100)
                return {"ge": lhs >= r, "gt": lhs > r, "le": lhs <= r, "lt": lhs < r, "eq": lhs == r, "ne": lhs != r}[op]
            case In(fact, values):
                return np.isin(person(names[fact], period), [x * 100 for x in values])
            case All(items):
                return np.logical_and.reduce([ev(i, person, period) for i in items])
            case Any(items):
                return np.logical_or.reduce([ev(i, person, period) for i in items])
            case Not(item):
                return np.logical_not(ev(item, person, period))
            case AtLeast(k, items):
                return sum(np.asarray(ev(i, person, period), dtype=np.int8) for i in items) >= k
        raise TypeError(e)

    def formula_of(e):
        def formula(person, period):
            return ev(e, person, period)
        return formula

    cvars = {}
    for cid, e in req.items():
        vname = "c_" + cid.replace(".", "_")
        cvars[cid] = vname
        system.add_variable(type(vname, (Variable,), {
            "value_type": bool, "entity": Person, "definition_period": DateUnit.YEAR,
            "formula": formula_of(e)}))

    def verdict(person, period):
        base = np.logical_and.reduce([person(cvars[c.id], period) for c in (*j.employer, *j.applicant, *j.exclusions)])
        some = np.logical_or.reduce([np.logical_and.reduce([person(cvars[c.id], period) for c in p.clauses])
                                     for p in j.pathways])
        return base & some
    system.add_variable(type("eligible_changping", (Variable,), {
        "value_type": bool, "entity": Person, "definition_period": DateUnit.YEAR,
        "formula": verdict}))
    return system, names, thr_names


def _facts(e):
    from policy.expr import facts_of
    return facts_of(e)


def openfisca_run(system, names, thr_names, vals, n):
    from openfisca_core.simulation_builder import SimulationBuilder
    sim = SimulationBuilder().build_default_simulation(system, n)
    for f, name in names.items():
        if f.startswith("__thr"):
            t = next(t for t, v in thr_names.items() if v == f)
            num, den = vals[("threshold", t)]
            assert np.all(np.asarray(den) == 1)
            sim.set_input(name, "2024", num)
        else:
            sim.set_input(name, "2024", vals[f])
    return sim.calculate("eligible_changping", "2024")


# --- wrp population FILE as a command (peak memory) ---------------------------------------------------


WRAP = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
res = subprocess.run(sys.argv[1:], capture_output=True, text=True)
s = time.perf_counter() - t
if res.returncode:
    sys.exit(res.stderr)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # this wrapper's only child
print(json.dumps({"seconds": s, "peak_mb": peak, "rows": json.loads(res.stdout)["rows"]}))
"""


def command_run(src: Path) -> dict:
    """``wrp population SRC --format json`` in a fresh process: seconds and its peak RSS."""
    wrp = [sys.executable, str(ROOT / "cli.py")] if not shutil.which("wrp") else [shutil.which("wrp")]
    res = subprocess.run([sys.executable, "-c", WRAP, *wrp, "population", str(src), "--format", "json"],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def write_synth(policy, path: Path, n: int, chunk: int = 1_000_000) -> None:
    writer = None
    for i, start in enumerate(range(0, n, chunk)):
        t = synth(policy, min(chunk, n - start), seed=100 + i).drop_columns([ROW])
        writer = writer or pq.ParquetWriter(path, t.schema)
        writer.write_table(t)
    writer.close()


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed2(f, repeat: int = 3):
    """Best wall time and best CPU time (all threads) of ``repeat`` runs, and the last result."""
    wall, used, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        w, c = time.perf_counter(), cpu()
        out = f()
        wall, used = min(wall, time.perf_counter() - w), min(used, cpu() - c)
    return wall, used, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=0, help="also `wrp population` on this many rows of Parquet "
                                                       "(10000000: the 10M-rows memory target)")
    ap.add_argument("--skip-openfisca", action="store_true")
    ap.add_argument("--skip-command", action="store_true", help="skip 4. (wrp population as a command)")
    args = ap.parse_args()
    policy = load_policy()
    n = args.rows
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()
    print(f"wrp population benchmark — {n:,} SYNTHETIC rows (wrp synth), {cores} cores, load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, DuckDB {__import__('duckdb').__version__}, "
          f"{dt.datetime.now():%Y-%m-%d %H:%M}")
    print("M/s = million decisions (row × jurisdiction) per second of wall time; 'cpu' = per CPU-second of "
          f"this process × {cores} cores (what an otherwise idle machine gives)")
    t0 = time.perf_counter()
    table = synth(policy, n, seed=1)
    print(f"synthesised in {time.perf_counter() - t0:.1f} s\n")

    def both(k: int, wall: float, used: float, threads: int = cores) -> str:
        return f"{k / wall / 1e6:6.2f} M/s (cpu {k / used * min(threads, cores) / 1e6:5.2f})"

    con = duckdb_connect()
    print("1. The query in memory (run_duckdb: Arrow in, Arrow out, outcome words), best of 3")
    print(f"{'jurisdiction':<12} {'status+pathways':>28} {'+ every clause':>28}")
    tot = {"status": [0.0, 0.0], "clauses": [0.0, 0.0]}
    results = {}
    for jid in policy.ids():
        row = []
        for detail in ("status", "clauses"):
            q = to_sql(policy, jid, keys=(ROW,), detail=detail)
            q.sql("duckdb")
            w, c, res = timed2(lambda q=q: run_duckdb(con, q, table))
            tot[detail][0] += w
            tot[detail][1] += c
            if detail == "clauses":
                results[jid] = res
            row.append(both(n, w, c))
        print(f"{jid:<12} {row[0]:>28} {row[1]:>28}")
    print(f"{'all five':<12} {both(5 * n, *tot['status']):>28} {both(5 * n, *tot['clauses']):>28}   "
          f"targets: ≥ 5 M/s status+pathways, ≥ 2 M/s with every clause\n")

    from solver.population import population
    from solver.tables import Applicants
    apps = Applicants(table, [])
    w, c, pop = timed2(lambda: population(policy, apps, "all", con=con))
    print("2. wrp population's code path in memory (solver.population.population: all five jurisdictions, every "
          "clause, exact refinement of open rows, counts, flip matrix), best of 3")
    print(f"  {5 * n:,} decisions: {w:.2f} s, {both(5 * n, w, c)}   target: ≥ 2 M/s with every clause "
          f"({pop.refined} answers refined)\n")

    # --- peers on Changping -------------------------------------------------------------------------
    q = to_sql(policy, JID, keys=(ROW,), detail="status")
    duck_w, duck_c, _ = timed2(lambda: run_duckdb(con, q, table))
    duck_status = results[JID].sort_by(ROW).column("status").to_numpy(zero_copy_only=False)
    code = {"ineligible": 0, "eligible": 1, "undetermined": 2}
    duck_codes = np.array([code[s] for s in duck_status])

    prep_w, prep_c, (vals, known) = timed2(lambda: numpy_columns(policy, table), repeat=1)
    np_w, np_c, np_status = timed2(lambda: numpy_decide(policy, vals, known))
    np_dis = int((np_status != duck_codes).sum())
    print(f"3. Peers on {JID} ({n:,} rows), status + pathways")
    print(f"  DuckDB (the query of 1.)         {both(n, duck_w, duck_c)}")
    print(f"  numpy, two masks per node        {both(n, np_w, np_c, 1)}   (one core; the columns prepared in "
          f"{prep_w:.1f} s, not counted); disagreements with DuckDB: {np_dis}")
    print(f"     DuckDB / numpy limit = 1 : {duck_w / np_w:.1f} wall, 1 : {duck_c / np_c:.1f} in CPU time (DuckDB's two "
          f"threads summed, numpy's one)   target: within 4×")

    if not args.skip_openfisca:
        try:
            system, names, thr = openfisca_system(policy)
            of_w, of_c, of_res = timed2(lambda: openfisca_run(system, names, thr, vals, n), repeat=2)
            of_dis = int((np.asarray(of_res, dtype=np.int64) != (duck_codes == 1)).sum())
            print(f"  OpenFisca-core (vectorised)      {both(n, of_w, of_c, 1)}   (one core; status only, two-valued, "
                  f"on the numpy columns: less work than the SQL's); disagreements with DuckDB: {of_dis}")
            print(f"     DuckDB / OpenFisca = {of_w / duck_w:.1f}× wall, {of_c / duck_c:.1f}× in CPU time   target: ≥ 3×  "
                  f"(counting the preparation of its input columns — ages, retirement, thresholds by date, which the SQL "
                  f"does in the query — {(of_w + prep_w) / duck_w:.1f}× wall; that preparation is unoptimised code)")
        except ImportError:
            print("  OpenFisca-core: not installed (pip install '.[bench]')")

    from solver.decide import verdict
    from solver.facts import facts_from_dict
    from solver.population import _profile
    sample = table.slice(0, 300).to_pylist()
    facts = [facts_from_dict(_profile(policy, r), policy) for r in sample]
    # warm: every program (one per wage figure) compiled by a first pass, the second is timed
    dl_s, dl = timed(lambda: [verdict(policy, JID, f).status for f in facts], repeat=2)
    dl_dis = sum(a != b for a, b in zip(dl, duck_status[:300]))
    print(f"  Datalog, per profile (verdict)   {len(facts) / dl_s:10,.0f} /s   disagreements with DuckDB on these "
          f"{len(facts)}: {dl_dis}")
    print(f"     DuckDB / Datalog = {dl_s / len(facts) / (duck_w / n):,.0f} ×\n")

    # --- wrp population FILE.parquet ---------------------------------------------------------------------
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks") as tmp:
        if args.skip_command:
            return
        tmp = Path(tmp)
        quarter = tmp / "q.parquet"
        full = tmp / "f.parquet"
        pq.write_table(table.slice(0, n // 4).drop_columns([ROW]), quarter)
        pq.write_table(table.drop_columns([ROW]), full)
        table = results = vals = known = apps = pop = None  # free the in-memory copies
        print("4. `wrp population FILE.parquet --format json` as a command (fresh process: start, read in batches, "
              "decide in all five, count)")
        a = command_run(quarter)
        b = command_run(full)
        print(f"  {a['rows']:>11,} rows: {a['seconds']:.1f} s, {5 * a['rows'] / a['seconds'] / 1e6:.2f} M/s, "
              f"peak RSS {a['peak_mb']:.0f} MB")
        print(f"  {b['rows']:>11,} rows: {b['seconds']:.1f} s, {5 * b['rows'] / b['seconds'] / 1e6:.2f} M/s, "
              f"peak RSS {b['peak_mb']:.0f} MB   (memory ratio {b['peak_mb'] / a['peak_mb']:.2f} for 4× the rows)")
        if args.big:
            big = tmp / "big.parquet"
            write_synth(policy, big, args.big)
            c = command_run(big)
            print(f"  {c['rows']:>11,} rows: {c['seconds']:.1f} s, {5 * c['rows'] / c['seconds'] / 1e6:.2f} M/s, "
                  f"peak RSS {c['peak_mb']:.0f} MB   target: 10M rows in ≤ 2 GB")
    print(f"  this benchmark process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
