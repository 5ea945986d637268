"""IR → pyDatalog. The only module that talks to pyDatalog.

Every IR node ``n`` gets two predicates, ``t_n(1)`` (derived true) and ``f_n(1)`` (derived false),
reported through ``v('n', 1)`` / ``v('n', 0)``; a node with neither is unknown — Kleene logic, the
same as ``policy.expr.evaluate``. Facts are
``val(name, P, Q)``: the value P/Q as integers (Q > 0), so every comparison is exact integer
arithmetic (pyDatalog rounds floats to 8 digits; we never give it one).

One program per (jurisdiction version, wage year, mode) is built into its own ``Logic`` once, as
engine clauses made directly from the rules (the program text is printed from the same rules, for
goldens and docs, and is not parsed); a check asserts the profile's facts (those the program reads), asks ``v(X, B)`` once (the true and
the false nodes share their subgoals in one query), and retracts them.

Example:
    >>> from fractions import Fraction
    >>> from policy.expr import Cmp
    >>> print(to_datalog_rules(Cmp(((Fraction(1), "x"),), "ge", Fraction(29, 2)), {}))
    t_n0(1) <= val('x', P0, Q0) & (2*P0 >= 29*Q0)
    f_n0(1) <= val('x', P0, Q0) & (2*P0 < 29*Q0)
    v('n0', 1) <= t_n0(1)
    v('n0', 0) <= f_n0(1)
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from pyDatalog import Logic, pyEngine

from policy.caching import on_clear
from policy.expr import NEGATE, All, Any, AtLeast, Cmp, Const, Expr, In, Not, children, facts_of
from policy.reader import FACT_NAME
from solver.facts import Facts
from solver.program import Program

PY_OP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
COMPARISONS = frozenset(PY_OP.values())

# --- the rules as values ---------------------------------------------------------------------------
# A rule is built once as these small values; it is then either printed (the program text: goldens,
# docs) or turned straight into pyDatalog engine clauses (``pyEngine.Clause`` of ``pyEngine.Literal``),
# which is what ``pyDatalog.load`` makes of the text after parsing and compiling it as Python — at a
# fraction of the cost (tests/backends/test_datalog_engine.py holds the two rule bases equal).


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Op:
    """An arithmetic term ``lhs op rhs`` (``*`` or ``+``)."""

    lhs: object
    op: str
    rhs: object


@dataclass(frozen=True, slots=True)
class Atom:
    """``pred(args)``: args are ints, strings (fact names, node ids), variables and (in a comparison,
    whose predicate is its operator: ``>=(lhs, rhs)``, as pyDatalog's engine has it) arithmetic terms."""

    pred: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Rule:
    """``head <= body`` (a fact when the body is empty)."""

    head: Atom
    body: tuple = ()


def _term_text(t) -> str:
    match t:
        case Var(name):
            return name
        case Op(lhs, "+", rhs):
            return f"{_term_text(lhs)} + {_term_text(rhs)}"
        case Op(lhs, op, rhs):
            return f"{_term_text(lhs)}{op}{_term_text(rhs)}"
        case bool():
            raise TypeError(t)
        case int():
            return str(t)
        case str():
            return f"'{t}'"
    raise TypeError(t)


def _literal_text(lit: Atom) -> str:
    if lit.pred in COMPARISONS:
        lhs, rhs = lit.args
        return f"({_term_text(lhs)} {lit.pred} {_term_text(rhs)})"
    return f"{lit.pred}({', '.join(_term_text(a) for a in lit.args)})"


def rule_text(r: Rule) -> str:
    """The rule as pyDatalog program text.

    Example:
        >>> rule_text(Rule(Atom("t_n0", (1,)), (Atom("val", ("x", Var("P"), Var("Q"))), _cmp("==", Var("P"), 2))))
        "t_n0(1) <= val('x', P, Q) & (P == 2)"
    """
    if not r.body:
        return f"+ {_literal_text(r.head)}"
    return f"{_literal_text(r.head)} <= " + " & ".join(_literal_text(b) for b in r.body)


def _term_engine(t):
    match t:
        case Var(name):
            return pyEngine.Var(name)
        case Op(lhs, op, rhs):
            return pyEngine.Operation(_term_engine(lhs), op, _term_engine(rhs))
    return pyEngine.Const(t)


def _literal_engine(lit: Atom):
    return pyEngine.Literal(lit.pred, [_term_engine(a) for a in lit.args])


def _assert_rules(rules: list[Rule]) -> None:
    """Assert ``rules`` into the thread's current rule base, as engine clauses (no parser)."""
    for r in rules:
        pyEngine.assert_(pyEngine.Clause(_literal_engine(r.head), [_literal_engine(b) for b in r.body]))


# --- IR → rules ------------------------------------------------------------------------------------


def _nid(e: Expr, ids: dict[int, str]) -> str:
    if id(e) not in ids:
        ids[id(e)] = f"n{len(ids)}"
    return ids[id(e)]


def _fact(name: str) -> str:
    """A fact name as a constant of the program. INVARIANT: rules are built only from generated node
    ids, integers and fact names that match ``policy.reader.FACT_NAME`` (the loader admits only
    declared names); anything else is refused here, so the printed program text never carries text
    from a policy file (``pyDatalog.load`` would compile it as Python)."""
    if not isinstance(name, str) or not FACT_NAME.fullmatch(name):
        raise ValueError(f"refusing an unsanitised fact name in a Datalog program: {name!r:.80}")
    return name


def _cmp(op: str, lhs, rhs) -> Atom:
    """The comparison literal ``(lhs op rhs)``."""
    return Atom(op, (lhs, rhs))


def _val(fact: str, i: int | str = "") -> Atom:
    return Atom("val", (_fact(fact), Var(f"P{i}"), Var(f"Q{i}")))


def _t(n: str, rail: str = "t") -> Atom:
    return Atom(f"{rail}_{n}", (1,))


def _cmp_body(e: Cmp, op: str) -> tuple:
    # sum(c_i * P_i/Q_i) op r  ⇔  sum(c_i * P_i * prod_{j≠i} Q_j) * D op r * D * prod Q  (D clears fractions)
    den = math.lcm(*(c.denominator for c, _ in e.terms), e.rhs.denominator)
    atoms, lhs = [], None
    for i, (c, f) in enumerate(e.terms):
        atoms.append(_val(f, i))
        term = Op(int(c * den), "*", Var(f"P{i}"))
        for j in range(len(e.terms)):
            if j != i:
                term = Op(term, "*", Var(f"Q{j}"))
        lhs = term if lhs is None else Op(lhs, "+", term)
    rhs = int(e.rhs * den)
    for j in range(len(e.terms)):
        rhs = Op(rhs, "*", Var(f"Q{j}"))
    return (*atoms, _cmp(PY_OP[op], lhs, rhs))


def _rules(e: Expr, ids: dict[int, str]) -> list[Rule]:
    # Each node has its own pair of predicates t_nK(1) / f_nK(1): pyDatalog resolves a distinct
    # predicate much faster than a constant argument of one shared predicate.
    n = _nid(e, ids)
    tn, fn = _t(n), _t(n, "f")
    match e:
        case Const(v):
            return [Rule(_t(n, "t" if v else "f"))]
        case Cmp(op=op):
            return [Rule(tn, _cmp_body(e, op)), Rule(fn, _cmp_body(e, NEGATE[op]))]
        case In(fact, values):
            out = [Rule(tn, (_val(fact), _cmp("==", Var("P"), int(v)))) for v in sorted(values)]
            return out + [Rule(fn, (_val(fact), *(_cmp("!=", Var("P"), int(v)) for v in sorted(values))))]
    kids = [_nid(c, ids) for c in children(e)]
    match e:
        case All():
            return [Rule(tn, tuple(_t(k) for k in kids))] + [Rule(fn, (_t(k, "f"),)) for k in kids]
        case Any():
            return [Rule(tn, (_t(k),)) for k in kids] + [Rule(fn, tuple(_t(k, "f") for k in kids))]
        case Not():
            return [Rule(tn, (_t(kids[0], "f"),)), Rule(fn, (_t(kids[0]),))]
        case AtLeast(k):
            # true: at least k items true; false: at least len - k + 1 items false (Kleene, as evaluate)
            return _counting(n, "t", kids, k) + _counting(n, "f", kids, len(kids) - k + 1)
    raise TypeError(e)


def _counting(n: str, rail: str, kids: list[str], k: int) -> list[Rule]:
    """``{rail}_n(1)`` when at least ``k`` of ``kids`` have ``{rail}`` — a counting encoding with
    O(len(kids) × k) rules, not one rule per k-subset (``at_least: 10`` of 20 items was 184,756
    rules and 6 GB). ``{rail}c_n_i_j(1)``: at least j of the first i items hold.

    Example:
        >>> for r in _counting("n0", "t", ["n1", "n2", "n3"], 2): print(rule_text(r))
        tc_n0_1_1(1) <= t_n1(1)
        tc_n0_2_1(1) <= tc_n0_1_1(1)
        tc_n0_2_1(1) <= t_n2(1)
        tc_n0_2_2(1) <= tc_n0_1_1(1) & t_n2(1)
        tc_n0_3_2(1) <= tc_n0_2_2(1)
        tc_n0_3_2(1) <= tc_n0_2_1(1) & t_n3(1)
        t_n0(1) <= tc_n0_3_2(1)
    """
    m = len(kids)
    if k <= 0:
        return [Rule(_t(n, rail))]
    if k > m:
        return []
    out: list[Rule] = []
    for i in range(1, m + 1):
        x = _t(kids[i - 1], rail)
        # j ranges over the counts still able to reach k: at most i, at least k - (m - i)
        for j in range(max(1, k - (m - i)), min(i, k) + 1):
            cnt = Atom(f"{rail}c_{n}_{i}_{j}", (1,))
            if j <= i - 1:
                out.append(Rule(cnt, (Atom(f"{rail}c_{n}_{i - 1}_{j}", (1,)),)))
            out.append(Rule(cnt, (x,)) if j == 1 else Rule(cnt, (Atom(f"{rail}c_{n}_{i - 1}_{j - 1}", (1,)), x)))
    out.append(Rule(_t(n, rail), (Atom(f"{rail}c_{n}_{m}_{k}", (1,)),)))
    return out


def rules_of(root: Expr, ids: dict[int, str], seen: set[int] | None = None,
             report: set[int] | None = None) -> list[Rule]:
    """The rules for ``root`` and its sub-nodes not in ``seen``. ``report``: the nodes whose truth is
    read back (default: all)."""
    out: list[Rule] = []
    seen = set() if seen is None else seen

    def go(e: Expr) -> None:
        if id(e) in seen:
            return
        seen.add(id(e))
        for c in children(e):
            go(c)
        out.extend(_rules(e, ids))
        n = _nid(e, ids)
        # the answer predicates: which nodes are derived true / false
        if report is None or id(e) in report:
            out.extend([Rule(Atom("v", (n, 1)), (_t(n),)), Rule(Atom("v", (n, 0)), (_t(n, "f"),))])

    go(root)
    return out


def to_datalog_rules(root: Expr, ids: dict[int, str], seen: set[int] | None = None,
                     report: set[int] | None = None) -> str:
    """The rules for ``root`` and its sub-nodes not in ``seen`` as program text, one per line
    (golden-testable)."""
    return "\n".join(rule_text(r) for r in rules_of(root, ids, seen, report))


def program_rules(prog: Program, verdict_only: bool = False) -> tuple[list[Rule], dict[int, str]]:
    """The whole program as rules, and the node-id map. ``verdict_only``: read back only the rule, its
    base and its pathways (what a replay needs), not every node of the proof."""
    ids: dict[int, str] = {}
    seen: set[int] = set()
    report = {id(prog.root), id(prog.base), *(id(e) for e in prog.pathway.values())} if verdict_only else None
    rules = [r for n in (prog.root, prog.base, *prog.requirement.values(), *prog.pathway.values())
             for r in rules_of(n, ids, seen, report)]
    # Every predicate must exist even when no rule can derive it.
    rules += [Rule(Atom(f"{p}_{n}", (0,))) for n in ids.values() for p in "tf"]
    counters = sorted({b.pred for r in rules for b in (r.head, *r.body)
                       if isinstance(b, Atom) and b.pred[:2] in ("tc", "fc")})
    rules += [Rule(Atom(c, (0,))) for c in counters]
    rules.append(Rule(Atom("v", ("none", 2))))
    return rules, ids


def to_datalog(prog: Program, verdict_only: bool = False) -> tuple[str, dict[int, str]]:
    """The whole program as pyDatalog text (what the engine is given, printed), and the node-id map."""
    rules, ids = program_rules(prog, verdict_only)
    return "\n".join(rule_text(r) for r in rules), ids


class _Compiled:
    def __init__(self, prog: Program, verdict_only: bool = False):
        rules, self.ids = program_rules(prog, verdict_only)
        self.facts = frozenset(f for n in prog.nodes for f in facts_of(n))  # only these are asserted
        Logic()  # a fresh rule base for this program
        _assert_rules(rules)
        self.logic = Logic(True)
        self._facts: dict[tuple, object] = {}
        # The two queries, built once as engine literals: asking them directly spares pyDatalog's
        # parser (ast, compile, eval) and the temporary query clause it adds and deletes per ask.
        self.ask_all = pyEngine.Literal("v", [pyEngine.Var("X"), pyEngine.Var("B")])
        self.ask_true = pyEngine.Literal("v", [pyEngine.Var("X"), pyEngine.Const(1)])

    def fact_clause(self, row: tuple[str, int, int]):
        """The engine clause of fact ``val(row)``, built once."""
        cl = self._facts.get(row)
        if cl is None:
            if len(self._facts) > 50_000:
                self._facts.clear()
            cl = self._facts[row] = pyEngine.Clause(_literal_engine(Atom("val", row)), [])
        return cl


def parsed_rule_base(text: str) -> set:
    """The clause ids of the rule base pyDatalog's own parser builds from program ``text`` (in a fresh
    rule base of the calling thread): what the engine-built rule base is tested against. Only ever
    given text printed from rules (``to_datalog``), never text from a file."""
    Logic()
    from pyDatalog import pyDatalog  # its first import needs a rule base in the thread
    pyDatalog.load(text)
    return rule_base_ids()


def built_rule_base(prog: Program, verdict_only: bool = False) -> set:
    """The clause ids of the rule base this module builds for ``prog`` (in a fresh rule base)."""
    Logic()
    _assert_rules(program_rules(prog, verdict_only)[0])
    return rule_base_ids()


def rule_base_ids() -> set:
    """Every clause of the thread's current rule base, as pyDatalog's structural clause ids."""
    _local.__dict__.pop("current", None)  # the thread's rule base is no longer a compiled program's
    return {cl.get_id() for pred in Logic(True).Db.values() for cl in pred.db.values()}


_local = threading.local()
on_clear(lambda: _local.__dict__.clear())


def _compiled(prog: Program, verdict_only: bool = False) -> _Compiled:
    # pyDatalog keeps one rule base per thread: so do we.
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (id(prog), verdict_only)
    if key not in cache:
        cache[key] = (prog, _Compiled(prog, verdict_only))  # keep prog alive so id() stays unique
        _local.current = cache[key][1]  # compiling left its rule base installed
    return cache[key][1]


def _install(c: _Compiled) -> None:
    """Make ``c``'s rule base the thread's current one. Switching copies pyDatalog's registries, so it
    is skipped when ``c`` is installed already (the usual case: many checks of one program). Sound
    because every check retracts the facts it asserted, and pyDatalog is used by this module only."""
    if getattr(_local, "current", None) is not c:
        Logic(c.logic)
        _local.current = c


def fact_rows(facts: Facts, used: frozenset[str] | None = None) -> list[tuple[str, int, int]]:
    return [(name, v.numerator, v.denominator) for name, v in facts.values.items() if used is None or name in used]


def verdict(prog: Program, facts: Facts) -> dict[int, bool | None]:
    """Truth of the rule, its base and its pathways only (keyed like ``node_status``): the Datalog
    verdict a replay needs, without reading back the whole proof. When the rule holds, only what is
    true is asked for (one query): the other entries then read ``None``."""
    return node_status(prog, facts, verdict_only=True)


def node_status(prog: Program, facts: Facts, verdict_only: bool = False) -> dict[int, bool | None]:
    """Truth of every node of the program for this profile (``None``: unknown)."""
    c = _compiled(prog, verdict_only)
    _install(c)
    clauses = [c.fact_clause(r) for r in fact_rows(facts, c.facts)]
    for cl in clauses:
        pyEngine.assert_(cl)
    try:
        if verdict_only:
            # what holds first: when the rule holds, that is all a replay needs
            true = {a[0] for a in c.ask_true.ask()}
            truth = dict.fromkeys(true, 1)
            if c.ids[id(prog.root)] not in true:
                truth = {a[0]: a[1] for a in c.ask_all.ask()}
        else:
            truth = {a[0]: a[1] for a in c.ask_all.ask()}  # one query: t and f share their subgoals
    finally:
        for cl in clauses:
            pyEngine.retract(cl)
    out = {key: {1: True, 0: False}.get(truth.get(nid)) for key, nid in c.ids.items()}
    if verdict_only:
        keep = {id(prog.root), id(prog.base), *(id(e) for e in prog.pathway.values())}
        out = {k: v for k, v in out.items() if k in keep}
    return out
