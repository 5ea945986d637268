"""The shipped examples give the answers tests/examples_expected.yaml records, through the CLI's JSON
contract; the generated doc pages are up to date."""

import json
import runpy
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import cli

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = YAML(typ="safe").load((ROOT / "tests" / "examples_expected.yaml").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name, capsys):
    exp = EXPECTED[name]
    assert cli.main(["check", str(ROOT / "examples" / name), "--district", exp["district"], "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == exp["status"]
    assert out["eligible"] == (exp["status"] == "eligible")
    failed = list(dict.fromkeys(f["clause"] for f in out["failed"]))
    assert failed == exp["reason"]


@pytest.mark.parametrize("script", ["gen_profile_reference.py", "gen_interpretations.py"])
def test_generated_docs_are_current(script):
    mod = runpy.run_path(str(ROOT / "docs" / script))
    assert mod["main"](["--check"]) == 0, f"run python docs/{script}"
