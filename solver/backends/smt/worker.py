"""Every z3 call of the process on ONE thread: the z3 worker.

z3's Python objects belong to a context (wrp uses z3's one main context), and a context is not
thread-safe: not only solving, but creating a term and *freeing* one (``__del__`` →
``Z3_dec_ref``) change it. A lock around the analyses is not enough — an object made under the
lock is freed wherever its last reference goes: in another thread, when a result or an
exception's traceback still holds z3 objects, or when Python's cycle collector happens to run
there — and ctypes releases the GIL during every z3 call, so the two really run at once (a
corrupted context, then SIGSEGV). So:

- ``run(fn, ...)`` and the decorator ``@on_z3_thread`` run ``fn`` on the z3 worker (a daemon
  thread started on first use) and wait for it; called on the worker itself, they just call
  ``fn``. Every entry point into z3 (``missing``, ``conflicts``, ``compare``, ``verify``, ``diff``,
  the exact refinement, the z3 backend) is decorated, so callers need no lock and no care.
- What comes back is plain Python (result objects of Fractions, strings, dicts): no z3 object
  leaves the worker (``z3_objects`` finds any; the tests use it on every analysis). An exception
  comes back with the local variables of its traceback's frames cleared (its lines are kept for
  ``WRP_DEBUG=1``), so the frames' z3 objects are freed on the worker.
- Once the worker exists, a z3 object finalised on another thread (a cycle collected there, a
  cache cleared by a test) is never freed while the worker works: if the worker is idle, it is
  freed at once under the worker's lock (``_BUSY``); if the worker is busy, its ``__del__`` hands it
  to the worker, which frees it before and after every job, or when woken up for it. A job's
  caller resumes only once the worker has finished with z3 (so code that uses z3 directly on its
  own thread, as unit tests of the internals do, never runs beside the worker).
- A forked child (the fuzz harness, multiprocessing) has no worker thread: the fork waits until the
  worker is idle, and the child forgets the parent's worker and starts its own on first use.
- The worker imports every module of this package before its first job, so the z3 terms they make
  at import time are made before any query runs.
"""

from __future__ import annotations

import collections
import functools
import gc
import importlib
import os
import queue
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_MODULES = ("terms", "session", "encode", "space", "change", "optimum", "exact")
_WAKE = object()

_jobs: queue.SimpleQueue = queue.SimpleQueue()  # SimpleQueue.put is safe to call from __del__
_orphans: collections.deque = collections.deque()  # (original __del__, z3 object) finalised off the worker
_start_lock = threading.Lock()
_worker: threading.Thread | None = None
_WORKER: list[int | None] = [None]  # the worker thread's ident, once it runs
_BUSY = threading.RLock()  # held by the worker while it runs a job or frees objects


def on_worker() -> bool:
    """Is this the z3 worker thread?"""
    return threading.get_ident() == _WORKER[0]


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` on the z3 worker; its result, or its exception raised here."""
    if threading.get_ident() == _WORKER[0]:
        return fn(*args, **kwargs)
    _start()
    fut: Future = Future()
    _jobs.put((fut, fn, args, kwargs))
    return fut.result()


def on_z3_thread(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate an entry point into z3: it always runs on the z3 worker."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return run(fn, *args, **kwargs)
    return wrapper


def z3_objects(obj: Any, limit: int = 2_000_000) -> list[str]:
    """The z3 objects reachable from ``obj`` (by ``gc.get_referents``), as type names: for tests that a
    result carries none out of the worker. Modules, classes and functions are not followed."""
    import types

    import z3
    z3_types = tuple(c for c in vars(z3.z3).values() if isinstance(c, type) and "__del__" in c.__dict__)
    found, seen, stack = [], set(), [obj]
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    while stack and len(seen) < limit:
        x = stack.pop()
        if id(x) in seen or isinstance(x, skip):
            continue
        seen.add(id(x))
        if isinstance(x, z3_types):
            found.append(type(x).__name__)
            continue
        stack.extend(gc.get_referents(x))
    return found


# --- the worker ------------------------------------------------------------------------------------


def _start() -> None:
    global _worker
    if _worker is not None:
        return
    with _start_lock:
        if _worker is None:
            _install_finalisers()
            ready = threading.Event()
            t = threading.Thread(target=_loop, args=(ready,), name="wrp-z3", daemon=True)
            t.start()
            ready.wait()
            _worker = t


def _loop(ready: threading.Event) -> None:
    _WORKER[0] = threading.get_ident()
    for name in _MODULES:  # the terms made at import time are made here, before any query
        try:
            importlib.import_module(f"{__package__}.{name}")
        except Exception:  # noqa: BLE001 — the job that needs the module raises the error itself
            pass
    ready.set()
    while True:
        item = _jobs.get()
        if item is _WAKE:
            with _BUSY:
                _drain()
            continue
        fut, fn, args, kwargs = item
        item = None
        if not fut.set_running_or_notify_cancel():
            continue
        outcome: tuple[bool, Any]
        with _BUSY:
            _drain()
            try:
                outcome = (True, fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller, which raises it
                _clear_frames(exc)
                outcome = (False, exc)
            fn = args = kwargs = None  # the worker's references go here, not at the next job
            _drain()
        # the caller resumes only after the worker is done with z3 (a caller in a test may use z3 itself)
        ok, value = outcome
        outcome = None
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)
        fut = value = None


def _before_fork() -> None:
    _BUSY.acquire()  # never fork while the worker is inside z3: the child's copy of z3 would be mid-call


def _after_fork_in_parent() -> None:
    _BUSY.release()


def _after_fork_in_child() -> None:
    """The child of a fork has no z3 worker (only the forking thread survives a fork): forget it, so
    the child's first z3 job starts its own; until then a z3 object is freed where it is finalised."""
    global _worker, _start_lock
    _worker, _start_lock = None, threading.Lock()
    _WORKER[0] = None
    _orphans.clear()  # objects of the parent's worker: left unfreed rather than freed beside anything
    while True:  # jobs queued in the parent are the parent's to answer
        try:
            _jobs.get_nowait()
        except queue.Empty:
            break
    _BUSY.release()  # taken by _before_fork on the forking thread, which is this thread now


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                    after_in_child=_after_fork_in_child)


def _clear_frames(exc: BaseException) -> None:
    """The frames of ``exc``'s traceback (and of its causes) without their local variables."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        traceback.clear_frames(e.__traceback__)
        e = e.__cause__ or e.__context__


def _drain() -> None:
    while _orphans:
        try:
            finalise, obj = _orphans.popleft()
        except IndexError:
            return
        try:
            finalise(obj)
        except Exception:  # noqa: BLE001 — as Python does for an exception in __del__
            pass
        del obj


def _install_finalisers() -> None:
    """Every z3 class with a ``__del__`` (terms, solvers, models, vectors, …): finalised on the worker."""
    import z3

    # what __del__ needs is held by the closure: at interpreter shutdown module globals may already be gone
    get_ident, orphans, jobs, wake, worker, busy = threading.get_ident, _orphans, _jobs, _WAKE, _WORKER, _BUSY

    def deferred(original):
        def __del__(self):
            try:
                ident = worker[0]
                if ident is None or get_ident() == ident:
                    original(self)
                    return
                if busy.acquire(blocking=False):  # the worker is idle: free it here, the worker waits
                    try:
                        original(self)
                    finally:
                        busy.release()
                    return
                idle = not orphans
                orphans.append((original, self))  # the worker is busy: it frees the object after its job
                if idle:
                    jobs.put(wake)
            except Exception:  # noqa: BLE001 — interpreter shutdown: nothing to free any more
                pass
        __del__.__wrapped__ = original
        return __del__

    for cls in list(vars(z3.z3).values()):
        if isinstance(cls, type) and "__del__" in cls.__dict__ and not hasattr(cls.__dict__["__del__"], "__wrapped__"):
            cls.__del__ = deferred(cls.__dict__["__del__"])
