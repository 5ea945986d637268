"""The one JSON emitter of every command: UTF-8 (Chinese stays readable), indented."""

from __future__ import annotations

import json


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
