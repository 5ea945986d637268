"""Cited sections read against the structure of the source texts (policy/sections.py, issue 9): each
heading of the path is looked up inside the span of the one before, and the quote must be inside."""

from __future__ import annotations

import pytest

from policy.load import POLICY_DIR
from policy.sections import SectionError, Step, check_cite, locate, parse_section

SRC = {p.name[:3]: p.read_text(encoding="utf-8") for p in (POLICY_DIR / "sources").glob("*.txt")}


@pytest.mark.parametrize("section, steps", [
    ("第五条第（四）项", [Step("article", (5,)), Step("cn_paren", (4,))]),
    ("第三条第（一）（二）项", [Step("article", (3,)), Step("cn_paren", (1, 2))]),
    ("二、（二）4", [Step("cn", (2,)), Step("cn_paren", (2,)), Step("num", (4,))]),
    ("五、（一）1.（1）①", [Step("cn", (5,)), Step("cn_paren", (1,)), Step("num", (1,)), Step("num_paren", (1,)),
                         Step("circled", (1,))]),
    ("第一篇 新办工作居住证 二、10、（1）-（3）", [Step("part", (1,)), Step("name", name="新办工作居住证"),
                                      Step("cn", (2,)), Step("num", (10,)), Step("num_paren", (1, 2, 3))]),
    ("第二篇 新办工作居住证 二、8、9", [Step("part", (2,)), Step("name", name="新办工作居住证"), Step("cn", (2,)),
                               Step("num", (8, 9))]),
    ("六、（二）7.A", [Step("cn", (6,)), Step("cn_paren", (2,)), Step("num", (7,)), Step("letter", (1,))]),
    ("若干意见 三（一）", [Step("name", name="若干意见"), Step("cn", (3,)), Step("cn_paren", (1,))]),
])
def test_sections_are_read_as_paths_of_headings(section, steps):
    assert parse_section(section) == steps


@pytest.mark.parametrize("src, section, quote", [
    ("000", "第五条第（四）项", "在新型研发机构、创新型总部企业、高新技术企业等"),
    ("001", "二、（二）4", "在新型研发机构、创新型总部企业、高新技术企业等科技创新主体中工作"),
    ("001", "二、（三）", "劳务派遣人员"),  # written (三) with half-width brackets and a space in the text
    ("001", "五、（一）1.（1）①", "外埠在京设立的非法人分支机构营业执照"),
    ("003", "一、（三）1（4）", "科技创新主体中工作"),
    ("004", "第一篇 新办工作居住证 二、10、（3）", "双方的结婚证"),  # part 1 is implicit: before 第二篇
    ("004", "第二篇 申请人资格要求", "男性不超过60周岁"),  # a ● bullet in the middle of a line
    ("004", "第二篇 申请人资格要求（2）", "具有中级（含）以上专业技术职称"),  # （2) after ；
    ("004", "若干意见 三（一）", "取得学士(含)以上学位的人才"),
])
def test_shipped_style_citations_are_found_with_their_quotes(src, section, quote):
    assert check_cite(SRC[src], section, quote) is None


@pytest.mark.parametrize("src, section, quote, where, words", [
    ("001", "二、（五）", "劳务派遣人员", "section", "no heading （五） inside 二、"),
    ("000", "第十五条", "申请人", "section", "no heading 第十五条"),
    ("001", "二、（一）", "取得学士（含）以上学位", "quote", "not inside the cited section `二、（一）`"),
    # the quote is in the file twice over, but only under 第五条: 第三条 does not contain it
    ("000", "第三条", "近一年应税收入不低于上一年度", "quote", "not inside"),
    ("004", "第二篇 申请单位资格要求", "男性不超过60周岁", "quote", "not inside"),  # the next bullet's words
    ("001", "二、（二）10", "取得学士", "section", "no heading 10. inside 二、 （二）"),
])
def test_wrong_sections_and_misplaced_quotes_are_reported(src, section, quote, where, words):
    bad = check_cite(SRC[src], section, quote)
    assert bad is not None and bad[0] == where and words in bad[1], bad


def test_a_table_of_contents_gives_several_candidates():
    spans = locate(SRC["003"], "一、")
    assert len(spans) == 2  # the body and the contents at the end
    assert check_cite(SRC["003"], "一、（三）1（4）", "科技创新主体中工作") is None


@pytest.mark.parametrize("section", ["（2）-", "-（2）", "二、（二）-4", ""])
def test_unreadable_sections_are_errors(section):
    with pytest.raises(SectionError):
        locate(SRC["001"], section)


def test_a_new_source_may_number_articles_in_digits():
    """A pack's own source may write 第2条 and 一. : a citation in either writing finds them."""
    text = "第1条 总则\n第2条 申请人须具有学士学位。\n第3条 其他\n一. 材料\n1. 身份证\n二. 其他\n"
    assert check_cite(text, "第二条", "学士学位") is None
    assert check_cite(text, "第2条", "学士学位") is None
    assert check_cite(text, "第3条", "学士学位")[0] == "quote"
    assert check_cite(text, "一、1", "身份证") is None
    assert check_cite(text, "二、1", "身份证")[0] == "section"
