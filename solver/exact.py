"""Exact three-valued answers: a node is true (false) when it is true (false) in *every completion*
of the unknown facts, and unknown only when two completions disagree (docs/exact.md).

The backends compute Kleene truths (``policy.expr.evaluate``'s semantics): sound, but not exact —
``(X ∧ A) ∨ (¬X ∧ B)`` is unknown with X unknown even when A and B both hold. This module refines
every node that came out unknown, and names exactly the facts whose value can change an answer.

A *completion* gives every unknown stated fact a value of its vocabulary domain such that the
profile is one wrp would accept (the ``validate: true`` constraints hold); derived facts follow
from their inputs (age from the birth date, months to retirement from birth date, sex and
category). A fact is *relevant* to a node when two completions that differ only in that fact
(and what is derived from it) give the node different truths.

Two independent engines:

- ``Z3Refiner`` (the default, used with the Datalog and z3 backends): one incremental solver over
  the completions; each unknown node is asked both ways (models found on the way settle many nodes
  at once); relevance is a two-copy query (copies equal on every fact but one), one assumption set
  per fact.
- ``oracle`` (the reference backend): brute force over completions in pure Python — every fact
  takes the boundary values of the comparisons it appears in (finite domains for choices and yes/no;
  one representative per interval for numbers), branching only while a node of interest is still
  unknown under Kleene evaluation of the partial completion.

Both give the same answers; tests/test_exact.py checks it on generated partial profiles.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import islice, product

from policy.expr import All, Any, AtLeast, Cmp, Const, Expr, In, Not, compare, facts_of, walk
from policy.load import Policy
from policy.model import DERIVED_FROM
from solver.calendar import months_between as completed_months
from solver.facts import Facts, retirement_age_months

AGE = "applicant.age_months"
MTR = "applicant.months_to_retirement"
MTR_MIN = "applicant.months_to_retirement_min"
BIRTH = "applicant.birth_date"
SEX = "applicant.sex"
CATEGORY = "applicant.female_category"
AGE_MAX_MONTHS = 1200

Status = dict[int, bool | None]


# --- holes: the unknown stated facts ---------------------------------------------------------------


@dataclass
class Holes:
    """The unknown stated facts that can matter for ``nodes``, with their scalar names.

    ``birth_date`` is represented by the age in months (``AGE``); months to retirement are derived.
    """

    scalars: dict[str, tuple[str, ...]]  # stated fact -> its scalar names (a list fact: name[0], ...)
    constraints: list[Expr]  # validating constraints not already decided true by the known facts

    @property
    def names(self) -> list[str]:
        return list(self.scalars)


def _hole_of(policy: Policy, scalar: str) -> tuple[str, ...]:
    """The stated facts a scalar comes from (a derived fact: its inputs)."""
    if scalar in DERIVED_FROM:
        return tuple(s for s in DERIVED_FROM[scalar] if s != "application.date")
    return (policy.vocabulary.spec(scalar).name,)


def _known(policy: Policy, facts: Facts, stated: str) -> bool:
    if stated == BIRTH:
        return AGE in facts.values
    return all(n in facts.values for n in policy.vocabulary.facts[stated].numeric_names)


def holes_of(policy: Policy, facts: Facts, nodes: list[Expr]) -> Holes:
    vocab = policy.vocabulary
    used: set[str] = set()
    for n in nodes:
        for s in facts_of(n):
            used.update(_hole_of(policy, s))
    used = {h for h in used if not _known(policy, facts, h)}
    constraints: list[Expr] = []
    pending = [c.when for c in vocab.constraints if c.validate]
    grew = True
    while grew:  # constraints connect unknown facts: their other unknown facts matter too
        grew = False
        for c in list(pending):
            hs = {h for s in facts_of(c) for h in _hole_of(policy, s) if not _known(policy, facts, h)}
            if hs & used:
                pending.remove(c)
                constraints.append(c)
                if not hs <= used:
                    used |= hs
                    grew = True
    scalars: dict[str, tuple[str, ...]] = {}
    for h in sorted(used):
        if h == BIRTH:
            scalars[h] = (AGE,)
        else:
            scalars[h] = vocab.facts[h].numeric_names
    return Holes(scalars, constraints)


@dataclass
class Exact:
    """Exact truths of the nodes, and the relevant facts of the nodes asked about."""

    status: Status
    relevant: dict[int, list[str]] = field(default_factory=dict)
    refined: frozenset[int] = frozenset()  # nodes Kleene left unknown that are in fact decided
    warnings: list[str] = field(default_factory=list)


def _appearance(policy: Policy, t: Expr, holes: Holes) -> list[str]:
    """The holes of ``t`` in the order the rule reads them, then the holes constraints tie to them."""
    out: list[str] = []
    for x in walk(t):
        if isinstance(x, Cmp | In):
            for f in ([f for _, f in x.terms] if isinstance(x, Cmp) else [x.fact]):
                for h in _hole_of(policy, f):
                    if h in holes.scalars and h not in out:
                        out.append(h)
    out += [h for h in holes.scalars if h not in out and _linked(policy, holes, h, t)]
    return out


def _linked(policy: Policy, holes: Holes, h: str, t: Expr) -> bool:
    """Is hole ``h`` tied by a constraint to a hole of ``t`` (so it may matter without appearing in ``t``)?"""
    mine = {hh for f in facts_of(t) for hh in _hole_of(policy, f)}
    for c in holes.constraints:
        hs = {hh for f in facts_of(c) for hh in _hole_of(policy, f)}
        if h in hs and hs & mine:
            return True
    return False


# --- the brute-force oracle --------------------------------------------------------------------------


def evaluate_all(nodes: list[Expr], env: dict[str, Fraction]) -> Status:
    """Kleene truth of every node and sub-node (each once): ``policy.expr.evaluate`` memoised."""
    out: Status = {}

    def go(e: Expr) -> bool | None:
        k = id(e)
        if k in out:
            return out[k]
        match e:
            case Const(v):
                r = v
            case Cmp(terms, op, rhs):
                if any(f not in env for _, f in terms):
                    r = None
                else:
                    # sum(c·v) op rhs in integers: n/d op rn/rd ⇔ n·rd op rn·d (d, rd > 0); Fraction
                    # arithmetic is the sampler's hot spot, this is the same comparison without it
                    n, d = 0, 1
                    for c, f in terms:
                        v = env[f]
                        cn, cd = c.numerator * v.numerator, c.denominator * v.denominator
                        n, d = n * cd + cn * d, d * cd
                    r = compare(n * rhs.denominator, op, rhs.numerator * d)
            case In(fact, values):
                r = None if fact not in env else env[fact] in values
            case All(items):
                vals = [go(i) for i in items]
                r = False if False in vals else (None if None in vals else True)
            case Any(items):
                vals = [go(i) for i in items]
                r = True if True in vals else (None if None in vals else False)
            case Not(item):
                v = go(item)
                r = None if v is None else not v
            case AtLeast(k2, items):
                vals = [go(i) for i in items]
                r = True if vals.count(True) >= k2 else False if vals.count(True) + vals.count(None) < k2 else None
            case _:
                raise TypeError(e)
        out[k] = r
        return r

    for n in nodes:
        go(n)
    return out


def _derive(policy: Policy, facts: Facts, env: dict[str, Fraction], birth: dt.date | None) -> dict[str, Fraction]:
    """The derived facts of a (partial) completion: age once the birth date is known, months to
    retirement once birth date, sex and (for a woman) category are."""
    out = dict(env)
    out.pop(MTR, None)
    out.pop(MTR_MIN, None)
    if birth is None:
        return out
    out[AGE] = Fraction(completed_months(birth, facts.date))
    sexes = policy.vocabulary.facts[SEX].choices
    cats = policy.vocabulary.facts[CATEGORY].choices
    sex = out.get(SEX)
    if sex is None:
        return out
    if sexes[int(sex)] == "male":
        cat = "male"
    else:
        c = out.get(CATEGORY)
        if c is None:
            return out
        cat = "female_" + cats[int(c)]
    r = retirement_age_months(policy.params, cat, birth)
    out[MTR] = out[MTR_MIN] = Fraction(r) - out[AGE]
    return out


class _Index:
    """Where each scalar is compared: single-fact thresholds, and the multi-fact comparisons."""

    def __init__(self, exprs: list[Expr]) -> None:
        self.singles: dict[str, set[Fraction]] = {}
        self.multi: dict[str, list[Cmp]] = {}
        seen: set[int] = set()
        for e in exprs:
            for x in walk(e):
                if id(x) in seen:
                    continue
                seen.add(id(x))
                if isinstance(x, Cmp):
                    if len(x.terms) == 1:
                        self.singles.setdefault(x.terms[0][1], set()).add(x.rhs / x.terms[0][0])
                    else:
                        for _, f in x.terms:
                            self.multi.setdefault(f, []).append(x)
                elif isinstance(x, In):
                    self.singles.setdefault(x.fact, set()).update(Fraction(v) for v in x.values)

    def breakpoints(self, scalar: str, env: dict[str, Fraction]) -> set[Fraction]:
        """Values where a comparison on ``scalar`` changes truth, given the assigned facts; a multi-fact
        comparison with unassigned facts contributes through their own single-fact thresholds."""
        out = set(self.singles.get(scalar, set()))
        for x in self.multi.get(scalar, []):
            coef = next(c for c, f in x.terms if f == scalar)
            choices = []
            for c, f in x.terms:
                if f == scalar:
                    continue
                if f in env:
                    choices.append([c * env[f]])
                else:
                    choices.append([c * v for v in sorted(self.singles.get(f, set()) | {Fraction(0)})])
            for combo in product(*choices):
                out.add((x.rhs - sum(combo, Fraction(0))) / coef)
        return out


def _representatives(policy: Policy, scalar: str, points: set[Fraction]) -> list[Fraction]:
    spec = policy.vocabulary.spec(scalar)
    if spec.type == "bool":
        return [Fraction(0), Fraction(1)]
    if spec.type == "enum":
        return [Fraction(i) for i in range(len(spec.choices))]
    lo = spec.minimum if spec.minimum is not None else None
    hi = spec.maximum if spec.maximum is not None else None
    integral = spec.type in ("int", "money", "money_list")
    pts = sorted(points | ({lo} if lo is not None else set()) | ({hi} if hi is not None else set()))
    cands: set[Fraction] = set()
    for p in pts:
        if integral:
            cands |= {Fraction(math.floor(p)), Fraction(math.ceil(p)), Fraction(math.floor(p) - 1),
                      Fraction(math.ceil(p) + 1)}
        else:
            cands.add(p)
    for p, q in zip(pts, pts[1:]):
        cands.add((p + q) / 2)
    if pts:
        cands |= {pts[0] - 1, pts[-1] + 1}
    else:
        cands |= {Fraction(0), Fraction(1)}
    return sorted(c for c in cands if (lo is None or c >= lo) and (hi is None or c <= hi))


def _birth_candidates(policy: Policy, facts: Facts, index: _Index, env: dict[str, Fraction]) -> list[dt.date]:
    """Birth dates whose ages fall on every side of every age comparison and retirement boundary."""
    day = facts.date
    ages = index.breakpoints(AGE, env)
    ages |= {Fraction(192), Fraction(AGE_MAX_MONTHS)}
    for cat in policy.params.retirement["categories"]:
        prev = None
        for a in range(180, AGE_MAX_MONTHS):  # where months to retirement turns non-positive
            b = _month_back(day, a)
            pos = retirement_age_months(policy.params, cat, b) - completed_months(b, day) > 0
            if prev is not None and pos != prev:
                ages |= {Fraction(a - 1), Fraction(a)}
            prev = pos
    out: set[dt.date] = set()
    for a in sorted(ages):
        for k in (-1, 0, 1):
            m = int(math.floor(a)) + k
            if 0 <= m <= AGE_MAX_MONTHS:
                b = _month_back(day, m)
                out.add(b)
                out.add(_month_end(b))
    return sorted(out)


def _month_back(day: dt.date, months: int) -> dt.date:
    idx = day.year * 12 + day.month - 1 - months
    return dt.date(idx // 12, idx % 12 + 1, 1)


def _month_end(d: dt.date) -> dt.date:
    import calendar
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def oracle(policy: Policy, nodes: list[Expr], facts: Facts, kleene: Status | None = None, targets: list[Expr] = (),
           limit: int = 6_000, max_holes: int = 8, solver: Callable[..., Exact] | None = None) -> Exact:
    """Exact truths by brute force over completions (pure Python, independent of z3). Past ``limit``
    completions (or ``max_holes`` unknown facts) ``solver`` decides instead (``refine_program``'s).

    Every unknown fact takes its representative values (each choice; for a number one value on each
    side of, and at, every threshold it is compared with); the search branches on a fact of a node
    still unknown under Kleene evaluation of the partial completion (DPLL-style), and stops as soon as
    every node not yet seen both true and false is decided and every constraint holds.
    """
    holes = holes_of(policy, facts, nodes)
    base_env = _derive(policy, facts, dict(facts.values), _birth(facts) if AGE in facts.values else None)
    kleene0 = evaluate_all(nodes, base_env)
    if not holes.scalars:
        return Exact(kleene0)
    if len(holes.scalars) > max_holes:  # far too many completions to enumerate: z3 decides at once
        return _hand_over(policy, nodes, facts, kleene if kleene is not None else kleene0, targets, limit,
                          solver, len(holes.scalars))
    index = _Index([*nodes, *holes.constraints])
    budget = [limit]
    hole_of_scalar = {x: h for h, xs in holes.scalars.items() for x in xs}
    hole_of_scalar.update({MTR: BIRTH, MTR_MIN: BIRTH})

    def pick(live: list[Expr], st: Status, free: list[str]) -> str:
        for e in [*live, *holes.constraints]:
            if st.get(id(e)) is not None:
                continue
            for x in walk(e):
                if isinstance(x, Cmp | In) and st.get(id(x)) is None:
                    for f in ([f for _, f in x.terms] if isinstance(x, Cmp) else [x.fact]):
                        for h in sorted(_hole_of(policy, f), key=lambda h: _RANK.get(h, 50)):
                            if h in free:
                                return h
        return free[0]

    def search(env: dict[str, Fraction], birth: dt.date | None, care, free: list[str], leaf) -> None:
        full = _derive(policy, facts, env, birth)
        live = care() if callable(care) else care
        st = evaluate_all([*live, *holes.constraints], full)
        if any(st[id(c)] is False for c in holes.constraints):
            return
        if not free or (all(st[id(c)] is not None for c in live)
                        and all(st[id(c)] is True for c in holes.constraints)):
            budget[0] -= 1
            if budget[0] < 0:
                raise _Budget
            leaf(full, st, env, birth)
            return
        h = pick(live, st, free)
        rest = [g for g in free if g != h]
        if h == BIRTH:
            for b in _birth_candidates(policy, facts, index, full):
                search(env, b, care, rest, leaf)
            return
        xs = holes.scalars[h]
        reps = [_representatives(policy, x, index.breakpoints(x, full)) for x in xs]
        for combo in product(*reps):
            e2 = dict(env)
            e2.update(zip(xs, combo))
            search(e2, birth, care, rest, leaf)

    seen: dict[int, set[bool]] = {id(n): set() for n in nodes}

    def record(full, st, env, birth) -> None:
        st = evaluate_all(nodes, full)
        for n in nodes:
            v = st.get(id(n))
            if v is not None:
                seen[id(n)].add(v)

    def live() -> list[Expr]:
        return [n for n in nodes if len(seen[id(n)]) < 2]

    order = list(holes.scalars)
    try:
        search(dict(base_env), _birth(facts), live, order, record)
    except _Budget:
        return _hand_over(policy, nodes, facts, kleene if kleene is not None else kleene0, targets, limit, solver)
    status = {id(n): (next(iter(seen[id(n)])) if len(seen[id(n)]) == 1 else None) for n in nodes}
    refined = frozenset(k for k, v in status.items() if v is not None and kleene0.get(k) is None)
    relevant: dict[int, list[str]] = {}
    budget[0] = min(limit, 3_000)
    try:
        for t in targets:
            if status.get(id(t)) is not None:
                continue
            found = []
            for h in _appearance(policy, t, holes):
                hit = [False]

                def outer(full, st, env, birth, h=h, t=t, hit=hit) -> None:
                    if hit[0] or st.get(id(t)) is not None:
                        return
                    vals: set[bool] = set()

                    def inner(full2, st2, env2, birth2) -> None:
                        v = evaluate_all([t], full2)[id(t)]
                        if v is not None:
                            vals.add(v)
                    search(env, birth, [t], [h], inner)
                    if len(vals) == 2:
                        hit[0] = True

                search(dict(base_env), _birth(facts), [t], [g for g in order if g != h], outer)
                if hit[0]:
                    found.append(h)
            relevant[id(t)] = found
    except _Budget:
        return _hand_over(policy, nodes, facts, kleene if kleene is not None else kleene0, targets, limit, solver)
    return Exact(status, relevant, refined)


class _Budget(Exception):
    pass


def _hand_over(policy: Policy, nodes: list[Expr], facts: Facts, kleene: Status, targets, limit: int,
               solver: Callable[..., Exact] | None, holes: int | None = None) -> Exact:
    """Past ``limit`` completions the brute force stops and z3 decides every node instead: the answer
    stays exact whatever the number of unknown facts (the oracle is an independent check only below its
    limit, which is where tests/test_exact.py uses it)."""
    from policy.i18n import Msg
    if solver is None:
        raise ValueError("the oracle needs a solver past its limit (refine_program passes z3)")
    ex = solver(policy, nodes, facts, kleene, list(targets))
    why = (f"{holes} unknown facts" if holes is not None else f"more than {limit:,} completions",
           f"{holes} 个未知事实" if holes is not None else f"超过 {limit:,} 个补全")
    ex.warnings.insert(0, Msg(f"reference backend: {why[0]} to enumerate; z3 decided the exact answer instead of "
                              "the brute-force oracle",
                              f"reference 后端：需枚举 {why[1]}；精确答案改由 z3 判定（而非穷举 oracle）"))
    return ex


def _birth(facts: Facts) -> dt.date | None:
    b = facts.stated.get(BIRTH)
    if b is None:
        return None
    return b if isinstance(b, dt.date) else dt.date.fromisoformat(str(b))


# among the inputs of a derived fact, branch on the birth date last (its candidates need the others)
_RANK = {SEX: 1, CATEGORY: 2, BIRTH: 99}




def refine_program(policy: Policy, prog, facts: Facts, kleene: Status, engine: str = "z3", *,
                   solver: Callable[..., Exact]) -> Exact:
    """Exact truths of every node of a compiled program (``solver.program.Program``) and the relevant
    facts of its rule and of each clause. ``engine``: ``z3`` or ``reference`` (the brute-force oracle);
    ``solver(policy, nodes, facts, kleene, targets)``: what decides when sampling cannot (the caller
    passes ``solver.backends.smt.exact.z3_refine``, which builds on this module)."""
    targets: list[Expr] = []
    seen: set[int] = set()
    for t in (prog.root, *prog.requirement.values()):
        if id(t) not in seen:
            seen.add(id(t))
            targets.append(t)
    if all(kleene.get(id(n)) is not None for n in prog.nodes):
        return Exact(dict(kleene))  # everything decided: nothing to refine (and no z3 to import)
    if engine == "reference":
        return oracle(policy, prog.nodes, facts, kleene, targets, solver=solver)
    quick = sample(policy, prog.nodes, facts, kleene, targets)
    if quick is not None:
        return quick
    return solver(policy, prog.nodes, facts, kleene, targets)


def sample(policy: Policy, nodes: list[Expr], facts: Facts, kleene: Status, targets: list[Expr],
           tries: int = 24) -> Exact | None:
    """The common case without a solver: a few completions (every unknown fact low, high, and mixed,
    at the boundary values of its comparisons) that show each unknown node both true and false, and
    for each unknown target and each of its facts a pair of completions differing in that fact alone
    that gives the target both truths. Sound either way; ``None`` when some node or fact is not
    settled so (then z3 decides)."""
    import random
    holes = holes_of(policy, facts, [n for n in nodes if kleene.get(id(n)) is None])
    if BIRTH in holes.scalars:
        return None
    index = _Index([*nodes, *holes.constraints])
    base = _derive(policy, facts, dict(facts.values), _birth(facts) if AGE in facts.values else None)
    reps = {h: [_representatives(policy, x, index.breakpoints(x, base)) for x in xs] for h, xs in holes.scalars.items()}
    rng = random.Random(0)

    def pick(h: str, how: str) -> dict[str, Fraction]:
        vals = [r[0] if how == "low" else r[-1] if how == "high" else rng.choice(r) for r in reps[h]]
        return dict(zip(holes.scalars[h], vals))

    def complete(choice: dict[str, Fraction], of: list[Expr] = nodes) -> tuple[dict[str, Fraction], Status] | None:
        """The completion ``choice`` (``None`` if it breaks a constraint) and the truths of ``of``."""
        full = _derive(policy, facts, {**base, **choice}, _birth(facts) if AGE in facts.values else None)
        st = evaluate_all([*of, *holes.constraints], full)
        if not all(st[id(c)] is True for c in holes.constraints):
            return None
        return full, st

    open_nodes = [n for n in nodes if kleene.get(id(n)) is None]
    seen: dict[int, set[bool]] = {id(n): set() for n in open_nodes}
    samples: list[tuple[dict[str, Fraction], Status]] = []
    for k in range(tries):
        how = "low" if k == 0 else "high" if k == 1 else "mixed"
        choice: dict[str, Fraction] = {}
        for h in holes.scalars:
            choice.update(pick(h, how if how != "mixed" else rng.choice(["low", "high", "mixed"])))
        got = complete(choice)
        if got is None:
            continue
        samples.append((choice, got[1]))
        for n in open_nodes:
            v = got[1][id(n)]
            if v is not None:
                seen[id(n)].add(v)
        if k >= 2 and all(len(v) == 2 for v in seen.values()):
            break
    if not all(len(v) == 2 for v in seen.values()):
        return None
    relevant: dict[int, list[str]] = {}
    for t in targets:
        if kleene.get(id(t)) is not None:
            continue
        found = []
        for h in _appearance(policy, t, holes):
            hit = False
            for choice, st in samples[:6]:
                r = reps[h]
                diagonal = [tuple(x[min(i, len(x) - 1)] for x in r) for i in range(max(len(x) for x in r))]
                for combo in diagonal + list(islice(product(*r), 32)):
                    alt = complete({**choice, **dict(zip(holes.scalars[h], combo))}, [t])  # t's truth only
                    if alt is not None and alt[1][id(t)] is not None and alt[1][id(t)] != st[id(t)]:
                        hit = True
                        break
                if hit:
                    break
            if not hit:
                return None  # perhaps irrelevant: only a solver can say
            found.append(h)
        relevant[id(t)] = found
    return Exact({**kleene, **{k: None for k in seen}}, relevant)
