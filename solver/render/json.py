"""The one JSON emitter of every command: UTF-8 (Chinese stays readable), indented, with an explicit
encoder — dates as ISO strings, exact numbers as integers (or decimals when not whole); any other
type is a bug and raises ``TypeError`` instead of being printed as ``str()``.

Example:
    >>> import datetime as dt
    >>> from fractions import Fraction
    >>> print(to_json({"date": dt.date(2021, 9, 15), "income": Fraction(14111), "rate": Fraction(3, 2)}))
    {
      "date": "2021-09-15",
      "income": 14111,
      "rate": 1.5
    }
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import PurePath


class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, dt.date):
            return o.isoformat()
        if isinstance(o, Fraction):
            return int(o) if o.denominator == 1 else float(o)
        if isinstance(o, PurePath):
            return str(o)
        return super().default(o)


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, cls=Encoder)
