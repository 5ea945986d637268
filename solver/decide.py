"""Eligibility and its proof, from the node truths a backend computed.

The backend (Datalog by default, the reference interpreter or z3 on request) decides every node
of the compiled program; this module only reads those truths back onto the clauses: which held,
which failed and why (actual vs required, the threshold arithmetic), which are unknown and which
facts would decide them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from fractions import Fraction

from policy.expr import NEGATE, All, Any, Cmp, Const, Expr, In, Not, children, not_of
from policy.load import Policy
from policy.model import DERIVED_FROM, Clause, Jurisdiction, Pathway
from solver.backends.registry import Status, backend
from solver.exact import Exact, refine_program
from solver.facts import Facts, wage_for
from solver.program import Program, compile_program

# --- results -------------------------------------------------------------------------------------


@dataclass
class Leaf:
    """One comparison of a clause, as values: the facts compared, the operator (any negation applied),
    what they were compared with and the profile's values. ``solver.render.leaf`` puts it in words
    (zh / en) when it is shown; ``value`` and ``required_plain`` are the JSON contract's values."""

    facts: tuple[str, ...]
    op: str  # eq ne lt le gt ge (a comparison), in / not_in (a set of choices)
    status: bool | None
    derivation: str | None = None  # how the threshold was computed (a Msg), if it was
    coefficients: tuple[Fraction, ...] = ()  # a comparison: sum(coefficient × fact) op rhs
    rhs: Fraction | None = None
    choices: tuple[int, ...] = ()  # a set: the choice indices, sorted
    set_name: str | None = None  # a named set of districts (policy/params/districts.yaml)
    actuals: tuple[Fraction | None, ...] = ()  # the profile's value of each fact (None: unknown)
    defaulted: bool = False  # the one fact was not stated: its default was used
    value: object = None  # the profile's value for JSON: int/float, choice name, bool or None
    required_plain: str = ""  # ">= 14111", "== changping", "in [a, b]"

    @property
    def requirement(self) -> tuple:
        """What is required, as a value (two leaves with the same facts and requirement say the same)."""
        return self.op, self.coefficients, self.rhs, self.choices, self.set_name


@dataclass
class ClauseResult:
    clause: Clause
    status: str  # held | failed | unknown | waived
    leaves: list[Leaf]  # the comparisons that decide the status
    all_leaves: list[Leaf]
    unknown_facts: list[str]
    waived_would: str | None = None  # in lenient mode: what the waived clause would have been
    cases: object = None  # solver.cases.CaseSplit: decided either way while a fact it reads is unknown


@dataclass
class PathwayResult:
    pathway: Pathway
    status: str  # satisfied | failed | unknown
    clauses: list[ClauseResult]


@dataclass
class Decision:
    jurisdiction: Jurisdiction
    date: dt.date
    status: str  # eligible | ineligible | undetermined
    lenient: bool
    employer: list[ClauseResult]
    applicant: list[ClauseResult]
    pathways: list[PathwayResult]
    exclusions: list[ClauseResult]
    unknown: list[str]
    warnings: list[str]
    facts: Facts
    backend: str = "datalog"
    extra: dict = field(default_factory=dict)
    refined: frozenset[int] = frozenset()  # node ids Kleene left unknown that every completion decides
    policy: Policy | None = field(default=None, repr=False, compare=False)  # what it was decided under (its words)

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    def clause_results(self) -> list[ClauseResult]:
        return [*self.employer, *self.applicant, *(c for p in self.pathways for c in p.clauses), *self.exclusions]

    def failed(self) -> list[ClauseResult]:
        """Failed clauses that matter: base clauses always, pathway clauses (and base clauses that apply
        to some pathways only) when no pathway holds."""
        base = [c for c in (*self.employer, *self.applicant, *self.exclusions)
                if c.status == "failed" and c.clause.applies_to is None]
        if any(p.status == "satisfied" for p in self.pathways):
            return base
        scoped = [c for c in (*self.employer, *self.applicant) if c.status == "failed" and c.clause.applies_to]
        return base + scoped + [c for p in self.pathways for c in p.clauses if c.status == "failed"]

    def waivable(self) -> list[ClauseResult]:
        """Failed 原则上 clauses whose waiver could matter: base clauses, and — when no pathway holds —
        the clauses of pathways that fail only on 原则上 clauses."""
        def failing(c: ClauseResult) -> bool:
            return c.status == "failed" or c.waived_would == "failed"

        out = [c for c in (*self.employer, *self.applicant, *self.exclusions)
               if c.clause.strength == "in_principle" and failing(c) and c.clause.applies_to is None]
        if not any(p.status == "satisfied" for p in self.pathways):
            scoped = [c for c in (*self.employer, *self.applicant) if c.clause.applies_to is not None]
            for p in self.pathways:
                bad = [c for c in (*(s for s in scoped if s.clause.applies(p.pathway.id)), *p.clauses) if failing(c)]
                if bad and all(c.clause.strength == "in_principle" for c in bad):
                    out += [c for c in bad if c not in out]
        return out


# --- reading truths back onto clauses ------------------------------------------------------------


def _leaf(policy: Policy, facts: Facts, e: Cmp | In, neg: bool, st: Status) -> Leaf:
    s = st.get(id(e))
    status = None if s is None else (not s if neg else s)
    if isinstance(e, In):
        spec = policy.vocabulary.spec(e.fact)
        names = [spec.choices[i] for i in sorted(e.values)]
        v = facts.values.get(e.fact)
        plain = (f"{'!=' if neg else '=='} {names[0]}" if len(names) == 1
                 else f"{'not in' if neg else 'in'} [{', '.join(names)}]")
        return Leaf((e.fact,), "not_in" if neg else "in", status, choices=tuple(sorted(e.values)),
                    set_name=e.set_name or None, actuals=(v,), value=json_value(policy, e.fact, v), required_plain=plain)
    op = NEGATE[e.op] if neg else e.op
    names = tuple(f for _, f in e.terms)
    actuals = tuple(facts.values.get(f) for f in names)
    coefficients = tuple(c for c, _ in e.terms)
    if len(e.terms) == 1 and e.terms[0][0] == 1:
        return Leaf(names, op, status, e.derivation, coefficients, e.rhs, actuals=actuals,
                    defaulted=names[0] in facts.defaulted, value=json_value(policy, names[0], actuals[0]),
                    required_plain=f"{PLAIN[op]} {_plain(json_value(policy, names[0], e.rhs))}")
    return Leaf(names, op, status, e.derivation, coefficients, e.rhs, actuals=actuals,
                value={f: json_value(policy, f, v) for f, v in zip(names, actuals, strict=True)},
                required_plain=f"{' + '.join(f'{_plain(_num(c))}*{f}' for c, f in e.terms)} {PLAIN[op]} "
                               f"{_plain(_num(e.rhs))}")


PLAIN = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _num(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _plain(v) -> str:
    return "true" if v is True else "false" if v is False else str(v)


def json_value(policy: Policy, name: str, v: Fraction | None):
    """A fact value for JSON: numbers as numbers, choices by name, yes/no as booleans."""
    if v is None:
        return None
    spec = policy.vocabulary.spec(name)
    if spec.type == "enum":
        return spec.choices[int(v)]
    if spec.type == "bool":
        return bool(v)
    return _num(v)


def _leaves(policy, facts, e: Expr, st: Status, neg: bool = False, culprits: bool = True) -> list[Leaf]:
    """The comparisons under ``e``. ``culprits``: only those responsible for the truth ``e`` has (a
    false conjunction because of its false children, a true disjunction because of its true children,
    otherwise all children); else every comparison once. Either way a case split shows the
    applicable case only (``_applicable``)."""
    match e:
        case Cmp() | In():
            return [_leaf(policy, facts, e, neg, st)]
        case Const():
            return []
        case Not(item):
            return _leaves(policy, facts, item, st, not neg, culprits)
    v = st.get(id(e))
    kids = list(e.items)
    if culprits and isinstance(e, All) and v is False:
        kids = [k for k in kids if st.get(id(k)) is False]
    elif culprits and isinstance(e, Any) and v is True:
        kids = [k for k in kids if st.get(id(k)) is True]
    elif isinstance(e, Any) and (v is False or not culprits):
        kids = [k for k in kids if _applicable(k, kids, st)] or kids
    out: list[Leaf] = []
    for k in kids:
        for x in _leaves(policy, facts, k, st, neg, culprits):
            if culprits or not any(x.facts == y.facts and x.requirement == y.requirement for y in out):
                out.append(x)
    return out


def _applicable(k: Expr, siblings: list[Expr], st: Status) -> bool:
    """In a case split ``any(all(g, a), all(not g, b))`` the branch whose guard is false is not
    the applicable case: it explains nothing and is left out of the proof."""
    def items(x: Expr) -> tuple[Expr, ...]:
        return x.items if isinstance(x, All) else (x,)

    others = [i for s in siblings if s is not k for i in items(s)]
    for g in items(k):
        if st.get(id(g)) is False and any(o == not_of(g) for o in others):
            return False
    return True


def unknown_facts(e: Expr, st: Status, facts: Facts) -> list[str]:
    """Facts missing from the profile that would decide the unknown parts of ``e`` (decided
    sub-expressions are not entered: they cannot change the answer)."""
    out: list[str] = []

    def go(n: Expr) -> None:
        if st.get(id(n)) is not None:
            return
        if isinstance(n, (Cmp, In)):
            names = [f for _, f in n.terms] if isinstance(n, Cmp) else [n.fact]
            for f in names:
                if f in facts.values:
                    continue
                # a derived fact is unknown because of the stated facts it comes from
                for src in DERIVED_FROM.get(f, (f.split("[", 1)[0],)):
                    if facts.stated.get(src) is None and src not in out:
                        out.append(src)
            return
        for c in children(n):
            go(c)

    go(e)
    return out


def _clause_result(policy, facts, prog: Program, strict: Program, c: Clause, st: Status, st_strict: Status,
                   relevant: dict[int, list[str]] | None = None, refined: frozenset[int] = frozenset()) -> ClauseResult:
    e = strict.requirement[c.id]
    truth = st_strict.get(id(e))
    status = {True: "held", False: "failed", None: "unknown"}[truth]
    would = None
    if c.id in prog.waived:
        would, status = status, "waived"
    leaves = _leaves(policy, facts, e, st_strict) if truth is not None else \
        [lf for lf in _leaves(policy, facts, e, st_strict, culprits=False) if lf.status is None]
    unknown = [] if truth is not None else relevant[id(e)] if relevant is not None and id(e) in relevant \
        else unknown_facts(e, st_strict, facts)
    cases = None
    if truth is not None and id(e) in refined:  # decided only because every completion agrees: say why
        from solver.cases import case_split
        cases = case_split(policy, facts, e, st_strict, truth, lambda x, neg: _leaf(policy, facts, x, neg, st_strict))
        if truth is True and not leaves and cases is not None:
            leaves = [lf for case in cases.cases for lf in case.then]
    return ClauseResult(c, status, leaves, _leaves(policy, facts, e, st_strict, culprits=False), unknown, would,
                        cases)


def facts_for(policy: Policy, facts: Facts, jid: str) -> Facts:
    """``facts`` with the average wage in force for jurisdiction ``jid`` (a primary source of it may
    prove a figure published before the proxy date: ``solver.facts.wage_for``)."""
    w = wage_for(policy.params, facts, jid)
    return facts if w is facts.wage else replace(facts, wage=w)


@dataclass
class Verdict:
    """The Datalog answer without the proof: what replays of solver witnesses need."""

    status: str
    satisfied: list[str]  # pathway ids that hold


def verdict(policy: Policy, jid: str, facts: Facts, lenient: bool = False) -> Verdict:
    """Status and satisfied pathways by the Datalog backend, reading back only those nodes."""
    from solver.backends.datalog import verdict as datalog_verdict
    j, _ = policy.version(jid, facts.date)
    facts = facts_for(policy, facts, j.id)
    prog = compile_program(j, facts.wage, lenient)
    st = datalog_verdict(prog, facts)
    status = {True: "eligible", False: "ineligible", None: "undetermined"}[st[id(prog.root)]]
    return Verdict(status, [p for p, e in prog.pathway.items() if st[id(e)] is True])


def _z3_refine(*args) -> Exact:
    """The exact refinement by z3, for what sampling leaves open (z3 imported only then; it runs on the
    z3 worker thread, solver.backends.smt.worker)."""
    from solver.backends.smt.exact import z3_refine
    return z3_refine(*args)


def decide(policy: Policy, jid: str, facts: Facts, lenient: bool = False, backend_name: str = "datalog",
           exact: bool = True) -> Decision:
    """The decision with its proof. ``exact=False`` keeps the backend's Kleene truths (no refinement):
    what the backends are compared on node by node; answers to users are always exact."""
    j, warning = policy.version(jid, facts.date)
    facts = facts_for(policy, facts, j.id)
    run = backend(backend_name)
    strict = compile_program(j, facts.wage, False)
    # Kleene truths by the backend, then exact ones: decided when every completion agrees (solver.exact)
    refine = refine_program if exact else (lambda _p, _g, _f, kleene, _b, solver: Exact(dict(kleene)))
    ex_strict = refine(policy, strict, facts, run(strict, facts), backend_name, solver=_z3_refine)
    st_strict = ex_strict.status
    prog, st, ex = (strict, st_strict, ex_strict)
    if lenient:
        prog = compile_program(j, facts.wage, True)
        ex = refine(policy, prog, facts, run(prog, facts), backend_name, solver=_z3_refine)
        st = ex.status
    truth = st[id(prog.root)]
    status = {True: "eligible", False: "ineligible", None: "undetermined"}[truth]

    def res(cs) -> list[ClauseResult]:
        return [_clause_result(policy, facts, prog, strict, c, st, st_strict, ex_strict.relevant, ex_strict.refined)
                for c in cs]

    pathways = []
    for p in j.pathways:
        pt = st[id(prog.pathway[p.id])]
        pathways.append(PathwayResult(p, {True: "satisfied", False: "failed", None: "unknown"}[pt], res(p.clauses)))
    warnings = list(facts.warnings) + ([warning] if warning else [])
    return Decision(jurisdiction=j, date=facts.date, status=status, lenient=lenient, employer=res(j.employer),
                    applicant=res(j.applicant), pathways=pathways, exclusions=res(j.exclusions),
                    unknown=ex.relevant.get(id(prog.root), unknown_facts(prog.root, st, facts)) if truth is None else [],
                    warnings=warnings + ex.warnings, facts=facts, backend=backend_name,
                    refined=ex_strict.refined | ex.refined, policy=policy)
