"""The terminal console wrp prints text on: rich, with every character of content made inert.

Rule texts (``--rules DIR``), file names and profile values reach the terminal inside rich ``Text``
objects; rich does not remove ESC, so a string such as ``"\\x1b]0;title\\x07"`` would drive the
terminal. ``InertConsole`` replaces control characters in the *content* segments by their visible
pictures (``␛``) just before rendering; the colour codes rich adds itself are produced afterwards,
from the styles, and are untouched.

Example:
    >>> import io
    >>> buf = io.StringIO()
    >>> InertConsole(file=buf, color_system=None).print("a\\x1b[2Jb", markup=False)
    >>> buf.getvalue()
    'a␛[2Jb\\n'
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment

from solver.render.markup import inert_text


class InertConsole(Console):
    def _render_buffer(self, buffer) -> str:
        return super()._render_buffer(s if s.control else Segment(inert_text(s.text), s.style) for s in buffer)


__all__ = ["InertConsole"]
