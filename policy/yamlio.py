"""Reading YAML with ruamel.yaml, keeping file:line:col for every mapping key and list item."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from policy.errors import InputError


def read_yaml(path: Path | str, text: str | None = None):
    """Parse a YAML (or JSON) file; syntax errors and duplicate keys become ``InputError``."""
    path = Path(path)
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc.__class__.__name__}: {exc})", file=str(path)) from None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = (exc.problem or str(exc)).strip()
        if "duplicate key" in str(exc):
            msg = "duplicate key " + str(exc).split("found duplicate key", 1)[-1].split("\n")[0].strip()
        raise InputError(f"invalid YAML: {msg}", file=str(path),
                         line=mark.line + 1 if mark else None, col=mark.column + 1 if mark else None) from None
    except Exception as exc:  # ruamel raises a few unmarked errors too
        raise InputError(f"invalid YAML: {exc}", file=str(path)) from None


def key_pos(node, key) -> tuple[int | None, int | None]:
    """1-based (line, col) of ``key`` in a mapping, or of item ``key`` in a sequence."""
    try:
        if isinstance(node, CommentedMap):
            line, col = node.lc.key(key)
        elif isinstance(node, CommentedSeq):
            line, col = node.lc.item(key)
        else:
            return node_pos(node)
        return line + 1, col + 1
    except (KeyError, AttributeError, TypeError, IndexError):
        return node_pos(node)


def node_pos(node) -> tuple[int | None, int | None]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None, None
    return lc.line + 1, lc.col + 1


def err(message: str, file, node=None, key=None, field: str | None = None) -> InputError:
    line, col = key_pos(node, key) if key is not None else node_pos(node) if node is not None else (None, None)
    return InputError(message, file=str(file), line=line, col=col, field=field)
