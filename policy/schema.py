"""JSON Schemas generated from the vocabulary and the loaders' key sets.

Three schemas, shipped in ``policy/schemas/`` and written by ``wrp schema --output DIR``:

- ``profile.schema.json`` — every fact a profile may state (eligibility and procedure facts): its
  JSON type, unit, choices with Chinese and English labels, bounds, default; sections nest as the
  profile does. ``null`` states a fact as unknown. Extra keywords ``x-wrp-*`` carry what the
  caseworker form needs (labels, units, the vocabulary type).
- ``jurisdiction.schema.json`` and ``procedure.schema.json`` — the shape of the policy files (keys,
  required keys, topics, sources, fact names, the condition language).

The schemas check the shape of a file, as an editor can; the loaders check more (cross-fact
constraints, quotes found verbatim in their source, duplicate ids). A file the schema rejects is
always rejected by the loader, at the same field.

Example:
    >>> s = profile_schema()
    >>> degree = s["properties"]["applicant"]["properties"]["degree"]
    >>> degree["enum"][:3], degree["x-wrp-choices"]["master"]
    (['none', 'bachelor', 'master'], {'zh': '硕士', 'en': 'master'})
    >>> s["properties"]["applicant"]["properties"]["months_with_employer"]["maximum"]
    720
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from policy.expr import OPS
from policy.load import CLAUSE_KEYS, COND_KEYS, POLICY_DIR, THRESHOLD_PARAMS, load_sources, load_vocabulary
from policy.model import FactSpec
from policy.procedures import (
    ACTIONS,
    BUSINESSES,
    EVENTS,
    FILERS,
    MATERIAL_KEYS,
    RULE_KEYS,
    UNITS,
    load_procedure_topics,
    load_procedure_vocabulary,
)
from policy.procedures import CLAUSE_KEYS as PROC_CLAUSE_KEYS

SCHEMA_DIR = POLICY_DIR / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
NAMES = ("profile", "jurisdiction", "procedure")

# Titles of the profile's sections (the nesting of the dotted fact names), for forms and editors.
SECTIONS: dict[str, dict[str, str]] = {
    "application": {"zh": "申请", "en": "Application"},
    "applicant": {"zh": "申请人", "en": "Applicant"},
    "applicant.income": {"zh": "收入", "en": "Income"},
    "applicant.residence": {"zh": "住所", "en": "Residence"},
    "applicant.patents": {"zh": "专利与著作权", "en": "Patents and copyrights"},
    "applicant.startup": {"zh": "创业", "en": "Start-up"},
    "applicant.freelancer": {"zh": "自由职业", "en": "Freelancer"},
    "applicant.talent_program": {"zh": "人才工程", "en": "Talent programmes"},
    "applicant.contract": {"zh": "劳动合同", "en": "Labour contract"},
    "applicant.id_card": {"zh": "身份证", "en": "Identity card"},
    "applicant.residence_permit": {"zh": "北京市居住证", "en": "Beijing residence permit"},
    "applicant.integrity_declaration": {"zh": "个人诚信声明", "en": "Integrity declaration"},
    "applicant.accompanying": {"zh": "随迁家属", "en": "Accompanying family"},
    "employer": {"zh": "单位", "en": "Employer"},
    "permit": {"zh": "已持有的工作居住证", "en": "Permit held"},
}


def _num(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _choice_en(choice: str) -> str:
    return choice.replace("_", " ")


def fact_schema(spec: FactSpec) -> dict:
    """The JSON Schema of one stated fact (``null`` = unknown)."""
    bounds = {}
    if spec.minimum is not None:
        bounds["minimum"] = _num(spec.minimum)
    if spec.maximum is not None:
        bounds["maximum"] = _num(spec.maximum)
    match spec.type:
        case "date":
            s: dict = {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        case "bool":
            s = {"type": ["boolean", "null"]}
        case "int":
            s = {"type": ["integer", "null"], **bounds}
        case "decimal" | "money":
            s = {"type": ["number", "null"], **bounds}
        case "enum":
            zh = dict(spec.choice_zh)
            s = {"enum": [*spec.choices, None],
                 "x-wrp-choices": {c: {"zh": zh.get(c, c), "en": _choice_en(c)} for c in spec.choices}}
            if spec.ordered:
                s["x-wrp-ordered"] = True
        case "money_list":
            s = {"type": ["array", "null"], "minItems": spec.length, "maxItems": spec.length,
                 "items": {"type": "number", **bounds}}
        case _:
            raise AssertionError(spec.type)
    unit = f" ({spec.unit['en']})" if spec.unit else ""
    s = {"title": spec.label["en"], "description": f"{spec.label['zh']} / {spec.label['en']}{unit}", **s,
         "x-wrp-type": spec.type, "x-wrp-label": dict(spec.label)}
    if spec.unit:
        s["x-wrp-unit"] = dict(spec.unit)
    if spec.default is not None:
        s["default"] = spec.default
    return s


def profile_facts() -> dict[str, FactSpec]:
    """Every fact a profile may state: the eligibility vocabulary, then the procedure facts."""
    vocab = load_vocabulary()
    proc, _ = load_procedure_vocabulary()
    return {n: s for n, s in {**vocab.facts, **proc}.items() if not s.derived}


def _section(path: str) -> dict:
    label = SECTIONS.get(path, {"zh": path, "en": path})
    return {"type": "object", "title": label["en"], "x-wrp-label": dict(label), "properties": {},
            "additionalProperties": False}


def profile_schema() -> dict:
    """``profile.schema.json``: nested sections as in a profile, one property per stated fact."""
    root = {"$schema": DRAFT, "$id": "profile.schema.json", "title": "wrp applicant profile",
            "description": "A profile for wrp check / explain / missing (docs/profile.md). A fact left out or null "
                           "is unknown, not false. The loader also checks the cross-fact constraints.",
            "type": "object", "properties": {}, "additionalProperties": False}
    procedure = set(load_procedure_vocabulary()[0])
    for name, spec in profile_facts().items():
        parts = name.split(".")
        node = root
        for i, part in enumerate(parts[:-1]):
            path = ".".join(parts[: i + 1])
            node = node["properties"].setdefault(part, _section(path))
        node["properties"][parts[-1]] = fact_schema(spec) | {"x-wrp-fact": name}
        if name in procedure:  # needed by deadlines and materials, not by eligibility
            node["properties"][parts[-1]]["x-wrp-procedure"] = True
    return root


# --- policy files --------------------------------------------------------------------------------


def _text() -> dict:
    return {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
            "required": ["zh", "en"], "additionalProperties": False}


def _condition_defs(fact_names: list[str], list_facts: list[str]) -> dict:
    value = {"anyOf": [{"type": "number"}, {"type": "boolean"}, {"type": "string"}, {"$ref": "#/$defs/threshold"}]}
    props = {"fact": {"enum": fact_names}, "each": {"enum": list_facts},
             "sum": {"type": "array", "items": {"type": "array", "prefixItems": [{"type": "number"},
                                                                                 {"enum": fact_names + list_facts}],
                                                "minItems": 2, "maxItems": 2}},
             "all": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
             "any": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
             "not": {"$ref": "#/$defs/condition"},
             "at_least": {"type": "integer", "minimum": 0},
             "of": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
             "in": {"anyOf": [{"type": "array", "items": {"type": "string"}},
                              {"type": "object", "properties": {"set": {"type": "string"}}, "required": ["set"],
                               "additionalProperties": False}]},
             **{op: value for op in OPS}}
    props["not_in"] = props["in"]
    assert set(props) == COND_KEYS, "the schema lists every key of the condition language"
    return {
        "threshold": {"type": "object", "properties": {"times": {"type": "number"}, "param": {"enum": list(THRESHOLD_PARAMS)},
                                                       "round": {"enum": ["yuan", "exact"]}},
                      "required": ["times", "param"], "additionalProperties": False},
        "condition": {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1},
    }


def _cite(sources: list[str]) -> dict:
    return {"type": "object", "properties": {"source": {"enum": sources}, "section": {"type": "string"}},
            "required": ["source", "section"], "additionalProperties": False}


def _fact_names(facts: dict[str, FactSpec]) -> tuple[list[str], list[str]]:
    names = [n for s in facts.values() if s.type not in ("money_list",) for n in [s.name]]
    items = [n for s in facts.values() if s.type == "money_list" for n in s.numeric_names]
    return names + items, [s.name for s in facts.values() if s.type == "money_list"]


def jurisdiction_schema() -> dict:
    """``jurisdiction.schema.json``: a file of ``policy/jurisdictions/`` (docs/authoring.md)."""
    vocab = load_vocabulary()
    sources = sorted(load_sources())
    names, lists = _fact_names(vocab.facts)
    clause_props = {"id": {"type": "string"}, "topic": {"enum": list(vocab.topics)}, "cite": {"$ref": "#/$defs/cite"},
                    "quote": {"type": "string", "description": "verbatim from the cited source (checked by the loader)"},
                    "strength": {"enum": ["required", "in_principle"]}, "note": {"type": "string"},
                    "note_zh": {"type": "string"}, "when": {"$ref": "#/$defs/condition"},
                    "title": {"$ref": "#/$defs/text"},
                    "applies_to": {"type": "object", "description": "a base clause for some pathways only",
                                   "properties": {k: {"type": "array", "items": {"type": "string"}, "minItems": 1}
                                                  for k in ("except", "only")},
                                   "minProperties": 1, "maxProperties": 1, "additionalProperties": False}}
    assert set(clause_props) == CLAUSE_KEYS
    clauses = {"type": "array", "items": {"$ref": "#/$defs/clause"}}
    return {
        "$schema": DRAFT, "$id": "jurisdiction.schema.json", "title": "wrp jurisdiction file",
        "description": "One jurisdiction and version: meta, employer / applicant clauses (all must hold), pathways "
                       "(one must hold), exclusions (none may hold). The loader also checks quotes verbatim.",
        "type": "object",
        "properties": {
            "meta": {"type": "object", "properties": {
                "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "name": {"$ref": "#/$defs/text"},
                "issuer": {"type": "string"}, "document": {"type": "string"},
                "in_force": {"type": "object", "properties": {"from": {"$ref": "#/$defs/date"},
                                                              "to": {"$ref": "#/$defs/date"},
                                                              "note": {"type": "string"}},
                             "additionalProperties": False},
                "sources": {"type": "array", "items": {"enum": sources}}, "note": {"type": "string"}},
                "required": ["id", "name", "document", "sources"], "additionalProperties": False},
            "employer": clauses, "applicant": clauses, "exclusions": clauses,
            "pathways": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "topic": {"enum": list(vocab.topics)}, "title": {"$ref": "#/$defs/text"},
                "clauses": clauses}, "required": ["id", "topic", "title", "clauses"], "additionalProperties": False}},
        },
        "required": ["meta"], "additionalProperties": False,
        "$defs": {"text": _text(), "cite": _cite(sources), "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                  "clause": {"type": "object", "properties": clause_props,
                             "required": ["id", "topic", "cite", "quote", "when"], "additionalProperties": False},
                  **_condition_defs(names, lists)},
    }


def procedure_schema() -> dict:
    """``procedure.schema.json``: a file of ``policy/procedures/`` (docs/procedures.md)."""
    vocab = load_vocabulary()
    proc, _ = load_procedure_vocabulary()
    topics = list(load_procedure_topics())
    pathway_topics = sorted(t for t in vocab.topics if t.startswith("pathway_") and t not in topics)
    sources = sorted(load_sources())
    names, lists = _fact_names({**vocab.facts, **proc})
    duration = {"type": "object", "properties": {u: {"type": "integer", "minimum": 0} for u in UNITS},
                "minProperties": 1, "maxProperties": 1, "additionalProperties": False}
    side = {"before": {"enum": list(EVENTS)}, "after": {"enum": list(EVENTS)}}
    md = {"type": "string", "pattern": r"^\d\d-\d\d$"}
    rules = {
        "filer": {"enum": list(FILERS)}, "validity": {"$ref": "#/$defs/duration"},
        "review": {"$ref": "#/$defs/duration"},
        "window": {"type": "object", "properties": {**side, "within": {"$ref": "#/$defs/duration"}},
                   "required": ["within"], "additionalProperties": False},
        "deadline": {"type": "object", "properties": {**side, "within": {"$ref": "#/$defs/duration"},
                                                      "at_least": {"$ref": "#/$defs/duration"},
                                                      "action": {"enum": list(ACTIONS)}},
                     "additionalProperties": False},
        "lapse": {"type": "object", "properties": {"after": {"enum": list(EVENTS)}, "grace": {"$ref": "#/$defs/duration"},
                                                   "unless": {"enum": ["approved", "filed"]}},
                  "required": ["after", "unless"], "additionalProperties": False},
        "suspend": {"type": "object", "properties": {"on": {"enum": list(EVENTS)}}, "required": ["on"],
                    "additionalProperties": False},
        "auto_extend": {"type": "object", "properties": {"max": {"$ref": "#/$defs/duration"},
                                                         "until": {"enum": ["contract_end"]},
                                                         "when": {"$ref": "#/$defs/condition"}},
                        "required": ["max"], "additionalProperties": False},
        "abolished": {"type": "boolean"},
        "period": {"type": "object", "properties": {"from": md, "to": md}, "required": ["from", "to"],
                   "additionalProperties": False},
        "requires": {"$ref": "#/$defs/condition"}, "allowed": {"type": "boolean"},
    }
    assert set(rules) == set(RULE_KEYS)
    common = {"id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"}, "topic": {"enum": topics},
              "cite": {"$ref": "#/$defs/cite"}, "quote": {"type": "string"},
              "strength": {"enum": ["required", "in_principle"]}, "note": {"type": "string"},
              "applies_when": {"$ref": "#/$defs/condition"}}
    clause_props = {**common, "situation": {"$ref": "#/$defs/condition"}, **rules}
    assert set(clause_props) == PROC_CLAUSE_KEYS
    material_props = {**common, "item": {"$ref": "#/$defs/text"},
                      "pathways": {"type": "array", "items": {"enum": pathway_topics}},
                      "validity": {"$ref": "#/$defs/condition"}}
    assert set(material_props) == MATERIAL_KEYS
    return {
        "$schema": DRAFT, "$id": "procedure.schema.json", "title": "wrp procedure file",
        "description": "One jurisdiction's businesses: procedure clauses (exactly one rule key each) and "
                       "materials. The loader also checks quotes verbatim and unique ids.",
        "type": "object",
        "properties": {
            "meta": {"type": "object", "properties": {"jurisdiction": {"type": "string"},
                                                      "sources": {"type": "array", "items": {"enum": sources}},
                                                      "note": {"type": "string"}},
                     "required": ["jurisdiction", "sources"], "additionalProperties": False},
            "businesses": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"enum": list(BUSINESSES)}, "note": {"type": "string"},
                "clauses": {"type": "array", "items": {"$ref": "#/$defs/clause"}},
                "materials": {"type": "array", "items": {"$ref": "#/$defs/material"}}},
                "required": ["id"], "additionalProperties": False}},
        },
        "required": ["meta", "businesses"], "additionalProperties": False,
        "$defs": {"text": _text(), "cite": _cite(sources), "duration": duration,
                  "clause": {"type": "object", "properties": clause_props,
                             "required": ["id", "topic", "cite", "quote"], "additionalProperties": False,
                             "oneOf": [{"required": [k]} for k in RULE_KEYS]},
                  "material": {"type": "object", "properties": material_props,
                               "required": ["id", "topic", "item", "cite", "quote"], "additionalProperties": False},
                  **_condition_defs(names, lists)},
    }


def generate() -> dict[str, dict]:
    """Every schema, by name (``profile``, ``jurisdiction``, ``procedure``)."""
    return {"profile": profile_schema(), "jurisdiction": jurisdiction_schema(), "procedure": procedure_schema()}


def dumps(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def shipped(name: str) -> dict:
    """The schema shipped with the package (``policy/schemas/NAME.schema.json``)."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def to_json_value(data):
    """YAML data as an editor's JSON view: dates as ISO strings, ruamel maps and lists as plain ones."""
    import datetime as dt
    if isinstance(data, dict):
        return {str(k): to_json_value(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_json_value(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def schema_errors(name: str, data) -> list[tuple[str, str]]:
    """``(JSON pointer, message)`` for each place ``data`` breaks the shipped schema ``name``."""
    from jsonschema import Draft202012Validator
    # "format": "date" is only an annotation unless a format checker is given: with it, 1990-02-30
    # (which the pattern lets through) is refused, as the loader refuses it
    v = Draft202012Validator(shipped(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    out = []
    for e in v.iter_errors(to_json_value(data)):
        path = [str(p) for p in e.absolute_path]
        if e.validator == "additionalProperties":  # point at the unexpected key itself
            m = re.search(r"\('([^']+)' was unexpected\)|'([^']+)' was unexpected", e.message)
            if m:
                path.append(m.group(1) or m.group(2))
        elif e.validator == "required":  # point at the missing key
            m = re.match(r"'([^']+)' is a required property", e.message)
            if m:
                path.append(m.group(1))
        out.append(("/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path), e.message))
    return sorted(out)


__all__ = ["profile_schema", "jurisdiction_schema", "procedure_schema", "generate", "shipped",
           "schema_errors", "to_json_value", "SECTIONS", "SCHEMA_DIR", "NAMES"]
