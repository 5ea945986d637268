"""Pathway-scoped clauses (`applies_to: {only: [...]}` / `{except: [...]}`): declared once, shown once in a
proof, required only by the pathways they apply to. Xicheng's 第五条（一）（二） tenure and income use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.errors import InputError
from policy.load import load_jurisdiction, load_params, load_policy, load_sources, load_vocabulary
from solver.decide import decide
from solver.facts import facts_from_dict
from solver.render.explain import decision_json
from tests.generate import nest, ordinary

POLICY = load_policy()


def _decide(backend="datalog", **changes):
    flat = ordinary("xicheng", **changes)
    return decide(POLICY, "xicheng", facts_from_dict(nest(flat), POLICY), backend_name=backend)


def test_the_clause_is_declared_once_for_pathways_1_and_2():
    j = POLICY.jurisdictions["xicheng"][-1]
    c = j.clause("xicheng.applicant.income")
    assert c.applies_to == ("xicheng.pathway.1", "xicheng.pathway.2") and c.scope[0] == "only"
    assert not any(x.topic == "income_threshold" and x.pathway in c.applies_to for x in j.clauses() if x is not c)


@pytest.mark.parametrize("backend", ["datalog", "reference", "z3"])
def test_it_binds_only_the_pathways_it_applies_to(backend):
    low = {"applicant.income.last_12_months": 100000}
    d = _decide(backend, **low)
    assert d.status == "ineligible"
    failed = [c.clause.id for c in d.failed()]
    assert failed.count("xicheng.applicant.income") == 1 and "xicheng.p1.degree" not in failed
    award = _decide(backend, **low, **{"applicant.award_winner": True})  # pathway 3 has no income rule
    assert award.status == "eligible"
    assert "xicheng.applicant.income" not in [c.clause.id for c in award.failed()]
    assert [p.pathway.id for p in award.pathways if p.status == "satisfied"] == ["xicheng.pathway.3"]


def test_shown_once_in_the_proof():
    d = decision_json(_decide(**{"applicant.income.last_12_months": 100000}))
    ids = [c["id"] for c in d["clauses"]]
    assert ids.count("xicheng.applicant.income") == 1
    income = next(c for c in d["clauses"] if c["id"] == "xicheng.applicant.income")
    assert income["applies_to"] == ["xicheng.pathway.1", "xicheng.pathway.2"]
    assert [f["clause"] for f in d["failed"]].count("xicheng.applicant.income") == 1


BASE = """meta: {{id: testville, name: {{zh: 测试, en: Test}}, document: x, sources: [004_79833e18f50f9f88.txt]}}
applicant:
  - id: testville.applicant.residence
    topic: residence
    cite: {{source: 004_79833e18f50f9f88.txt, section: 若干意见 三}}
    quote: 其聘用的人员在本市有固定住所
    when: {{fact: applicant.residence.stable, eq: true}}
    {scope}
pathways:
  - id: testville.pathway.1
    topic: pathway_degree
    title: {{zh: 一, en: one}}
    clauses:
      - id: testville.p1.degree
        topic: pathway_degree
        cite: {{source: 004_79833e18f50f9f88.txt, section: 若干意见 三（一）}}
        quote: 取得学士(含)以上学位的人才
        when: {{fact: applicant.degree, ge: bachelor}}
        {inner}
exclusions: []
"""


@pytest.mark.parametrize("scope, inner, words, line", [
    ("applies_to: {only: [testville.pathway.9]}", "", "unknown pathway `testville.pathway.9`", 8),
    ("applies_to: {except: [testville.pathway.1]}", "", "leaves no pathway", 8),
    ("applies_to: {sometimes: [testville.pathway.1]}", "", "unknown key `sometimes`", 8),
    ("", "applies_to: {only: [testville.pathway.1]}", "is in a pathway already", 19),
])
def test_bad_scopes(tmp_path, scope, inner, words, line):
    f = tmp_path / "testville.yaml"
    f.write_text(BASE.format(scope=scope, inner=inner), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_jurisdiction(f, load_vocabulary(), load_params(), load_sources())
    assert words in e.value.message and e.value.file == str(f) and e.value.line == line
    assert Path(e.value.file).name == "testville.yaml"
