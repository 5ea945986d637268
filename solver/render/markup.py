"""A small escaping HTML builder, and the one place where untrusted text is made inert.

Every string that reaches a page, a Markdown file or a terminal goes through this module: profile
file names, rule texts from ``--rules DIR``, quotes, notes. ``el()`` escapes every child and attribute
value with ``html.escape``; only ``Markup`` (built here, or by ``svg.py`` with the same functions)
passes through as is. Control characters (a terminal's ESC sequences, BEL, …) are shown as their
visible Unicode control pictures (``␛``), never emitted.

Example:
    >>> str(el("p", {"class": "q"}, "<script>alert(1)</script>", el("b", "ok")))
    '<p class="q">&lt;script&gt;alert(1)&lt;/script&gt;<b>ok</b></p>'
    >>> inert_text("a\\x1b[31mred")
    'a␛[31mred'
    >>> md_text("**x** | <b>")
    '\\\\*\\\\*x\\\\*\\\\* \\\\| &lt;b&gt;'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# C0 controls but tab and newline, DEL, the C1 controls, and the bidi overrides that can disguise text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(m: re.Match) -> str:
    c = ord(m.group(0))
    if c < 0x20:
        return chr(0x2400 + c)  # ␀ … ␟ (ESC → ␛)
    if c == 0x7F:
        return "\u2421"  # ␡
    return f"\\u{c:04x}"


def inert_text(s: object) -> str:
    """Text safe to print on a terminal: control characters become visible pictures."""
    return _CONTROL.sub(_picture, str(s))


class Markup(str):
    """HTML that is already safe: produced by ``el`` / ``raw`` here, never from user input."""

    __slots__ = ()

    def __add__(self, other):  # Markup + str escapes the str
        return Markup(str.__add__(self, esc(other)))


def esc(x: object) -> Markup:
    """Escape anything for HTML text or an attribute value (Markup passes through)."""
    if isinstance(x, Markup):
        return x
    return Markup(html.escape(inert_text("" if x is None else x), quote=True))


def raw(s: str) -> Markup:
    """Trusted markup written in this package (CSS, a static SVG fragment): never user text."""
    return Markup(s)


Child = "str | Markup | int | float | None | Iterable[Child]"


def _children(items) -> str:
    out = []
    for c in items:
        if c is None or c is False:
            continue
        if isinstance(c, (str, int, float)):
            out.append(esc(c))
        elif isinstance(c, Iterable):
            out.append(_children(c))
        else:
            out.append(esc(c))
    return "".join(out)


_VOID = {"meta", "br", "hr", "img", "link", "col", "input", "wbr"}
_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9:-]*$")  # no "_": a python-style name leaked


def el(tag: str, *children, **kw) -> Markup:
    """``<tag attrs>children</tag>``; a leading dict is the attributes (``class``, ``data-*`` …),
    keyword arguments too (``class_`` → ``class``, ``data_x`` → ``data-x``)."""
    attrs: dict = {}
    if children and isinstance(children[0], dict):
        attrs.update(children[0])
        children = children[1:]
    attrs.update({k.rstrip("_").replace("_", "-"): v for k, v in kw.items()})
    assert _NAME.match(tag), tag
    parts = [tag]
    for k, v in attrs.items():
        assert _NAME.match(k), k
        if v is None or v is False:
            continue
        parts.append(k if v is True else f'{k}="{esc(v)}"')
    head = "<" + " ".join(parts) + ">"
    if tag in _VOID:
        return Markup(head)
    return Markup(head + _children(children) + f"</{tag}>")


def ident(s: str, **kw) -> Markup:
    """A dotted identifier (``changping.employer.years_registered``) that may wrap after its dots."""
    parts = str(s).split(".")
    kids: list = []
    for i, p in enumerate(parts):
        kids += [p + ("." if i < len(parts) - 1 else ""), el("wbr") if i < len(parts) - 1 else None]
    return el("span", {"class": "id"}, kids, **kw)


def join(items: Iterable, sep: object = "") -> Markup:
    return Markup(esc(sep).join(esc(i) if not isinstance(i, Markup) else i for i in items))


# --- Markdown ----------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(s: object) -> str:
    """Text for a Markdown document (a table cell too): Markdown syntax escaped, HTML escaped
    (Markdown renderers pass raw HTML through), line breaks kept inside a cell as ``<br>``,
    control characters shown as pictures."""
    t = inert_text("" if s is None else s)
    t = html.escape(t, quote=False)
    t = _MD_SPECIAL.sub(r"\\\1", t)
    return t.replace("\r\n", "\n").replace("\n", "<br>")


__all__ = ["Markup", "el", "esc", "raw", "join", "ident", "inert_text", "md_text"]
