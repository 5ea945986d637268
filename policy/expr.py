"""The condition language: one small IR shared by every backend.

Every fact is a number to the backends: money in 元, durations in their unit, booleans 0/1,
enums the index of the choice in the vocabulary (ordered enums compare by rank). Constants are
exact ``Fraction``s, so ``income >= 1.5 * 9407`` is decided the same way by every backend.

Nodes
-----
``Cmp(terms, op, rhs)``   sum(coef * fact) OP rhs; rhs a Fraction or, before resolution, a
                          ``Threshold`` (multiplier × dated parameter, e.g. 1.5 × average wage)
``In(fact, values)``      fact's value is one of ``values`` (enum indexes)
``All`` / ``Any``         conjunction / disjunction (empty All is true, empty Any is false)
``Not``                   negation
``AtLeast(k, items)``     at least k items hold
``Const(value)``          true / false (what a waived clause becomes)

Semantics are three-valued (Kleene): a fact absent from the profile is unknown; ``All`` is false
as soon as one item is false, ``Any`` true as soon as one item is true.

Example:
    >>> e = All((Cmp(((Fraction(1), "x"),), "ge", Fraction(2)), Not(Const(False))))
    >>> sorted(facts_of(e))
    ['x']
    >>> evaluate(e, {"x": Fraction(3)})
    True
    >>> evaluate(e, {}) is None
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import assert_never

OPS = ("eq", "ne", "lt", "le", "gt", "ge")
NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt"}
SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node came from: file, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Threshold:
    """``times`` × a dated parameter (``wage.monthly`` or ``wage.annual``), rounded or exact."""

    times: Fraction
    param: str
    rounding: str | None = "half_up_yuan"


@dataclass(frozen=True, slots=True)
class Cmp:
    terms: tuple[tuple[Fraction, str], ...]
    op: str
    rhs: Fraction | Threshold
    # How the rhs was computed (filled in by resolve): "1.5 × 9407 = 14110.5 → 14111".
    derivation: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)

    @property
    def fact(self) -> str:
        """The fact of a single-fact comparison (the common case)."""
        return self.terms[0][1]


@dataclass(frozen=True, slots=True)
class In:
    fact: str
    values: frozenset[int]
    set_name: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Any:
    items: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AtLeast:
    k: int
    items: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


Expr = Cmp | In | All | Any | Not | AtLeast | Const
TRUE = Const(True)
FALSE = Const(False)


def children(e: Expr) -> tuple[Expr, ...]:
    match e:
        case Cmp() | In() | Const():
            return ()
        case All(items) | Any(items) | AtLeast(_, items):
            return items
        case Not(item):
            return (item,)
        case _:
            assert_never(e)


def walk(e: Expr) -> Iterator[Expr]:
    """Pre-order traversal."""
    yield e
    for c in children(e):
        yield from walk(c)


def facts_of(e: Expr) -> set[str]:
    out: set[str] = set()
    for n in walk(e):
        match n:
            case Cmp(terms=terms):
                out.update(f for _, f in terms)
            case In(fact=f):
                out.add(f)
    return out


def compare(lhs: Fraction, op: str, rhs: Fraction) -> bool:
    match op:
        case "eq":
            return lhs == rhs
        case "ne":
            return lhs != rhs
        case "lt":
            return lhs < rhs
        case "le":
            return lhs <= rhs
        case "gt":
            return lhs > rhs
        case "ge":
            return lhs >= rhs
    raise ValueError(f"unknown operator {op!r}")


def evaluate(e: Expr, env: dict[str, Fraction]) -> bool | None:
    """Kleene evaluation; ``None`` is unknown. The reference semantics every backend must match."""
    match e:
        case Const(v):
            return v
        case Cmp(terms, op, rhs):
            assert isinstance(rhs, Fraction), "resolve thresholds before evaluating"
            if any(f not in env for _, f in terms):
                return None
            return compare(sum((c * env[f] for c, f in terms), Fraction(0)), op, rhs)
        case In(fact, values):
            return None if fact not in env else env[fact] in values
        case All(items):
            vals = [evaluate(i, env) for i in items]
            return False if False in vals else (None if None in vals else True)
        case Any(items):
            vals = [evaluate(i, env) for i in items]
            return True if True in vals else (None if None in vals else False)
        case Not(item):
            v = evaluate(item, env)
            return None if v is None else not v
        case AtLeast(k, items):
            vals = [evaluate(i, env) for i in items]
            if vals.count(True) >= k:
                return True
            if vals.count(True) + vals.count(None) < k:
                return False
            return None
        case _:
            assert_never(e)


# --- smart constructors: fold constants, flatten, drop duplicates -------------------------------


def all_of(items: list[Expr] | tuple[Expr, ...]) -> Expr:
    out: list[Expr] = []
    for i in items:
        if i == TRUE:
            continue
        if i == FALSE:
            return FALSE
        for j in i.items if isinstance(i, All) else (i,):
            if j not in out:
                out.append(j)
    return TRUE if not out else out[0] if len(out) == 1 else All(tuple(out))


def any_of(items: list[Expr] | tuple[Expr, ...]) -> Expr:
    out: list[Expr] = []
    for i in items:
        if i == FALSE:
            continue
        if i == TRUE:
            return TRUE
        for j in i.items if isinstance(i, Any) else (i,):
            if j not in out:
                out.append(j)
    return FALSE if not out else out[0] if len(out) == 1 else Any(tuple(out))


def not_of(e: Expr) -> Expr:
    match e:
        case Const(v):
            return Const(not v)
        case Not(item):
            return item
        case _:
            return Not(e)


def round_half_up(x: Fraction) -> Fraction:
    """Round to a whole number, halves up (14110.5 → 14111)."""
    return Fraction((x.numerator * 2 + x.denominator) // (x.denominator * 2))


def fmt_num(x: Fraction) -> str:
    """Exact, readable: 14110.5, 9407, 1/12 → 0.0833…"""
    if x.denominator == 1:
        return f"{x.numerator:,}"
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        return f"{float(x):,}"
    return f"{float(x):,.4f}…"
