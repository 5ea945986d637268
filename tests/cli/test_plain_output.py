"""`wrp check` piped or redirected prints its summary without rich (solver/render/lines.py); the text must
be the same, to the byte, as rich's console prints it — on every example, in both languages, with
`--lenient` and `--district all` (whose comparison table falls back to rich)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import cli
from solver.render.lines import Line, Lines, plain_ok
from solver.render.terminal import InertConsole

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))


def _rich(argv: list[str]) -> str:
    buf = io.StringIO()
    console = InertConsole(file=buf, width=cli.PIPE_WIDTH, highlight=False, soft_wrap=False, markup=False, emoji=False)
    assert cli.run(cli.build_parser().parse_args(argv), console) == 0
    return buf.getvalue()


def _plain(argv: list[str], capsys, monkeypatch) -> str:
    for v in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(v, raising=False)
    capsys.readouterr()
    assert cli.run(cli.build_parser().parse_args(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("extra", [[], ["--lang", "zh"], ["--lenient"], ["--district", "all"]])
def test_plain_check_equals_rich(name, extra, capsys, monkeypatch):
    argv = ["check", str(ROOT / "examples" / name), *extra]
    assert _plain(argv, capsys, monkeypatch) == _rich(argv)


def test_rich_is_not_imported_by_a_piped_check():
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    code = ("import sys, cli\n"
            "rc = cli.main(['check', 'examples/changping_rejected_income.yaml'])\n"
            "assert rc == 0 and 'rich' not in sys.modules, [m for m in sys.modules if m.startswith('rich')]\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "✗" in r.stdout


def test_plain_ok_refuses_what_rich_would_change():
    assert plain_ok(["x", Lines([Line.of("a b", "red")])], 100)
    assert not plain_ok([Lines([Line.of("a\tb")])], 100)  # rich expands tabs
    assert not plain_ok([Lines([Line.of("长" * 50)])], 100)  # rich would wrap at the width
    assert not plain_ok([object()], 100)  # a rich renderable
