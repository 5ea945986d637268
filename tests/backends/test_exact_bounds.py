"""Exactness does not depend on a cap (docs/exact.md, "Bounds"): a profile with nearly every fact unknown
gets the same exact answer from every backend — the brute-force oracle hands over to z3 instead of
falling back to Kleene truths — and the one bound that remains (z3's resource limit) is said in the
output and never turns into a wrong eligible / ineligible."""

from __future__ import annotations

import pytest

from solver.decide import decide
from solver.facts import facts_from_dict

JURISDICTIONS = ["beijing", "changping", "chaoyang", "daxing", "xicheng"]
NEARLY_EMPTY = {
    "only the date": {"application": {"date": "2021-09-15"}},
    "only the district": {"application": {"date": "2021-09-15"}, "employer": {"registered_district": "昌平区"}},
}


def _answer(d):
    return (d.status, d.unknown, [(c.clause.id, c.status, c.unknown_facts) for c in d.clause_results()],
            [p.status for p in d.pathways])


@pytest.mark.parametrize("jid", JURISDICTIONS)
@pytest.mark.parametrize("name", sorted(NEARLY_EMPTY))
def test_nearly_empty_profiles_are_exact_on_every_backend(policy, jid, name):
    facts = facts_from_dict(NEARLY_EMPTY[name], policy)
    ds = {b: decide(policy, jid, facts, backend_name=b) for b in ("datalog", "reference")}
    assert _answer(ds["datalog"]) == _answer(ds["reference"])
    for d in ds.values():
        assert not any("Kleene" in w or "exactness bound" in w for w in d.warnings), d.warnings
    if ds["datalog"].status == "undetermined":
        assert ds["datalog"].unknown  # some fact decides it, and it is named
    # the oracle did not enumerate: it says z3 decided instead
    assert any("z3 decided the exact answer" in w for w in ds["reference"].warnings)


def test_only_the_district_decides_what_it_can(policy):
    """Chaoyang's and Daxing's own rules need a registration there: a Changping employer is ineligible
    whatever the unknown facts are; Changping's answer depends on them."""
    facts = facts_from_dict(NEARLY_EMPTY["only the district"], policy)
    assert decide(policy, "daxing", facts).status == "ineligible"
    assert decide(policy, "chaoyang", facts).status == "ineligible"
    d = decide(policy, "changping", facts)
    assert d.status == "undetermined" and "employer.registered_district" not in d.unknown


def test_the_z3_resource_limit_is_stated_and_never_gives_a_wrong_answer(policy, monkeypatch):
    """With z3 starved of resources, open questions stay undetermined (sound) and the output says the
    exactness bound was reached."""
    from solver.backends.reference import node_status
    from solver.backends.smt import exact as smt_exact
    from solver.exact import refine_program
    from solver.program import compile_program
    monkeypatch.setattr(smt_exact, "RLIMIT", 1)
    facts = facts_from_dict(NEARLY_EMPTY["only the date"], policy)
    j, _ = policy.version("changping", facts.date)
    prog = compile_program(j, facts.wage, False)
    kleene = node_status(prog, facts)
    monkeypatch.setattr("solver.exact.sample", lambda *a, **k: None)  # force the solver path
    ex = refine_program(policy, prog, facts, kleene, "z3", solver=smt_exact.z3_refine)
    assert any("exactness bound reached" in w for w in ex.warnings)
    assert any("达到精确性上限" in w.zh for w in ex.warnings)
    for n in prog.nodes:  # sound: never decided against Kleene, never decided without proof
        if kleene[id(n)] is not None:
            assert ex.status[id(n)] == kleene[id(n)]
    exact = decide(policy, "changping", facts)
    assert ex.status[id(prog.root)] in (None, exact.status == "eligible")
