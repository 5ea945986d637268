"""An exact `ineligible` with no single failed clause still says why (qa9): with the legal form unknown and
no legal personality, a Xicheng branch would fail the 100万 tax floor (000 第三条（一）) and anything else the
legal-form clause, so every completion fails, though each clause alone is unknown."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from ruamel.yaml import YAML

import cli

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str]) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=300, color_system=None, force_terminal=False, highlight=False)
    assert cli.run(cli.build_parser().parse_args(args), console) == 0
    return buf.getvalue()


def _profile(tmp_path: Path, **employer) -> Path:
    y = YAML(typ="safe")
    p = y.load((ROOT / "policy/tests/profiles/indep_xicheng.yaml").read_text(encoding="utf-8"))
    p["employer"].update(tax_last_year=500000, legal_person=False)
    del p["employer"]["legal_form"]
    p["employer"].update(employer)
    out = tmp_path / "p.yaml"
    with out.open("w", encoding="utf-8") as f:
        y.dump(p, f)
    return out


@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("lang,words", [("en", "for every value of the unknown facts (employer.legal_form)"),
                                        ("zh", "未知事实（employer.legal_form）取任何值")])
def test_joint_failure_is_explained(tmp_path, command, lang, words):
    text = _run([command, str(_profile(tmp_path)), "--district", "xicheng", "--lang", lang])
    assert ("ineligible" if lang == "en" else "不符合条件") in text
    line = next(x for x in text.splitlines() if words in x)
    assert "xicheng.employer.legal_form" in line and "xicheng.employer.tax" in line


def test_no_joint_line_when_a_clause_fails(tmp_path):
    text = _run(["check", str(_profile(tmp_path, legal_form="branch")), "--district", "xicheng"])
    assert "xicheng.employer.tax" in text and "for every value of the unknown facts" not in text
