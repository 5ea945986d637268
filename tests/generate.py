"""The one profile generator of the property tests: applicant profiles drawn from the vocabulary.

Every fact the vocabulary declares gets a value of its type and domain; numbers cluster on the
thresholds the rules use (every comparison of every jurisdiction, resolved on the date, gives the
values just below, at and just above it). The cross-fact constraints are not copied here: the
vocabulary's own ``constraints`` (``validate: true``) are read, and a drawn profile that breaks one
is repaired by moving the last fact the constraint compares that a profile can state (tenure down
to the experience, a branch not a legal person …) until every constraint holds. ``partial`` leaves
facts out (unknown, Kleene ``None``: a constraint with an unknown fact cannot fail). ``near`` draws
an ordinary eligible applicant of a jurisdiction with a few facts changed.

    profiles(policy, partial=False, district=None, date=None, near=None) -> dict   (the input contract)
    facts(...)  the same, loaded as ``Facts``
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

from hypothesis import strategies as st

from policy.caching import cache
from policy.expr import All, Any, Cmp, In, Not, evaluate, walk
from solver.calendar import add_months, months_between
from solver.facts import facts_from_dict, resolve, wage_on

DATES = [dt.date(2021, 9, 15), dt.date(2022, 3, 1), dt.date(2024, 10, 10), dt.date(2026, 11, 22)]
AGES = [22, 25, 30, 38, 45, 49, 50, 53, 54, 55, 57, 59, 60, 61, 63]  # around the retirement ages
AGE = "applicant.age_months"
BIRTH = "applicant.birth_date"


@cache(16, identity=(0,))
def boundary_values(policy, day: dt.date) -> dict[str, list[Fraction]]:
    """Per fact, the values just below, at and just above every threshold the rules compare it with."""
    wage = wage_on(policy.params, day)
    out: dict[str, set[Fraction]] = {}
    for versions in policy.jurisdictions.values():
        for j in versions:
            for c in j.clauses():
                for n in walk(resolve(c.when, wage)):
                    if isinstance(n, Cmp) and len(n.terms) == 1 and n.terms[0][0] == 1:
                        f = n.terms[0][1].split("[", 1)[0]
                        step = Fraction(1, 2) if policy.vocabulary.facts[f].type == "decimal" else Fraction(1)
                        out.setdefault(f, set()).update({n.rhs - step, n.rhs, n.rhs + step})
    return {k: sorted(v) for k, v in out.items()}


def nest(flat: dict[str, object]) -> dict:
    """{"a.b.c": 1} → {"a": {"b": {"c": 1}}}"""
    root: dict = {}
    for name, v in flat.items():
        *path, last = name.split(".")
        node = root
        for p in path:
            node = node.setdefault(p, {})
        node[last] = v
    return root


def _num(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _step(spec) -> Fraction:
    return Fraction(1, 100) if spec.type == "decimal" else Fraction(1)


# --- the vocabulary's constraints -------------------------------------------------------------------


def _numbers(policy, flat: dict[str, object]) -> dict[str, Fraction]:
    """The numeric facts of a flat profile (no validation): what the constraints are evaluated on."""
    vocab = policy.vocabulary
    day = dt.date.fromisoformat(str(flat["application.date"]))
    out: dict[str, Fraction] = {}
    for name, v in flat.items():
        spec = vocab.facts.get(name)
        if spec is None or spec.type == "date":
            continue
        if spec.type == "enum":
            out[name] = Fraction(spec.choices.index(v))
        elif spec.type == "bool":
            out[name] = Fraction(int(bool(v)))
        elif spec.type == "money_list":
            out.update({f"{name}[{i}]": Fraction(str(x)) for i, x in enumerate(v)})
        else:
            out[name] = Fraction(str(v))
    if BIRTH in flat:
        out[AGE] = Fraction(months_between(dt.date.fromisoformat(str(flat[BIRTH])), day))
    return out


def _set(policy, flat: dict[str, object], name: str, x: Fraction) -> None:
    spec = policy.vocabulary.facts[name]
    if spec.minimum is not None:
        x = max(x, spec.minimum)
    if spec.maximum is not None:
        x = min(x, spec.maximum)
    if spec.type == "enum":
        flat[name] = spec.choices[int(x)]
    elif spec.type == "bool":
        flat[name] = bool(x)
    else:
        flat[name] = _num(x)


def _make_true(policy, flat: dict[str, object], e) -> None:
    """Change one stated fact so that ``e`` holds: the last fact of a comparison that a profile states
    (not a derived one), set to the nearest value on the right side; the last way out of an ``any``."""
    env = _numbers(policy, flat)
    match e:
        case Cmp(terms, op, rhs):
            settable = [(c, f) for c, f in terms if f in flat and not policy.vocabulary.facts[f].derived]
            if not settable:
                return
            c, f = settable[-1]
            rest = sum((k * env[g] for k, g in terms if g != f), Fraction(0))
            bound = (rhs - rest) / c
            if c < 0:
                op = {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt"}.get(op, op)
            step = _step(policy.vocabulary.facts[f])
            units = bound / step
            x = {"ge": math.ceil(units), "gt": math.floor(units) + 1, "le": math.floor(units),
                 "lt": math.ceil(units) - 1, "eq": units, "ne": units + 1}[op] * step
            _set(policy, flat, f, Fraction(x))
        case In(fact, values):
            _set(policy, flat, fact, Fraction(min(values)))
        case Not(In(fact, values)):
            spec = policy.vocabulary.facts[fact]
            _set(policy, flat, fact, Fraction(next(i for i in range(len(spec.choices)) if i not in values)))
        case Any(items):
            _make_true(policy, flat, items[-1])
        case All(items):
            for i in items:
                if evaluate(i, _numbers(policy, flat)) is False:
                    _make_true(policy, flat, i)


def repair(policy, flat: dict[str, object]) -> dict[str, object]:
    """``flat`` changed until every validating constraint of the vocabulary holds."""
    cons = [c for c in policy.vocabulary.constraints if c.validate]
    for _ in range(2 * len(cons) + 2):
        broken = [c for c in cons if evaluate(c.when, _numbers(policy, flat)) is False]
        if not broken:
            return flat
        _make_true(policy, flat, broken[0].when)
    raise AssertionError(f"cannot repair: {[c.id for c in broken]}")


# --- an ordinary applicant ----------------------------------------------------------------------------

ORDINARY = {
    "application.date": "2021-09-15", "application.business": "new",
    "applicant.birth_date": "1990-04-01", "applicant.sex": "male", "applicant.female_category": "cadre",
    "applicant.degree": "bachelor", "applicant.education": "undergraduate", "applicant.work_experience_years": 3.5,
    "applicant.title": "none", "applicant.award_winner": False, "applicant.special_shortage_talent": False,
    "applicant.months_with_employer": 14, "applicant.social_insurance_months": 14,
    "applicant.income.last_12_months": 216000, "applicant.income.monthly_avg_6m": 18000,
    "applicant.income.monthly_avg_12m": 18000, "applicant.income.annual_last_3_years": [180000, 200000, 216000],
    "applicant.residence.stable": True, "applicant.residence.proof": "rented",
    "applicant.residence.lease_months_remaining": 8,
    "applicant.patents.invention": 0, "applicant.patents.other": 0, "applicant.patents.software_copyright": 0,
    "applicant.patents.author_rank": 3, "applicant.patents.commercialized_in_beijing": False,
    "applicant.startup.self_investment_3y": 0, "applicant.startup.equity_financing": 0,
    "applicant.startup.team_avg_annual_tax_3y": 0, "applicant.startup.share_pct": 0,
    "applicant.startup.shareholder_rank": 10,
    "applicant.freelancer.is_freelancer": False, "applicant.freelancer.annual_tax_last_3_years": [0, 0, 0],
    "applicant.freelancer.outstanding_contribution": False,
    "applicant.talent_program.provincial_or_above": False, "applicant.talent_program.changping_changju": False,
    "applicant.talent_program.daxing_recommended": False,
    "applicant.key_field": True, "applicant.labor_dispatch": False, "applicant.same_entity": True,
    "applicant.beijing_hukou": False,
    "employer.registered_district": "changping", "employer.tax_district": "changping",
    "employer.legal_form": "enterprise", "employer.legal_person": True, "employer.years_registered": 3,
    "employer.registered_capital": 5000000, "employer.paid_in_capital": 2000000, "employer.tax_last_year": 1200000,
    "employer.avg_annual_tax_2y": 700000, "employer.district_contribution_last_year": 300000,
    "employer.employees": 50, "employer.high_tech": True, "employer.district_key_enterprise": False,
    "employer.incubator_recommended": False, "employer.innovation_entity": True, "employer.service_entity": "none",
    "employer.growth_enterprise": False, "employer.prohibited_catalog": False, "employer.good_credit": True,
    "employer.violations_last_year": False, "employer.has_quota": True,
}

def districts_without_rules(policy) -> list[str]:
    """The Beijing districts (policy/params/districts.yaml) that have no jurisdiction file in ``policy``,
    computed from the data: no test assumes which districts are encoded."""
    choices = policy.vocabulary.facts["employer.registered_district"].choices
    return [d for d in policy.params.district_names if d in choices and d not in policy.jurisdictions]


def homes(policy) -> dict[str, str]:
    """Jurisdiction id -> the district its ordinary applicant's employer is in: the district itself, or
    for a jurisdiction that is not a district (the city-wide rule) a district without rules of its own."""
    choices = policy.vocabulary.facts["employer.registered_district"].choices
    free = districts_without_rules(policy) or list(policy.params.district_names)
    return {jid: jid if jid in choices else free[0] for jid in policy.ids()}


def _shipped():
    from policy.load import load_policy
    return load_policy()


HOME = homes(_shipped())


def ordinary(jid: str, *, policy=None, **changes) -> dict[str, object]:
    """The ordinary applicant with the employer in ``jid``'s district (flat names); ``policy`` other
    rules than the shipped ones (whose districts decide where the employer is)."""
    flat = dict(ORDINARY)
    home = homes(policy) if policy is not None else HOME
    flat["employer.registered_district"] = flat["employer.tax_district"] = home.get(jid, jid)
    flat.update(changes)
    return flat


# --- drawing ------------------------------------------------------------------------------------------


def _value(draw, policy, spec, day: dt.date, bounds: dict[str, list[Fraction]]):
    """One value of a fact's type and domain, often on a threshold of the rules."""
    if spec.type == "bool":
        return draw(st.booleans())
    if spec.type == "enum":
        return draw(st.sampled_from(spec.choices))
    if spec.type == "date":
        return add_months(day, -draw(st.integers(12 * 17, 12 * 64))).replace(day=draw(st.integers(1, 28))).isoformat()
    lo = spec.minimum if spec.minimum is not None else Fraction(0)
    hi = spec.maximum if spec.maximum is not None else Fraction(10**8 if spec.type.startswith("money") else 100)
    step = _step(spec)
    cands = [b for b in bounds.get(spec.name, []) if lo <= b <= hi and (b / step).denominator == 1]
    near_lo = st.integers(int(lo / step), int(min(hi, lo + 12) / step))
    anywhere = st.integers(int(lo / step), int(hi / step))
    pick = st.sampled_from(cands) if cands else near_lo.map(lambda i: i * step)
    x = draw(st.one_of(pick, near_lo.map(lambda i: i * step), anywhere.map(lambda i: i * step)))
    return _num(Fraction(x))


@st.composite
def profiles(draw, policy, partial: bool = False, district: str | None = None, date: dt.date | None = None,
             near: str | None = None) -> dict:
    """A profile (the input contract) that every validating constraint of the vocabulary accepts."""
    vocab = policy.vocabulary
    day = date or draw(st.sampled_from(DATES))
    bounds = boundary_values(policy, day)
    if near is not None:
        flat = ordinary(near, **{"application.date": day.isoformat()})
        names = [n for n, s in vocab.facts.items() if not s.derived and n in flat and not n.startswith("application.")]
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
            spec = vocab.facts[name]
            flat[name] = ([_value(draw, policy, spec, day, bounds) for _ in range(spec.length)]
                          if spec.type == "money_list" else _value(draw, policy, spec, day, bounds))
    else:
        flat = {"application.date": day.isoformat()}
        age = draw(st.sampled_from(AGES))
        flat[BIRTH] = add_months(day, -12 * age - draw(st.integers(0, 11))).replace(day=draw(st.integers(1, 28))).isoformat()
        for name, spec in vocab.facts.items():
            if spec.derived or name.startswith("application.") or name in flat:
                continue
            if spec.type == "money_list":
                flat[name] = [_value(draw, policy, spec, day, bounds) for _ in range(spec.length)]
            elif spec.type != "date":
                flat[name] = _value(draw, policy, spec, day, bounds)
    if district:
        flat["employer.registered_district"] = flat["employer.tax_district"] = district
    repair(policy, flat)
    if partial:
        names = sorted(k for k in flat if k != "application.date")
        for k in draw(st.lists(st.sampled_from(names), max_size=max(6, len(names) // 4), unique=True)):
            del flat[k]
    return nest(flat)


@st.composite
def facts(draw, policy, **kw):
    """``profiles(...)`` loaded as ``Facts`` (the loader validates it: a test that it always accepts)."""
    return facts_from_dict(draw(profiles(policy, **kw)), policy)
