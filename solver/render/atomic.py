"""Writing an output file safely: the one helper every ``--ics`` / ``--output`` goes through.

``write_atomic(path, data, force=..., inputs=...)``:

- refuses a symbolic link (and says where it points), a directory, a device or other non-regular
  file, a missing or non-directory parent, and any of the command's ``inputs`` (the profile is
  never overwritten, even through a hard link);
- refuses to replace an existing file unless ``force`` (the CLI's ``--force``);
- writes a temporary file in the same directory, flushes it to disk and renames it into place,
  so the target is either the old file or the whole new one — never empty or partial, after a
  full disk, SIGINT or SIGTERM (the temporary file is removed; SIGTERM is turned into an
  exception for the duration of the write so that the clean-up runs);
- every failure is an ``InputError`` naming the path (exit 2), with the reason in words.

Example:
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = write_atomic(os.path.join(d, "a.ics"), "BEGIN:VCALENDAR\\n")
    >>> open(p).read(), sorted(os.listdir(d))
    ('BEGIN:VCALENDAR\\n', ['a.ics'])
    >>> try:
    ...     write_atomic(p, "again")
    ... except InputError as e:
    ...     print(e.message)
    the file exists; add --force to replace it
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from pathlib import Path

from policy.errors import InputError
from policy.i18n import Msg, os_error_text


class _Terminated(BaseException):
    """SIGTERM arrived during a write (re-raised as exit after the clean-up)."""


@contextlib.contextmanager
def _sigterm_raises():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise _Terminated()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _fail(path: Path, en: str, zh: str, field: str | None) -> InputError:
    return InputError(Msg(en, zh), file=str(path), field=field)


def check_target(path: str | Path, *, force: bool = False, inputs=(), field: str | None = None) -> Path:
    """The checks of ``write_atomic`` without writing (a command runs them before its work)."""
    p = Path(path)
    if str(path) == "" or p.name in ("", ".", ".."):
        raise _fail(p, "is not a file name", "不是文件名", field)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _os_error(p, exc, field) from None
    parent = p.parent if str(p.parent) else Path(".")
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise _fail(p, f"is a symbolic link (to {os.readlink(p)}); wrp does not write through links — give the "
                       "real path", f"是符号链接（指向 {os.readlink(p)}）；wrp 不通过链接写入，请给出实际路径", field)
    if not parent.is_dir():
        raise _fail(p, f"the directory {parent} does not exist", f"目录 {parent} 不存在", field)
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise _fail(p, "is a directory; give a file name", "是目录；请给出文件名", field)
        if not stat.S_ISREG(st.st_mode):
            raise _fail(p, "is not a regular file (a device or a pipe); wrp writes only regular files",
                        "不是普通文件（设备或管道）；wrp 只写入普通文件", field)
        for i in inputs:
            with contextlib.suppress(OSError):
                if i is not None and os.path.samefile(p, i):
                    raise _fail(p, "is an input of this command; wrp never overwrites its input",
                                "是本命令的输入文件；wrp 不会覆盖输入", field)
        if not force:
            raise _fail(p, "the file exists; add --force to replace it", "文件已存在；如需替换请加 --force", field)
        if not os.access(p, os.W_OK):
            raise _fail(p, "the file is read-only; wrp does not replace it", "文件为只读；wrp 不会替换它", field)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _fail(p, f"permission denied: cannot write in {parent}", f"没有权限：无法在 {parent} 中写入", field)
    return p


def write_atomic(path: str | Path, data: str | bytes, *, force: bool = False, inputs=(),
                 field: str | None = None) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` all at once; see the module docstring."""
    p = check_target(path, force=force, inputs=inputs, field=field)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    parent = p.parent if str(p.parent) else Path(".")
    tmp = None
    try:
        with _sigterm_raises():
            try:
                fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{p.name[:100]}.", suffix=".tmp")
            except OSError as exc:
                raise _os_error(p, exc, field) from None
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(raw)
                    f.flush()
                    os.fsync(f.fileno())
                mode = 0o666 & ~_umask()
                with contextlib.suppress(OSError):
                    mode = stat.S_IMODE(os.stat(p).st_mode)
                os.chmod(tmp, mode)
                os.replace(tmp, p)
                tmp = None
                with contextlib.suppress(OSError):  # make the rename itself durable
                    dfd = os.open(parent, os.O_RDONLY)
                    try:
                        os.fsync(dfd)
                    finally:
                        os.close(dfd)
            except OSError as exc:
                raise _os_error(p, exc, field) from None
    except _Terminated:
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return p


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _os_error(p: Path, exc: OSError, field: str | None) -> InputError:
    return InputError(os_error_text(exc, writing=True), file=str(p), field=field)


__all__ = ["write_atomic", "check_target"]
