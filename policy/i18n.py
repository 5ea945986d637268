"""Messages in both languages.

A warning or a note is made once, where it arises, and shown later in the user's language. ``Msg``
is an English ``str`` that also carries its Chinese wording (``.zh``): everything that handles
messages as text — JSON (English, the contract), ``in`` tests, joins — keeps working, and a
renderer asks for the wording with ``say(msg, lang)``.

Example:
    >>> m = Msg("no application date given", "未给出申请日期")
    >>> m == "no application date given", say(m, "zh"), say("plain text", "zh")
    (True, '未给出申请日期', 'plain text')
"""

from __future__ import annotations

import re


class Msg(str):
    """An English message that knows its Chinese wording."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Msg:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj


def say(text: str, lang: str) -> str:
    """``text`` in ``lang``: the Chinese wording of a ``Msg`` for ``zh``, else the text itself."""
    return getattr(text, "zh", text) if lang == "zh" else str(text)


_ZH = (("monthly average wage", "年度本市全口径城镇单位就业人员月平均工资"),
       ("annual average wage", "年度本市全口径城镇单位就业人员年平均工资"),
       ("(12 × monthly)", "（月平均工资 × 12）"), ("rounded to whole 元", "四舍五入到元"),
       (" months", " 个月"), (" years", " 年"), (" month", " 个月"), (" year", " 年"))
STATUS_ZH = {"eligible": "符合条件", "ineligible": "不符合条件", "undetermined": "无法确定"}
_ZH_WORD = {"true": "是", "false": "否", "unknown": "未知"}
_ZH_WORDS = re.compile(r"\b(true|false|unknown)\b")


def register_choices(pairs) -> None:
    """The vocabulary's ``choice_zh`` (choice → Chinese wording), used by ``localize`` for the values
    of enum facts. Called by the vocabulary loader; choices mean the same wherever they recur
    (``none`` is 无 for a degree and for a title)."""
    global _ZH_WORDS
    new = {k: v for k, v in pairs if k not in _ZH_WORD}
    if new:
        _ZH_WORD.update(new)
        words = sorted(_ZH_WORD, key=len, reverse=True)
        # a choice is a whole word: not inside a fact id (tax_district) or a longer choice
        _ZH_WORDS = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, words)) + r")(?![\w.])")


def localize(text: str, lang: str) -> str:
    """Threshold arithmetic, units, yes/no and the choices of enum facts in the user's language (the
    numbers do not change)."""
    if lang != "zh" or not text:
        return text
    for en, zh in _ZH:
        text = text.replace(en, zh)
    return _ZH_WORDS.sub(lambda m: _ZH_WORD[m.group(1)], text)


def status_text(status: str, lang: str) -> str:
    """A verdict (eligible / ineligible / undetermined) in ``lang``."""
    return STATUS_ZH.get(status, status) if lang == "zh" else status
