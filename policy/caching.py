"""Caches of derived objects (compiled programs, merged vocabularies, solver encodings): one decorator
over ``functools.lru_cache`` and one ``clear_caches()`` for tests.

Arguments named in ``identity`` are keyed by the object itself, not its value (a policy, a
jurisdiction, an expression tree: equal-by-value comparison would be slow or undefined); the cache
holds them, so an id is never reused while its entry lives, and ``maxsize`` bounds the memory.

Example:
    >>> calls = []
    >>> @cache(4, identity=(0,))
    ... def size(xs: list) -> int:
    ...     calls.append(1)
    ...     return len(xs)
    >>> a = [1, 2]
    >>> size(a), size(a), len(calls)
    (2, 2, 1)
    >>> clear_caches(); size(a), len(calls)
    (2, 2)
"""

from __future__ import annotations

import functools
from collections.abc import Callable

_CLEARS: list[Callable[[], None]] = []


class _Ident:
    """A key that compares the object it holds by identity."""

    __slots__ = ("obj",)

    def __init__(self, obj) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Ident) and other.obj is self.obj


def cache(maxsize: int, identity: tuple[int, ...] = ()):
    """``functools.lru_cache(maxsize)`` over positional arguments, those at ``identity`` by identity."""
    def deco(fn):
        @functools.lru_cache(maxsize)
        def cached(*key):
            return fn(*(k.obj if isinstance(k, _Ident) else k for k in key))

        @functools.wraps(fn)
        def wrapper(*args):
            return cached(*(_Ident(a) if i in identity else a for i, a in enumerate(args)))

        wrapper.cache_clear = cached.cache_clear
        _CLEARS.append(cached.cache_clear)
        return wrapper
    return deco


def clear_caches() -> None:
    """Forget every cached derivation (tests that edit policy objects in place call this)."""
    for clear in _CLEARS:
        clear()


def on_clear(clear: Callable[[], None]) -> None:
    """Have ``clear_caches()`` call ``clear`` too (a cache that cannot be an ``lru_cache``, such as the
    Datalog backend's per-thread rule bases)."""
    _CLEARS.append(clear)
