"""``wrp synth N``: a SYNTHETIC population of applicants, for demos, tests and benchmarks.

Drawn column by column with numpy from the vocabulary's domains, respecting its validating
cross-fact constraints (tenure within experience, insurance within tenure, experience after 16,
paid-in within registered capital, a branch is not a legal person). The distributions are stated
in ``DISTRIBUTIONS`` (and docs/population.md); they are plausible, not statistics of any real
population. Every row's id starts with ``SYN-`` and its name is ``synthetic``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from policy.load import Policy
from solver.tables import ROW, columns, enum_array

DISTRIBUTIONS = {
    "application.date": "uniform over 2021-08-01 … 2025-06-30",
    "application.business": "new 80 %, renewal 15 %, employer_change 5 %",
    "applicant.birth_date": "age uniform 22–62 years on the application date, day uniform",
    "applicant.sex": "male 55 %, female 45 %; female_category cadre 70 %, worker 30 %",
    "applicant.degree": "none 15 %, bachelor 55 %, master 25 %, doctor 5 % (education follows the degree)",
    "applicant.work_experience_years": "uniform in quarter years, 0 … (age − 16)",
    "applicant.months_with_employer": "uniform 0 … experience; social_insurance_months uniform 0 … tenure",
    "applicant.title": "none 50 %, junior 25 %, intermediate 18 %, senior 7 %",
    "applicant.income": "monthly_avg_12m log-normal (median 14,000 元, σ 0.55); 6 m ± 10 %; "
                        "last_12_months = 12 × monthly; the last 3 years 85 %, 92 %, 100 % of 12 × monthly",
    "yes/no facts": "stated rates: stable residence 85 %, key field 40 %, agency worker 5 %, same employer "
                    "92 %, Beijing hukou 8 %, award 2 %, talent programmes 1–2 %, freelancer 3 %, high-tech 30 %, "
                    "good credit 92 %, violations 4 %, quota 80 %, prohibited catalogue 3 %",
    "employer.registered_district": "changping, daxing, xicheng, chaoyang 15 % each, the other 13 districts "
                                    "share 40 %; tax district the same 95 %",
    "employer.legal_form": "enterprise 85 %, public_institution 6 %, private_non_enterprise 3 %, "
                           "social_organization 2 %, branch 4 % (a branch is never a legal person)",
    "employer money": "log-normal: registered capital median 5 M, paid-in uniform share of it; tax last year "
                      "median 600 k; district contribution median 250 k",
    "counts": "employees log-normal median 60; patents Poisson (invention 0.2, other 0.3, software 0.4)",
}


def synth(policy: Policy, n: int, seed: int = 0) -> pa.Table:
    """``n`` synthetic applicants as an applicant table (with ``id`` and ``name`` columns)."""
    rng = np.random.default_rng(seed)
    vocab = policy.vocabulary
    c: dict[str, object] = {}

    def pick(name: str, weights: dict[str, float]):
        choices = list(weights)
        assert all(x in vocab.facts[name].choices for x in choices), name
        p = np.array(list(weights.values()), dtype=float)
        return np.array(choices, dtype=object)[rng.choice(len(choices), n, p=p / p.sum())]

    def yes(rate: float):
        return rng.random(n) < rate

    start = dt.date(2021, 8, 1).toordinal()
    day = start + rng.integers(0, dt.date(2025, 6, 30).toordinal() - start + 1, n)
    age_m = rng.integers(22 * 12, 62 * 12 + 1, n)
    c["application.date"] = day
    c["application.business"] = pick("application.business", {"new": 80, "renewal": 15, "employer_change": 5})
    epoch = dt.date(1970, 1, 1).toordinal()
    app_days = (day - epoch).astype("datetime64[D]")
    app_month = app_days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    birth_month = (app_month - age_m).astype("datetime64[M]")
    births = birth_month.astype("datetime64[D]") + rng.integers(0, 28, n).astype("timedelta64[D]")
    c["applicant.birth_date"] = births.astype(np.int64) + epoch
    # completed months can be one less than age_m (day of month): keep experience after 16 with a margin
    max_q = np.maximum((age_m - 1 - 16 * 12) // 3, 0)
    exp_q = (rng.random(n) * (max_q + 1)).astype(np.int64)
    c["applicant.work_experience_years"] = exp_q * 25  # hundredths of a year: quarters are exact
    tenure = (rng.random(n) * (np.minimum(exp_q * 3, 720) + 1)).astype(np.int64)
    c["applicant.months_with_employer"] = tenure
    c["applicant.social_insurance_months"] = (rng.random(n) * (tenure + 1)).astype(np.int64)
    c["applicant.sex"] = pick("applicant.sex", {"male": 55, "female": 45})
    c["applicant.female_category"] = pick("applicant.female_category", {"cadre": 70, "worker": 30})
    deg = pick("applicant.degree", {"none": 15, "bachelor": 55, "master": 25, "doctor": 5})
    c["applicant.degree"] = deg
    edu_of = {"none": "junior_college", "bachelor": "undergraduate", "master": "postgraduate", "doctor": "postgraduate"}
    c["applicant.education"] = np.array([edu_of[d] for d in deg], dtype=object)
    c["applicant.title"] = pick("applicant.title", {"none": 50, "junior": 25, "intermediate": 18, "senior": 7})
    c["applicant.award_winner"] = yes(0.02)
    c["applicant.special_shortage_talent"] = yes(0.01)
    monthly = np.round(np.exp(rng.normal(np.log(14000), 0.55, n))).astype(np.int64)
    c["applicant.income.monthly_avg_12m"] = monthly
    c["applicant.income.monthly_avg_6m"] = np.round(monthly * rng.uniform(0.9, 1.1, n)).astype(np.int64)
    c["applicant.income.last_12_months"] = monthly * 12
    for i, share in enumerate((0.85, 0.92, 1.0)):
        c[f"applicant.income.annual_last_3_years[{i}]"] = np.round(monthly * 12 * share).astype(np.int64)
    c["applicant.residence.stable"] = yes(0.85)
    c["applicant.residence.proof"] = pick("applicant.residence.proof", {
        "owned": 30, "rented": 50, "relatives": 8, "employer_housing": 7, "public_rental": 3, "residence_permit": 2})
    c["applicant.residence.lease_months_remaining"] = rng.integers(0, 37, n)
    c["applicant.patents.invention"] = rng.poisson(0.2, n)
    c["applicant.patents.other"] = rng.poisson(0.3, n)
    c["applicant.patents.software_copyright"] = rng.poisson(0.4, n)
    c["applicant.patents.author_rank"] = rng.integers(1, 6, n)
    c["applicant.patents.commercialized_in_beijing"] = yes(0.1)
    founder = yes(0.05)
    c["applicant.startup.self_investment_3y"] = np.where(founder, rng.integers(0, 5_000_000, n), 0)
    c["applicant.startup.equity_financing"] = np.where(founder, rng.integers(0, 20_000_000, n), 0)
    c["applicant.startup.team_avg_annual_tax_3y"] = np.where(founder, rng.integers(0, 2_000_000, n), 0)
    c["applicant.startup.share_pct"] = np.where(founder, rng.integers(5, 80, n), 0) * 100  # hundredths
    c["applicant.startup.shareholder_rank"] = np.where(founder, rng.integers(1, 4, n), 10)
    free = yes(0.03)
    c["applicant.freelancer.is_freelancer"] = free
    for i in range(3):
        c[f"applicant.freelancer.annual_tax_last_3_years[{i}]"] = np.where(free, rng.integers(0, 300_000, n), 0)
    c["applicant.freelancer.outstanding_contribution"] = free & yes(0.2)
    c["applicant.talent_program.provincial_or_above"] = yes(0.02)
    c["applicant.talent_program.changping_changju"] = yes(0.01)
    c["applicant.talent_program.daxing_recommended"] = yes(0.01)
    c["applicant.key_field"] = yes(0.4)
    c["applicant.labor_dispatch"] = yes(0.05)
    c["applicant.same_entity"] = yes(0.92)
    c["applicant.beijing_hukou"] = yes(0.08)
    districts = vocab.facts["employer.registered_district"].choices
    main4 = ["changping", "daxing", "xicheng", "chaoyang"]
    w = {d: (15 if d in main4 else 40 / (len(districts) - 4)) for d in districts}
    reg = pick("employer.registered_district", w)
    c["employer.registered_district"] = reg
    c["employer.tax_district"] = np.where(yes(0.95), reg, pick("employer.tax_district", w))
    form = pick("employer.legal_form", {"enterprise": 85, "public_institution": 6, "private_non_enterprise": 3,
                                        "social_organization": 2, "branch": 4})
    c["employer.legal_form"] = form
    c["employer.legal_person"] = form != "branch"
    c["employer.years_registered"] = rng.integers(0, 61, n) * 50  # hundredths: half years 0 … 30
    cap = np.round(np.exp(rng.normal(np.log(5_000_000), 1.2, n))).astype(np.int64)
    c["employer.registered_capital"] = cap
    c["employer.paid_in_capital"] = np.floor(cap * rng.random(n)).astype(np.int64)
    tax = np.round(np.exp(rng.normal(np.log(600_000), 1.3, n))).astype(np.int64)
    c["employer.tax_last_year"] = tax
    c["employer.avg_annual_tax_2y"] = np.round(tax * rng.uniform(0.7, 1.1, n)).astype(np.int64)
    c["employer.district_contribution_last_year"] = np.round(np.exp(rng.normal(np.log(250_000), 1.3, n))).astype(np.int64)
    c["employer.employees"] = np.round(np.exp(rng.normal(np.log(60), 1.4, n))).astype(np.int64)
    c["employer.high_tech"] = yes(0.3)
    c["employer.district_key_enterprise"] = yes(0.1)
    c["employer.incubator_recommended"] = yes(0.05)
    c["employer.innovation_entity"] = yes(0.25)
    c["employer.service_entity"] = pick("employer.service_entity", {
        "none": 90, "law": 2, "accounting": 2, "audit": 1, "tax": 1, "hr": 2, "finance": 2})
    c["employer.growth_enterprise"] = yes(0.15)
    c["employer.prohibited_catalog"] = yes(0.03)
    c["employer.good_credit"] = yes(0.92)
    c["employer.violations_last_year"] = yes(0.04)
    c["employer.has_quota"] = yes(0.8)

    kinds = columns(policy)
    cols = {ROW: pa.array(np.arange(1, n + 1)), "id": pa.array([f"SYN-{i:07d}" for i in range(1, n + 1)]),
            "name": pa.array(["synthetic"] * n)}
    for name, kind in kinds.items():
        v = c[name]
        if kind == "date":
            cols[name] = pa.array(np.asarray(v, dtype=np.int64) - epoch, pa.int32()).cast(pa.date32())
        elif kind == "bool":
            cols[name] = pa.array(np.asarray(v, dtype=bool))
        elif kind == "enum":
            cols[name] = enum_array(pa.array(v, pa.string()))
        elif kind == "decimal":  # kept in hundredths above: exact decimals with scale 2
            cols[name] = _hundredths(np.asarray(v, dtype=np.int64))
        else:
            cols[name] = pa.array(np.asarray(v, dtype=np.int64))
    t = pa.table(cols)
    return t.replace_schema_metadata({"wrp.synthetic": "true", "wrp.seed": str(seed)})


def _hundredths(v: np.ndarray) -> pa.Array:
    """Non-negative integers in hundredths → exact decimal128(20, 2) (the unscaled value is the integer)."""
    assert (v >= 0).all()
    words = np.zeros((len(v), 2), dtype=np.int64)
    words[:, 0] = v  # little-endian 128-bit: low word, high word 0
    return pa.Array.from_buffers(pa.decimal128(20, 2), len(v), [None, pa.py_buffer(words.tobytes())])


__all__ = ["synth", "DISTRIBUTIONS"]
