"""A compiled cache of the validated policy: parsing and checking the YAML files takes a second or
two, unpickling the result a few milliseconds.

A loader decorated with ``@compiled(inputs)`` is keyed by the content (SHA-256) of every file it
reads — ``inputs(*args)`` lists them — together with its arguments, the Python version and the
source of the loader code itself (``policy/*.py``), so any edit to a policy file, a ``--rules``
directory or the loader gives a new key. Entries live in ``$XDG_CACHE_HOME/wrp`` (default
``~/.cache/wrp``), hold only wrp's own objects, and are written atomically (a temporary file, then
``os.replace``). An entry that cannot be read, has another stamp or is not what the loader returns
is ignored and rebuilt, never trusted. ``WRP_CACHE=0`` turns the cache off.

An entry is read by a restricted unpickler (``SafeUnpickler``): the only callables a pickle may name
are the dataclasses of wrp's ``policy`` package and a few value types (dates, fractions, paths,
ruamel's scalar strings, the builtin containers). Anything else — ``os.system``, ``builtins.eval``,
a function of wrp — refuses the whole entry, which is then rebuilt: a tampered cache runs nothing.

Example:
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> src = Path(d) / "n.txt"; _ = src.write_text("41")
    >>> os.environ["XDG_CACHE_HOME"] = d
    >>> @compiled(lambda p: [p])
    ... def load(p):
    ...     return int(Path(p).read_text()) + 1
    >>> load(str(src)), load(str(src))
    (42, 42)
    >>> _ = src.write_text("1"); load(str(src))
    2
    >>> del os.environ["XDG_CACHE_HOME"]
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

VERSION = 1  # bump when the pickled objects change shape in a way the code hash would not show
CODE_DIR = Path(__file__).resolve().parent


@functools.cache
def stamp() -> str:
    """What a cache entry must have been written by: this format, this Python, this loader code."""
    h = hashlib.sha256(f"wrp-compiled/{VERSION}/{sys.version_info[:3]}/{pickle.HIGHEST_PROTOCOL}".encode())
    for f in sorted(CODE_DIR.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wrp"


def enabled() -> bool:
    return os.environ.get("WRP_CACHE", "1") not in ("0", "false", "no", "off")


def _key(name: str, args: tuple, files: list[Path]) -> str:
    h = hashlib.sha256(f"{stamp()}\0{name}\0{args!r}".encode())
    for f in sorted(set(files)):
        h.update(b"\0" + str(f).encode() + b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


# the value types a cache entry may construct, besides the policy package's dataclasses
SAFE_GLOBALS = {
    ("builtins", n) for n in ("set", "frozenset", "dict", "list", "tuple", "str", "int", "float", "bool",
                              "bytes", "bytearray", "complex", "slice", "range")
} | {
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "time"),
    ("datetime", "timezone"), ("fractions", "Fraction"), ("decimal", "Decimal"), ("collections", "OrderedDict"),
    ("pathlib", "PosixPath"), ("pathlib", "PurePosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "Path"),
} | {("ruamel.yaml.scalarstring", n) for n in (
    "ScalarString", "LiteralScalarString", "FoldedScalarString", "SingleQuotedScalarString",
    "DoubleQuotedScalarString", "PlainScalarString")} | {("policy.i18n", "Msg")}


class SafeUnpickler(pickle.Unpickler):
    """Unpickles wrp's own policy objects only (see the module's docstring)."""

    def find_class(self, module: str, name: str):
        if (module, name) in SAFE_GLOBALS:
            return super().find_class(module, name)
        if module.startswith("policy.") and "." not in name and not name.startswith("_") and module in sys.modules:
            obj = getattr(sys.modules[module], name, None)  # never imports: the loader's modules are loaded
            if isinstance(obj, type) and obj.__module__ == module and dataclasses.is_dataclass(obj):
                return obj
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a compiled cache entry")


def _read(path: Path, key: str, kind: type):
    try:
        with open(path, "rb") as fh:
            entry = SafeUnpickler(fh).load()
    except Exception:  # missing, truncated, corrupt, written by other code: rebuild
        return None
    if not (isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key and isinstance(entry[1], kind)):
        return None
    return entry[1]


def _write(path: Path, key: str, value) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except Exception:  # a read-only or full disk costs speed, never an answer
        pass


def compiled(inputs: Callable[..., list[Path]], kind: type = object,
             after_load: Callable[[object], None] | None = None):
    """Cache what the decorated loader returns, keyed by the content of ``inputs(*args)``; ``kind``:
    the type a valid entry has; ``after_load``: what to redo when the value comes from the cache
    instead of the loader (a side effect of loading)."""
    def deco(fn):
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args):
            if not enabled():
                return fn(*args)
            bound = sig.bind(*args)
            bound.apply_defaults()  # f() and f(default) are one entry
            try:
                files = [Path(f) for f in inputs(*bound.args)]
                key = _key(fn.__qualname__, bound.args, files)
            except OSError:  # a missing file: the loader says which, with its own message
                return fn(*args)
            path = cache_dir() / f"{fn.__name__.strip('_')}-{key[:40]}.pickle"
            value = _read(path, key, kind)
            if value is not None:
                if after_load is not None:
                    after_load(value)
                return value
            value = fn(*args)
            _write(path, key, value)
            return value
        return wrapper
    return deco
