"""The shipped examples give the answers tests/examples_expected.yaml records, through the CLI's JSON
contract; the generated doc pages are up to date."""

import json
import runpy
import subprocess
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


def _uncommitted_policy_files() -> list[str]:
    """Policy data files git does not track yet (none outside a git checkout)."""
    try:
        r = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "policy"], cwd=ROOT,
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    return [f for f in r.stdout.split() if f.endswith((".yaml", ".txt"))] if r.returncode == 0 else []


@pytest.mark.parametrize("script", ["gen_profile_reference.py", "gen_interpretations.py"])
def test_generated_docs_are_current(script):
    new = _uncommitted_policy_files()
    if new:  # a maintainer trying a new district: the generated pages describe the committed rules
        pytest.skip(f"uncommitted policy files ({', '.join(new)}): run python docs/{script} before committing them")
    mod = runpy.run_path(str(ROOT / "docs" / script))
    assert mod["main"](["--check"]) == 0, f"run python docs/{script}"
