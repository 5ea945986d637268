"""The worked example of docs/authoring.md: a new district added as data only, no code change."""

from pathlib import Path

from policy.load import POLICY_DIR, load_policy_from
from solver.decide import decide
from solver.facts import load_profile

DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_new_district_from_the_authoring_guide_loads_and_answers():
    policy = load_policy_from(POLICY_DIR / "jurisdictions", [DOCS / "mentougou.yaml"])
    assert "mentougou" in policy.jurisdictions
    facts = load_profile(DOCS / "mentougou_profile.yaml", policy)
    assert decide(policy, "mentougou", facts).status == "eligible"
    assert decide(policy, "mentougou", facts, backend_name="reference").status == "eligible"


PACK = DOCS / "fangshan_pack"


def test_the_guides_pack_lints_passes_its_tests_and_covers_every_clause(capsys):
    import cli
    assert cli.main(["lint", "--rules", str(PACK)]) == 0
    assert "fangshan.yaml: fangshan" in capsys.readouterr().out
    assert cli.main(["test", "--rules", str(PACK), str(PACK / "tests"), "--fail-under", "100"]) == 0
    out = capsys.readouterr().out
    assert "OK: 14 passed" in out and "fangshan.yaml       12           12" in out


def test_the_guides_pack_scoped_income_clause():
    from policy.pack import load_pack
    policy = load_pack(PACK)
    c = policy.jurisdictions["fangshan"][-1].clause("fangshan.applicant.income")
    assert c.applies_to == ("fangshan.pathway.1", "fangshan.pathway.2") and c.scope == ("except", ("fangshan.pathway.3",))
