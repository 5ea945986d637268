"""Hostile rules packs never run code, and output is inert (issue 14).

Packs whose ids, fact names and strings carry Python and Datalog code are either refused at load
(ids and fact names are checked against a strict pattern; sections must name headings of the source) or
carried as plain data (titles, notes): nothing from them is evaluated — a marker file the code would create never appears.
Rich markup, Markdown, HTML and terminal escapes from policy text or file names are shown literally."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cli
from policy.load import POLICY_DIR

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "changping_eligible.yaml"


def _code(marker: Path) -> dict[str, str]:
    py = f"__import__('os').system('touch {marker}')"
    return {
        "python": py,
        "python_call": f"\"); {py}; (\"",
        "datalog": f"') & t_n0(1)\n+ v('n0', 1)\nx <= {py} #",
        "fstring": "{__import__('os').system('touch " + str(marker) + "')}",
        "markup": "[bold red]LOUD[/] [/x] [link=file:///etc/passwd]x[/link] :smile:",
        "markdown": "二、（二）\n# HEADING <img src=x onerror=alert(1)> | cell",
    }


def _pack(tmp_path: Path, marker: Path, *, hostile_id: str | None = None, hostile_fact: str | None = None,
          tag: bool = False, hostile_section: str | None = None) -> Path:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    shutil.copy(POLICY_DIR / "jurisdictions" / "beijing.yaml", d / "beijing.yaml")
    c = _code(marker)
    q = json.dumps
    cid = hostile_id or "testville.employer.capital"
    fact = hostile_fact or "employer.registered_capital"
    note = f"!!python/object/apply:os.system [\"touch {marker}\"]" if tag else q(c["python_call"])
    (d / "testville.yaml").write_text(f"""\
meta:
  id: testville
  name: {{zh: {q(c['markup'])}, en: {q(c['fstring'])}}}
  issuer: {q(c['python'])}
  document: {q(c['datalog'])}
  sources: [001_be62ffba661c98fa.txt]
  note: {note}
employer:
  - id: {q(cid)}
    topic: employer_capital
    title: {{zh: {q(c['markup'])}, en: {q(c['markdown'])}}}
    cite: {{source: 001_be62ffba661c98fa.txt, section: {q(hostile_section or '二、（一）')}}}
    quote: 注册资本在100万元（含）以上
    note: {q(c['datalog'] + c['markdown'])}
    when: {{fact: {q(fact)}, ge: 1000000}}
pathways:
  - id: testville.pathway.1
    topic: pathway_degree
    title: {{zh: {q(c['markup'])}, en: {q(c['python'])}}}
    clauses:
      - id: testville.p1.degree
        topic: pathway_degree
        title: {{zh: {q(c['markup'])}, en: {q(c['markup'])}}}
        note: {q(c['markup'])}
        cite: {{source: 001_be62ffba661c98fa.txt, section: 二、（一）}}
        quote: 注册资本在100万元（含）以上
        when: {{fact: applicant.degree, ge: bachelor}}
""", encoding="utf-8")
    return d


COMMANDS = [
    ["check", str(PROFILE), "--district", "testville"],
    ["explain", str(PROFILE), "--district", "all"],
    ["explain", str(PROFILE), "--district", "testville", "--format", "json"],
    ["sources"],
    ["lint"],
    ["compare", "testville", "beijing", "--format", "markdown"],
    ["compare", "testville", "beijing"],
    ["missing", str(PROFILE), "--district", "testville"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:1] + a[2:4]))
def test_hostile_strings_are_data(tmp_path, capsys, argv):
    marker = tmp_path / "PWNED"
    rules = _pack(tmp_path, marker)
    rc = cli.main([*argv, "--rules", str(rules)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert not marker.exists()
    assert "internal error" not in err
    if argv[0] in ("explain", "sources") and "--format" not in argv:
        assert "[bold red]LOUD[/]" in out and "[/x]" in out  # markup shown literally, not interpreted
    if "markdown" in argv:
        # (sections, once the carrier of Markdown into this table, must now name headings of the source)
        assert "\n# HEADING" not in out and "<img" not in out
        assert all(line.startswith(("#", "|", "")) for line in out.splitlines())


@pytest.mark.parametrize("kind", ["id", "fact", "tag", "section"])
def test_hostile_identifiers_are_refused_at_load(tmp_path, capsys, kind):
    marker = tmp_path / "PWNED"
    c = _code(marker)
    rules = _pack(tmp_path, marker, hostile_id=c["datalog"] if kind == "id" else None,
                  hostile_fact=f"employer.x{c['python_call']}" if kind == "fact" else None, tag=kind == "tag",
                  hostile_section=c["markdown"] if kind == "section" else None)
    rc = cli.main(["check", str(PROFILE), "--district", "testville", "--rules", str(rules)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "testville.yaml:" in err, err
    assert {"id": "must be an identifier", "fact": "undeclared fact", "tag": "must be text",
            "section": "is not in 001_be62ffba661c98fa.txt"}[kind] in err
    assert not marker.exists()


def test_file_names_with_markup_do_not_crash_batch(tmp_path, capsys):
    names = ["[reverse]x.yaml", "[bold]b[\\bold].yaml", "[red]r.yaml"]
    for n in names:
        shutil.copy(PROFILE, tmp_path / n)
    (tmp_path / "[blink]bad.yaml").write_text('applicant: {degree: "[/x] [bold red]phd[/]"}\n', encoding="utf-8")
    rc = cli.main(["batch", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 2 and "internal error" not in err
    for n in [*names, "[blink]bad.yaml", "`[/x] [bold red]phd[/]` is not a valid choice"]:
        assert n in out, n


def test_a_profile_value_with_escapes_is_refused_inertly(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text('applicant: {degree: "\\e[2J\\e[31mbachelor"}\n', encoding="utf-8")
    assert cli.main(["check", str(f)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "is not a valid choice" in err  # refused, and its escape shown, not sent


def test_control_characters_from_arguments_and_file_names_are_escaped(tmp_path, capsys):
    ics = tmp_path / "a\x1b[2Jb.ics"
    assert cli.main(["deadlines", "--expiry", "2026-03-01", "--district", "changping", "--ics", str(ics)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "a\u241b[2Jb.ics" in out
    f = tmp_path / "p\x1b]0;title\x07.yaml"
    shutil.copy(PROFILE, f)
    for fmt in ("text", "csv"):
        cli.main(["batch", str(f), "--format", fmt])
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "p\u241b]0;title" in out, out
