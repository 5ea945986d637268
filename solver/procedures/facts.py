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
from policy.procedures import load_procedure_vocabulary, procedure_policy
from solver.calendar import months_between, years_between
from solver.facts import Facts, facts_from_dict


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


def derive(facts: Facts) -> Facts:
    """Add the derived procedure facts (months left on the contract, age of a declaration …), as
    ``policy/procedure_vocabulary.yaml`` defines them (the procedure files are not needed)."""
    values = dict(facts.values)
    _, derivations = load_procedure_vocabulary()
    for name, (src, measure) in derivations.items():
        day = stated_date(facts, src)
        if day is not None:
            values[name] = Fraction(derive_value(measure, day, facts.date))
    return facts.with_values(values)


def procedure_facts_from_dict(data, policy: Policy, date: dt.date | None = None, file: str = "<profile>") -> Facts:
    merged = procedure_policy(policy)
    return derive(facts_from_dict(data, merged, date=date, file=file))


def load_procedure_profile(path: str | Path, policy: Policy, date: dt.date | None = None) -> Facts:
    """Read a profile that may also state procedure facts; mistakes are ``InputError`` with file:line."""
    from solver.facts import read_profile
    data, name = read_profile(path)
    return procedure_facts_from_dict(data, policy, date=date, file=name)
