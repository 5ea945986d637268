"""Monthly series facts (`type: money_list` with `series: monthly`): a rule on every month of the last 12,
a vocabulary constraint linking the series to its average, and `missing` that never changes a past month
(it waits for the window to move, or proposes a value for the months to come)."""

from __future__ import annotations

import pytest

from policy.errors import InputError
from policy.pack import load_pack
from solver.analyses.missing.answer import missing
from solver.decide import decide
from solver.facts import facts_from_dict
from tests.generate import nest, ordinary
from tests.packs import pack_district

SERIES = "applicant.income.monthly_12"

VOCABULARY = """facts:
  applicant.income.monthly_12:
    type: money_list
    series: monthly
    length: 12
    min: 0
    label: {zh: 近12个月每月应税收入, en: taxable income of each of the last 12 months}
    unit: {zh: 元/月, en: CNY/month}
    change: {kind: effort, unit: 1000, cost: 1}
constraints:
  - id: monthly_12_average
    when: {sum: [[1, applicant.income.monthly_12], [-12, applicant.income.monthly_avg_12m]], ge: -12, le: 12}
    validate: true
    message: {zh: 近12个月月均收入应为各月收入的平均数, en: monthly_avg_12m must be the average of monthly_12}
"""

JURISDICTION = """meta:
  id: {d}
  name: {{zh: 测试区, en: Test district}}
  document: 测试
  sources: [901_series_test.txt]
employer:
  - id: {d}.employer.registered
    topic: employer_location
    cite: {{source: 901_series_test.txt, section: 一}}
    quote: 申请单位应在本区注册
    when: {{fact: employer.registered_district, eq: {d}}}
applicant:
  - id: {d}.applicant.every_month
    topic: income_threshold
    cite: {{source: 901_series_test.txt, section: 二}}
    quote: 近12个月每月应税收入均不低于上一年度本市职工月平均工资
    when: {{each: applicant.income.monthly_12, ge: {{times: 1, param: wage.monthly}}}}
"""

SOURCE = "测试文本\n一、申请单位应在本区注册。\n二、申请人近12个月每月应税收入均不低于上一年度本市职工月平均工资。\n"


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("series") / "pack"
    d = pack_district()
    for sub in ("jurisdictions", "sources"):
        (root / sub).mkdir(parents=True)
    (root / "vocabulary.yaml").write_text(VOCABULARY, encoding="utf-8")
    (root / "sources" / "901_series_test.txt").write_text(SOURCE, encoding="utf-8")
    (root / "jurisdictions" / f"{d}.yaml").write_text(JURISDICTION.format(d=d), encoding="utf-8")
    return load_pack(root), d


def _facts(policy, d, months):
    flat = ordinary(d, policy=policy, **{SERIES: months,
                                         "applicant.income.monthly_avg_12m": round(sum(months) / 12)})
    return facts_from_dict(nest(flat), policy)


@pytest.mark.parametrize("backend", ["datalog", "reference", "z3"])
def test_every_month(pack, backend):
    policy, d = pack
    assert decide(policy, d, _facts(policy, d, [9407] * 12), backend_name=backend).status == "eligible"
    low = decide(policy, d, _facts(policy, d, [9406] + [9407] * 11), backend_name=backend)
    assert low.status == "ineligible" and [c.clause.id for c in low.failed()] == [f"{d}.applicant.every_month"]


def test_the_average_is_linked(pack):
    policy, d = pack
    flat = ordinary(d, policy=policy, **{SERIES: [10000] * 12, "applicant.income.monthly_avg_12m": 18000})
    with pytest.raises(InputError) as e:
        facts_from_dict(nest(flat), policy)
    assert "monthly_avg_12m must be the average of monthly_12" in str(e.value)


def test_missing_waits_for_the_low_months_to_leave_the_window(pack):
    policy, d = pack
    r = missing(policy, d, _facts(policy, d, [8000, 8000, 8000] + [10000] * 9), top=1)
    top = r.overall[0]
    assert top.wait_months == 3
    assert not [c for c in top.changes if c.fact.startswith(SERIES)]  # no past month is changed


def test_missing_proposes_a_value_for_the_months_to_come(pack):
    policy, d = pack
    r = missing(policy, d, _facts(policy, d, [8000] * 12), top=1)
    top = r.overall[0]
    assert top.wait_months == 12 and top.eligible_on.isoformat() == "2022-09-15"
    changes = {c.fact: (c.before, c.after) for c in top.changes}
    # after 12 months every month of the window is a month to come; on 2022-09-15 the 2021 wage (10,628) applies
    assert changes[f"{SERIES}[next]"] == (8000, 10628)
    # the average follows the months (the vocabulary constraint), never a past month on its own
    assert abs(changes["applicant.income.monthly_avg_12m"][1] - 10628) <= 1
    assert set(changes) == {f"{SERIES}[next]", "applicant.income.monthly_avg_12m"}
