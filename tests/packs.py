"""A throwaway district as a rules pack, written at test time: its own source text, a new fact, one
jurisdiction file, its own test cases. The district is one that has no rules in the loaded policy
(policy/params/districts.yaml minus the encoded jurisdictions), so adding a district to the shipped
rules never breaks these tests."""

from __future__ import annotations

from pathlib import Path

from policy.load import load_policy
from tests.generate import districts_without_rules

SOURCE = """{zh}工作居住证办理细则（测试用，非真实文件）

一、申请单位应在{zh}注册，具有独立法人资格。

二、申请人应在本市有稳定住所，在申请单位连续工作满6个月，月均应税收入额不低于上一年度本市职工月平均工资的1.3倍。

三、申请人还应符合下列条件之一：
（一）具有2年以上工作经历并取得学士(含)以上学位；
（二）持有{zh}人才服务卡。

四、劳务派遣人员不予办理。
"""

VOCABULARY = """facts:
  applicant.district_talent_card:
    type: bool
    label: {zh: 持有区人才服务卡, en: holds the district talent service card}
    change: {kind: effort, unit: 1, cost: 24}
"""

JURISDICTION = """meta:
  id: {d}
  name: {{zh: {zh}（测试）, en: {en} (test)}}
  document: {zh}工作居住证办理细则（测试用）
  in_force: {{from: 2021-01-01}}
  sources: [{src}]

employer:
  - id: {d}.employer.registered
    topic: employer_location
    cite: {{source: {src}, section: 一}}
    quote: 申请单位应在{zh}注册
    when: {{fact: employer.registered_district, eq: {d}}}
  - id: {d}.employer.legal_person
    topic: employer_legal_form
    cite: {{source: {src}, section: 一}}
    quote: 具有独立法人资格
    when: {{fact: employer.legal_person, eq: true}}

applicant:
  - id: {d}.applicant.residence
    topic: residence
    cite: {{source: {src}, section: 二}}
    quote: 在本市有稳定住所
    when: {{fact: applicant.residence.stable, eq: true}}
  - id: {d}.applicant.tenure
    topic: tenure
    cite: {{source: {src}, section: 二}}
    quote: 在申请单位连续工作满6个月
    when: {{fact: applicant.months_with_employer, ge: 6}}
  - id: {d}.applicant.income
    topic: income_threshold
    cite: {{source: {src}, section: 二}}
    quote: 月均应税收入额不低于上一年度本市职工月平均工资的1.3倍
    when: {{fact: applicant.income.monthly_avg_12m, ge: {{times: 1.3, param: wage.monthly}}}}

pathways:
  - id: {d}.pathway.1
    topic: pathway_degree
    title: {{zh: （一）2年以上工作经历并取得学士学位, en: "(1) 2 years' experience and a bachelor's degree"}}
    clauses:
      - id: {d}.p1.experience
        topic: work_experience
        cite: {{source: {src}, section: 三（一）}}
        quote: 具有2年以上工作经历
        when: {{fact: applicant.work_experience_years, ge: 2}}
      - id: {d}.p1.degree
        topic: pathway_degree
        cite: {{source: {src}, section: 三（一）}}
        quote: 取得学士(含)以上学位
        when: {{fact: applicant.degree, ge: bachelor}}
  - id: {d}.pathway.2
    topic: pathway_talent_program
    title: {{zh: （二）持有人才服务卡, en: (2) district talent card}}
    clauses:
      - id: {d}.p2.card
        topic: pathway_talent_program
        cite: {{source: {src}, section: 三（二）}}
        quote: 持有{zh}人才服务卡
        when: {{fact: applicant.district_talent_card, eq: true}}

exclusions:
  - id: {d}.exclusion.dispatch
    topic: employment_form
    cite: {{source: {src}, section: 四}}
    quote: 劳务派遣人员不予办理
    when: {{fact: applicant.labor_dispatch, eq: true}}
"""

TESTS = """# Test cases of the throwaway pack (wrp test).
- name: ordinary applicant with a degree
  district: {d}
  date: 2021-09-15
  profile: {profile}
  set: {{employer.registered_district: {d}, employer.tax_district: {d}}}
  expect: {{status: eligible, pathways: [{d}.pathway.1]}}
- name: the talent card alone, no degree
  district: {d}
  date: 2021-09-15
  profile: {profile}
  set: {{employer.registered_district: {d}, employer.tax_district: {d}, applicant.degree: none,
        applicant.education: none, applicant.district_talent_card: true}}
  expect: {{status: eligible, pathways: [{d}.pathway.2]}}
- name: income under 1.3 × 9,407 = 12,229.1 → 12,229
  district: {d}
  date: 2021-09-15
  profile: {profile}
  set: {{employer.registered_district: {d}, employer.tax_district: {d}, applicant.income.monthly_avg_12m: 12228}}
  expect: {{status: ineligible, failed: [{d}.applicant.income]}}
"""


def pack_district(policy=None) -> str:
    return districts_without_rules(policy or load_policy())[0]


def write_pack(root: Path, district: str | None = None, extends: bool = True) -> tuple[Path, str]:
    """Write the throwaway pack into ``root``; return (root, district id)."""
    policy = load_policy()
    d = district or pack_district(policy)
    names = policy.params.district_names[d]
    src = f"900_{d}_test.txt"
    for sub in ("jurisdictions", "sources", "tests"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    if extends:
        (root / "pack.yaml").write_text(f"name: {d}-test\nextends: shipped\n", encoding="utf-8")
    (root / "sources" / src).write_text(SOURCE.format(zh=names["zh"]), encoding="utf-8")
    (root / "vocabulary.yaml").write_text(VOCABULARY, encoding="utf-8")
    (root / "jurisdictions" / f"{d}.yaml").write_text(
        JURISDICTION.format(d=d, zh=names["zh"], en=names["en"], src=src), encoding="utf-8")
    profile = Path(__file__).resolve().parents[1] / "examples" / "changping_eligible.yaml"
    (root / "tests" / f"{d}.yaml").write_text(TESTS.format(d=d, profile=profile), encoding="utf-8")
    return root, d


def profile_in(tmp: Path, district: str, **changes: str) -> Path:
    """examples/changping_eligible.yaml with the employer in ``district`` (and ``changes`` to lines)."""
    text = (Path(__file__).resolve().parents[1] / "examples" / "changping_eligible.yaml").read_text(encoding="utf-8")
    text = text.replace("registered_district: changping", f"registered_district: {district}")
    text = text.replace("tax_district: changping", f"tax_district: {district}")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    p = tmp / f"{district}_profile.yaml"
    p.write_text(text, encoding="utf-8")
    return p
