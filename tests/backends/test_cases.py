"""The shipped rules pack's own test cases (policy/tests/*.yaml, run by `wrp test`), here through both the
backends of the registry (Datalog, the reference interpreter, z3); and rule coverage at 100 %."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.load import load_policy
from solver.backends.registry import BACKENDS
from solver.decide import decide
from solver.procedures.facts import procedure_facts_from_dict
from solver.testcases import case_files, read_cases, render_coverage, run_tests
from tests.cli.test_examples import _uncommitted_policy_files

POLICY = load_policy()
CASES = [c for f in case_files(POLICY, None) for c in read_cases(f, POLICY)]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}:{c.name}" for c in CASES])
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_case(case, backend):
    facts = procedure_facts_from_dict(case.profile, POLICY, date=case.date)
    d = decide(POLICY, case.district, facts, lenient=case.lenient, backend_name=backend)
    assert d.status == case.expect["status"], [c.clause.id for c in d.failed()]
    if "failed" in case.expect:
        assert sorted(dict.fromkeys(c.clause.id for c in d.failed())) == sorted(case.expect["failed"])
    if "pathways" in case.expect:
        assert sorted(p.pathway.id for p in d.pathways if p.status == "satisfied") == sorted(case.expect["pathways"])


def test_shipped_cases_pass_and_cover_every_clause():
    run = run_tests(POLICY, case_files(POLICY, None))
    assert run.failed == 0, run.render()
    new = {Path(f).name for f in _uncommitted_policy_files()}  # a maintainer's new district, not committed yet
    rows = [r for r in run.coverage.rows() if r["file"] not in new]
    assert {r["jurisdiction"] for r in rows} >= {j for j in POLICY.ids() if f"{j}.yaml" not in new}
    assert all(r["percent"] == 100.0 for r in rows), render_coverage(run.coverage)
