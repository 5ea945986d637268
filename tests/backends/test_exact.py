"""Exact three-valued answers (docs/exact.md): the z3 refinement against the brute-force oracle.

A partial profile is the ordinary applicant of a jurisdiction, mutated at random, with a few facts
left out. For every node of the compiled rule, the z3 refinement (``solver.exact.z3_refine``) and the
oracle (``solver.exact.oracle``: every completion at the boundary values of every comparison, pure
Python) must give the same exact truth, and the same facts whose value can change the rule's and each
clause's answer. Where Kleene evaluation already decided a node, both keep its value (soundness).
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from policy.expr import facts_of
from policy.model import DERIVED_FROM
from solver.backends.reference import node_status as reference_status
from solver.backends.smt.exact import z3_refine
from solver.decide import decide
from solver.exact import oracle
from solver.facts import facts_from_dict
from solver.program import compile_program
from tests.generate import HOME, _value, boundary_values, nest, ordinary, repair

JURISDICTIONS = ["xicheng", "changping", "daxing", "chaoyang", "beijing"]


def _stated_inputs(policy, jid: str) -> list[str]:
    j = policy.jurisdictions[jid][-1]
    out: set[str] = set()
    for c in j.clauses():
        for f in facts_of(c.when):
            out.update(s for s in DERIVED_FROM.get(f, (policy.vocabulary.spec(f).name,)) if s != "application.date")
    return sorted(out)


@st.composite
def partial_profiles(draw, policy):
    jid = draw(st.sampled_from(JURISDICTIONS))
    flat = ordinary(jid)
    names = _stated_inputs(policy, jid)
    if draw(st.booleans()):  # one or two facts moved, often onto a threshold of the rules
        import datetime as dt
        day = dt.date.fromisoformat(str(flat["application.date"]))
        bounds = boundary_values(policy, day)
        for n in draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)):
            spec = policy.vocabulary.facts[n]
            if spec.type == "money_list":
                flat[n] = [_value(draw, policy, spec, day, bounds) for _ in range(spec.length)]
            else:
                flat[n] = _value(draw, policy, spec, day, bounds)
        flat = repair(policy, flat)
    drop = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    for n in drop:
        flat.pop(n, None)
    return jid, flat


def _targets(prog):
    seen, out = set(), []
    for t in (prog.root, *prog.requirement.values(), *prog.pathway.values()):
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_z3_refinement_matches_brute_force(policy, data):
    jid, flat = data.draw(partial_profiles(policy))
    facts = facts_from_dict(nest(flat), policy)
    j, _ = policy.version(jid, facts.date)
    prog = compile_program(j, facts.wage, False)
    kleene = reference_status(prog, facts)
    targets = _targets(prog)
    brute = oracle(policy, prog.nodes, facts, kleene, targets, solver=z3_refine)
    assume(not brute.warnings)  # the oracle gave up: too many completions to enumerate
    exact = z3_refine(policy, prog.nodes, facts, kleene, targets)
    for n in prog.nodes:
        if kleene[id(n)] is not None:  # sound: what Kleene decides, every completion agrees with
            assert brute.status[id(n)] == kleene[id(n)]
        assert exact.status[id(n)] == brute.status[id(n)], n
    for t in targets:
        if brute.status[id(t)] is None:
            assert exact.relevant[id(t)] == brute.relevant[id(t)], t
            assert brute.relevant[id(t)], "undetermined, yet no single fact changes it"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_backend_gives_the_exact_answer(policy, data):
    jid, flat = data.draw(partial_profiles(policy))
    facts = facts_from_dict(nest(flat), policy)
    ds = {b: decide(policy, jid, facts, backend_name=b) for b in ("datalog", "z3", "reference")}
    assume(not ds["reference"].warnings or all("oracle" not in w for w in ds["reference"].warnings))
    answers = {b: (d.status, d.unknown, [(c.clause.id, c.status, c.unknown_facts) for c in d.clause_results()],
                   [p.status for p in d.pathways]) for b, d in ds.items()}
    assert answers["datalog"] == answers["z3"] == answers["reference"]


def test_a_fact_that_cannot_change_the_answer_is_not_listed(policy):
    # degree holds pathway 1; high_tech decides only the income multiple (12,000 is between 1.2× and 1.5×)
    flat = ordinary("changping", **{"applicant.income.monthly_avg_12m": 12000})
    for n in ("employer.high_tech", "employer.innovation_entity", "applicant.income.annual_last_3_years"):
        flat.pop(n)
    d = decide(policy, "changping", facts_from_dict(nest(flat), policy))
    assert d.status == "undetermined" and d.unknown == ["employer.high_tech"]
    p4 = next(c for c in d.clause_results() if c.clause.id == "changping.p4.income")
    assert p4.status == "unknown" and p4.unknown_facts == ["applicant.income.annual_last_3_years"]


def test_derived_facts_count_through_their_inputs(policy):
    # Chaoyang's age cap depends on sex: a 58-year-old of unknown sex is undetermined because of sex
    flat = ordinary("chaoyang", **{"applicant.birth_date": "1963-05-01", "applicant.work_experience_years": 30})
    flat.pop("applicant.sex")
    flat.pop("applicant.female_category")
    d = decide(policy, "chaoyang", facts_from_dict(nest(flat), policy))
    assert d.status == "undetermined" and d.unknown == ["applicant.sex"]
    # the statutory retirement age depends on sex and category; a 45-year-old is under all of them
    flat = ordinary("changping", **{"applicant.birth_date": "1976-05-01", "applicant.work_experience_years": 20})
    flat.pop("applicant.sex")
    flat.pop("applicant.female_category")
    d = decide(policy, "changping", facts_from_dict(nest(flat), policy))
    assert d.status == "eligible"


def test_home_districts_cover_every_jurisdiction():
    assert set(JURISDICTIONS) <= set(HOME) | {"beijing"}
