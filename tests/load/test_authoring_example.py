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
