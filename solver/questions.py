"""Which question next: for a partial profile, the unknown facts ranked by how much knowing them decides.

For every jurisdiction whose answer is ``undetermined``, the facts that would decide it are known
(``solver.decide.unknown_facts``). Each such fact is tried at every value that can matter: every
choice of an enum or yes/no fact; for a number, both sides of every threshold the compiled rules
compare it with (the other facts of the comparison as stated), and its bounds; for a birth date, the
dates that put the derived age on both sides of those thresholds, and every age from 16 to 75. A
value the profile's cross-fact constraints reject is not tried. The profile with that value is
decided again (the reference interpreter, which every backend agrees with); a fact **settles** a
jurisdiction when some value makes its answer determined, and **decides it alone** when every value
does. Facts are ranked by the number of jurisdictions they settle, then by whether they alone decide
the employer's district, then by the number they decide alone.

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
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, floor

from policy.errors import InputError
from policy.expr import Cmp, evaluate, walk
from policy.load import Policy
from policy.model import DERIVED_FROM
from solver.facts import Facts
from solver.program import Program, compile_program

AGE_YEARS = range(16, 76)  # ages tried for a birth date, besides the thresholds


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


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year = d.year + y
    day = min(d.day, 28)
    return dt.date(year, m + 1, day)


def _thresholds(progs, name: str, facts: Facts) -> set[Fraction]:
    """Values of ``name`` at which a comparison of the rules changes truth (others as stated)."""
    out: set[Fraction] = set()
    for prog in progs:
        for n in walk(prog.root):
            if not isinstance(n, Cmp) or not isinstance(n.rhs, Fraction):
                continue
            coef = [c for c, f in n.terms if f == name]
            if not coef:
                continue
            rest = [(c, f) for c, f in n.terms if f != name]
            if any(f not in facts.values for _, f in rest):
                continue
            known = sum((c * facts.values[f] for c, f in rest), Fraction(0))
            out.add((n.rhs - known) / sum(coef))
    return out


def candidate_values(policy: Policy, name: str, facts: Facts, progs) -> list:
    """The values of fact ``name`` worth trying (as a profile states them)."""
    spec = policy.vocabulary.facts[name]
    match spec.type:
        case "bool":
            return [False, True]
        case "enum":
            return list(spec.choices)
        case "date":
            if name == "application.date":
                return [facts.date]
            months: set[int] = {12 * y for y in AGE_YEARS}
            for d, sources in DERIVED_FROM.items():
                if name in sources and d == "applicant.age_months":
                    for b in _thresholds(progs, d, facts):
                        months |= {floor(b) - 1, floor(b), ceil(b), ceil(b) + 1}
            return [_add_months(facts.date, -m) for m in sorted(months) if m >= 0]
    items = spec.numeric_names
    points: set[Fraction] = {Fraction(0)}
    for item in items:
        for b in _thresholds(progs, item, facts):
            step = Fraction(1) if spec.type in ("int", "money") else Fraction(1, 100)
            points |= {b - step, b, b + step}
            if spec.type in ("int", "money"):
                points |= {Fraction(floor(b)), Fraction(ceil(b))}
    for bound in (spec.minimum, spec.maximum):
        if bound is not None:
            points.add(bound)
    vals = sorted(p for p in points if (spec.minimum is None or p >= spec.minimum)
                  and (spec.maximum is None or p <= spec.maximum))
    if spec.type in ("int", "money"):
        vals = sorted({Fraction(round(v)) for v in vals if v.denominator == 1})
    plain = [int(v) if v.denominator == 1 else float(v) for v in vals]
    return [[v] * spec.length for v in plain] if spec.type == "money_list" else plain


def with_fact(policy: Policy, facts: Facts, name: str, value) -> Facts | None:
    """``facts`` with ``name`` stated as ``value``; ``None`` if the profile's constraints reject it.

    A number, choice or yes/no goes straight into the values (then the cross-fact constraints are
    checked, as the loader would); a date is derived from, so the profile is read again."""
    spec = policy.vocabulary.facts[name]
    if spec.type != "date":
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
        for c in policy.vocabulary.constraints:
            if c.validate and evaluate(c.when, out.values) is False:
                return None
        return out
    from solver.procedures.facts import procedure_facts_from_dict
    flat = {k: v for k, v in facts.stated.items()}
    flat[name] = value
    try:
        return procedure_facts_from_dict(_unflatten(flat), policy, date=facts.date, file=facts.file)
    except InputError:
        return None


def next_questions(policy: Policy, facts: Facts, home: str | None = None, lenient: bool = False,
                   limit: int | None = None) -> list[Question]:
    """The unknown facts that decide undetermined answers, most decisive first (see the module doc)."""
    from solver.decide import decide
    progs = _programs(policy, facts, lenient)
    open_: dict[str, Program] = {}
    asked: list[str] = []
    for jid, prog in progs.items():
        if evaluate(prog.root, facts.values) is not None:
            continue  # determined: nothing to ask for it
        d = decide(policy, jid, facts, lenient=lenient)  # exact: only the facts that can change the answer
        if d.status == "undetermined":
            open_[jid] = prog
            for f in d.unknown:
                if f not in asked and f in policy.vocabulary.facts:
                    asked.append(f)
    order = {n: i for i, n in enumerate(policy.vocabulary.facts)}
    out: list[Question] = []
    for name in asked:
        settles: set[str] = set()
        decides = set(open_)
        tried = 0
        for value in candidate_values(policy, name, facts, open_.values()):
            new = with_fact(policy, facts, name, value)
            if new is None:
                continue
            tried += 1
            for jid, prog in open_.items():
                if evaluate(prog.root, new.values) is None:
                    decides.discard(jid)
                else:
                    settles.add(jid)
        if not tried:
            decides = set()
        spec = policy.vocabulary.facts[name]
        out.append(Question(name, dict(spec.label), dict(spec.unit) if spec.unit else None,
                            sorted(settles), sorted(decides & settles), home, list(spec.choices), spec.type))
    out.sort(key=lambda q: (-len(q.settles), not q.decides_home, not q.settles_home, -len(q.decides),
                            order.get(q.fact, 0)))
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
