"""Checklists per jurisdiction, business and pathway, with validity checks from the profile's dates."""

import pytest

from policy.errors import InputError
from policy.load import load_policy
from solver.procedures.facts import load_procedure_profile, procedure_facts_from_dict
from solver.procedures.materials import materials


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def facts(policy, applicant=None, date="2024-03-01", **extra):
    return procedure_facts_from_dict({"application": {"date": date}, "applicant": applicant or {}, **extra}, policy)


def item(c, mid):
    return next(i for i in c.items if i.material.id == mid)


def check(c, cid):
    return next(k for k in c.checks if k.clause.id == cid)


@pytest.mark.parametrize("jid,mid,months,ok", [
    ("changping", "changping.new.lease", 3, True),
    ("changping", "changping.new.lease", 2, False),
    ("xicheng", "xicheng.new.lease", 5, False),
    ("xicheng", "xicheng.new.lease", 6, True),
    ("daxing", "daxing.new.lease", 5, False),
    ("daxing", "daxing.new.lease", 6, True),
])
def test_lease_months(policy, jid, mid, months, ok):
    f = facts(policy, {"residence": {"proof": "rented", "lease_months_remaining": months}})
    c = materials(policy, jid, f, pathway="degree")
    assert item(c, mid).status == "needed"
    assert item(c, mid).check == ("ok" if ok else "fails")


def test_rented_items_not_needed_for_owners(policy):
    c = materials(policy, "xicheng", facts(policy, {"residence": {"proof": "owned"}}), pathway="degree")
    assert item(c, "xicheng.new.lease").status == "not_needed"
    assert item(c, "xicheng.new.owned").status == "needed"


@pytest.mark.parametrize("end,ok", [("2024-09-01", True), ("2024-08-31", False)])
def test_contract_six_months_after_filing(policy, end, ok):
    # filing 2024-03-01: six months later is 2024-09-01
    c = materials(policy, "xicheng", facts(policy, {"contract": {"end_date": end}}), pathway="degree")
    assert item(c, "xicheng.new.contract").check == ("ok" if ok else "fails")
    assert check(c, "xicheng.new.contract_validity").status == ("held" if ok else "failed")


@pytest.mark.parametrize("signed,ok", [("2023-12-02", True), ("2023-12-01", False), ("2024-03-01", True)])
def test_integrity_declaration_within_90_days(policy, signed, ok):
    # 2023-12-02 → 2024-03-01 is 90 days; 2023-12-01 is 91
    c = materials(policy, "xicheng", facts(policy, {"integrity_declaration": {"signed_date": signed}}), pathway="degree")
    assert item(c, "xicheng.new.integrity").check == ("ok" if ok else "fails")


@pytest.mark.parametrize("expiry,ok", [("2024-04-01", True), ("2024-03-31", False)])
def test_residence_permit_one_month(policy, expiry, ok):
    f = facts(policy, {"residence": {"proof": "residence_permit"}, "residence_permit": {"expiry_date": expiry}})
    c = materials(policy, "xicheng", f, pathway="degree")
    assert item(c, "xicheng.new.residence_permit").check == ("ok" if ok else "fails")
    # Changping wants three months (四、（一）, 一般 → in principle)
    assert item(materials(policy, "changping", f, pathway="degree"), "changping.new.residence_permit").check == "fails"


@pytest.mark.parametrize("awarded,needed", [("2008-08-31", "needed"), ("2008-09-01", "not_needed")])
def test_degree_certification_before_2008_09(policy, awarded, needed):
    c = materials(policy, "xicheng", facts(policy, {"degree_date": awarded}), pathway="degree")
    assert item(c, "xicheng.new.degree_certification").status == needed
    assert item(c, "xicheng.new.degree").status == "needed"


def test_degree_certification_unknown_date_is_maybe(policy):
    c = materials(policy, "xicheng", facts(policy), pathway="degree")
    i = item(c, "xicheng.new.degree_certification")
    assert i.status == "maybe" and "applicant.degree_date" in i.detail[0]


def test_pathway_filters_items(policy):
    c = materials(policy, "changping", facts(policy), pathway="title")
    ids = {i.material.id for i in c.items}
    assert "changping.new.title" in ids and "changping.new.degree" not in ids


def test_pathway_from_eligibility(policy):
    f = load_procedure_profile("examples/changping_eligible.yaml", policy)
    c = materials(policy, "changping", f)
    assert c.pathway_source == "eligibility" and "pathway_degree" in c.pathways
    assert item(c, "changping.new.lease").check == "ok"  # 8 months left


@pytest.mark.parametrize("jid,age,school,status", [
    ("changping", 17, False, "held"), ("xicheng", 17, False, "held"), ("changping", 18, False, "failed"),
    ("daxing", 16, False, "held"), ("daxing", 17, False, "failed"),
    ("chaoyang", 17, True, "held"), ("chaoyang", 17, False, "failed"), ("chaoyang", 16, False, "held"),
])
def test_child_age(policy, jid, age, school, status):
    import datetime as dt

    from solver.calendar import add_years
    birth = add_years(dt.date(2024, 3, 1), -age).isoformat()
    f = facts(policy, {"accompanying": {"children": 1, "oldest_child_birth_date": birth,
                                        "oldest_child_in_school": school}})
    c = materials(policy, jid, f, pathway="degree")
    assert next(k for k in c.checks if k.clause.topic == "child_age_limit").status == status


def test_chaoyang_renewed_contract_and_school_certificate(policy):
    f = facts(policy, {"contract": {"end_date": "2024-04-15"},
                       "accompanying": {"children": 1, "oldest_child_birth_date": "2006-01-01", "spouse": True}})
    c = materials(policy, "chaoyang", f, pathway="degree")
    assert item(c, "chaoyang.new.contract_renewed").status == "needed"
    assert item(c, "chaoyang.new.school_certificate").status == "needed"
    assert item(c, "chaoyang.new.spouse_documents").status == "needed"


def test_renewal_and_employer_change_lists(policy):
    f = facts(policy, {"contract": {"end_date": "2024-07-01"}})
    r = materials(policy, "daxing", f, business="renewal")
    assert item(r, "daxing.renewal.contract").check == "fails"
    assert {x.kind for x in r.rules} >= {"window", "review", "lapse", "filer"}
    e = materials(policy, "changping", f, business="employer_change")
    assert {i.material.topic for i in e.items} == {"leaving_certificate", "contract_validity"}


def test_errors_and_render(policy):
    f = facts(policy)
    with pytest.raises(InputError):
        materials(policy, "changping", f, business="visa")
    with pytest.raises(InputError):
        materials(policy, "changping", f, pathway="phd")
    with pytest.raises(InputError):
        materials(policy, "atlantis", f)
    c = materials(policy, "changping", f, pathway="degree")
    assert "学位证书" in c.render("zh") and "degree certificate" in c.render("en")
    d = c.as_dict()
    assert d["district"] == "changping" and d["items"] and d["rules"]
    assert materials(policy, "beijing", f, business="annual_inspection").warnings


def test_profile_rejects_unknown_procedure_field(policy):
    with pytest.raises(InputError) as e:
        procedure_facts_from_dict({"applicant": {"contract": {"end": "2024-01-01"}}}, policy)
    assert e.value.field == "applicant.contract.end"


def test_text_in_chinese(policy):
    f = load_procedure_profile("examples/holder_renewal.yaml", policy)
    zh = materials(policy, "xicheng", f, business="renewal").render("zh")
    assert "条件 —（无）" in zh and "证件有效期届满前（含当日）办理" in zh
    assert "(none)" not in zh and "前0个工作日" not in zh
