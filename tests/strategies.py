"""Hypothesis strategies: applicant profiles generated from the vocabulary.

Every stated fact respects its domain and the vocabulary's validating constraints (tenure within
experience, insurance within tenure, experience after 16, paid-in within registered capital, a
branch is not a legal person), so ``facts_from_dict`` accepts every profile. ``partial=True``
leaves facts out at random, so unknown facts (Kleene ``None``) are exercised. Numbers cluster
around the thresholds the rules use (1.2 / 1.5 / 3 / 6 × the average wage, 1 and 2 years …).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from policy.load import Policy

DATES = [dt.date(2021, 9, 15), dt.date(2022, 3, 1), dt.date(2024, 10, 8)]
WAGES = [8847, 9407, 10628, 11297, 11761]  # monthly figures the dates above may use
MONTHLY = sorted({int(w * k) + d for w in WAGES for k in (1.2, 1.5) for d in (-1, 0, 1)} | {0, 5000, 30000})
ANNUAL = sorted({12 * w * k + d for w in WAGES for k in (3, 4, 6, 8) for d in (0, 1)} | {0, 150000, 2000000})


def _money(spec_name: str):
    if "monthly" in spec_name:
        return st.one_of(st.sampled_from(MONTHLY), st.integers(0, 60000))
    if "annual_last_3_years" in spec_name or "last_12_months" in spec_name:
        return st.one_of(st.sampled_from(ANNUAL), st.integers(0, 3_000_000))
    return st.one_of(st.sampled_from([0, 100000, 500000, 1000000, 5000000, 10000000, 10000001]),
                     st.integers(0, 20_000_000))


@st.composite
def profiles(draw, policy: Policy, partial: bool = True, district: str | None = None) -> dict:
    """A profile dict (the input contract) for ``facts_from_dict``."""
    vocab = policy.vocabulary
    date = draw(st.sampled_from(DATES))
    keep = (lambda: draw(st.booleans()) or draw(st.booleans())) if partial else (lambda: True)  # ~75 % stated
    age_months = draw(st.integers(16 * 12, 70 * 12))
    exp_months = 3 * draw(st.integers(0, (age_months - 16 * 12) // 3))  # quarters: exact in decimal years
    tenure = draw(st.integers(0, min(exp_months, 720)))
    insurance = draw(st.integers(0, tenure))
    values: dict[str, object] = {}
    birth_idx = date.year * 12 + date.month - 1 - age_months
    values["applicant.birth_date"] = dt.date(birth_idx // 12, birth_idx % 12 + 1, 1).isoformat()
    values["applicant.work_experience_years"] = exp_months // 12 if exp_months % 12 == 0 else exp_months / 12
    values["applicant.months_with_employer"] = tenure
    values["applicant.social_insurance_months"] = insurance
    reg = draw(st.sampled_from([0, 500000, 1000000, 5000000]))
    values["employer.registered_capital"] = reg
    values["employer.paid_in_capital"] = draw(st.integers(0, reg))
    for name, spec in vocab.facts.items():
        if spec.derived or spec.type == "date" or name in values:
            continue
        if spec.type == "enum":
            values[name] = draw(st.sampled_from(spec.choices))
        elif spec.type == "bool":
            values[name] = draw(st.booleans())
        elif spec.type == "money":
            values[name] = draw(_money(name))
        elif spec.type == "money_list":
            values[name] = [draw(_money(name)) for _ in range(spec.length)]
        else:
            lo = int(spec.minimum) if spec.minimum is not None else 0
            hi = int(spec.maximum) if spec.maximum is not None else 100
            values[name] = draw(st.one_of(st.integers(lo, min(hi, lo + 12)), st.integers(lo, hi)))
    if district:
        values["employer.registered_district"] = values["employer.tax_district"] = district
    if values["employer.legal_form"] == "branch":
        values["employer.legal_person"] = False
    linked = {"applicant.birth_date", "applicant.work_experience_years", "applicant.months_with_employer",
              "applicant.social_insurance_months", "employer.registered_capital", "employer.paid_in_capital",
              "employer.legal_form", "employer.legal_person"}
    out: dict = {"application": {"date": date.isoformat()}}
    for name, v in values.items():
        # Facts linked by a constraint are dropped together or not at all, so partial profiles stay valid.
        if name not in linked and not keep():
            continue
        parts = name.split(".")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    return out
