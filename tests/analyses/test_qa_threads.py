"""The z3 analyses from several threads at once (an App in a threaded program, the HTTP service's
workers): the same answers as one at a time, no z3 error and no crash, and no z3 object in any
result (``solver.backends.smt.worker``: every z3 call on one thread).

Each run is a child process, so a crash of z3 (SIGSEGV) fails the test instead of killing the test
run. The child mixes every entry into z3 — the cheapest fix, the explanation with its fix, compare,
conflicts, verify, the exact refinement of a partial profile (no birth date: z3 decides) and the z3
backend — in a shuffled order over 8 threads, while a ninth thread runs Python's cycle collector
again and again, with automatic collections made frequent (objects freed in whichever thread collects them: the way z3 used to crash)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = r"""
import datetime as dt, gc, json, random, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from policy.yamlio import read_yaml
from solver.app import App
from solver.backends.smt.worker import z3_objects
from solver.decide import decide
from solver.facts import facts_from_dict

rounds, seed = int(sys.argv[1]), int(sys.argv[2])
app = App()
D = dt.date(2025, 9, 1)
partial = read_yaml("examples/changping_eligible.yaml")
del partial["applicant"]["birth_date"]  # the age is unknown: sampling cannot settle it, z3 refines
partial["applicant"].pop("sex", None)
no_income = read_yaml("examples/xicheng_rejected_income.yaml")
del no_income["applicant"]["income"]

def z3_backend():
    facts = facts_from_dict(read_yaml("examples/daxing_eligible.yaml"), app.policy)
    d = decide(app.policy, "daxing", facts, backend_name="z3")
    return [d.status, [p.status for p in d.pathways]]

jobs = {
    "missing": lambda: app.missing("examples/changping_rejected_income.yaml"),
    "missing_top1": lambda: app.missing("examples/chaoyang_rejected_tenure.yaml", top=1),
    "missing_all": lambda: app.missing("examples/daxing_rejected_income.yaml", district="all", top=1),
    "explain": lambda: app.explain("examples/xicheng_rejected_income.yaml"),
    "compare": lambda: app.compare(["changping", "daxing"], topic="tenure", date=D),
    "compare_all": lambda: app.compare("all", topic="income_threshold", date=D),
    "conflicts": lambda: app.conflicts(["changping", "daxing"], topic="income_threshold", date=D),
    "verify": lambda: app.verify(date=D),
    "exact_partial": lambda: app.check(partial, district="all"),
    "exact_no_income": lambda: app.check(no_income, district="all"),
    "z3_backend": z3_backend,
}

def run(name):
    r = jobs[name]()
    leaked = z3_objects(r)
    data = r if isinstance(r, list) else r.as_dict()
    return name, json.dumps(data, sort_keys=True, default=str), leaked

alone = {name: run(name)[1] for name in jobs}
order = [n for n in jobs for _ in range(rounds)]
random.Random(seed).shuffle(order)
stop = threading.Event()

def collector():  # young objects collected on this thread, often: where z3 objects would be freed
    while not stop.is_set():
        gc.collect(1)
        time.sleep(0.002)

gc.set_threshold(100, 5, 5)  # and automatic collections in every thread, often too
c = threading.Thread(target=collector, daemon=True)
c.start()
with ThreadPoolExecutor(8) as ex:
    results = list(ex.map(run, order))
stop.set()
c.join()
print(json.dumps({
    "jobs": len(results),
    "different": sorted({n for n, text, _ in results if text != alone[n]}),
    "leaked": sorted({n for n, _, leaked in results if leaked}),
}))
"""


def run_child(rounds: int, seed: int) -> dict:
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(rounds), str(seed)], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, f"exit {r.returncode} (a negative code is a signal: -11 is SIGSEGV)\n{r.stderr[-3000:]}"
    return json.loads(r.stdout.splitlines()[-1])


@pytest.mark.parametrize("seed", [0, 1])
def test_z3_analyses_from_several_threads(seed):
    out = run_child(rounds=3, seed=seed)
    assert out == {"jobs": 33, "different": [], "leaked": []}
