"""`wrp diff`: clause by clause and symbolically, across a wage-year change (one pack, two dates) and
between two packs; every witness is checked again here by deciding its profile under both versions."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

import cli
from policy.load import load_policy
from policy.pack import load_pack
from solver.analyses.diff import diff_rules
from solver.decide import decide
from solver.facts import facts_from_dict
from tests.packs import write_pack

OLD, NEW = dt.date(2022, 3, 1), dt.date(2022, 9, 1)  # the 2021 wage (10,628) was published 2022-07-19


def _status(policy, jid, profile, day):
    return decide(policy, jid, facts_from_dict(profile, policy, date=day)).status


def test_wage_year_change():
    pol = load_policy()
    d = diff_rules(pol, pol, date=OLD, to_date=NEW, district="changping")
    assert (d.wage_old.year, d.wage_new.year) == (2020, 2021)
    income = next(c for c in d.changes if c.clause == "changping.applicant.income")
    assert income.change == "changed"
    assert any("≥ 14,111" in en and "≥ 15,942" in en for en, _ in income.details)
    assert all(c.change == "changed" for c in d.changes)
    found = [w for w in d.witnesses if w.status == "found"]
    assert {w.topic for w in found} >= {"income_threshold"}
    for w in found:
        old, new = _status(pol, "changping", w.profile, OLD), _status(pol, "changping", w.profile, NEW)
        assert (old, new) == (("eligible", "ineligible") if w.eligible_under == "old" else ("ineligible", "eligible"))
    text = d.render("zh")
    assert "平均工资：2020 年度 9,407 元/月 → 2021 年度 10,628 元/月" in text and "上一年度本市全口径" in text


def test_same_rules_same_date_is_empty():
    pol = load_policy()
    d = diff_rules(pol, pol, date=OLD, witnesses=False)
    assert d.changes == [] and "no clause differs" in d.render()


@pytest.fixture(scope="module")
def two_packs(tmp_path_factory):
    base = tmp_path_factory.mktemp("diff")
    old, d = write_pack(base / "old", extends=False)
    new = base / "new"
    shutil.copytree(old, new)
    src = next((new / "sources").glob("*.txt"))
    src.write_text(src.read_text(encoding="utf-8").replace("1.3倍", "1.4倍"), encoding="utf-8")
    j = new / "jurisdictions" / f"{d}.yaml"
    text = j.read_text(encoding="utf-8").replace("1.3倍", "1.4倍").replace("times: 1.3", "times: 1.4")
    j.write_text(text.split("exclusions:")[0], encoding="utf-8")  # the dispatch exclusion is gone
    return old, new, d


def test_two_packs(two_packs):
    old_dir, new_dir, d = two_packs
    old, new = load_pack(old_dir), load_pack(new_dir)
    day = dt.date(2021, 9, 15)
    r = diff_rules(old, new, date=day)
    kinds = {c.clause: c.change for c in r.changes}
    assert kinds == {f"{d}.applicant.income": "changed", f"{d}.exclusion.dispatch": "removed"}
    income = next(c for c in r.changes if c.change == "changed")
    assert income.details[0][0].endswith("≥ 13,170 (1.4 × 9,407 (2020 monthly average wage) = 13,169.8 → 13,170 "
                                         "(rounded to whole 元))")
    by_topic = {w.topic: w for w in r.witnesses}
    assert by_topic["income_threshold"].eligible_under == "old"
    assert by_topic["employment_form"].eligible_under == "new"
    for w in r.witnesses:
        statuses = (_status(old, d, w.profile, day), _status(new, d, w.profile, day))
        assert statuses == (("eligible", "ineligible") if w.eligible_under == "old" else ("ineligible", "eligible"))
    assert by_topic["employment_form"].profile["applicant"]["labor_dispatch"] is True


def test_cli(capsys, two_packs):
    old_dir, new_dir, d = two_packs
    rc = cli.main(["diff", "--rules", str(old_dir), "--rules", str(new_dir), "--date", "2021-09-15", "--format", "json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    data = json.loads(out)
    assert data["old"]["rules"] == str(old_dir) and len(data["changes"]) == 2 and data["witnesses"]
    rc = cli.main(["diff", "--rules", str(old_dir), "--rules", str(new_dir), "--rules", str(new_dir)])
    assert rc == 2 and "at most twice" in capsys.readouterr().err
    rc = cli.main(["diff"])
    assert rc == 2 and "nothing to compare" in capsys.readouterr().err
