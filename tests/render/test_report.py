"""`wrp report` (one standalone HTML file) and the printable one-applicant pages (`explain --format
markdown|html`, `check --format csv`): the numbers on the charts against the rules and the wage table,
hostile strings made inert in HTML, Markdown, CSV and text, a golden of the Markdown page, and the
pages opened in headless Chromium — no console message, no request but the file itself.

Regenerate the Markdown goldens after a deliberate change:  UPDATE_GOLDEN=1 pytest tests/render/test_report.py
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

import cli
from policy.load import POLICY_DIR

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))
DATE = "2025-09-01"
HOSTILE = "<script>document.title='pwned'</script>\\e]0;x\\a\\e[31m **bold** | [link](javascript:alert(1)) " \
          "<img src=x onerror=alert(1)>"
HOSTILE_FILE = "hostile_<script>alert(1)<\x1b[2J>.yaml"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """The report in Chinese (three jurisdictions: every multiple the rules use) and in English (two),
    made once for the module."""
    d = tmp_path_factory.mktemp("report")
    out = {"zh": d / "report.html", "en": d / "report_en.html"}
    assert cli.main(["report", "--date", DATE, "--districts", "changping,daxing,xicheng", "--output", str(out["zh"])]) == 0
    assert cli.main(["report", "--date", DATE, "--districts", "changping,daxing", "--lang", "en", "-o", str(out["en"])]) == 0
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """A rules directory whose Changping pathway 1 is titled with markup and terminal escapes, and a
    profile whose file name carries them too."""
    d = tmp_path_factory.mktemp("hostile")
    rules = d / "rules"
    shutil.copytree(POLICY_DIR / "jurisdictions", rules)
    text = (rules / "changping.yaml").read_text(encoding="utf-8")
    old = '''    title: {zh: 条件1 学士（含）以上学位, en: "1. bachelor's degree or higher"}'''
    assert old in text
    (rules / "changping.yaml").write_text(text.replace(old, f'    title: {{zh: "{HOSTILE}", en: "{HOSTILE}"}}'),
                                          encoding="utf-8")
    profile = d / HOSTILE_FILE
    shutil.copy(EXAMPLES / "changping_rejected_income.yaml", profile)
    return {"rules": rules, "profile": profile, "dir": d}


# --- the numbers ----------------------------------------------------------------------------------------

POINT = re.compile(r"<circle ([^>]*)>\s*<title>([^<]*)</title>")
ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def points(html: str) -> list[dict]:
    out = []
    for attrs, title in POINT.findall(html):
        a = dict(ATTR.findall(attrs))
        if "data-year" in a:
            out.append({**a, "title": title})
    return out


def expected_threshold(policy, year: int, times: str, param: str) -> int:
    """times × the wage of ``year``, rounded half up to whole 元 — computed here from wage.yaml, not by
    the code under test."""
    w = next(w for w in policy.params.wage_years if w.year == year)
    base = w.monthly if param == "wage.monthly" else (w.annual or 12 * w.monthly)
    exact = Fraction(times) * base
    return int(exact + Fraction(1, 2)) if exact.denominator != 1 else int(exact)


def test_changping_2024_threshold_is_17906(reports, policy):
    html = reports["zh"].read_text(encoding="utf-8")
    p = [p for p in points(html) if p["data-year"] == "2024" and p["data-times"] == "1.5"
         and p["data-param"] == "wage.monthly" and "changping" in p["data-jurisdictions"].split()]
    assert len(p) == 1
    assert p[0]["data-value"] == "17906" == str(expected_threshold(policy, 2024, "1.5", "wage.monthly"))
    assert "17,906" in p[0]["title"] and "2025-09-18" in p[0]["title"]  # the value and the publication date
    # the table under the chart says the same
    cell = re.search(r'data-jurisdiction="changping" data-year="2024" data-param="wage.monthly" data-times="1.5">'
                     r'([\d,]+)</td>', html)
    assert cell is not None and cell.group(1) == "17,906"


def test_every_point_on_the_charts_is_the_rule_times_the_wage(reports, policy):
    html = reports["zh"].read_text(encoding="utf-8")
    pts = points(html)
    years = {w.year for w in policy.params.wage_years}
    assert {int(p["data-year"]) for p in pts} == years
    # every multiple the rules use is drawn: 1.2× and 1.5× monthly, 1.5× 3× 4× 6× 8× annual
    assert {(p["data-param"], p["data-times"]) for p in pts} == {
        ("wage.monthly", "1.2"), ("wage.monthly", "1.5"), ("wage.annual", "1.5"), ("wage.annual", "3"),
        ("wage.annual", "4"), ("wage.annual", "6"), ("wage.annual", "8")}
    for p in pts:
        assert int(p["data-value"]) == expected_threshold(policy, int(p["data-year"]), p["data-times"], p["data-param"])
        w = next(w for w in policy.params.wage_years if w.year == int(p["data-year"]))
        assert p["data-published"] == w.published.isoformat()


def test_report_is_standalone(reports):
    for path in reports.values():
        html = path.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert "<script" not in html.lower()
        links = re.findall(r'\b(?:src|href|action)="([^"]*)"', html)
        assert links and all(u.startswith("#") for u in links), links
        # a URL may be quoted as text (a source's own citation), never referenced by an attribute
        assert re.findall(r'="(https?://[^"]*)"', html) == ["http://www.w3.org/2000/svg"] * html.count("<svg")
        assert "@import" not in html and "url(" not in html


def test_report_sections_in_both_languages(reports):
    zh = reports["zh"].read_text(encoding="utf-8")
    en = reports["en"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh and "规则对比（按主题）" in zh and "申请条件矩阵" in zh
    assert '<html lang="en">' in en and "The rules compared, topic by topic" in en
    # quotes stay in Chinese in the English report
    assert "高新技术企业、本区重点企业、事业单位人员月均应税收入额不低于" in en
    # z3's relation for Daxing's income threshold against Changping's (docs/analyses.md: looser)
    assert re.search(r'<td class="rel-looser" data-relation="looser" data-jurisdiction="daxing">', en)
    # conflicts: a witness per pair and topic, source problems, procedural conflicts
    for marker in ('data-a="changping" data-b="daxing"', "京政办发", 'class="procedural"'):
        assert marker in zh
    assert 'data-notice="pop_not_given"' in zh


def test_population_section(tmp_path, capsys):
    """With --population: the engine's shares, flips and clauses; a visible notice when the engine is absent."""
    from solver.render.report import population_data
    pop = tmp_path / "people.csv"
    pop.write_text("applicant.degree\nbachelor\n", encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, _ = run(capsys, "report", "--date", DATE, "--districts", "changping,daxing", "--population", pop, "-o", out)
    assert code == 0
    html = out.read_text(encoding="utf-8")
    from policy.load import load_policy
    data, notice = population_data(load_policy(), str(pop), ["changping", "daxing"], dt.date(2025, 9, 1))
    if data is None:
        assert notice == "pop_missing_engine"
        assert html.count("人群计算引擎") == 2  # the notice at the top and in the section
        assert 'data-notice="pop_missing_engine"' in html
    else:
        assert 'id="chart-flips"' in html and 'id="chart-population"' in html


def test_population_charts_render_the_numbers(policy):
    """The population section's drawing, from the engine's summary shape."""
    from solver.render.report import Report, render_population
    from solver.render.thresholds import income_thresholds
    rep = Report(policy, ["changping", "daxing"], dt.date(2025, 9, 1), None, income_thresholds(policy, ["changping"]))
    data = {"total": 200, "districts": ["changping", "daxing"],
            "counts": {"changping": {"eligible": 50, "ineligible": 140, "undetermined": 10},
                       "daxing": {"eligible": 80, "ineligible": 120, "undetermined": 0}},
            "flips": {"changping": {"daxing": 5}, "daxing": {"changping": 35}},
            "clauses": [{"district": "changping", "clause": "changping.applicant.income", "rejected": 90}]}
    html = "".join(render_population(rep, data, "en"))
    cells = dict(re.findall(r'data-row="([^"]+)" data-col="[^"]+" data-value="([\d.]+)"', html))
    assert cells == {"Changping": "0.0250", "Daxing": "0.1750"}
    assert 'data-row="Daxing" data-key="eligible" data-value="0.4000"' in html
    assert "changping.applicant.income" in html and "45.0%" in html


def test_population_from_the_engine_reaches_the_page(tmp_path, monkeypatch, policy):
    """The engine's result (counts, flips, the clauses behind them) drawn in the report; the engine is
    stood in for by a module with its interface, so this runs whether or not it is installed."""
    import sys
    import types
    from types import SimpleNamespace

    from solver.app import App
    from solver.render.report import build_report, population_data
    calls = []

    def population(pol, apps, district, date=None):
        calls.append((apps, district, date))
        return SimpleNamespace(rows=10, counts={"changping": {"eligible": 4, "ineligible": 6, "undetermined": 0},
                                                "daxing": {"eligible": 7, "ineligible": 2, "undetermined": 1}},
                               flips={"changping": {"daxing": 1}, "daxing": {"changping": 4}},
                               culprits={"changping": {"daxing": [("daxing.applicant.income", 1)]},
                                         "daxing": {"changping": [("changping.applicant.income", 3),
                                                                  ("changping: no pathway", 1)]}})

    fake = types.ModuleType("solver.analyses.population")
    fake.population = population
    fake.read_applicants = lambda pol, path: f"table:{Path(path).name}"
    monkeypatch.setitem(sys.modules, "solver.analyses.population", fake)
    pop = tmp_path / "people.csv"
    pop.write_text("x\n", encoding="utf-8")
    data, notice = population_data(policy, str(pop), ["changping", "daxing"], dt.date(2025, 9, 1))
    assert notice is None and calls == [("table:people.csv", "all", dt.date(2025, 9, 1))]
    assert data["clauses"][0] == {"district": "changping", "clause": "changping.applicant.income", "rejected": 3}
    html = build_report(App(), ["changping", "daxing"], dt.date(2025, 9, 1), population=str(pop),
                        conflicts=False).to_html("zh")
    assert 'data-row="大兴区" data-col="昌平区" data-value="0.4000"' in html  # 4 of 10 flip from Daxing to Changping
    assert 'data-row="昌平区" data-key="合格" data-value="0.4000"' in html
    assert "人群计算引擎" not in html


def test_report_warns_about_its_date():
    """Rules not in force on the date and a wage year not in wage.yaml are said at the top of the page."""
    from solver.app import App
    from solver.render.report import build_report
    html = build_report(App(), ["changping", "xicheng"], dt.date(2021, 3, 1), conflicts=False).to_html("en")
    assert re.search(r'data-notice="warning"><strong>⚠ </strong>changping: no version in force on 2021-03-01', html)
    html = build_report(App(), ["changping", "xicheng"], dt.date(2030, 1, 1), conflicts=False).to_html("zh")
    assert "policy/params/wage.yaml 中没有 2029 年度平均工资" in html


def test_report_refuses_to_overwrite_an_input(tmp_path, capsys):
    pop = tmp_path / "people.csv"
    pop.write_text("x\n", encoding="utf-8")
    code, out, err = run(capsys, "report", "--population", pop, "-o", pop)
    assert code == 2 and "would overwrite an input file" in err and "Traceback" not in err
    assert pop.read_text(encoding="utf-8") == "x\n"
    code, _, err = run(capsys, "report", "-o", POLICY_DIR / "jurisdictions" / "changping.yaml")
    assert code == 2 and "shipped policy files" in err
    code, _, err = run(capsys, "report", "-o", tmp_path / "no" / "such" / "dir.html")
    assert code == 2 and "no such directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv"]  # nothing half-written left


def test_report_writes_through_the_one_atomic_writer(tmp_path, monkeypatch, capsys):
    """`wrp report` writes with solver.render.atomic: an existing file only with --force, a link never,
    and a failed rename (a full disk) leaves the old file and no temporary file."""
    import errno

    from solver.render import atomic
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    args = ["report", "--date", DATE, "--districts", "changping,daxing", "-o", target]
    code, _, err = run(capsys, *args)
    assert code == 2 and "--force" in err and target.read_text(encoding="utf-8") == "old"
    link = tmp_path / "link.html"
    link.symlink_to(target)
    code, _, err = run(capsys, "report", "--date", DATE, "--districts", "changping,daxing", "-o", link, "--force")
    assert code == 2 and "symbolic link" in err and target.read_text(encoding="utf-8") == "old"
    link.unlink()

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    code, _, err = run(capsys, *args, "--force")
    assert code == 2 and "no space left" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    monkeypatch.undo()
    code, _, err = run(capsys, *args, "--force")
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- one applicant ----------------------------------------------------------------------------------------

MARKDOWN = {
    "explain_changping_rejected_income_zh.md": ["changping_rejected_income.yaml", "--lang", "zh"],
    "explain_chaoyang_rejected_tenure_all.md": ["chaoyang_rejected_tenure.yaml", "--district", "all"],
}


RECORDED = ("beijing", "changping", "chaoyang", "daxing", "xicheng")  # what the `--district all` golden shows


def _recorded_rules(tmp: Path) -> Path:
    """A copy of just the recorded jurisdictions' files: a jurisdiction added to the rules changes no golden."""
    import shutil

    from policy.load import load_policy
    for jid in RECORDED:
        for j in load_policy().jurisdictions[jid]:
            shutil.copy(j.file, tmp / Path(j.file).name)
    return tmp


@pytest.mark.parametrize("name", sorted(MARKDOWN))
def test_markdown_golden(name, capsys, tmp_path):
    rules = ["--rules", str(_recorded_rules(tmp_path))] if "all" in MARKDOWN[name] else []
    code, out, _ = run(capsys, "explain", EXAMPLES / MARKDOWN[name][0], *MARKDOWN[name][1:], "--format", "markdown",
                       *rules)
    assert code == 0
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), f"{name} differs (UPDATE_GOLDEN=1 to regenerate, then review)"


def test_markdown_page_has_the_parts_a_caseworker_needs(capsys):
    _, out, _ = run(capsys, "explain", EXAMPLES / "changping_rejected_income.yaml", "--format", "markdown")
    assert "| Changping (changping) | **ineligible** |" in out
    assert "actual 13,000; required ≥ 14,111" in out  # the failed comparison
    assert "“高新技术企业、本区重点企业" in out and "001\\_be62ffba661c98fa.txt 二、（二）" in out  # quote + citation
    fix = out.split("### The cheapest fix", 1)[1].split("###", 1)[0]
    assert "13,000 → 14,111 (+1,111 CNY/month, 1.5 × 9,407" in fix


def test_check_csv_is_the_batch_row(capsys):
    profile = EXAMPLES / "changping_rejected_income.yaml"
    _, check, _ = run(capsys, "check", profile, "--format", "csv", "--district", "all")
    _, batch, _ = run(capsys, "batch", profile, "--format", "csv", "--district", "all")
    assert check == batch
    assert check.splitlines()[0] == "profile,id,name,district,status,failed,unknown,error,warnings"
    assert f"{profile},,,changping,ineligible,changping.applicant.income,,," in check.splitlines()


def test_hostile_strings_are_inert_everywhere(hostile, capsys):
    args = ["explain", hostile["profile"], "--rules", hostile["rules"]]
    _, text, _ = run(capsys, *args)
    _, md, _ = run(capsys, *args, "--format", "markdown")
    _, page, _ = run(capsys, *args, "--format", "html")
    _, rows, _ = run(capsys, "check", hostile["profile"], "--rules", hostile["rules"], "--format", "csv")
    for out in (text, md, page, rows):
        assert "\x1b" not in out and "\x07" not in out
    assert "<script>document.title" in text and "␛]0;x" in text  # shown, not run
    # Markdown: no HTML, no link, no emphasis, no table cell break from the title or the file name
    assert "<script" not in md and "<img" not in md and not re.search(r"(?<!\\)\]\(", md) and "**bold**" not in md
    assert "&lt;script&gt;document.title=" in md and "\\*\\*bold\\*\\* \\| \\[link\\]" in md
    assert "hostile\\_&lt;script&gt;alert(1)&lt;␛\\[2J&gt;.yaml" in md
    # HTML: escaped text only
    assert "<script" not in page.lower() and "<img" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    # CSV: the file name is one cell, the escape shown
    assert rows.splitlines()[1].startswith(f'{hostile["dir"]}/hostile_<script>alert(1)<␛[2J>.yaml,,,changping,')


def test_hostile_rules_in_the_report_and_errors(hostile, tmp_path, capsys):
    from solver.app import App
    from solver.render.report import build_report
    html = build_report(App(hostile["rules"]), ["changping", "daxing"], dt.date(2025, 9, 1), conflicts=False).to_html("en")
    assert "<script" not in html.lower() and "<img" not in html and "\x1b" not in html
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;␛]0;x␇␛[31m" in html
    # an error naming a hostile file name does not send its escapes to the terminal
    code, _, err = run(capsys, "check", tmp_path / "no_\x1b[2J_such.yaml")
    assert code == 2 and "\x1b" not in err and "no_␛[2J_such.yaml" in err


def test_csv_cells_cannot_start_a_formula():
    from solver.render.applicant import csv_cell
    assert [csv_cell(x) for x in ("=1+1", "+x", "-2", "@a", "ok")] == ["'=1+1", "'+x", "'-2", "'@a", "ok"]


# --- in a real browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from solver.render import browser as b
    why = b.missing()
    if why:
        pytest.skip(f"headless Chromium unavailable: {why}")
    session = b.start()
    yield session
    session.close()


def _opened(browser, path: Path) -> None:
    browser.open(path)
    console, urls = browser.logs()
    assert console == [], console  # no error, no warning, no log line
    assert urls == [path.resolve().as_uri()], urls  # nothing requested but the file itself


def test_report_in_chromium(browser, reports, policy):
    _opened(browser, reports["zh"])
    d = browser.driver
    assert d.title == "北京市工作居住证 各辖区规则对比报告"
    charts = d.find_elements("css selector", "svg.chart")
    assert len(charts) == 2 and all(c.is_displayed() and c.size["width"] > 400 for c in charts)
    dot = d.find_element("css selector", 'circle[data-year="2024"][data-times="1.5"][data-param="wage.monthly"]')
    assert dot.get_attribute("data-value") == "17906"
    assert "17,906" in dot.find_element("css selector", "title").get_attribute("textContent")
    labels = [t.text for t in d.find_elements("css selector", "#chart-wage-monthly text.value-label")]
    assert "17,906" in labels  # written on the chart, not only in a tooltip
    # every section is there and laid out
    for sid in ("s-compare", "s-thresholds", "s-pathways", "s-conflicts", "s-population"):
        assert d.find_element("css selector", f"#{sid}").size["height"] > 40
    assert len(d.find_elements("css selector", "#s-compare tbody tr")) >= 15
    notice = d.find_element("css selector", '[data-notice="pop_not_given"]')
    assert notice.is_displayed()
    _opened(browser, reports["en"])
    assert d.find_element("css selector", "html").get_attribute("lang") == "en"


def test_hostile_page_in_chromium(browser, hostile, tmp_path, capsys):
    _, page, _ = run(capsys, "explain", hostile["profile"], "--rules", hostile["rules"], "--format", "html",
                     "--district", "all")
    path = tmp_path / "applicant.html"
    path.write_text(page, encoding="utf-8")
    _opened(browser, path)
    d = browser.driver
    assert d.title == "Work Residence Permit — eligibility explained"  # the <script> did not run
    assert d.find_elements("css selector", "img, script, a[href^=javascript]") == []
    body = d.find_element("css selector", "body").text
    assert "<script>document.title='pwned'</script>" in body and "<img src=x onerror=alert(1)>" in body
    assert "hostile_<script>alert(1)<␛[2J>.yaml" in body
