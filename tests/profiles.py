"""Profile generators for property tests: boundary values taken from the policy itself.

Every numeric threshold in every jurisdiction (after resolving the average wage on the date)
contributes the values just below, at and just above it, so generated applicants sit on the
edges where districts differ.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import strategies as st

from policy.expr import Cmp, walk
from policy.load import load_policy
from solver.facts import Facts, facts_from_dict, resolve, wage_on

DATES = [dt.date(2021, 9, 15), dt.date(2022, 3, 1), dt.date(2024, 10, 10), dt.date(2026, 11, 22)]


def boundary_values(policy, day: dt.date) -> dict[str, list[Fraction]]:
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


def _num(x: Fraction):
    return int(x) if x.denominator == 1 else float(x)


@st.composite
def profiles(draw, partial: bool = False, date: dt.date | None = None) -> Facts:
    """A valid profile as ``Facts``; ``partial`` leaves some facts out (unknown)."""
    policy = load_policy()
    vocab = policy.vocabulary
    day = date or draw(st.sampled_from(DATES))
    bounds = boundary_values(policy, day)
    flat: dict[str, object] = {"application.date": day.isoformat()}

    def pick_num(name: str, lo: Fraction, hi: Fraction | None = None):
        spec = vocab.facts[name]
        cands = [b for b in bounds.get(name, []) if b >= lo and (hi is None or b <= hi)]
        if spec.type == "decimal":
            cands = [c for c in cands if (c * 2).denominator == 1]
        else:
            cands = [c for c in cands if c.denominator == 1]
        cands = [c for c in cands if (spec.minimum is None or c >= spec.minimum) and (spec.maximum is None or c <= spec.maximum)]
        top = hi if hi is not None else (spec.maximum if spec.maximum is not None else Fraction(10**8))
        if spec.type == "decimal":
            free = st.integers(int(lo * 2), int(min(top, lo + 80) * 2)).map(lambda i: Fraction(i, 2))
        else:
            free = st.integers(int(lo), int(min(top, lo + 10**8)))
        x = draw(st.sampled_from(cands) if cands and draw(st.booleans()) else free)
        return Fraction(x)

    age_years = draw(st.sampled_from([22, 25, 30, 38, 45, 49, 50, 53, 54, 55, 57, 59, 60, 61, 63]))
    birth = dt.date(day.year - age_years, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    if birth > day - dt.timedelta(days=365 * 17):
        birth = day - dt.timedelta(days=365 * 17)
    flat["applicant.birth_date"] = birth.isoformat()
    max_exp = Fraction(max(0, (day - birth).days // 365 - 17))
    for name, spec in vocab.facts.items():
        if spec.derived or name.startswith("application.") or name == "applicant.birth_date":
            continue
        if spec.type == "bool":
            flat[name] = draw(st.booleans())
        elif spec.type == "enum":
            flat[name] = draw(st.sampled_from(spec.choices))
        elif spec.type == "money_list":
            flat[name] = [_num(pick_num_list(draw, bounds, name)) for _ in range(spec.length)]
    exp = pick_num("applicant.work_experience_years", Fraction(0), max_exp)
    flat["applicant.work_experience_years"] = _num(exp)
    months = pick_num("applicant.months_with_employer", Fraction(0), exp * 12)
    flat["applicant.months_with_employer"] = _num(months)
    flat["applicant.social_insurance_months"] = _num(pick_num("applicant.social_insurance_months", Fraction(0), months))
    reg = pick_num("employer.registered_capital", Fraction(0))
    flat["employer.registered_capital"] = _num(reg)
    flat["employer.paid_in_capital"] = _num(pick_num("employer.paid_in_capital", Fraction(0), reg))
    if flat["employer.legal_form"] == "branch":
        flat["employer.legal_person"] = False
    for name, spec in vocab.facts.items():
        if name in flat or spec.derived or spec.type in ("date", "bool", "enum", "money_list"):
            continue
        flat[name] = _num(pick_num(name, spec.minimum if spec.minimum is not None else Fraction(0)))
    if partial:
        names = sorted(k for k in flat if k != "application.date")
        drop = draw(st.lists(st.sampled_from(names), max_size=6, unique=True))
        for k in drop:
            del flat[k]
    return facts_from_dict(nest(flat), policy)


def pick_num_list(draw, bounds, name):
    cands = [b for b in bounds.get(name, []) if b >= 0 and b.denominator == 1]
    if cands and draw(st.booleans()):
        return draw(st.sampled_from(cands))
    return Fraction(draw(st.integers(0, 3_000_000)))


# --- near an ordinary eligible applicant ---------------------------------------------------------

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


HOME = homes(load_policy())


def ordinary(jid: str, *, policy=None, **changes) -> dict[str, object]:
    """The ordinary applicant with the employer in ``jid``'s district (flat names)."""
    flat = dict(ORDINARY)
    home = homes(policy) if policy is not None else HOME
    flat["employer.registered_district"] = flat["employer.tax_district"] = home.get(jid, jid)
    flat.update(changes)
    return flat


def mutate(flat: dict[str, object], rng, policy, k: int = 3) -> dict[str, object]:
    """Change up to ``k`` facts to boundary values or random choices; keep the profile valid."""
    import datetime as _dt
    out = dict(flat)
    vocab = policy.vocabulary
    day = _dt.date.fromisoformat(str(out["application.date"]))
    bounds = boundary_values(policy, day)
    names = [n for n, s in vocab.facts.items() if not s.derived and not n.startswith("application.")]
    for name in rng.sample(names, rng.randint(1, k)):
        spec = vocab.facts[name]
        if spec.type == "bool":
            out[name] = not out.get(name, False)
        elif spec.type == "enum":
            out[name] = rng.choice(spec.choices)
        elif spec.type == "date":
            out[name] = _dt.date(day.year - rng.choice([20, 30, 45, 50, 54, 55, 56, 59, 60, 61, 63]),
                                 rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        elif spec.type == "money_list":
            cands = [b for b in bounds.get(name, []) if b >= 0] or [Fraction(0)]
            out[name] = [_num(rng.choice(cands)) for _ in range(spec.length)]
        else:
            cands = [b for b in bounds.get(name, []) if (spec.minimum is None or b >= spec.minimum)
                     and (spec.maximum is None or b <= spec.maximum)]
            if spec.type != "decimal":
                cands = [c for c in cands if c.denominator == 1]
            out[name] = _num(rng.choice(cands)) if cands else rng.randint(0, 100)
    return repair(out)


def repair(flat: dict[str, object]) -> dict[str, object]:
    """Restore the vocabulary's cross-fact constraints after a mutation."""
    import datetime as _dt
    day = _dt.date.fromisoformat(str(flat["application.date"]))
    if "applicant.birth_date" in flat:
        birth = _dt.date.fromisoformat(str(flat["applicant.birth_date"]))
        max_exp = max(0, (day - birth).days // 366 - 17)
        if flat.get("applicant.work_experience_years", 0) > max_exp:
            flat["applicant.work_experience_years"] = max_exp
    exp = Fraction(str(flat.get("applicant.work_experience_years", 60)))
    if flat.get("applicant.months_with_employer", 0) > exp * 12:
        flat["applicant.months_with_employer"] = int(exp * 12)
    if flat.get("applicant.social_insurance_months", 0) > flat.get("applicant.months_with_employer", 10**6):
        flat["applicant.social_insurance_months"] = flat["applicant.months_with_employer"]
    if flat.get("employer.paid_in_capital", 0) > flat.get("employer.registered_capital", 10**12):
        flat["employer.paid_in_capital"] = flat["employer.registered_capital"]
    if flat.get("employer.legal_form") == "branch":
        flat["employer.legal_person"] = False
    return flat


@st.composite
def near_profiles(draw, jid: str | None = None, partial: bool = False) -> Facts:
    """An ordinary eligible applicant of a jurisdiction with a few facts changed."""
    import random
    policy = load_policy()
    jid = jid or draw(st.sampled_from(sorted(HOME)))
    rng = random.Random(draw(st.integers(0, 2**32)))
    flat = mutate(ordinary(jid, **{"application.date": draw(st.sampled_from(DATES)).isoformat()}), rng, policy)
    if partial:
        names = sorted(k for k in flat if k != "application.date")
        for k in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            del flat[k]
    return facts_from_dict(nest(flat), policy)
