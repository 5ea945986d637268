"""Running one CLI command under resource limits, and judging its outcome (the fuzz suite's contract).

``run_bounded(argv)`` forks the test process (the policy is already loaded, so a run costs no
import), sets ``RLIMIT_AS`` (memory) and ``RLIMIT_CPU`` in the child, runs ``cli.main`` with its
output captured and sends back the exit code, stdout and stderr. A child killed by a limit, or one
that dies without an answer, is reported as such — a hang or a memory blow-up fails the test.

``judge(outcome, files, allowed)`` states what every run must satisfy: the exit code is allowed,
there is no "internal error" and no traceback, an error is exactly one line ``wrp: error: …``
naming one of ``files`` (or the argument), and no file in the watched directories changed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
from dataclasses import dataclass
from pathlib import Path

LONG = os.environ.get("WRP_FUZZ_LONG") == "1"
MEMORY = 3 << 30  # bytes of address space for one run (the policy and z3 take about 0.6 GB)
CPU = 120 if LONG else 60  # CPU seconds for one run


@dataclass
class Outcome:
    argv: list[str]
    rc: int | None
    out: str
    err: str
    killed: str | None = None  # "memory", "cpu", "signal N" …

    def __str__(self) -> str:
        return f"wrp {' '.join(self.argv)} -> rc={self.rc} killed={self.killed}\nstderr: {self.err[:2000]}"


def run_bounded(argv: list[str], memory: int = MEMORY, cpu: int = CPU) -> Outcome:
    argv = [str(a) for a in argv]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limits, run, report, exit without running the parent's clean-ups
        code = 0
        try:
            os.close(r)
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
            signal.alarm(cpu * 3)  # wall clock: a run blocked on I/O (a FIFO) ends too
            import cli
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = cli.main(argv)
                except MemoryError:
                    rc = "memory"
            data = json.dumps([rc, out.getvalue(), err.getvalue()]).encode()
            with os.fdopen(w, "wb") as f:
                f.write(data)
        except BaseException:  # noqa: BLE001 — the parent reports a child without an answer
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        killed = {signal.SIGXCPU: "cpu", signal.SIGALRM: "wall clock", signal.SIGKILL: "killed"}.get(
            sig, f"signal {sig}" if sig else f"exit {os.WEXITSTATUS(status)} without an answer")
        return Outcome(argv, None, "", "", killed)
    rc, out, err = json.loads(data)
    if rc == "memory":
        return Outcome(argv, None, out, err, "memory")
    return Outcome(argv, rc, out, err)


def snapshot(*dirs: Path) -> dict[str, bytes]:
    """Every file under ``dirs`` with its content (to show that nothing was written or changed)."""
    out = {}
    for d in dirs:
        for p in sorted(Path(d).rglob("*")):
            if p.is_file() and not p.is_symlink():
                out[str(p)] = p.read_bytes()
            else:
                out[str(p)] = b"<not a regular file>"
    return out


def judge(o: Outcome, names: list[str], allowed=(0, 2), before: dict | None = None,
          after: dict | None = None) -> str | None:
    """What is wrong with outcome ``o`` (``None``: nothing). ``names``: what an error must name."""
    if o.killed:
        return f"killed ({o.killed})"
    if o.rc not in allowed:
        return f"exit code {o.rc}"
    if "internal error" in o.err or "Traceback" in o.err:
        return "internal error"
    if before is not None and after is not None and before != after:
        return "files written or changed"
    if o.rc == 2:
        lines = o.err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("wrp: error: "):
            return f"not one line: {o.err[:300]!r}"
        if names and not any(n in lines[0] for n in names):
            return f"the message names none of {names}: {lines[0][:300]}"
        if len(lines[0]) > 1200:
            return "message too long"
    return None


__all__ = ["run_bounded", "judge", "snapshot", "Outcome", "LONG"]
