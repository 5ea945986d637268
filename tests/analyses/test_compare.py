"""`compare`: clauses side by side by topic, differences decided by z3."""

from __future__ import annotations

import datetime as dt
import json

from policy.load import load_policy
from solver.analyses.compare import compare

POLICY = load_policy()
DAY = dt.date(2021, 9, 15)


def test_side_by_side_relations():
    c = compare(POLICY, ["changping", "xicheng", "beijing"], date=DAY)
    rows = {r.topic: r for r in c.rows}
    exp = {x.jurisdiction: x.relation for x in rows["work_experience"].cells}
    assert exp == {"changping": "reference", "xicheng": "same", "beijing": "same"}
    form = {x.jurisdiction: x.relation for x in rows["employer_legal_form"].cells}
    # Changping admits branches as the city-wide rule does (001 五、（一）1（1）①); Xicheng also growth enterprises
    assert form == {"changping": "reference", "xicheng": "looser", "beijing": "same"}
    assert rows["income_threshold"].differs
    assert all(x.relation == "absent" for x in rows["employer_headcount"].cells if x.jurisdiction != "changping")


def test_outputs():
    c = compare(POLICY, ["changping", "daxing"], topic="income_threshold", date=DAY)
    md = c.to_markdown("zh")
    assert "| 主题 |" in md and "1.2倍" in md  # quotes stay Chinese
    assert "14,111" in c.render("en")  # the threshold on the date, in plain words
    json.dumps(c.to_json())


def test_text_in_chinese():
    c = compare(POLICY, ["changping", "xicheng"], topic="employer_legal_form", date=DAY)
    zh = c.render("zh")
    assert "［宽于 changping］" in zh and "具有法人资格 = 是" in zh
    assert "looser" not in zh and "= true" not in zh
