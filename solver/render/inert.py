"""Text from profiles and policy files made inert for each output format.

Policy packs come from other people and profiles from anyone: their strings may hold rich markup,
terminal escapes, Markdown or HTML. Terminal output is printed with rich's markup and emoji off
(``cli.main``) and control characters are refused when a YAML file is read (``policy.yamlio``);
``terminal`` escapes what reaches the terminal by other ways (file names). ``markdown`` makes a
string one literal line of a Markdown table cell: no heading, emphasis, link, image, HTML or line
break can come out of it.

Example:
    >>> markdown("二、（二）\\n# HEADING <img src=x onerror=alert(1)> *x* | y")
    '二、（二） \\\\# HEADING &lt;img src=x onerror=alert(1)&gt; \\\\*x\\\\* \\\\| y'
    >>> terminal("a\\x1b[2Jb")
    'a\\\\e[2Jb'
"""

from __future__ import annotations

import html
import re

from policy.errors import escape

# what can make structure or formatting inside a table cell: emphasis, code, links and images,
# strike-through, the cell separator, a heading marker (HTML is escaped separately)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]+")


def markdown(text) -> str:
    """``text`` as literal Markdown inline text (for a table cell): HTML escaped, Markdown
    punctuation backslash-escaped, line breaks folded to spaces, control characters escaped."""
    s = _LINE_BREAK.sub(" ", str(text))
    s = html.escape(s, quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return escape(s)


_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _visible(text: str) -> str:
    """Control, escape and bidi characters made visible; newlines and tabs kept (layout)."""
    return _TERMINAL_UNSAFE.sub(lambda m: escape(m.group(0)), text)


def inert_console(**kw):
    """A rich ``Console`` that shows text literally: no markup, no emoji, and no control or escape
    character from the text reaches the terminal (rich's own styling codes still do). The last
    line of defence — values are already refused with control characters when files are read —
    for what comes from elsewhere (file names, arguments)."""
    from rich.console import Console
    from rich.segment import Segment

    class InertConsole(Console):
        def _render_buffer(self, buffer):
            return super()._render_buffer(
                s if s.control else Segment(_visible(s.text), s.style, s.control) for s in buffer)

    return InertConsole(markup=False, emoji=False, highlight=False, **kw)


def terminal(text) -> str:
    """``text`` safe to print on a terminal: control and escape characters made visible."""
    return escape(str(text))


__all__ = ["markdown", "terminal"]
