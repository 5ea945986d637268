"""The one strict reader of policy data: jurisdictions, procedures, parameters, vocabulary, properties.

``Reader`` checks one mapping node of a parsed YAML file (``policy.yamlio``): only known keys,
required keys present and not null, and every value of the type asked for — text, bilingual text,
identifier, date, number, whole number in a range, yes/no, list, mapping. Each mistake is an
``InputError`` at the ``file:line:col`` of the key, naming the key. The value readers below
(``number``, ``parse_date``, ``ident``) are the same ones the profile reader and the CLI use, so
every command agrees on what a number, a date or an identifier is.

Bounds stated once: numbers are finite with at most ``MAX_DIGITS`` digits before and after the
point (|x| < 10^15); dates are written YYYY-MM-DD and lie in ``MIN_DATE`` … ``MAX_DATE``;
identifiers match ``IDENT`` (ids, topics) or ``FACT_NAME`` (facts).

Example:
    >>> number(1.5), number("1/12"), parse_date("2021-09-15")
    (Fraction(3, 2), Fraction(1, 12), datetime.date(2021, 9, 15))
    >>> try:
    ...     number(float("nan"))
    ... except ValueError as e:
    ...     print(e)
    must be a finite number, got `nan`
    >>> bool(IDENT.fullmatch("changping.p1.degree")), bool(IDENT.fullmatch("x'); import os #"))
    (True, False)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from fractions import Fraction

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from policy.errors import InputError, shown
from policy.i18n import Msg, say
from policy.yamlio import MAX_DIGITS, err, node_pos

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)
MAX_NUMBER = Fraction(10) ** MAX_DIGITS
MAX_DENOMINATOR = 10 ** MAX_DIGITS
# ids of clauses, pathways, properties, materials; topics: lower-case words joined by . _ -
IDENT = re.compile(r"[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)*")
# facts: dotted lower-case names, with an optional [i] for an item of a list fact
FACT_NAME = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*(?:\[[0-9]{1,2}\])?")
MAX_IDENT = 120
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER_TEXT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?(?:/[0-9]{1,15})?")


def number(v) -> Fraction:
    """A number as an exact ``Fraction``: an int, a finite float, or text such as ``1.5`` or ``1/12``.
    ``ValueError`` (with the reason, the value cut short) for anything else."""
    if isinstance(v, bool) or not isinstance(v, (int, float, str, Fraction)):
        raise ValueError(f"must be a number, got `{shown(v)}`")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"must be a finite number, got `{v}`")
    if isinstance(v, str) and not _NUMBER_TEXT.fullmatch(v.strip()):
        raise ValueError(f"must be a number, got `{shown(v)}`")
    try:
        x = Fraction(str(v).strip()) if not isinstance(v, Fraction) else v
    except (ValueError, ZeroDivisionError, OverflowError):
        raise ValueError(f"must be a number, got `{shown(v)}`") from None
    if abs(x) >= MAX_NUMBER or x.denominator > MAX_DENOMINATOR:
        raise ValueError(f"must be a number below 10^{MAX_DIGITS} with at most {MAX_DIGITS} decimals, "
                         f"got `{shown(v, 60)}`")
    return x


def parse_date(v) -> dt.date:
    """A date written YYYY-MM-DD (a YAML date, or text) within ``MIN_DATE`` … ``MAX_DATE``.
    ``ValueError`` with the reason otherwise (a date-time, 2021-9-5, 20210915, 2021-W37-3 …)."""
    if isinstance(v, dt.datetime):
        raise ValueError(f"must be a date YYYY-MM-DD without a time, got `{shown(str(v), 60)}`")
    if isinstance(v, str):
        if not _DATE.fullmatch(v.strip()):
            raise ValueError(f"must be a date YYYY-MM-DD, got `{shown(v, 60)}`")
        try:
            v = dt.date.fromisoformat(v.strip())
        except ValueError as exc:
            raise ValueError(f"must be a real date YYYY-MM-DD, got `{shown(v, 60)}` ({exc})") from None
    if not isinstance(v, dt.date):
        raise ValueError(f"must be a date YYYY-MM-DD, got `{shown(v, 60)}`")
    if not MIN_DATE <= v <= MAX_DATE:
        raise ValueError(f"must be a date between {MIN_DATE} and {MAX_DATE} (wrp's calendar), got `{v}`")
    return v


def date_error_zh(message: str) -> str:
    """The Chinese wording of a ``parse_date`` / ``number`` error."""
    from policy.i18n import DATE_REASON_ZH
    for en, zh in DATE_REASON_ZH.items():
        message = message.replace(f"({en})", f"（{zh}）")
    if "between" in message:
        return f"日期须在 {MIN_DATE} 至 {MAX_DATE} 之间（{message.split('got', 1)[-1].strip()}）"
    if "date" in message:
        return f"须为 YYYY-MM-DD 格式的日期（{message.split('got', 1)[-1].strip()}）"
    if "below" in message:
        return f"数值须小于 10^{MAX_DIGITS}，小数不超过 {MAX_DIGITS} 位（{message.split('got', 1)[-1].strip()}）"
    if "finite" in message:
        return f"须为有限的数值（{message.split('got', 1)[-1].strip()}）"
    return f"须为数值（{message.split('got', 1)[-1].strip()}）"


def _bilingual_field(key, message: str) -> Msg:
    return Msg(f"`{key}` {message}", f"`{key}` {date_error_zh(message)}")


def bilingual(message: str) -> Msg:
    """A ``number`` / ``parse_date`` error message with its Chinese wording."""
    return Msg(message, date_error_zh(message))


DOCUMENT = ("the whole document",)  # ``at=DOCUMENT``: the node is a file's top level (line 1, column 1)


class Reader:
    """Checks one mapping node: known keys only, required keys present and not null, values typed.

    Example:
        >>> from policy.yamlio import parse_text
        >>> node = parse_text("id: a.b\\nn: 3\\n", "x.yaml")
        >>> r = Reader("x.yaml", node, "a thing", {"id", "n", "title"}, {"id"})
        >>> r.ident("id"), r.int("n", lo=1, hi=5), r.text("title", required=False)
        ('a.b', 3, None)
        >>> try:
        ...     r.int("n", lo=5, hi=9)
        ... except InputError as e:
        ...     print(e)
        x.yaml:2:1: `n`: `n` must be a whole number from 5 to 9, got `3`
    """

    def __init__(self, file, node, where: str, allowed: set[str], required: set[str] = frozenset(),
                 at: tuple | None = None):
        """``at``: (parent, key) of ``node``, where an error is placed when ``node`` itself has no
        position (a null or a plain value)."""
        if not isinstance(node, CommentedMap):
            got = "nothing (null)" if node is None else "a list" if isinstance(node, list) else f"`{shown(node, 60)}`"
            if at is DOCUMENT and node_pos(node) == (None, None):  # a whole file that is not a mapping
                raise InputError(Msg(f"{where} must be a mapping (key: value), got {got}",
                                     f"{where} 须为映射（键: 值），实际为 {got}"), file=str(file), line=1, col=1)
            placed = (node,) if at is None or at is DOCUMENT or node_pos(node) != (None, None) else at
            raise err(Msg(f"{where} must be a mapping (key: value), got {got}",
                          f"{where} 须为映射（键: 值），实际为 {got}"), file, *placed)
        extra = [k for k in node if k not in allowed]
        if extra:
            raise err(Msg(f"unknown key `{shown(extra[0], 60)}` in {where}; allowed: {', '.join(sorted(allowed))}",
                          f"{where} 中有未知的键 `{shown(extra[0], 60)}`；允许的键：{', '.join(sorted(allowed))}"),
                      file, node, extra[0], field=shown(extra[0], 60))
        missing = [k for k in sorted(required) if k not in node]
        if missing:
            raise err(Msg(f"{where} is missing `{missing[0]}`", f"{where} 缺少 `{missing[0]}`"), file, node,
                      field=missing[0])
        empty = [k for k in sorted(required) if node[k] is None]
        if empty:
            raise err(Msg(f"`{empty[0]}` of {where} must not be empty (null)", f"{where} 的 `{empty[0]}` 不能为空（null）"),
                      file, node, empty[0], field=empty[0])
        self.file, self.node, self.where = file, node, where

    def get(self, key, default=None):
        return self.node.get(key, default)

    def __contains__(self, key) -> bool:
        return key in self.node

    def err(self, key, message: str) -> InputError:
        return err(message, self.file, self.node, key, field=str(key))

    def str(self, key, default=None) -> str | None:
        v = self.node.get(key, default)
        if v is not None and not isinstance(v, str):
            raise self.err(key, Msg(f"`{key}` must be text, got `{shown(v, 60)}`", f"`{key}` 须为文本，实际为 `{shown(v, 60)}`"))
        return v

    def nonempty(self, key) -> str:
        """Required, non-blank text."""
        v = self.str(key)
        if v is None or not v.strip():
            raise self.err(key, Msg(f"`{key}` must be non-empty text", f"`{key}` 须为非空文本"))
        return v

    def ident(self, key, default=None, pattern: re.Pattern = IDENT) -> str | None:
        """An identifier (id, topic …): lower-case latin words joined by ``.``, ``_`` or ``-``."""
        v = self.node.get(key, default)
        if v is None:
            return None
        if not isinstance(v, str) or len(v) > MAX_IDENT or not pattern.fullmatch(v):
            raise self.err(key, Msg(f"`{key}` must be an identifier (lower-case latin letters, digits, `_`, `.`, `-`; "
                                    f"at most {MAX_IDENT} characters), got `{shown(v, 60)}`",
                                    f"`{key}` 须为标识符（小写拉丁字母、数字、`_`、`.`、`-`，不超过 {MAX_IDENT} 个字符），"
                                    f"实际为 `{shown(v, 60)}`"))
        return v

    def text(self, key, required: bool = True) -> dict | None:
        """Bilingual text ``{zh: …, en: …}``, both non-empty."""
        v = self.node.get(key)
        if v is None and not required and key in self.node:
            raise self.err(key, Msg(f"`{key}` must be {{zh: …, en: …}}, not empty (null); leave it out instead",
                                    f"`{key}` 须为 {{zh: …, en: …}}，不能为空（null）；不需要时请删除该键"))
        if v is None and not required:
            return None
        r = Reader(self.file, v, f"`{key}`", {"zh", "en"}, {"zh", "en"}, at=(self.node, key))
        return {"zh": r.nonempty("zh"), "en": r.nonempty("en")}

    def date(self, key) -> dt.date | None:
        v = self.node.get(key)
        if v is None:
            return None
        try:
            return parse_date(v)
        except ValueError as exc:
            raise self.err(key, _bilingual_field(key, str(exc))) from None

    def number(self, key, default=None) -> Fraction | None:
        v = self.node.get(key, default)
        if v is None:
            return None
        try:
            return number(v)
        except ValueError as exc:
            raise self.err(key, _bilingual_field(key, str(exc))) from None

    def int(self, key, default=None, lo: int = 0, hi: int = 10 ** 9) -> int | None:
        v = self.node.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise self.err(key, Msg(f"`{key}` must be a whole number from {lo} to {hi}, got `{shown(v, 60)}`",
                                    f"`{key}` 须为 {lo} 至 {hi} 之间的整数，实际为 `{shown(v, 60)}`"))
        return int(v)

    def bool(self, key, default: bool = False) -> bool:
        v = self.node.get(key, default)
        if not isinstance(v, bool):
            raise self.err(key, Msg(f"`{key}` must be true or false, got `{shown(v, 60)}`",
                                    f"`{key}` 须为 true 或 false，实际为 `{shown(v, 60)}`"))
        return v

    def list(self, key, required: bool = False, nonempty: bool = False) -> CommentedSeq:
        v = self.node.get(key)
        if v is None:
            if required or (key in self.node and nonempty):
                raise self.err(key, Msg(f"`{key}` is required", f"缺少 `{key}`") if key not in self.node
                               else Msg(f"`{key}` must not be empty", f"`{key}` 不能为空"))
            return CommentedSeq()
        if not isinstance(v, CommentedSeq):
            raise self.err(key, Msg(f"`{key}` must be a list", f"`{key}` 须为列表"))
        if nonempty and not v:
            raise self.err(key, Msg(f"`{key}` must not be empty", f"`{key}` 不能为空"))
        return v

    def strings(self, key, required: bool = False, pattern: re.Pattern | None = None) -> tuple[str, ...]:
        """A list of text items (no nested lists or mappings)."""
        seq = self.list(key, required=required)
        for i, s in enumerate(seq):
            if not isinstance(s, str) or (pattern is not None and not pattern.fullmatch(s)):
                raise err(Msg(f"item {i + 1} of `{key}` must be {'an identifier' if pattern else 'text'}, "
                              f"got `{shown(s, 60)}`", f"`{key}` 的第 {i + 1} 项须为{'标识符' if pattern else '文本'}，"
                              f"实际为 `{shown(s, 60)}`"), self.file, seq, i, field=str(key))
        return tuple(seq)

    def mapping(self, key, required: bool = False) -> CommentedMap:
        v = self.node.get(key)
        if v is None:
            if required:
                raise self.err(key, Msg(f"`{key}` is required", f"缺少 `{key}`"))
            return CommentedMap()
        if not isinstance(v, CommentedMap):
            raise self.err(key, Msg(f"`{key}` must be a mapping (key: value)", f"`{key}` 须为映射（键: 值）"))
        return v


def to_fraction(v, file, node, key, what: str) -> Fraction:
    """``number(v)`` or an ``InputError`` at ``node[key]`` naming ``what``."""
    try:
        return number(v)
    except ValueError as exc:
        raise err(Msg(f"{what} {exc}", f"{say(what, 'zh')}：{date_error_zh(str(exc))}"), file, node, key) from None


__all__ = ["Reader", "number", "parse_date", "to_fraction", "IDENT", "FACT_NAME", "MIN_DATE", "MAX_DATE"]
