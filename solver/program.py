"""A jurisdiction compiled for one date and mode: the backend-independent input of every backend.

``Program`` holds the resolved condition of every clause (as a *requirement*: for an exclusion,
"the excluded situation does not hold"), of every pathway, and of the whole rule. Backends decide
the truth of every node of these expressions; ``solver.decide`` turns that into a proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policy.caching import cache
from policy.expr import TRUE, Cmp, Expr, all_of, any_of, not_of, walk
from policy.model import Clause, Jurisdiction
from solver.facts import Wage, resolve


@dataclass(eq=False)
class Program:
    jurisdiction: Jurisdiction
    wage: Wage
    lenient: bool
    requirement: dict[str, Expr]  # clause id -> requirement (TRUE when waived)
    waived: frozenset[str]
    pathway: dict[str, Expr]  # pathway id -> conjunction of its clauses
    base: Expr  # employer ∧ applicant ∧ ¬exclusions
    root: Expr  # base ∧ (some pathway)
    nodes: list[Expr] = field(default_factory=list)  # every node, each object once

    def clauses(self) -> list[Clause]:
        return self.jurisdiction.clauses()


def requirement_of(c: Clause, wage: Wage) -> Expr:
    e = resolve(c.when, wage)
    return not_of(e) if c.kind == "exclusion" else e


def compile_program(j: Jurisdiction, wage: Wage, lenient: bool = False,
                    drop: frozenset[str] = frozenset()) -> Program:
    return _compile(j, wage, lenient, drop)


@cache(256, identity=(0,))
def _compile(j: Jurisdiction, wage: Wage, lenient: bool, drop: frozenset[str]) -> Program:
    waived = frozenset(c.id for c in j.clauses() if lenient and c.strength == "in_principle") | drop
    req = {c.id: (TRUE if c.id in waived else requirement_of(c, wage)) for c in j.clauses()}
    pathway = {p.id: all_of([req[c.id] for c in p.clauses]) for p in j.pathways}
    base = all_of([*(req[c.id] for c in j.employer), *(req[c.id] for c in j.applicant),
                   *(req[c.id] for c in j.exclusions)])
    root = all_of([base, any_of(list(pathway.values())) if pathway else TRUE])
    prog = Program(j, wage, lenient, req, waived, pathway, base, root)
    seen: set[int] = set()
    for top in [*req.values(), *pathway.values(), base, root]:
        for n in walk(top):
            if id(n) not in seen:
                seen.add(id(n))
                prog.nodes.append(n)
    return prog


def comparisons(top: Expr, name: str) -> list[Cmp]:
    """The comparisons of one fact alone (``k × fact op rhs``) under ``top``, in ``walk`` order
    (indexed once per expression: programs are cached, so the same trees come back)."""
    return _comparisons(top).get(name, [])


@cache(4096, identity=(0,))
def _comparisons(top: Expr) -> dict[str, list[Cmp]]:
    idx: dict[str, list[Cmp]] = {}
    for c in walk(top):
        if isinstance(c, Cmp) and len(c.terms) == 1:
            idx.setdefault(c.terms[0][1], []).append(c)
    return idx

