"""Golden outputs: `wrp explain` text for one example per jurisdiction (eligible and rejected, one in Chinese,
one `--district all`), and the Datalog program compiled from the Changping rules, so that any change of the
proofs, their wording or the rule compilation shows up in review as a diff of tests/golden/.

Regenerate after a deliberate change and review the diff:  UPDATE_GOLDEN=1 pytest tests/cli/test_golden.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import os
import shutil
from pathlib import Path

import pytest
from rich.console import Console

import cli
from policy.load import load_policy
from solver.backends.datalog import to_datalog
from solver.facts import wage_on
from solver.program import compile_program

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))

# golden file -> `wrp explain` arguments (profile relative to examples/)
EXPLAIN = {
    "explain_beijing_rejected_residence.txt": ["beijing_rejected_residence.yaml"],
    "explain_changping_eligible.txt": ["changping_eligible.yaml"],
    # a case split with the deciding fact unknown: holds either way (issue 9 §1)
    "explain_changping_case_split.txt": ["changping_case_split_high_tech_unknown.yaml"],
    "explain_changping_case_split_zh.txt": ["changping_case_split_high_tech_unknown.yaml", "--lang", "zh"],
    "explain_chaoyang_rejected_age_zh.txt": ["chaoyang_rejected_age.yaml", "--lang", "zh"],
    "explain_daxing_eligible_startup.txt": ["daxing_eligible_startup.yaml"],
    "explain_xicheng_rejected_income.txt": ["xicheng_rejected_income.yaml"],
    "explain_changping_rejected_dispatch_all.txt": ["changping_rejected_dispatch.yaml", "--district", "all"],
}
DATALOG = {"datalog_changping_2021-09-15.txt": ("changping", dt.date(2021, 9, 15))}
# The `--district all` golden records these jurisdictions: it is rendered over a copy of just their files, so
# a jurisdiction added to the rules changes no golden file.
ALL_GOLDEN_IDS = ("beijing", "changping", "chaoyang", "daxing", "xicheng")


def render_explain(args: list[str], rules: Path | None = None) -> str:
    """`wrp explain` as a 100-column terminal without colour shows it (trailing blanks stripped)."""
    extra = ["--rules", str(rules)] if rules else []
    parsed = cli.build_parser().parse_args(["explain", str(ROOT / "examples" / args[0]), *args[1:], *extra])
    buf = io.StringIO()
    console = Console(file=buf, width=100, color_system=None, force_terminal=False, force_jupyter=False,
                      force_interactive=False, legacy_windows=False, highlight=False, soft_wrap=False)
    assert cli.run(parsed, console) == 0
    text = "\n".join(line.rstrip() for line in buf.getvalue().splitlines())
    return text.replace(str(ROOT) + os.sep, "") + "\n"


def render_datalog(jid: str, day: dt.date) -> str:
    policy = load_policy()
    j, _ = policy.version(jid, day)
    text, _ = to_datalog(compile_program(j, wage_on(policy.params, day), lenient=False))
    return f"# {jid} on {day}: solver.backends.datalog.to_datalog(compile_program(...)); UPDATE_GOLDEN=1 to regenerate\n{text}\n"


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run UPDATE_GOLDEN=1 pytest tests/cli/test_golden.py"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{name}", "actual", n=2))
        pytest.fail(f"{name} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}")


def recorded_rules(tmp: Path) -> Path:
    """A rules directory with the shipped files of ``ALL_GOLDEN_IDS`` (every version of each)."""
    policy = load_policy()
    for jid in ALL_GOLDEN_IDS:
        for j in policy.jurisdictions[jid]:
            shutil.copy(j.file, tmp / Path(j.file).name)
    return tmp


@pytest.mark.parametrize("name", sorted(EXPLAIN))
def test_explain_golden(name, tmp_path):
    rules = recorded_rules(tmp_path) if "all" in EXPLAIN[name] else None
    _compare(name, render_explain(EXPLAIN[name], rules))


@pytest.mark.parametrize("name", sorted(DATALOG))
def test_datalog_program_golden(name):
    _compare(name, render_datalog(*DATALOG[name]))


def test_every_golden_file_is_checked():
    assert sorted(p.name for p in GOLDEN.glob("*.txt")) == sorted([*EXPLAIN, *DATALOG])


def test_rendering_is_deterministic():
    args = EXPLAIN["explain_changping_eligible.txt"]
    assert render_explain(args) == render_explain(args)


def test_explain_golden_shows_the_proof():
    """The goldens are what a reviewer reads: make sure they hold what `explain` promises."""
    text = (GOLDEN / "explain_changping_eligible.txt").read_text(encoding="utf-8")
    assert "✓" in text and "«" in text and "001_be62ffba661c98fa.txt" in text
    assert all(len(line) <= 100 for line in text.splitlines())
    zh = (GOLDEN / "explain_chaoyang_rejected_age_zh.txt").read_text(encoding="utf-8")
    assert "不符合条件" in zh and "✗" in zh
    rejected = (GOLDEN / "explain_xicheng_rejected_income.txt").read_text(encoding="utf-8")
    assert "✗" in rejected and "×" in rejected  # the threshold arithmetic
