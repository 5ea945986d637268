"""Which question next: for a partial profile, the unknown facts ranked by how much knowing them decides.

The open jurisdictions are those whose exact answer (``solver.decide``: every completion of the
unknown facts agrees, ``solver.exact``) is ``undetermined``. The facts asked about are the unknown
facts such an answer depends on: those its rules read, and those a vocabulary constraint ties to them
(knowing the work experience bounds the tenure). Each fact is tried at every value that can matter,
as ``solver.exact`` finds them: every choice of an enum or yes/no fact; for a number, a value at,
and on each side of, every threshold it is compared with (for a comparison of several unknown
facts, their thresholds combined), and its bounds; for a birth date, the dates that put the age on
every side of every age threshold and of every retirement boundary. A value the profile's cross-fact
constraints reject is not tried.

With the value stated, the answer is decided **exactly**: determined by the three-valued rules
(sound), or shown undetermined by two completions that disagree, or else decided by z3
(``solver.backends.smt.exact``). A fact **settles** a jurisdiction when some value makes its answer
determined — so a fact is only counted when it really can settle it — and **decides it alone** when
every value does. Facts are ranked by the number of jurisdictions they settle, then by whether they
alone decide the employer's district, then by the number they decide alone, then a fact whose value
alone can change an answer (``unknown`` of the decision) before one that settles it only through a
constraint. ``tests/analyses/test_questions.py`` checks both against a brute force over dense values
and the brute-force oracle.

Example:
    >>> from policy.load import load_policy
    >>> from solver.procedures.facts import load_procedure_profile
    >>> policy = load_policy()
    >>> facts = load_procedure_profile("examples/changping_undetermined_missing.yaml", policy)
    >>> q = next_questions(policy, facts, home="changping")
    >>> q[0].fact in ("applicant.social_insurance_months", "applicant.months_with_employer")
    True
    >>> "changping" in q[0].settles
    True
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product

from policy.errors import InputError
from policy.expr import Expr, evaluate
from policy.load import Policy
from policy.model import DERIVED_FROM
from solver.exact import (
    AGE,
    BIRTH,
    _birth_candidates,
    _derive,
    _Index,
    _month_back,
    _representatives,
    evaluate_all,
    holes_of,
)
from solver.facts import Facts
from solver.program import Program, compile_program

DERIVED_INPUTS = {s for sources in DERIVED_FROM.values() for s in sources}  # stating one derives others again
POOL = 8  # completions kept per jurisdiction, the latest and the most useful first
LIST_PRODUCT = 256  # a list fact: every combination of its items' values up to this many, else equal items


@dataclass
class Question:
    """One unknown fact and what knowing it decides."""

    fact: str
    label: dict
    unit: dict | None
    settles: list[str]  # jurisdictions some value of the fact determines
    decides: list[str]  # jurisdictions every value of the fact determines
    home: str | None  # the employer's district
    choices: list[str] = field(default_factory=list)
    type: str = ""

    @property
    def decides_home(self) -> bool:
        return self.home is not None and self.home in self.decides

    @property
    def settles_home(self) -> bool:
        return self.home is not None and self.home in self.settles

    def as_dict(self) -> dict:
        return {"fact": self.fact, "label": self.label, "unit": self.unit, "type": self.type,
                "choices": self.choices, "settles": self.settles, "decides": self.decides,
                "settles_home": self.settles_home, "decides_home": self.decides_home}

    def text(self, lang: str = "en") -> str:
        n = len(self.settles)
        where = ", ".join(self.settles)
        if lang == "zh":
            home = "；单独即可决定单位所在区的结论" if self.decides_home else ""
            return f"{self.label['zh']}（{self.fact}）：可确定 {n} 个辖区的结论（{where}）{home}"
        home = "; alone decides the employer's district" if self.decides_home else ""
        return f"{self.label['en']} ({self.fact}): settles {n} jurisdiction{'s' if n != 1 else ''} ({where}){home}"


def _programs(policy: Policy, facts: Facts, lenient: bool) -> dict[str, Program]:
    return {j: compile_program(policy.version(j, facts.date)[0], facts.wage, lenient) for j in policy.ids()}


def _unflatten(flat: dict) -> dict:
    out: dict = {}
    for name, v in flat.items():
        node = out
        *groups, last = name.split(".")
        for g in groups:
            node = node.setdefault(g, {})
        node[last] = v
    return out


def _validating(policy: Policy) -> list[Expr]:
    return [c.when for c in policy.vocabulary.constraints if c.validate]


def candidate_values(policy: Policy, name: str, facts: Facts, progs) -> list:
    """The values of fact ``name`` worth trying, as a profile states them (``solver.exact``'s
    representatives: every region its comparisons in ``progs`` and the constraints cut out)."""
    spec = policy.vocabulary.facts[name]
    match spec.type:
        case "bool":
            return [False, True]
        case "enum":
            return list(spec.choices)
        case "date":
            if name != BIRTH:
                return [facts.date] if name == "application.date" else []
            index = _Index([*(p.root for p in progs), *_validating(policy)])
            env = _derive(policy, facts, dict(facts.values), None)
            return [b.isoformat() for b in _birth_candidates(policy, facts, index, env)]
    index = _Index([*(p.root for p in progs), *_validating(policy)])
    reps = []
    for x in spec.numeric_names:
        vals = _representatives(policy, x, index.breakpoints(x, facts.values))
        if spec.type == "decimal":  # a profile states 2 decimals: the grid values around each representative
            vals = sorted({Fraction(math.floor(v * 100), 100) for v in vals} |
                          {Fraction(math.ceil(v * 100), 100) for v in vals})
            vals = [v for v in vals if (spec.minimum is None or v >= spec.minimum)
                    and (spec.maximum is None or v <= spec.maximum)]
        reps.append([int(v) if v.denominator == 1 else float(v) for v in vals])
    if spec.type != "money_list":
        return reps[0]
    combos = math.prod(len(r) for r in reps)
    if combos <= LIST_PRODUCT:
        return [list(c) for c in product(*reps)]
    common = sorted(set().union(*reps))
    return [[v] * len(reps) for v in common]


def with_fact(policy: Policy, facts: Facts, name: str, value) -> Facts | None:
    """``facts`` with ``name`` stated as ``value``; ``None`` if the profile's constraints reject it.

    A number, choice or yes/no goes straight into the values (then the cross-fact constraints are
    checked, as the loader would); a date, or a fact other facts are derived from (sex, the women's
    category), is stated in the profile and the profile read again."""
    spec = policy.vocabulary.facts[name]
    if spec.type != "date" and name not in DERIVED_INPUTS:
        match spec.type:
            case "bool":
                new = {name: Fraction(int(value))}
            case "enum":
                new = {name: Fraction(spec.choices.index(value))}
            case "money_list":
                new = {n: Fraction(str(v)) for n, v in zip(spec.numeric_names, value)}
            case _:
                new = {name: Fraction(str(value))}
        out = facts.with_values(new)
        for c in _validating(policy):
            if evaluate(c, out.values) is False:
                return None
        return out
    from solver.procedures.facts import procedure_facts_from_dict
    flat = {k: v for k, v in facts.stated.items()}
    flat[name] = value
    try:
        return procedure_facts_from_dict(_unflatten(flat), policy, date=facts.date, file=facts.file)
    except InputError:
        return None


def determined(policy: Policy, prog: Program, facts: Facts, pool: list | None = None) -> bool | None:
    """Is the answer of ``prog`` the same in every completion of ``facts``' unknown facts (exact)?

    The three-valued rules first (sound when they decide); then the completions in ``pool`` (found
    for this program before, with other values stated) tried again — two that disagree show it
    undetermined; then z3 looks for one completion each way (both added to ``pool``). ``None``: there
    is no completion at all (the stated values leave some unknown fact no valid value)."""
    root = prog.root
    if evaluate(root, facts.values) is not None:
        return True
    pool = [] if pool is None else pool
    seen: dict[bool, int] = {}
    for i, w in enumerate(pool):
        v = _replay(policy, root, facts, w)
        if v is not None and v not in seen:
            seen[v] = i
            if len(seen) == 2:
                served = [pool.pop(k) for k in sorted(seen.values(), reverse=True)]
                pool[:0] = served  # the ones that served are tried first next time
                return False
    from solver.backends.smt.witness import both_ways  # on the z3 worker thread
    yes, no, exhausted = both_ways(policy, root, facts)
    pool[:0] = [w for w in (yes, no) if w is not None]
    del pool[POOL:]
    if exhausted or (yes is not None and no is not None):
        return False  # undetermined, or not proven determined within z3's budget
    return None if yes is None and no is None else True


def _replay(policy: Policy, root: Expr, facts: Facts, w: dict[str, Fraction]) -> bool | None:
    """The truth of ``root`` in the completion ``w`` of (other) unknown facts, with ``facts``' stated
    values; ``None`` if that completion is not valid with them (a constraint fails) or leaves it unknown."""
    env = {**w, **facts.values}
    stated = facts.stated.get(BIRTH)
    if stated is not None:
        birth = stated if isinstance(stated, dt.date) else dt.date.fromisoformat(str(stated))
    elif AGE in w:  # the age a completion gives is the age of someone born on the 1st of the month
        birth = _month_back(facts.date, int(w[AGE]))
    else:
        birth = None
    full = _derive(policy, facts, env, birth) if birth is not None else env
    st = evaluate_all([root, *_validating(policy)], full)
    # a constraint still unknown is over facts neither stated nor in the completion (the root does not
    # read them): each of the vocabulary's constraints can be met by choosing those (0, or old enough)
    if any(st[id(c)] is False for c in _validating(policy)):
        return None
    return st[id(root)]


def next_questions(policy: Policy, facts: Facts, home: str | None = None, lenient: bool = False,
                   limit: int | None = None) -> list[Question]:
    """The unknown facts that can settle undetermined answers, most decisive first (see the module doc).
    A fact that can settle none is listed with empty ``settles``."""
    from solver.decide import decide
    progs = _programs(policy, facts, lenient)
    open_: dict[str, Program] = {}
    reads: dict[str, list[str]] = {}
    pools: dict[str, list] = {}  # completions found per jurisdiction, tried again for every value
    relevant: set[str] = set()
    asked: list[str] = []
    for jid, prog in progs.items():
        if evaluate(prog.root, facts.values) is not None:
            continue  # determined: nothing to ask for it
        d = decide(policy, jid, facts, lenient=lenient)
        if d.status != "undetermined":
            continue  # decided exactly: every case agrees
        open_[jid] = prog
        relevant |= set(d.unknown)  # the facts whose value alone can change the answer
        pools[jid] = []
        reads[jid] = [h for h in holes_of(policy, facts, [prog.root]).names if h in policy.vocabulary.facts]
        asked += [h for h in reads[jid] if h not in asked]
    order = {n: i for i, n in enumerate(policy.vocabulary.facts)}
    out: list[Question] = []
    for name in asked:
        mine = [j for j in open_ if name in reads[j]]
        settles: set[str] = set()
        decides = set(mine)
        tried = 0
        for value in candidate_values(policy, name, facts, [open_[j] for j in mine]):
            new = with_fact(policy, facts, name, value)
            if new is None:
                continue
            counted = False
            for jid in mine:
                if jid in settles and jid not in decides:
                    continue  # nothing left to learn about it
                found = determined(policy, open_[jid], new, pools[jid])
                if found is None:
                    continue  # no valid completion with this value: not a value the fact can have
                counted = True
                if found:
                    settles.add(jid)
                else:
                    decides.discard(jid)
            tried += counted
            if all(j in settles and j not in decides for j in mine):
                break
        if not tried:
            decides = set()
        spec = policy.vocabulary.facts[name]
        out.append(Question(name, dict(spec.label), dict(spec.unit) if spec.unit else None,
                            sorted(settles), sorted(decides & settles), home, list(spec.choices), spec.type))
    # ties: a fact an answer depends on directly before one that settles it only through a constraint
    out.sort(key=lambda q: (-len(q.settles), not q.decides_home, not q.settles_home, -len(q.decides),
                            q.fact not in relevant, order.get(q.fact, 0)))
    return out[:limit] if limit else out


def open_jurisdictions(policy: Policy, facts: Facts, lenient: bool = False) -> list[str]:
    """The jurisdictions whose answer is still undetermined for ``facts``."""
    from solver.decide import decide
    return [j for j, p in _programs(policy, facts, lenient).items() if evaluate(p.root, facts.values) is None
            and decide(policy, j, facts, lenient=lenient).status == "undetermined"]  # exact: every case agrees


__all__ = ["Question", "next_questions", "candidate_values", "with_fact", "open_jurisdictions"]


def home_district(policy: Policy, facts: Facts) -> str | None:
    """The jurisdiction of the employer's registered district (the city-wide rule when none is encoded)."""
    v = facts.values.get("employer.registered_district")
    if v is None:
        return None
    name = policy.vocabulary.facts["employer.registered_district"].choices[int(v)]
    return name if name in policy.jurisdictions else "beijing"


TITLE = {"zh": "下一步要问的问题（按可确定的辖区数排序）", "en": "Next questions (most decisive first)"}


def render(questions: list[Question], lang: str = "en", limit: int = 5) -> str:
    lines = [TITLE[lang]]
    lines += [f"  {i}. {q.text(lang)}" for i, q in enumerate(questions[:limit], 1)]
    return "\n".join(lines)
