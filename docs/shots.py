"""Screenshots of `wrp report` and of the printable `wrp explain` page for docs/report.md.

Run from the repository root (needs the `test` extra and Debian's chromium, chromium-driver and, for
the Chinese text, fonts-noto-cjk):

    python docs/shots.py

It writes the HTML files under build/shots/ and the PNGs under docs/img/. The report is made for a
fixed date (2025-09-01) so that the pictures match the text of docs/report.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cli  # noqa: E402
from solver.render import browser  # noqa: E402

OUT = ROOT / "build" / "shots"
IMG = ROOT / "docs" / "img"
DATE = "2025-09-01"


def main() -> int:
    why = browser.missing()
    if why:
        print(f"shots: {why}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    IMG.mkdir(parents=True, exist_ok=True)
    zh, en = OUT / "report.html", OUT / "report_en.html"
    assert cli.main(["report", "--date", DATE, "-o", str(zh)]) == 0
    assert cli.main(["report", "--date", DATE, "--districts", "changping,daxing,xicheng", "--lang", "en",
                     "-o", str(en)]) == 0
    page = OUT / "explain.html"
    with open(page, "w", encoding="utf-8") as f:
        sys.stdout, saved = f, sys.stdout
        try:
            assert cli.main(["explain", str(ROOT / "examples" / "changping_rejected_income.yaml"), "--lang", "zh",
                             "--format", "html"]) == 0
        finally:
            sys.stdout = saved
    b = browser.start()
    try:
        shots = [
            (zh, "report_top.png", "header.report", 1100),
            (zh, "report_thresholds.png", "#s-thresholds", 1200),
            (zh, "report_pathways.png", "#s-pathways", 1100),
            (zh, "report_conflicts.png", "#s-conflicts", 1100),
            (zh, "report_procedural.png", "#s-conflicts h3:nth-of-type(5)", 900),
            (en, "report_en_compare.png", "#s-compare", 1000),
            (page, "explain_zh.png", "header.report", 1300),
        ]
        for src, name, selector, height in shots:
            b.open(src)
            b.screenshot_at(IMG / name, selector, height=height)
            console, urls = b.logs()
            assert console == [] and urls == [src.resolve().as_uri()], (console, urls)
            print(f"docs/img/{name}")
        b.open(zh)
        b.screenshot(IMG / "report_chart_monthly.png", selector="#chart-wage-monthly")
        print("docs/img/report_chart_monthly.png")
        b.screenshot(IMG / "report_chart_annual.png", selector="#chart-wage-annual")
        print("docs/img/report_chart_annual.png")
    finally:
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
