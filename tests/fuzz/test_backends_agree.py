"""Every backend gives the same verdict and the same clause truths on generated profiles.

Backends: the reference interpreter (the oracle), Datalog, z3 (node by node: the root, every clause's
requirement, every pathway) and SQL (DuckDB, one query per jurisdiction and mode over a whole chunk of
profiles at once: the status, every pathway and every clause as ``decide(exact=False)`` gives them —
the backend level, Kleene truths, as SQL's NULLs).

The default run compares a few hundred profile × jurisdiction decisions; ``WRP_FUZZ_LONG=1`` compares
at least 100,000 (``WRP_FUZZ_DECISIONS`` to change it) and prints the counts by category — verdicts,
modes, jurisdictions, truths compared, disagreements per backend, seconds per backend — and every
disagreement count must be 0. Profiles come from the one generator (``tests/generate.py``: the
vocabulary's constraints, the policy's own thresholds): near each jurisdiction's ordinary applicant,
anywhere, and with facts left out (so unknown and undetermined cases are covered), strict and lenient.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.load import load_policy
from solver.backends.registry import BACKENDS, backend
from solver.backends.sql import duckdb_connect, run_duckdb, to_sql
from solver.decide import decide, facts_for
from solver.facts import facts_from_dict
from solver.program import compile_program
from solver.tables import ROW, from_profiles
from tests.fuzz.harness import LONG
from tests.generate import profiles

DECISIONS = int(os.environ.get("WRP_FUZZ_DECISIONS", 100_000 if LONG else 150))
CHUNK = 1000  # profiles decided by SQL in one query per jurisdiction and mode
NODE_BACKENDS = [b for b in BACKENDS if b != "reference"]
STATUS = {True: "eligible", False: "ineligible", None: "undetermined"}


class Run:
    def __init__(self, policy) -> None:
        self.policy = policy
        self.counts: Counter = Counter()
        self.seconds: Counter = Counter()
        self.failures: list = []
        self.pending: list[tuple[dict, bool]] = []
        self.con = duckdb_connect(threads=1)
        self.run = {name: backend(name) for name in BACKENDS}

    def timed(self, name, f, *a, **kw):
        t = time.perf_counter()
        out = f(*a, **kw)
        self.seconds[name] += time.perf_counter() - t
        return out

    def add(self, doc: dict, lenient: bool) -> None:
        self.pending.append((doc, lenient))
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        chunk, self.pending = self.pending, []
        if not chunk:
            return
        policy = self.policy
        facts = [facts_from_dict(doc, policy) for doc, _ in chunk]
        for lenient in (False, True):
            # by date: one compiled program per wage year, in turn (Datalog switches rule bases less)
            rows = sorted((i for i, (_, le) in enumerate(chunk) if le == lenient), key=lambda i: facts[i].date)
            if not rows:
                continue
            table = from_profiles(policy, [chunk[i][0] for i in rows])
            for jid in policy.ids():
                t = time.perf_counter()
                sql = run_duckdb(self.con, to_sql(policy, jid, keys=(ROW,), lenient=lenient), table).to_pylist()
                self.seconds["sql"] += time.perf_counter() - t
                sql = {r[ROW]: r for r in sql}
                for n, i in enumerate(rows, 1):
                    self.one(jid, facts[i], lenient, sql[n], chunk[i][0])

    def one(self, jid: str, facts, lenient: bool, sql_row: dict, doc: dict) -> None:
        policy, c = self.policy, self.counts
        j, _ = policy.version(jid, facts.date)
        f = facts_for(policy, facts, j.id)
        prog = compile_program(j, f.wage, lenient)
        keys = [id(prog.root), *(id(e) for e in prog.requirement.values()), *(id(e) for e in prog.pathway.values())]
        ref = self.timed("reference", self.run["reference"], prog, f)
        c["decisions"] += 1
        c[f"verdict {STATUS[ref[id(prog.root)]]}"] += 1
        c[f"mode {'lenient' if lenient else 'strict'}"] += 1
        c[f"jurisdiction {jid}"] += 1
        if any(v is None for v in ref.values()):
            c["decisions with an unknown node"] += 1
        for name in NODE_BACKENDS:
            got = self.timed(name, self.run[name], prog, f)
            c[f"node truths compared {name}"] += len(keys)
            bad = [k for k in keys if got.get(k) != ref.get(k)]
            if got.get(id(prog.root)) != ref[id(prog.root)]:
                c[f"disagreements {name} verdict"] += 1
            if bad:
                c[f"disagreements {name}"] += 1
                self.failures.append((name, jid, lenient, doc, len(bad)))
        # SQL: the verdict, pathways and clauses as decide(exact=False) reads them off the reference truths
        d = self.timed("decide (reference)", decide, policy, jid, facts, lenient=lenient, backend_name="reference",
                       exact=False)
        want = {"status": d.status, **{f"pathway:{p.pathway.id}": p.status for p in d.pathways},
                **{f"clause:{r.clause.id}": r.status for r in d.clause_results()}}
        c["truths compared sql"] += len(want)
        if sql_row["status"] != d.status:
            c["disagreements sql verdict"] += 1
        bad = {k: (v, sql_row.get(k)) for k, v in want.items() if sql_row.get(k) != v}
        if bad:
            c["disagreements sql"] += 1
            self.failures.append(("sql", jid, lenient, doc, bad))


def test_backends_agree_on_generated_decisions():
    policy = load_policy()
    r = Run(policy)
    start = time.perf_counter()
    ids = policy.ids()
    # half near the ordinary applicant of a jurisdiction (where districts differ), half anywhere;
    # some facts left out (unknown, undetermined), some strict and some lenient
    docs = st.one_of(st.builds(lambda j, p: (j, p), st.sampled_from(ids), st.booleans()).flatmap(
        lambda jp: profiles(policy, near=jp[0], partial=jp[1])), profiles(policy, partial=True),
        profiles(policy))

    @settings(max_examples=-(-DECISIONS // len(ids)), deadline=None, database=None, derandomize=not LONG,
              suppress_health_check=list(HealthCheck))
    @given(docs, st.booleans())
    def run(doc, lenient):
        r.add(doc, lenient)

    run()
    r.flush()
    counts = r.counts
    for name in [*NODE_BACKENDS, "sql"]:
        counts.setdefault(f"disagreements {name}", 0)
        counts.setdefault(f"disagreements {name} verdict", 0)
    if LONG:
        total = time.perf_counter() - start
        print(f"\nbackends {', '.join([*BACKENDS, 'sql'])}: {counts['decisions']:,} profile × jurisdiction "
              f"decisions in {total:.0f} s (generation and the rest: "
              f"{total - sum(r.seconds.values()):.0f} s)")
        for k, v in sorted(counts.items()):
            print(f"  {k}: {v:,}")
        for k, v in sorted(r.seconds.items()):
            print(f"  seconds {k}: {v:.0f} ({1000 * v / max(counts['decisions'], 1):.2f} ms per decision)")
    assert not r.failures, r.failures[:3]
    assert counts["decisions"] >= DECISIONS
    assert counts["verdict eligible"] and counts["verdict ineligible"]
    assert counts["verdict undetermined"] or not LONG
