"""The z3 analyses from several threads at once (an App in a threaded program, the HTTP service's
workers): the same answers as one at a time, and no z3 error or crash. Run in a child process, so a
crash of z3 fails this test instead of the test run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = r"""
import datetime as dt, json
from concurrent.futures import ThreadPoolExecutor
from solver.app import App
app = App()
D = dt.date(2025, 9, 1)
jobs = [
    lambda: app.missing("examples/changping_rejected_income.yaml").as_dict(),
    lambda: app.missing("examples/chaoyang_rejected_tenure.yaml", top=1).as_dict(),
    lambda: app.explain("examples/xicheng_rejected_income.yaml").missing["xicheng"].as_dict(),
    lambda: app.compare(["changping", "daxing"], topic="tenure", date=D).as_dict(),
    lambda: app.conflicts(["changping", "daxing"], topic="income_threshold", date=D).as_dict(),
]
alone = [json.dumps(j(), sort_keys=True, default=str) for j in jobs]
with ThreadPoolExecutor(8) as ex:
    together = list(ex.map(lambda j: json.dumps(j(), sort_keys=True, default=str), jobs * 3))
print(json.dumps({"same": together == alone * 3}))
"""


@pytest.mark.xfail(strict=False, reason="KNOWN DEFECT (open in issue 10): since the exact refinement and the "
                   "canonical optimum also create z3 terms, z3 analyses from several threads of one process can "
                   "crash (SIGSEGV) although Z3_LOCK serialises the calls; z3 objects are freed on other threads. "
                   "Needs one z3 Context per thread or one z3 worker thread.")
def test_z3_analyses_from_several_threads():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.splitlines()[-1]) == {"same": True}
