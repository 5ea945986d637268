"""One error type for everything a user can get wrong; the CLI turns it into one line and exit 2.

A message is always one line: newlines, control and escape characters (and the bidi overrides
that can make text display in another order) are shown escaped, and a value echoed from the input
is cut to a few hundred characters (``shown``), so a hostile or corrupt input can neither forge
terminal output nor produce a megabyte-long message.
"""

from __future__ import annotations

import re

MAX_SHOWN = 200  # characters of an echoed value
MAX_MESSAGE = 1000  # characters of a whole message

# C0 and C1 controls, DEL, and the Unicode line separators and bidi controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def escape(text: str) -> str:
    """``text`` with control, escape and bidi characters made visible — one line, inert on a terminal.
    C0 controls and DEL become their Unicode control pictures (ESC → ␛, newline → ␊), as
    ``solver.render.markup.inert_text`` shows them in output; the others ``\\uXXXX``.

    Example:
        >>> escape("a\\nb\\x1b[31mred\\u202e")
        'a␊b␛[31mred\\\\u202e'
    """
    def sub(m: re.Match) -> str:
        c = ord(m.group(0))
        if c < 0x20:
            return chr(0x2400 + c)
        if c == 0x7F:
            return "\u2421"
        return f"\\u{c:04x}"
    return _UNSAFE.sub(sub, text)


def shown(value, limit: int = MAX_SHOWN) -> str:
    """A value from the input as it may appear in a message: one line, escaped, cut to ``limit``.

    Example:
        >>> shown("x" * 500)[-20:]
        'xx… (500 characters)'
    """
    text = value if isinstance(value, str) else repr(value) if not isinstance(value, (int, float)) else str(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text)} characters)"
    return escape(text)


class InputError(Exception):
    """Bad input: a profile, a policy file, an argument. ``str()`` is the message shown to the user.

    ``message`` may be a ``policy.i18n.Msg`` (English text that knows its Chinese wording);
    ``text("zh")`` then gives the Chinese message.

    Example:
        >>> str(InputError("the income must be a number", file="p.yaml", line=3, col=5, field="applicant.income"))
        'p.yaml:3:5: `applicant.income`: the income must be a number'
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 col: int | None = None, field: str | None = None) -> None:
        self.message, self.file, self.line, self.col, self.field = message, file, line, col, field
        super().__init__(str(self))

    def text(self, lang: str = "en") -> str:
        """The one-line message in ``lang`` (Chinese when the message carries a Chinese wording)."""
        where = ""
        if self.file:
            where = shown(str(self.file), 300) + (f":{self.line}" if self.line else "") + \
                (f":{self.col}" if self.col else "") + ": "
        fld = f"`{shown(str(self.field), 120)}`: " if self.field else ""
        msg = getattr(self.message, "zh", None) if lang == "zh" else None
        out = escape(f"{where}{fld}{msg or self.message}")
        return out if len(out) <= MAX_MESSAGE else out[:MAX_MESSAGE] + "…"

    def __str__(self) -> str:
        return self.text("en")

    def as_dict(self) -> dict:
        return {"error": escape(str(self.message))[:MAX_MESSAGE], "file": self.file, "line": self.line,
                "col": self.col, "field": self.field}


def unknown_district(jid: str, known: list[str], field: str = "--district", all_too: bool = True) -> InputError:
    """The one message for a jurisdiction id the policy does not have.

    Example:
        >>> str(unknown_district("haidian", ["beijing", "changping"]))
        '`--district`: unknown district `haidian`; choose one of: beijing, changping, all'
    """
    choices = ", ".join([*known, *(["all"] if all_too else [])])
    return InputError(f"unknown district `{shown(jid, 60)}`; choose one of: {choices}", field=field)


def unknown_topic(topic: str, known: list[str], field: str = "--topic") -> InputError:
    """The one message for a topic the vocabulary does not have."""
    return InputError(f"unknown topic `{shown(topic, 60)}`; topics: {', '.join(known)}", field=field)
