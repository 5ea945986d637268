"""The backends by name. Each module offers ``node_status(program, facts) -> {id(node): True | False |
None}``; it is imported only when first asked for (z3 and pyDatalog are slow to import). A new
backend is one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from solver.facts import Facts
from solver.program import Program

Status = dict[int, bool | None]

BACKENDS: dict[str, str] = {
    "datalog": "solver.backends.datalog",  # the engine of record for one applicant's proof
    "reference": "solver.backends.reference",  # the IR interpreter, the oracle
    "z3": "solver.backends.smt.encode",
}


def backend(name: str) -> Callable[[Program, Facts], Status]:
    """The ``node_status`` function of the backend ``name``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    return importlib.import_module(BACKENDS[name]).node_status
