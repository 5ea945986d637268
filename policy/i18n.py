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


__all__ = ["Msg", "say"]
