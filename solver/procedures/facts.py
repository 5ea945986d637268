"""Profiles for the procedure commands: the vocabulary with the procedure facts, and the facts derived
from document dates on the filing day (``derive:`` in ``policy/procedure_vocabulary.yaml``).

Example:
    >>> from policy.load import load_policy
    >>> f = procedure_facts_from_dict({"application": {"date": "2024-03-01"},
    ...                                "applicant": {"contract": {"end_date": "2024-08-31"}}}, load_policy())
    >>> f.values["applicant.contract.months_remaining"]
    Fraction(5, 1)
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

from policy.load import Policy, as_date
from policy.procedures import ProcedureSet, load_procedures, with_procedure_facts
from policy.yamlio import read_yaml
from solver.calendar import months_between, years_between
from solver.facts import Facts, facts_from_dict

_MERGED: dict[int, tuple[Policy, Policy]] = {}


def procedure_policy(policy: Policy) -> Policy:
    """``policy`` with the procedure facts in its vocabulary (cached per policy object)."""
    if "permit.expiry_date" in policy.vocabulary.facts:
        return policy
    hit = _MERGED.get(id(policy))
    if hit is None or hit[0] is not policy:
        hit = _MERGED[id(policy)] = (policy, with_procedure_facts(policy))
    return hit[1]


def stated_date(facts: Facts, name: str) -> dt.date | None:
    """A date fact as the profile states it (dates are not numbers, so they live in ``stated``)."""
    return as_date(facts.stated.get(name))


def derive_value(measure: str, day: dt.date, filing: dt.date) -> int:
    match measure:
        case "months_until":
            return months_between(filing, day)
        case "days_since":
            return (filing - day).days
        case "years_since":
            return years_between(day, filing)
        case "yyyymm":
            return day.year * 100 + day.month
    raise ValueError(f"unknown measure {measure!r}")


def derive(facts: Facts, pset: ProcedureSet) -> Facts:
    """Add the derived procedure facts (months left on the contract, age of a declaration …)."""
    values = dict(facts.values)
    for name, (src, measure) in pset.derivations.items():
        day = stated_date(facts, src)
        if day is not None:
            values[name] = Fraction(derive_value(measure, day, facts.date))
    return facts.with_values(values)


def procedure_facts_from_dict(data, policy: Policy, date: dt.date | None = None, file: str = "<profile>") -> Facts:
    merged = procedure_policy(policy)
    return derive(facts_from_dict(data, merged, date=date, file=file), load_procedures(policy))


def load_procedure_profile(path: str | Path, policy: Policy, date: dt.date | None = None) -> Facts:
    """Read a profile that may also state procedure facts; mistakes are ``InputError`` with file:line."""
    path = Path(path)
    return procedure_facts_from_dict(read_yaml(path), policy, date=date, file=str(path))
