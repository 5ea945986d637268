"""Chinese output has no English age notation (61y2m) or retirement category ids left in it; English
output and the JSON keep them."""

from __future__ import annotations

import re
import subprocess

import pytest

AGE_EN = re.compile(r"\b\d+y(\d+m)?\b")


def wrp(*args: str) -> str:
    r = subprocess.run(["wrp", *args], capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    return r.stdout


@pytest.mark.parametrize("cmd", [("explain", "examples/changping_female_retirement_reform.yaml"),
                                 ("missing", "examples/daxing_rejected_retirement.yaml")])
def test_ages_in_chinese_output_are_in_chinese(cmd):
    zh = wrp(*cmd, "--lang", "zh")
    assert not AGE_EN.search(zh), AGE_EN.search(zh).group(0)
    assert re.search(r"\d+岁\d+个月", zh)
    assert AGE_EN.search(wrp(*cmd, "--lang", "en"))


def test_retirement_line_in_chinese():
    zh = wrp("explain", "examples/changping_female_retirement_reform.yaml", "--lang", "zh")
    line = next(x for x in zh.splitlines() if x.startswith("法定退休年龄"))
    assert line == "法定退休年龄: 50岁2个月 (2025-05-02), 女性工人"


def test_source_problems_in_chinese_have_no_english_left():
    zh = wrp("conflicts", "--districts", "changping,daxing", "--topic", "income_threshold", "--date", "2025-09-01",
             "--lang", "zh")
    lines = [x for x in zh.splitlines() if "同一文件号" in x or "文中日期" in x]
    assert len(lines) == 2
    for x in lines:
        assert not re.search(r"\b(in|vs|signed|number year|in force|published)\b", x), x
    dated = next(x for x in lines if "文中日期" in x)
    assert dated.count("施行 2025-06-30") == 1  # each contradiction once
