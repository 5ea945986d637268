"""A forked child (the fuzz harness, multiprocessing with fork) answers z3 jobs: it starts its own worker."""

import os
import signal

from solver.app import App
from solver.backends.smt import worker

EXAMPLE = "examples/changping_rejected_income.yaml"


def test_a_forked_child_runs_z3_analyses_after_the_parent_did():
    app = App()
    parent = app.missing(EXAMPLE).as_dict()  # the parent's worker exists and has run a job
    assert worker._worker is not None
    pid = os.fork()
    if pid == 0:  # the child: an analysis on z3; a hang is ended by the alarm (exit by signal)
        code = 1
        try:
            signal.alarm(120)
            code = 0 if App().missing(EXAMPLE).as_dict() == parent else 4
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert app.missing(EXAMPLE).as_dict() == parent  # and the parent's worker still serves
