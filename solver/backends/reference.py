"""The reference backend: the direct interpreter of the IR (``policy.expr.evaluate``), the oracle the
other backends are tested against."""

from __future__ import annotations

from policy.expr import evaluate
from solver.facts import Facts
from solver.program import Program


def node_status(prog: Program, facts: Facts) -> dict[int, bool | None]:
    """Kleene truth of every node of ``prog`` for ``facts`` (``None``: unknown)."""
    return {id(n): evaluate(n, facts.values) for n in prog.nodes}
