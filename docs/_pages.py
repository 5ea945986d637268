"""The shared command line of the generated doc pages: write the page, or `--check` that it is current."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def page_main(render: Callable[[], str], out: Path, script: str, description: str,
              argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help="exit 1 if the page is stale instead of writing it")
    ap.add_argument("--output", type=Path, default=out, help=f"where the page lives (default: docs/{out.name})")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is stale: run python docs/{script}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0
