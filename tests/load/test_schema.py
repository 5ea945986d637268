"""The JSON Schemas (policy/schema.py): in sync with the vocabulary, and they accept and refuse the same
files as the loaders (a schema catches the shape; the loaders also catch what needs the data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from policy.errors import InputError
from policy.load import load_jurisdiction, load_policy
from policy.procedures import load_procedure_file, with_procedure_facts
from policy.schema import NAMES, SCHEMA_DIR, dumps, generate, profile_facts, schema_errors
from policy.yamlio import read_yaml
from solver.procedures.facts import load_procedure_profile
from tests.cli.test_examples import _uncommitted_policy_files

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

# Bad files the schema lets through, because only the loader has what decides them.
PROFILE_LOADER_ONLY = {"impossible_tenure.yaml",  # a cross-fact constraint
                       "birth_after_application.yaml",  # two dates compared
                       "invalid_yaml.yaml", "invalid_syntax.json"}  # not YAML at all: nothing to validate
POLICY_LOADER_ONLY = {"quote_not_verbatim.yaml", "duplicate_clause_id.yaml", "duplicate_key.yaml", "yaml_syntax.yaml",
                      "enum_not_choice.yaml", "unordered_enum.yaml", "bool_vs_number.yaml",  # need the fact's type
                      "enum_chinese_label.yaml",
                      "section_not_in_source.yaml", "quote_outside_section.yaml",  # need the source text
                      "clause_id_prefix.yaml",  # needs the file's own id
                      "impossible_date.yaml"}  # refused while reading the YAML (a timestamp that is no date)
PROCEDURE_LOADER_ONLY = {"section_not_in_source.yaml", "quote_outside_section.yaml", "id_prefix.yaml", "bad_quote.yaml", "duplicate_id.yaml", "duplicate_key.yaml", "undeclared_source.yaml",
                         "unknown_jurisdiction.yaml", "date_fact.yaml", "bad_period.yaml"}


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.mark.parametrize("name", NAMES)
def test_shipped_schema_is_in_sync_with_the_vocabulary(name):
    """Regenerate and compare: an edit to the vocabulary or a loader without `wrp schema --output
    policy/schemas` fails here."""
    new = _uncommitted_policy_files()
    if new:  # a maintainer trying a new district: the shipped schemas describe the committed rules
        pytest.skip(f"uncommitted policy files ({', '.join(new)}): run wrp schema --output policy/schemas before "
                    "committing them")
    assert (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8") == dumps(generate()[name])


def test_every_stated_fact_is_in_the_profile_schema():
    schema = generate()["profile"]
    for name, spec in profile_facts().items():
        node = schema
        for part in name.split("."):
            node = node["properties"][part]
        assert node["x-wrp-fact"] == name and node["x-wrp-label"] == spec.label
        if spec.type == "enum":
            assert node["enum"][:-1] == list(spec.choices)
            assert set(node["x-wrp-choices"]) == set(spec.choices)
            assert all(v["zh"] and v["en"] for v in node["x-wrp-choices"].values())
        if spec.unit:
            assert node["x-wrp-unit"] == spec.unit
    assert "age_months" not in schema["properties"]["applicant"]["properties"]  # derived: may not be stated


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_and_loads(path, policy):
    assert schema_errors("profile", read_yaml(path)) == []
    load_procedure_profile(path, policy)


@pytest.mark.parametrize("path", sorted((FIX / "bad_profiles").iterdir()), ids=lambda p: p.name)
def test_bad_profiles_fail_as_the_loader_says(path, policy):
    try:
        load_procedure_profile(path, policy)
        loader_error = None
    except InputError as e:
        loader_error = e
    if path.name == "valid.json":
        assert loader_error is None and schema_errors("profile", json.loads(path.read_text())) == []
        return
    assert loader_error is not None
    if path.name in PROFILE_LOADER_ONLY:
        if "invalid" not in path.name:
            assert schema_errors("profile", read_yaml(path)) == []
        return
    errors = schema_errors("profile", read_yaml(path))
    assert errors, "the schema lets a bad profile through"
    pointers = {p for p, _ in errors}
    expected = "/" + loader_error.field.replace(".", "/") if loader_error.field else "/"
    assert expected in pointers, (expected, errors)


def _policy_case(path: Path, load, schema: str, loader_only: set[str]):
    with pytest.raises(InputError) as info:
        load(path)
    e = info.value
    try:
        data = read_yaml(path)
    except InputError:
        assert path.name in loader_only
        return
    errors = schema_errors(schema, data)
    if path.name in loader_only:
        assert errors == [], "listed as loader-only, but the schema catches it: move it"
        return
    assert errors, "the schema lets a bad file through"
    named = e.field or (e.message.split("`")[1] if "`" in e.message else None)
    assert named is None or any(named in p.split("/") or named in m for p, m in errors), (named, errors)


@pytest.mark.parametrize("path", sorted((FIX / "bad_policy").glob("*.yaml")), ids=lambda p: p.name)
def test_bad_jurisdiction_files_fail_as_the_loader_says(path, policy):
    _policy_case(path, lambda f: load_jurisdiction(f, policy.vocabulary, policy.params, policy.sources),
                 "jurisdiction", POLICY_LOADER_ONLY)


@pytest.mark.parametrize("path", sorted((FIX / "procedures").glob("*.yaml")), ids=lambda p: p.name)
def test_bad_procedure_files_fail_as_the_loader_says(path, policy):
    _policy_case(path, lambda f: load_procedure_file(f, with_procedure_facts(policy)), "procedure",
                 PROCEDURE_LOADER_ONLY)


@pytest.mark.parametrize("kind", ["jurisdictions", "procedures"])
def test_shipped_policy_files_validate(kind):
    schema = {"jurisdictions": "jurisdiction", "procedures": "procedure"}[kind]
    new = _uncommitted_policy_files()
    if new:  # a maintainer trying a new district: the shipped schemas describe the committed rules
        pytest.skip(f"uncommitted policy files ({', '.join(new)}): run wrp schema --output policy/schemas before "
                    "committing them")
    files = sorted((ROOT / "policy" / kind).glob("*.yaml"))
    assert files
    for f in files:
        assert schema_errors(schema, read_yaml(f)) == [], f


def test_wrp_schema_writes_the_shipped_files(tmp_path, capsys):
    new = _uncommitted_policy_files()
    if new:  # a maintainer trying a new district: the shipped schemas describe the committed rules
        pytest.skip(f"uncommitted policy files ({', '.join(new)}): run wrp schema --output policy/schemas before "
                    "committing them")
    out = tmp_path / "new" / "dir"
    assert cli.main(["schema", "--output", str(out)]) == 0
    for name in NAMES:
        assert (out / f"{name}.schema.json").read_bytes() == (SCHEMA_DIR / f"{name}.schema.json").read_bytes()
    assert not list(out.glob(".*tmp"))  # written through a temporary file, none left behind
    capsys.readouterr()
    assert cli.main(["schema", "--name", "procedure"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"] == "procedure.schema.json"


def test_wrp_schema_refuses_a_file_as_output_dir(tmp_path, capsys):
    f = tmp_path / "x.json"
    f.write_text("{}")
    assert cli.main(["schema", "--output", str(f)]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert f.read_text() == "{}"


def test_schema_and_loader_agree_on_generated_profiles(policy):
    """Property (hypothesis, the one profile generator): every generated profile passes the schema and
    the loader; one fact spoiled to a value of the wrong kind fails both, at the same field."""
    from hypothesis import given
    from hypothesis import strategies as st

    from solver.procedures.facts import procedure_facts_from_dict
    from tests.generate import profiles

    def flat(node, prefix=""):
        for k, v in node.items():
            name = f"{prefix}.{k}" if prefix else k
            yield from flat(v, name) if isinstance(v, dict) else [(name, v)]

    wrong = {"bool": "yes", "enum": "bogus", "int": "many", "decimal": "many", "money": "many",
             "money_list": [1], "date": "1990-02-30"}  # an impossible day: the pattern passes it, format "date" not

    @given(profiles(policy, partial=True), st.data())
    def prop(profile, data):
        assert schema_errors("profile", profile) == []
        procedure_facts_from_dict(profile, policy)
        names = sorted(n for n, _ in flat(profile) if n != "application.date")
        name = data.draw(st.sampled_from(names))
        node = profile
        *groups, last = name.split(".")
        for g in groups:
            node = node[g]
        node[last] = wrong[policy.vocabulary.facts[name].type]
        assert "/" + name.replace(".", "/") in {p for p, _ in schema_errors("profile", profile)}
        with pytest.raises(InputError) as e:
            procedure_facts_from_dict(profile, policy)
        assert e.value.field == name

    prop()
