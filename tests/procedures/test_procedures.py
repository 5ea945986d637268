"""The procedure data: loads strictly, every clause is reachable from an answer, conflicts have witnesses."""

import datetime as dt
from pathlib import Path

import pytest

from policy.errors import InputError
from policy.load import load_policy, normalize
from policy.procedures import PROCEDURE_DIR, load_procedure_file, load_procedures, with_procedure_facts
from solver.procedures.conflicts import procedural_conflicts
from solver.procedures.deadlines import deadlines
from solver.procedures.facts import procedure_facts_from_dict
from solver.procedures.materials import materials

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procedures"


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.fixture(scope="module")
def pset(policy):
    return load_procedures(policy)


@pytest.fixture(scope="module")
def conflicts(policy):
    return procedural_conflicts(policy)


# fixture file -> (line, col, words of the message)
BAD = {
    "unknown_key.yaml": (12, 9, "unknown key `colour`"),
    "duplicate_key.yaml": (12, 9, "duplicate key"),
    "duplicate_id.yaml": (12, 9, "duplicate id `changping.renewal.window`"),
    "wrong_type.yaml": (11, 34, "is a duration"),
    "unknown_unit.yaml": (11, 43, "unknown duration unit `weeks`"),
    "unknown_event.yaml": (11, 18, "unknown event `birthday`"),
    "bad_quote.yaml": (10, 9, "not found verbatim"),
    "unknown_topic.yaml": (8, 9, "unknown topic `renewal_deadline`"),
    "two_rules.yaml": (11, 9, "exactly one rule key"),
    "undeclared_fact.yaml": (11, 20, "undeclared fact `applicant.lease_months`"),
    "date_fact.yaml": (11, 20, "is a date"),
    "undeclared_source.yaml": (9, 9, "not in this file's `meta.sources`"),
    "unknown_business.yaml": (5, 5, "unknown business `visa_run`"),
    "unknown_jurisdiction.yaml": (2, 3, "unknown jurisdiction `atlantis`"),
    "material_missing_en.yaml": (9, 15, "missing `en`"),
    "unknown_pathway.yaml": (12, 20, "unknown pathway topic `pathway_phd`"),
    "bad_period.yaml": (11, 18, "not a day of the year"),
    # issue 9: the cited section must exist, the quote must be inside it, ids start with the jurisdiction's
    "section_not_in_source.yaml": (9, 50, "the section `五、（三）3.` is not in 001_be62ffba661c98fa.txt"),
    "quote_outside_section.yaml": (10, 9, "the quote is not inside the cited section `五、（二）`"),
    "id_prefix.yaml": (7, 9, "must start with the jurisdiction id `changping.`"),
}


def test_every_fixture_is_checked():
    assert {p.name for p in FIXTURES.glob("*.yaml")} == set(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_fixture(policy, name):
    line, col, words = BAD[name]
    with pytest.raises(InputError) as e:
        load_procedure_file(FIXTURES / name, with_procedure_facts(policy))
    assert (e.value.line, e.value.col) == (line, col)
    assert words in e.value.message
    assert str(e.value).startswith(str(FIXTURES / name) + f":{line}:{col}: ")


def test_shipped_files(pset, policy):
    assert pset.ids() == [j for j in policy.ids() if (PROCEDURE_DIR / f"{j}.yaml").exists()]
    ids = [x.id for x in [*pset.all_clauses(), *pset.all_materials()]]
    assert len(ids) == len(set(ids))
    for x in [*pset.all_clauses(), *pset.all_materials()]:
        assert x.id.startswith(x.jurisdiction + ".")
        assert normalize(x.cite.quote) in normalize(policy.sources[x.cite.source])


def _all_outputs(policy, pset):
    """Every clause id some answer shows: the timelines, every business's checklist, the conflicts."""
    seen: set[str] = set()
    t = deadlines(policy, None, expiry=dt.date(2025, 10, 31), left_employer=dt.date(2025, 3, 3),
                  info_changed=dt.date(2025, 5, 1))
    for ps in t.plans.values():
        for p in ps.values():
            seen |= {c.id for e in p.events for c in e.clauses}
    f = procedure_facts_from_dict({"application": {"date": "2025-06-30"}}, policy)
    for jid in pset.ids():
        for b in pset[jid].businesses:
            if b == "general":
                continue
            c = materials(policy, jid, f, business=b, pathway="degree")
            seen |= {r.id for r in c.rules} | {k.clause.id for k in c.checks}
    return seen


def test_every_clause_is_exercised(policy, pset):
    seen = _all_outputs(policy, pset)
    missing = [c.id for c in pset.all_clauses() if c.id not in seen]
    assert not missing


@pytest.mark.parametrize("topic,pair,witness", [
    ("child_age_limit", ("changping", "daxing"), {"applicant.accompanying.oldest_child_age_years": 17}),
    ("child_age_limit", ("chaoyang", "xicheng"), {"applicant.accompanying.oldest_child_in_school": False}),
    ("spouse_accompaniment", ("chaoyang", "daxing"), {"applicant.accompanying.spouse": True}),
    ("lease_validity", ("changping", "xicheng"), {"applicant.residence.lease_months_remaining": 3}),
    ("lease_validity", ("changping", "daxing"), {"applicant.residence.lease_months_remaining": 3}),
    ("contract_validity", ("changping", "xicheng"), {"applicant.contract.months_remaining": 3}),
    ("contract_validity", ("chaoyang", "daxing"), {"applicant.contract.months_remaining": 2}),
])
def test_requirement_conflicts(conflicts, topic, pair, witness):
    found = [c for c in conflicts if c.topic == topic and {c.a, c.b} == set(pair) and c.business == "new"]
    assert found
    c = found[0]
    for k, v in witness.items():
        assert c.witness[k] == v
    assert {c.outcome_a, c.outcome_b} & {"accepted"}


def test_daxing_child_rule_is_waivable(conflicts):
    c = next(c for c in conflicts if c.topic == "child_age_limit" and {c.a, c.b} == {"changping", "daxing"})
    assert c.waivable and "原则上" in (c.outcome_a + c.outcome_b)


def test_deadline_conflicts(conflicts):
    rw = next(c for c in conflicts if c.topic == "renewal_window" and {c.a, c.b} == {"changping", "daxing"})
    assert rw.witness["filing_day"] == dt.date(2025, 8, 4)  # daxing's window opens; changping's on 09-01
    lapse = next(c for c in conflicts if c.topic == "renewal_lapse" and {c.a, c.b} == {"changping", "chaoyang"})
    assert lapse.witness["day"] == dt.date(2025, 11, 1)
    first = next(c for c in conflicts if c.topic == "renewal_lapse" and {c.a, c.b} == {"changping", "xicheng"})
    assert first.witness.get("permit.first_permit") is True
    ec = next(c for c in conflicts if c.topic == "employer_change_window" and {c.a, c.b} == {"changping", "chaoyang"})
    assert ec.witness["filing_day"] == dt.date(2024, 12, 31)  # 61 days after leaving on 2024-10-31


def test_practice_conflict(conflicts):
    c = next(c for c in conflicts if c.topic == "annual_inspection")
    assert {c.a, c.b} == {"chaoyang", "xicheng"}
    assert c.witness["period_to"] == dt.date(2025, 5, 1)


def test_conflicts_serialise(conflicts):
    import json
    d = [c.as_dict() for c in conflicts]
    json.dumps(d, ensure_ascii=False)
    assert all(c["clauses"][c["a"]] and c["clauses"][c["b"]] for c in d if c["kind"] != "deadline"
               or c["topic"].endswith("window"))


# --- a search that gives up says so; a witness that does not replay is an error (issue 9) ----------------


def test_a_grid_over_the_limit_is_not_searched_never_no_conflict(policy, monkeypatch, capsys):
    """With the grid limit below every grid, each compared pair is reported `not_searched` (text and JSON,
    zh/en): none is silently dropped as if the two agreed."""
    import json

    import cli
    from solver.procedures import conflicts as pc
    full = [c for c in pc.procedural_conflicts(policy) if c.kind == "requirement"]
    monkeypatch.setattr(pc, "GRID_LIMIT", 1)
    cut = [c for c in pc.procedural_conflicts(policy) if c.kind == "requirement"]
    assert cut and all(c.status == "not_searched" and not c.witness for c in cut)
    # every pair that had a conflict is still listed, now as not searched
    assert {(c.topic, c.business, c.a, c.b) for c in full} <= {(c.topic, c.business, c.a, c.b) for c in cut}
    d = cut[0].as_dict()
    assert d["status"] == "not_searched" and set(d["outcome"].values()) == {"not searched"}
    assert "not searched" in d["explanation"] and "未搜索" in d["explanation_zh"]
    for lang, words in (("en", "NOT SEARCHED (not a finding of no conflict)"), ("zh", "未搜索（不代表没有冲突）")):
        assert cli.main(["conflicts", "--district", "changping,daxing", "--lang", lang]) == 0
        assert words in capsys.readouterr().out
    assert cli.main(["conflicts", "--district", "changping,daxing", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(p["status"] == "not_searched" for p in data["procedural"])


def test_found_conflicts_are_marked_found(conflicts):
    assert all(c.status == "found" for c in conflicts)


def test_a_witness_that_does_not_replay_is_an_error(policy, monkeypatch):
    """The replay reads the witness back from its profile; a profile that loses the facts (here: read as
    empty) leaves both sides undecided, which is a defect to report, never a conflict dropped quietly."""
    from solver.procedures import conflicts as pc

    class Empty:
        values: dict = {}

    monkeypatch.setattr(pc, "procedure_facts_from_dict", lambda *a, **k: Empty())
    with pytest.raises(AssertionError, match="does not replay"):
        pc.procedural_conflicts(policy, ["changping", "daxing"])
