"""Generators of bad input for the fuzz suite: hostile values, a YAML emitter that can write them
(``.nan``, 400-digit integers, impossible dates, escapes), mutations of profiles and policy files,
and byte-level corruption."""

from __future__ import annotations

import json
import math

from hypothesis import strategies as st


class Raw(str):
    """Text emitted into YAML as it is (an unquoted scalar such as ``2021-02-30`` or ``0x1F``)."""


HOSTILE_VALUES = [
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 10 ** 400, -(10 ** 20), 10 ** 15, 10 ** 15 - 1,
    -1, 0, 0.5, 1e-300, True, False, None, [], {}, [[1, 2]], [None], {"a": None}, [1, 2, 3, 4],
    "", " ", "10**400", "1e400", "NaN", "Infinity", "x" * 5000, "[bold red]x[/]", "[/x]", ":smile:",
    "\x1b[31mred", "\u202eevil", "a\nb", "\x00", "学士", "bachelor ",
    Raw("2021-02-30"), Raw("9999-12-31"), Raw("0001-01-01"), Raw("2021-09-15T10:00:00"), Raw("20210915"),
    Raw("2021-W37-3"), Raw("0x1F"), Raw("0o17"), Raw("1_000"), Raw("12:30:00"), Raw("~"), Raw("!!binary aGk="),
    Raw("!!python/object/apply:os.system ['true']"), Raw("*undefined_alias"), Raw("&a [*a]"),
    "9999-12-31", "0001-01-01", "2199-12-31", "1900-01-01", "2021-9-5",
]

hostile = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)


def to_yaml(v) -> str:
    """Flow-style YAML for ``v`` (JSON strings are YAML double-quoted scalars)."""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{to_yaml(k)}: {to_yaml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(to_yaml(x) for x in v) + "]"
    return json.dumps(str(v))


def to_block_yaml(v, indent: int = 0) -> str:
    """Block-style YAML for mappings at the top (positions then differ per line), flow inside."""
    if not isinstance(v, dict) or not v:
        return to_yaml(v) + "\n"
    pad = " " * indent
    out = []
    for k, x in v.items():
        if isinstance(x, dict) and x:
            out.append(f"{pad}{to_yaml(k)}:\n" + to_block_yaml(x, indent + 2))
        else:
            out.append(f"{pad}{to_yaml(k)}: {to_yaml(x)}\n")
    return "".join(out)


@st.composite
def corrupt(draw, text: str) -> bytes:
    """Byte-level damage: truncation, a random byte, a control character, a BOM, binary garbage."""
    data = text.encode("utf-8")
    kind = draw(st.sampled_from(["none", "none", "truncate", "byte", "control", "bom", "binary", "dup_line"]))
    if kind == "truncate" and data:
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif kind == "byte" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    elif kind == "control" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.sampled_from([0, 1, 7, 8, 11, 12, 27, 127]))]) + data[i:]
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + data
    elif kind == "binary":
        data = draw(st.binary(min_size=1, max_size=200))
    elif kind == "dup_line":
        lines = data.splitlines(keepends=True)
        if lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = b"".join(lines)
    return data


def nest(flat: dict) -> dict:
    root: dict = {}
    for name, v in flat.items():
        *path, last = name.split(".")
        node = root
        for p in path:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                nxt = node[p] = {}
            node = nxt
        node[last] = v
    return root


def paths_of(node, prefix=()) -> list[tuple]:
    """Every path to a node of a parsed document (keys and list indexes)."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths_of(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths_of(v, (*prefix, i))
    return out


def set_path(doc, path: tuple, value):
    if not path:
        return value
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


def del_path(doc, path: tuple):
    if not path:
        return doc
    node = doc
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return doc


__all__ = ["hostile", "to_yaml", "to_block_yaml", "corrupt", "nest", "paths_of", "set_path", "del_path", "Raw"]
