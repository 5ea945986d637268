"""Reading YAML (and JSON) input safely, keeping file:line:col for every mapping key and list item.

Every file wrp reads — profiles, jurisdiction, procedure, parameter and properties files — goes
through ``read_yaml``, which bounds the work before and while parsing:

- only regular files are read (a directory, a device such as ``/dev/zero``, a FIFO or a socket is
  refused without being opened for reading), and at most ``MAX_BYTES`` of them;
- the bytes must be UTF-8 text ("not UTF-8 text" with the line and column of the first bad byte);
  control characters (NUL …) are refused with their position;
- numbers have at most ``MAX_DIGITS`` digits (a 400-digit integer is an error at its line:col; ``.nan``,
  ``.inf`` and ``1e400`` are refused by the reader of the field, ``policy.reader.number``); timestamps
  must be real dates;
- aliases may be used (the policy files share conditions with ``&name`` / ``*name``), but the
  document they expand to is bounded (``MAX_NODES`` values) and may not contain itself, so an
  alias bomb fails at once instead of taking minutes and gigabytes.

Example:
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    ...     _ = f.write("a: 1\\nb: 1234567890123456789012\\n")
    >>> try:
    ...     read_yaml(f.name)
    ... except InputError as e:
    ...     print(e.line, e.col, e.message)
    2 4 `1234567890123456789012` has more than 15 digits
    >>> os.unlink(f.name)
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from policy.errors import InputError, shown
from policy.i18n import Msg, os_error_text

MAX_BYTES = 2 * 1024 * 1024  # any one input file: 2 MiB (the largest shipped policy file is 26 KB)
MAX_NODES = 200_000  # values in a document once its aliases are expanded
MAX_DEPTH = 64  # nesting of mappings and lists
MAX_DIGITS = 15  # digits of a number (money to the 元 up to 10^15)

# What YAML 1.2 allows in a stream: tab, LF, CR, printable ASCII, NEL and the printable planes.
_SURROGATE = re.compile("[\ud800-\udfff]")
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _pos_of(text: str, index: int) -> tuple[int, int]:
    """1-based (line, col) of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def read_bytes(path: Path | str, limit: int = MAX_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is an ``InputError``."""
    path = Path(path)
    name = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _os_error(exc, name) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(Msg(f"is a directory, not a {what}", "是目录，不是文件"), file=name)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device")
        raise InputError(Msg(f"is {kind}, not a regular file; wrp reads only regular files",
                             "不是普通文件（设备、管道或套接字）；wrp 只读取普通文件"), file=name)
    if st.st_size > limit:
        raise InputError(_too_big(st.st_size, limit), file=name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _os_error(exc, name) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
            raise InputError(Msg("is not a regular file", "不是普通文件"), file=name)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # grew while being read
                raise InputError(_too_big(size, limit), file=name)
            chunks.append(chunk)
    except OSError as exc:
        raise _os_error(exc, name) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def path_kind(path: Path | str, field: str | None = None) -> str:
    """``file``, ``dir``, ``missing`` or ``other`` (a device, FIFO …) — without raising ``OSError``: a
    path too long, a loop of links or a forbidden directory is an ``InputError`` naming the path."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        if isinstance(exc, ValueError):
            raise InputError(Msg("the path contains a NUL byte", "路径中含有 NUL 字节"), file=shown(str(path)),
                             field=field) from None
        e = _os_error(exc, str(path))
        e.field = field
        raise e from None
    return "dir" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "other"


def list_dir(path: Path | str, suffixes: tuple[str, ...]) -> list[Path]:
    """The entries of directory ``path`` whose names end in ``suffixes``, sorted; ``InputError`` if it
    cannot be listed."""
    try:
        return sorted(p for p in Path(path).iterdir() if p.suffix in suffixes)
    except OSError as exc:
        raise _os_error(exc, str(path)) from None


def _too_big(size: int, limit: int) -> Msg:
    return Msg(f"the file is larger than the limit of {limit // 1024:,} KB ({size:,} bytes or more)",
               f"文件超过 {limit // 1024:,} KB 的上限（至少 {size:,} 字节）")


def _os_error(exc: OSError, name: str) -> InputError:
    return InputError(os_error_text(exc), file=name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text without control characters; errors name the line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode("utf-8", errors="replace")
        line, col = _pos_of(good, len(good))
        raise InputError(Msg(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                             f"不是 UTF-8 文本（字节 0x{data[exc.start]:02x}）；请以 UTF-8 编码保存"),
                         file=name, line=line, col=col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    m = _BAD_CHAR.search(text)
    if m:
        line, col = _pos_of(text, m.start())
        c = ord(m.group(0))
        what = "a NUL byte" if c == 0 else f"the control character U+{c:04X}"
        raise InputError(Msg(f"{what} is not allowed in a text file (is it binary?)",
                             f"文本文件中不允许出现控制字符 U+{c:04X}（是否为二进制文件？）"),
                         file=name, line=line, col=col)
    return text


def _too_long(value) -> Msg:
    return Msg(f"`{shown(value, 40)}` has more than {MAX_DIGITS} digits",
               f"`{shown(value, 40)}` 超过 {MAX_DIGITS} 位数字")


class ValueRefused(ConstructorError):
    """A value the strict constructor refuses (its message is shown as it is, not as a syntax error)."""


class StrictConstructor(RoundTripConstructor):
    """Round-trip construction that refuses non-finite or overlong numbers and impossible timestamps
    at their position."""

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            return value  # refused by the reader of the field (policy.reader.number), which names the field
        if len(re.sub(r"[^0-9]", "", node.value.split("e")[0].split("E")[0]).lstrip("0")) > MAX_DIGITS or \
                abs(value) >= 10 ** MAX_DIGITS:
            raise ValueRefused(None, None, _too_long(node.value), node.start_mark)
        return value

    def construct_yaml_int(self, node):
        if len(re.sub(r"[^0-9a-fA-F]", "", str(node.value))) > MAX_DIGITS + 2:
            raise ValueRefused(None, None, _too_long(node.value), node.start_mark)
        value = super().construct_yaml_int(node)
        if abs(value) >= 10 ** MAX_DIGITS:
            raise ValueRefused(None, None, _too_long(node.value), node.start_mark)
        return value

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        # "\ud800\udc00" (JSON's way to write U+10000) comes out of YAML's escapes as two lone
        # surrogates: join such pairs; a lone surrogate is not text and is refused at its position
        if isinstance(value, str) and _SURROGATE.search(value):
            try:
                value = value.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                raise ValueRefused(None, None, Msg("a lone surrogate escape (\\ud800–\\udfff) is not text",
                                                   "单独的代理项转义（\\ud800–\\udfff）不是有效文本"),
                                   node.start_mark) from None
        return value

    def construct_yaml_timestamp(self, node, values=None):
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError) as exc:
            raise ValueRefused(None, None, Msg(f"`{shown(node.value, 40)}` is not a real date ({exc})",
                                               f"`{shown(node.value, 40)}` 不是真实存在的日期"), node.start_mark) from None


StrictConstructor.add_constructor("tag:yaml.org,2002:float", StrictConstructor.construct_yaml_float)
StrictConstructor.add_constructor("tag:yaml.org,2002:int", StrictConstructor.construct_yaml_int)
StrictConstructor.add_constructor("tag:yaml.org,2002:timestamp", StrictConstructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = StrictConstructor
    yaml.allow_duplicate_keys = False
    return yaml


_BRACKETS = re.compile(r"[\[\]{}]")


def _check_flow_depth(text: str, name: str) -> None:
    """Refuse deeply nested flow collections (``[[[[…``) before the parser recurses into them: the
    parser's own recursion would take seconds to fail. Brackets inside quoted text count too, so
    the bound is generous (it needs more than ``4 × MAX_DEPTH`` unclosed brackets)."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group(0) in "[{" else max(depth - 1, 0)
        if depth > 4 * MAX_DEPTH:
            line, col = _pos_of(text, m.start())
            raise InputError(Msg(f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                                 f"YAML 无效：嵌套超过 {MAX_DEPTH} 层"), file=name, line=line, col=col)


def _json_wording(text: str, name: str):
    """``parse_text`` for a ``.json`` file: the same parser (JSON is YAML), but its errors say JSON."""
    try:
        return parse_text(text, name)
    except InputError as e:
        m = e.message
        if str(name).lower().endswith(".json") and str(m).startswith("invalid YAML"):
            zh = getattr(m, "zh", None)
            e.message = Msg("invalid JSON" + str(m).removeprefix("invalid YAML"),
                            zh.replace("YAML 无效", "JSON 无效", 1) if zh else "JSON 无效" + str(m).removeprefix("invalid YAML"))
            e.args = (str(e),)
        raise


def parse_text(text: str, name: str):
    """Parse YAML/JSON ``text`` (already decoded); every problem is an ``InputError`` at its position."""
    _check_flow_depth(text, name)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = (exc.problem or str(exc)).strip()
        if isinstance(exc, ValueRefused):
            msg = exc.problem
        elif "duplicate key" in str(exc):
            detail = "duplicate key " + shown(str(exc).split("found duplicate key", 1)[-1].split("\n")[0].strip(), 300)
            msg = Msg(f"invalid YAML: {detail}", f"YAML 无效：重复的键（{detail}）")
        else:
            msg = Msg(f"invalid YAML: {shown(msg, 300)}", f"YAML 无效：{shown(msg, 300)}")
        raise InputError(msg, file=name,
                         line=mark.line + 1 if mark else None, col=mark.column + 1 if mark else None) from None
    except RecursionError:
        raise InputError(Msg(f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                             f"YAML 无效：嵌套超过 {MAX_DEPTH} 层"), file=name) from None
    except YAMLError as exc:  # unmarked ruamel errors (a reader error carries a character index)
        pos = getattr(exc, "position", None)
        line, col = _pos_of(text, pos) if isinstance(pos, int) else (None, None)
        detail = shown(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 300)
        raise InputError(Msg(f"invalid YAML: {detail}", f"YAML 无效：{detail}"), file=name, line=line,
                         col=col) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(Msg(f"invalid YAML: {shown(str(exc), 300)}", f"YAML 无效：{shown(str(exc), 300)}"),
                         file=name) from None
    check_shape(data, name)
    return data


def check_shape(data, name: str) -> None:
    """Refuse documents that contain themselves, nest too deeply, or expand (through aliases) to more
    than ``MAX_NODES`` values. Linear in the size of the file: a shared node is sized once."""
    size: dict[int, int] = {}
    active: set[int] = set()

    def go(node, depth: int, parent=None, key=None) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        ident = id(node)
        if ident in size:
            return size[ident]
        if ident in active:
            line, col = key_pos(parent, key) if parent is not None else (None, None)
            raise InputError(Msg("a YAML alias refers to a node that contains it (a recursive document)",
                                 "YAML 别名指向包含它自身的节点（递归文档）"), file=name, line=line, col=col)
        if depth > MAX_DEPTH:
            line, col = key_pos(parent, key) if parent is not None else (None, None)
            raise InputError(Msg(f"nested more than {MAX_DEPTH} levels deep", f"嵌套超过 {MAX_DEPTH} 层"),
                             file=name, line=line, col=col)
        active.add(ident)
        total = 1
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            total += go(v, depth + 1, node, k)
            if total > MAX_NODES:
                line, col = key_pos(node, k)
                raise InputError(Msg(f"the document expands to more than {MAX_NODES:,} values (through YAML "
                                     "aliases?); refused", f"文档展开后超过 {MAX_NODES:,} 个值（YAML 别名？）；拒绝读取"),
                                 file=name, line=line, col=col)
        active.discard(ident)
        size[ident] = total
        return total

    go(data, 0)


def read_yaml(path: Path | str, text: str | None = None, limit: int = MAX_BYTES):
    """Parse a YAML (or JSON) file; every problem with it becomes an ``InputError`` with position."""
    name = str(path)
    if text is None:
        text = decode(read_bytes(path, limit), name)
        if name.lower().endswith(".json"):
            return _json_wording(text, name)
    elif len(text) > limit:
        raise InputError(_too_big(len(text), limit), file=name)
    return parse_text(text, name)


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
