"""Usage: python docs/refresh_outputs.py [--check] [--skip=TEXT] README.md docs/*.md

Refresh every ```console block of the given markdown files with the real output of its `$ cmd` lines,
so the documentation shows what the commands print today. A block may be preceded by
`<!-- keep: 1-12,40-45,last:3 -->` (1-based line ranges of the real output): only those lines are
kept, with a line `…` wherever lines were left out. Numbers are never edited by hand.
--check reports the blocks that differ and changes nothing (exit 1 if any).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the `wrp` next to this Python first (a venv), at a fixed width so outputs are reproducible
ENV = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"], COLUMNS="110")
ENV.pop("WRP_DEBUG", None)
BLOCK = re.compile(r"(<!-- keep: ([^>]*?) -->\n)?```console\n(.*?)```", re.S)


def workdir() -> Path:
    """A scratch directory that looks like the repository (a symlink per top-level entry): commands
    run there, so a file they write (`wrp report -o report.html`) lands in it, not in the checkout."""
    d = Path(tempfile.mkdtemp(prefix="wrp-docs-"))
    for entry in ROOT.iterdir():
        if entry.name not in (".git", ".venv"):
            (d / entry.name).symlink_to(entry)
    return d


def trim(line: str) -> str:
    """Trailing blanks dropped (console padding), except a Markdown line break (two spaces after text)."""
    return line if re.search(r"\S  $", line) else line.rstrip()


def run(cmd: str, cwd: Path = ROOT) -> list[str]:
    r = subprocess.run(["bash", "-c", "{ " + cmd + "\n} 2>&1"], cwd=cwd, env=ENV, capture_output=True, text=True)
    out = r.stdout.rstrip("\n")
    return [trim(line) for line in out.split("\n")] if out else []


def keep(lines: list[str], spec: str) -> list[str]:
    n = len(lines)
    idx: list[int] = []
    for part in (p.strip() for p in spec.split(",")):
        if part.startswith("last:"):
            idx += range(max(0, n - int(part[5:])), n)
        else:
            a, _, b = part.partition("-")
            idx += range(int(a) - 1, min(n, int(b) if b else n))
    out: list[str] = []
    prev = -1
    for i in sorted(set(idx)):
        if i != prev + 1:
            out.append("…")
        out.append(lines[i])
        prev = i
    if prev != n - 1:
        out.append("…")
    return out


def refresh(path: str, skip: list[str], cwd: Path = ROOT) -> tuple[str, int]:
    text = Path(path).read_text(encoding="utf-8")
    changed = 0

    def repl(m: re.Match) -> str:
        nonlocal changed
        spec, body = m.group(2), m.group(3)
        if any(s in body for s in skip):
            return m.group(0)
        cmds = re.findall(r"^\$ (.*)$", body, re.M)
        new: list[str] = []
        for c in cmds:
            out = run(c, cwd)
            new += ["$ " + c, *(keep(out, spec) if spec else out)]
        block = "```console\n" + "\n".join(new) + "\n```"
        if [trim(x) for x in new] != [trim(x) for x in body.rstrip("\n").split("\n")]:
            changed += 1
            print(f"{path}: changed: $ {cmds[0][:100] if cmds else '?'}")
            return (m.group(1) or "") + block
        return m.group(0)

    return BLOCK.sub(repl, text), changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    skip = [a[7:] for a in argv if a.startswith("--skip=")]
    bad = 0
    cwd = workdir()
    try:
        for path in (a for a in argv if not a.startswith("--")):
            bad += _one(path, skip, cwd, check)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
    print(f"differences: {bad}" if bad else "all blocks current")
    return 1 if (check and bad) else 0


def _one(path: str, skip: list[str], cwd: Path, check: bool) -> int:
    new_text, changed = refresh(path, skip, cwd)
    if changed and not check:
        Path(path).write_text(new_text, encoding="utf-8")
    return changed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
