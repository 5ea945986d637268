"""docs/refresh_outputs.py: Markdown line breaks (two trailing spaces) are not a difference, and the
commands run in a scratch copy of the checkout, so a file they write is not left in the repository."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("refresh_outputs", ROOT / "docs" / "refresh_outputs.py")
refresh_outputs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refresh_outputs)


def test_markdown_line_breaks_are_kept_and_current(tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text("```console\n$ printf 'a  \\nb   \\n'\na  \nb\n```\n", encoding="utf-8")
    assert refresh_outputs.main(["--check", str(doc)]) == 0
    doc.write_text("```console\n$ printf 'a  \\nc\\n'\na\nb\n```\n", encoding="utf-8")
    assert refresh_outputs.main([str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == "```console\n$ printf 'a  \\nc\\n'\na  \nc\n```\n"


def test_commands_run_outside_the_checkout(tmp_path):
    doc = tmp_path / "d.md"
    name = "refresh-outputs-probe.txt"
    doc.write_text(f"```console\n$ ls examples | head -1; echo x > {name}; cat {name}\nx\n```\n", encoding="utf-8")
    refresh_outputs.main(["--check", str(doc)])
    assert not (ROOT / name).exists()


def test_the_report_example_shows_the_file_the_command_names():
    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    m = re.search(r"^\$ wrp report .*-o (\S+);.*\n报告已写入 (\S+)$", text, re.M)
    assert m and m.group(1) == m.group(2)
