"""A jurisdiction compiled for one date and mode: the backend-independent input of every backend,
made by ``PASSES``, an ordered tuple of IR passes (waive, resolve thresholds, negate exclusions,
assemble, index the nodes).

``Program`` holds the resolved condition of every clause (as a *requirement*: for an exclusion,
"the excluded situation does not hold"), of every pathway, and of the whole rule. Backends decide
the truth of every node of these expressions; ``solver.decide`` turns that into a proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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


def waive(prog: Program) -> Program:
    """``--lenient``: each 原则上 clause holds (reported as waived), never the requirement that at least
    one pathway holds (``lenient_waivers``); ``drop``ped clauses too."""
    if prog.lenient:
        prog.waived |= lenient_waivers(prog.jurisdiction)
    return prog


def resolve_thresholds(prog: Program) -> Program:
    """Every clause's condition with its thresholds on the wage in force (the arithmetic kept)."""
    prog.requirement = {c.id: TRUE if c.id in prog.waived else resolve(c.when, prog.wage) for c in prog.clauses()}
    return prog


def negate_exclusions(prog: Program) -> Program:
    """An exclusion's requirement is that the excluded situation does not hold."""
    for c in prog.jurisdiction.exclusions:
        if c.id not in prog.waived:
            prog.requirement[c.id] = not_of(prog.requirement[c.id])
    return prog


def assemble(prog: Program) -> Program:
    """Pathways (all of their clauses), the base (employer, applicant, exclusions) and the rule. A base
    clause with ``applies_to`` joins the pathways it applies to instead of the base."""
    j, req = prog.jurisdiction, prog.requirement
    scoped = [c for c in (*j.employer, *j.applicant) if c.applies_to is not None]
    prog.pathway = {p.id: all_of([*(req[c.id] for c in scoped if c.applies(p.id)), *(req[c.id] for c in p.clauses)])
                    for p in j.pathways}
    prog.base = all_of([*(req[c.id] for c in j.employer if c.applies_to is None),
                        *(req[c.id] for c in j.applicant if c.applies_to is None), *(req[c.id] for c in j.exclusions)])
    prog.root = all_of([prog.base, any_of(list(prog.pathway.values())) if prog.pathway else TRUE])
    return prog


def index_nodes(prog: Program) -> Program:
    """Every node once, in the order the backends number them."""
    seen: set[int] = set()
    for top in [*prog.requirement.values(), *prog.pathway.values(), prog.base, prog.root]:
        for n in walk(top):
            if id(n) not in seen:
                seen.add(id(n))
                prog.nodes.append(n)
    return prog


# The compilation, as an ordered tuple of passes over the program (sqlglot's optimizer style): a new
# step is one function here.
PASSES = (waive, resolve_thresholds, negate_exclusions, assemble, index_nodes)


def lenient_waivers(j: Jurisdiction) -> frozenset[str]:
    """The clauses ``--lenient`` waives: each 原则上 (in_principle) condition on its own, but never the
    requirement that at least one pathway holds — a pathway whose every clause is 原则上 keeps them
    all (waiving them would make the pathway hold for anybody, e.g. Daxing 一、（三） puts the whole
    list, "one of (1)–(9)" included, under 原则上)."""
    out = {c.id for c in j.clauses() if c.strength == "in_principle"}
    for p in j.pathways:
        ids = {c.id for c in p.clauses}
        if ids and ids <= out:
            out -= ids
    return frozenset(out)


def compile_program(j: Jurisdiction, wage: Wage, lenient: bool = False,
                    drop: frozenset[str] = frozenset()) -> Program:
    # a program reads only the wage's figures (``resolve``), not its note, which names the day: one
    # program (and one Datalog rule base) per wage figure, not per application date
    return _compile(j, _figures(wage), lenient, drop)


def _figures(wage: Wage) -> Wage:
    return replace(wage, cite="", note="", warning=None)


@cache(256, identity=(0,))
def _compile(j: Jurisdiction, wage: Wage, lenient: bool, drop: frozenset[str]) -> Program:
    prog = Program(j, wage, lenient, {}, frozenset(drop), {}, TRUE, TRUE)
    for step in PASSES:
        prog = step(prog)
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

