"""Tables of applicants in and out: the Arrow form the SQL backend reads, and the files it comes from.

One row per applicant, one column per stated fact named by its path (docs/profile.md):
``applicant.income.monthly_avg_12m``; list items ``applicant.income.annual_last_3_years[0]``.
Arrow types: dates ``date32``, yes/no ``bool``, choices ``string`` (English choice names), whole
numbers ``int64``, other numbers ``decimal128(38, s)`` (exact, never floats).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from policy.load import Policy

ROW = "__row"  # the 1-based row number of the input, carried through every query


def columns(policy: Policy) -> dict[str, str]:
    """Stated fact columns and their vocabulary type (list facts expanded to their items)."""
    out: dict[str, str] = {}
    for spec in policy.vocabulary.facts.values():
        if spec.derived:
            continue
        for n in spec.numeric_names:
            out[n] = "money" if spec.type == "money_list" else spec.type
    return out


def _scale(values) -> int:
    s = 0
    for v in values:
        if v is not None:
            e = v.as_tuple().exponent
            s = max(s, -e if isinstance(e, int) and e < 0 else 0)
    return s


def arrow_column(kind: str, values: list) -> pa.Array:
    """Typed Arrow array of already-checked Python values (``None``: unknown)."""
    if kind == "date":
        return pa.array([None if v is None else (v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)))
                         for v in values], pa.date32())
    if kind == "bool":
        return pa.array(values, pa.bool_())
    if kind == "enum":
        return pa.array(values, pa.string())
    decs = [None if v is None else (v if isinstance(v, Decimal) else Decimal(str(v))) for v in values]
    if all(d is None or d == d.to_integral_value() for d in decs):
        return pa.array([None if d is None else int(d) for d in decs], pa.int64())
    s = min(_scale(decs), 18)
    return pa.array([None if d is None else d.quantize(Decimal(1).scaleb(-s)) for d in decs], pa.decimal128(38, s))


def flatten(profile: dict, prefix: str = "") -> dict[str, object]:
    """A nested profile dict → {fact path: value}, list facts as ``name[i]``."""
    out: dict[str, object] = {}
    for k, v in profile.items():
        name = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, name))
        elif isinstance(v, list):
            out.update({f"{name}[{i}]": x for i, x in enumerate(v)})
        else:
            out[name] = v
    return out


def from_profiles(policy: Policy, profiles: list[dict]) -> pa.Table:
    """Profiles (the input contract, as dicts) → the applicant table, every fact column present."""
    flat = [flatten(p) for p in profiles]
    cols = {ROW: pa.array(range(1, len(flat) + 1), pa.int64())}
    for name, kind in columns(policy).items():
        cols[name] = arrow_column(kind, [f.get(name) for f in flat])
    return pa.table(cols)


def complete(policy: Policy, table: pa.Table) -> pa.Table:
    """Add the fact columns a table leaves out (all unknown), so every query finds its columns."""
    for name, kind in columns(policy).items():
        if name not in table.column_names:
            table = table.append_column(name, arrow_column(kind, [None] * table.num_rows))
    if ROW not in table.column_names:
        table = table.append_column(ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))
    return table


__all__ = ["ROW", "columns", "arrow_column", "flatten", "from_profiles", "complete"]
