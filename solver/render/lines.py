"""Styled lines without rich: what `wrp check` prints, as values.

A ``Lines`` block is a tuple of ``Line`` values, each a base style and spans of ``(text, style)``. On a
terminal (or any console given) rich renders it through ``__rich__``, styles and all; piped or
redirected, the CLI writes ``plain()`` itself and rich is never imported — a third of a warm
`wrp check` was importing rich to print two uncoloured lines. ``plain_ok`` says when the two outputs
are the same to the byte (tests/cli/test_plain_output.py holds them equal on every example profile).

Example:
    >>> block = Lines([Line((("Changping", "bold"), (": eligible", "green"))), Line((("  ✓ 1.", ""),), "green")])
    >>> print(block.plain(), end="")
    Changping: eligible
      ✓ 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.render.markup import inert_text


@dataclass(frozen=True, slots=True)
class Line:
    """One line: spans of (text, style) over a base style (rich's ``Text.assemble(*spans, style=...)``)."""

    spans: tuple[tuple[str, str], ...]
    style: str = ""

    @classmethod
    def of(cls, text: str, style: str = "") -> Line:
        return cls(((text, ""),), style)

    def append(self, text: str, style: str = "") -> Line:
        return Line((*self.spans, (text, style)), self.style)

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.spans)

    def __rich__(self):
        from rich.text import Text
        return Text.assemble(*self.spans, style=self.style)


class Lines(tuple):
    """A block of ``Line`` values, printed one under the other."""

    __slots__ = ()

    def __rich__(self):
        from rich.console import Group
        return Group(*(line.__rich__() for line in self))

    def plain(self) -> str:
        """The text without styles, control characters made visible (as ``InertConsole`` shows them)."""
        return "".join(inert_text(line.text) + "\n" for line in self)


def plain_ok(items: list, width: int) -> bool:
    """Whether ``items`` (strings and ``Lines``) print the same without rich on a console of ``width``
    columns that is not a terminal: no tab (rich expands tabs), and no line that could reach the width
    (rich wraps a styled line there; a wide character takes two columns)."""
    for item in items:
        if isinstance(item, str):
            texts = [item]
        elif isinstance(item, Lines):
            texts = [line.text for line in item]
        else:
            return False
        for t in texts:
            if "\t" in t or ("\n" in t and not isinstance(item, str)):
                return False
            if not isinstance(item, str) and 2 * len(t) >= width:
                return False
    return True
