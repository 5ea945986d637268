"""Boundary cases from the source documents (tests/cases/eligibility.yaml), through every backend of
the registry (Datalog, the reference interpreter, z3)."""

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from solver.backends.registry import BACKENDS
from solver.decide import decide
from solver.facts import facts_from_dict
from tests.generate import nest, ordinary

CASES = YAML(typ="safe").load(Path(__file__).resolve().parents[1].joinpath("cases").joinpath("eligibility.yaml").read_text("utf-8"))


def build(policy, case):
    flat = ordinary(case["district"], **case.get("set", {}))
    for k in case.get("unset", []):
        flat.pop(k)
    return facts_from_dict(nest({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in flat.items()}), policy)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_case(policy, case, backend):
    facts = build(policy, case)
    d = decide(policy, case["district"], facts, lenient=case.get("lenient", False), backend_name=backend)
    assert d.status == case["expect"], [(c.clause.id, [lf.as_dict() for lf in c.leaves]) for c in d.failed()]
    failed = {c.clause.id for c in d.failed()}
    for cid in case.get("failed", []):
        assert cid in failed
    for cid in case.get("waivable", []):
        assert cid in {c.clause.id for c in d.waivable()}
    for f in case.get("unknown", []):
        assert f in d.unknown
