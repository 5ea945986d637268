"""The stretches of waiting ("epochs") of a ``missing`` question: same rules in force, same average
wage; and the facts the rules of any stretch read."""

from __future__ import annotations

import datetime as dt

from policy.caching import cache
from policy.expr import facts_of
from policy.load import Policy
from policy.model import Jurisdiction
from solver.backends.smt.change import MAX_WAIT_MONTHS
from solver.backends.smt.space import AGE, MTR, MTR_MIN
from solver.calendar import add_months
from solver.facts import Wage, wage_on
from solver.program import Program, compile_program


@cache(256, identity=(0, 1))
def epochs(policy: Policy, j: Jurisdiction, date: dt.date, wage: Wage,
           lenient: bool) -> tuple[list[tuple[int, int, Program]], frozenset[str]]:
    """(first month, last month, program) for each stretch of waiting with the same rules and wage,
    and the facts the rules of any stretch read (with those a vocabulary constraint links to them).
    Cached per policy, jurisdiction version, date, wage and mode."""
    out: list[tuple[int, int, Program]] = []
    last_key = None
    for w in range(MAX_WAIT_MONTHS + 1):
        day = add_months(date, w)
        jw, _ = policy.version(j.id, day) if w else (j, None)
        wage_w = wage_on(policy.params, day, j.id) if w else wage
        k = (id(jw), wage_w.year, wage_w.monthly, wage_w.annual)
        if k != last_key:
            out.append((w, w, compile_program(jw, wage_w, lenient)))
            last_key = k
        else:
            lo, _, p = out[-1]
            out[-1] = (lo, w, p)
    relevant: set[str] = set()
    for _, _, p in out:
        relevant |= facts_of(p.root)
    cons = [c for c in policy.vocabulary.constraints if c.validate]
    grew = True
    while grew:  # facts linked to relevant ones by a constraint matter too
        grew = False
        for c in cons:
            fs = facts_of(c.when)
            if fs & relevant and not fs <= relevant:
                relevant |= fs
                grew = True
    if relevant & {AGE, MTR, MTR_MIN}:
        relevant |= {AGE, MTR, MTR_MIN}
    return out, frozenset(relevant)


