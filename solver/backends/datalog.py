"""IR → pyDatalog. The only module that talks to pyDatalog.

Every IR node ``n`` gets two predicates, ``t_n(1)`` (derived true) and ``f_n(1)`` (derived false),
reported through ``v('n', 1)`` / ``v('n', 0)``; a node with neither is unknown — Kleene logic, the
same as ``policy.expr.evaluate``. Facts are
``val(name, P, Q)``: the value P/Q as integers (Q > 0), so every comparison is exact integer
arithmetic (pyDatalog rounds floats to 8 digits; we never give it one).

One program per (jurisdiction version, wage year, mode) is loaded into its own ``Logic`` once;
a check asserts the profile's facts (those the program reads), asks ``v(X, B)`` once (the true and
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
import re
import threading

from pyDatalog import Logic, pyDatalog, pyEngine, pyParser

from policy.caching import on_clear
from policy.expr import NEGATE, All, Any, AtLeast, Cmp, Const, Expr, In, Not, children, facts_of
from policy.reader import FACT_NAME
from solver.facts import Facts
from solver.program import Program

_COUNTER = re.compile(r"[tf]c_n[0-9]+_[0-9]+_[0-9]+")
PY_OP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _nid(e: Expr, ids: dict[int, str]) -> str:
    if id(e) not in ids:
        ids[id(e)] = f"n{len(ids)}"
    return ids[id(e)]


def _fact(name: str) -> str:
    """A fact name as a pyDatalog string constant. INVARIANT: the program text is built only from
    generated node ids, integers and fact names that match ``policy.reader.FACT_NAME`` (the loader
    admits only declared names); anything else is refused here, so no text from a policy file is
    ever parsed by pyDatalog (whose ``load`` compiles its input as Python)."""
    if not isinstance(name, str) or not FACT_NAME.fullmatch(name):
        raise ValueError(f"refusing an unsanitised fact name in a Datalog program: {name!r:.80}")
    return f"'{name}'"


def _int(x) -> str:
    """An integer as program text (never anything else)."""
    return str(int(x))


def _cmp_body(e: Cmp, op: str) -> str:
    # sum(c_i * P_i/Q_i) op r  ⇔  sum(c_i * P_i * prod_{j≠i} Q_j) * D op r * D * prod Q  (D clears fractions)
    den = math.lcm(*(c.denominator for c, _ in e.terms), e.rhs.denominator)
    atoms, lhs = [], []
    for i, (c, f) in enumerate(e.terms):
        atoms.append(f"val({_fact(f)}, P{i}, Q{i})")
        others = "".join(f"*Q{j}" for j in range(len(e.terms)) if j != i)
        lhs.append(f"{_int(c * den)}*P{i}{others}")
    allq = "*".join(f"Q{j}" for j in range(len(e.terms)))
    rhs = f"{_int(e.rhs * den)}*{allq}"
    return " & ".join(atoms) + f" & ({' + '.join(lhs)} {PY_OP[op]} {rhs})"


def _rules(e: Expr, ids: dict[int, str]) -> list[str]:
    # Each node has its own pair of predicates t_nK(1) / f_nK(1): pyDatalog resolves a distinct
    # predicate much faster than a constant argument of one shared predicate.
    n = _nid(e, ids)
    tn, fn = f"t_{n}(1)", f"f_{n}(1)"
    match e:
        case Const(v):
            return [f"+ {'t' if v else 'f'}_{n}(1)"]
        case Cmp(op=op):
            return [f"{tn} <= {_cmp_body(e, op)}", f"{fn} <= {_cmp_body(e, NEGATE[op])}"]
        case In(fact, values):
            out = [f"{tn} <= val({_fact(fact)}, P, Q) & (P == {_int(v)})" for v in sorted(values)]
            neq = " & ".join(f"(P != {_int(v)})" for v in sorted(values))
            return out + [f"{fn} <= val({_fact(fact)}, P, Q) & {neq}"]
    kids = [_nid(c, ids) for c in children(e)]
    match e:
        case All():
            return [f"{tn} <= " + " & ".join(f"t_{k}(1)" for k in kids)] + [f"{fn} <= f_{k}(1)" for k in kids]
        case Any():
            return [f"{tn} <= t_{k}(1)" for k in kids] + [f"{fn} <= " + " & ".join(f"f_{k}(1)" for k in kids)]
        case Not():
            return [f"{tn} <= f_{kids[0]}(1)", f"{fn} <= t_{kids[0]}(1)"]
        case AtLeast(k):
            # true: at least k items true; false: at least len - k + 1 items false (Kleene, as evaluate)
            return _counting(n, "t", kids, k) + _counting(n, "f", kids, len(kids) - k + 1)
    raise TypeError(e)


def _counting(n: str, rail: str, kids: list[str], k: int) -> list[str]:
    """``{rail}_n(1)`` when at least ``k`` of ``kids`` have ``{rail}`` — a counting encoding with
    O(len(kids) × k) rules, not one rule per k-subset (``at_least: 10`` of 20 items was 184,756
    rules and 6 GB). ``{rail}c_n_i_j(1)``: at least j of the first i items hold.

    Example:
        >>> for line in _counting("n0", "t", ["n1", "n2", "n3"], 2): print(line)
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
        return [f"+ {rail}_{n}(1)"]
    if k > m:
        return []
    out: list[str] = []
    for i in range(1, m + 1):
        x = f"{rail}_{kids[i - 1]}(1)"
        # j ranges over the counts still able to reach k: at most i, at least k - (m - i)
        for j in range(max(1, k - (m - i)), min(i, k) + 1):
            cnt = f"{rail}c_{n}_{i}_{j}(1)"
            if j <= i - 1:
                out.append(f"{cnt} <= {rail}c_{n}_{i - 1}_{j}(1)")
            out.append(f"{cnt} <= {x}" if j == 1 else f"{cnt} <= {rail}c_{n}_{i - 1}_{j - 1}(1) & {x}")
    out.append(f"{rail}_{n}(1) <= {rail}c_{n}_{m}_{k}(1)")
    return out


def to_datalog_rules(root: Expr, ids: dict[int, str], seen: set[int] | None = None,
                     report: set[int] | None = None) -> str:
    """The rules for ``root`` and its sub-nodes not in ``seen``, one per line (golden-testable).
    ``report``: the nodes whose truth is read back (default: all)."""
    lines: list[str] = []
    seen = set() if seen is None else seen

    def go(e: Expr) -> None:
        if id(e) in seen:
            return
        seen.add(id(e))
        for c in children(e):
            go(c)
        lines.extend(_rules(e, ids))
        n = _nid(e, ids)
        # the answer predicates: which nodes are derived true / false
        if report is None or id(e) in report:
            lines.extend([f"v('{n}', 1) <= t_{n}(1)", f"v('{n}', 0) <= f_{n}(1)"])

    go(root)
    return "\n".join(lines)


def to_datalog(prog: Program, verdict_only: bool = False) -> tuple[str, dict[int, str]]:
    """The whole program as pyDatalog text, and the node-id map. ``verdict_only``: read back only the
    rule, its base and its pathways (what a replay needs), not every node of the proof."""
    ids: dict[int, str] = {}
    seen: set[int] = set()
    report = {id(prog.root), id(prog.base), *(id(e) for e in prog.pathway.values())} if verdict_only else None
    text = [to_datalog_rules(n, ids, seen, report)
            for n in (prog.root, prog.base, *prog.requirement.values(), *prog.pathway.values())]
    # Every predicate must exist even when no rule can derive it.
    text.append("\n".join(f"+ {p}_{n}(0)" for n in ids.values() for p in "tf"))
    counters = sorted({m.group(0) for t in text for m in _COUNTER.finditer(t)})
    text.append("\n".join(f"+ {c}(0)" for c in counters))
    text.append("+ v('none', 2)")
    return "\n".join(t for t in text if t), ids


# pyDatalog.load parses and compiles Python source (ast, compile); CPython 3.11 can fail such calls made
# from several threads at once ("AST constructor recursion depth mismatch"), so one thread loads at a
# time. Loading happens once per program and thread; queries do not parse and run unlocked.
_LOAD_LOCK = threading.Lock()


class _Compiled:
    def __init__(self, prog: Program, verdict_only: bool = False):
        self.text, self.ids = to_datalog(prog, verdict_only)
        self.facts = frozenset(f for n in prog.nodes for f in facts_of(n))  # only these are asserted
        with _LOAD_LOCK:
            Logic()  # a fresh rule base for this program
            pyDatalog.load(self.text)
            self.logic = Logic(True)
        self._facts: dict[tuple, object] = {}
        # The two queries, built once as engine literals: asking them directly spares pyDatalog's
        # parser (ast, compile, eval) and the temporary query clause it adds and deletes per ask.
        self.ask_all = pyEngine.Literal("v", [pyEngine.Var("X"), pyEngine.Var("B")])
        self.ask_true = pyEngine.Literal("v", [pyEngine.Var("X"), pyEngine.Const(1)])

    def fact_clause(self, row: tuple[str, int, int]):
        """The engine clause of fact ``val(row)``, built once (what pyDatalog.assert_fact builds each time)."""
        cl = self._facts.get(row)
        if cl is None:
            if len(self._facts) > 50_000:
                self._facts.clear()
            lit = pyParser.Literal.make("val", [pyParser.Expression._pyD_for(a) for a in row])
            cl = self._facts[row] = pyEngine.Clause(lit.lua, [])
        return cl


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
