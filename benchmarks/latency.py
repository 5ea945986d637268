"""`wrp check examples/changping_eligible.yaml`: wall time on a cold and a warm compiled-policy cache,
as ratios to `python -c pass` measured in the same run (so the figures survive a slower machine).

    python benchmarks/latency.py [--runs N]

Cold: a fresh, empty $XDG_CACHE_HOME for every run (the YAML files parsed and validated, the cache
written). Warm: the cache of the first run reused. Targets (issue 8): warm ≤ 150 ms, cold ≤ 2 s on
an idle machine; the ratios are what to compare across machines. The project's modules are
byte-compiled first (``compileall``), as an installed package is: a checkout run with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile them from source in every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "examples/changping_eligible.yaml"


def wall(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall time of one run, and its CPU time (user + system: less disturbed by other load)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    n = ap.parse_args().runs
    wrp = shutil.which("wrp", path=str(Path(sys.executable).parent)) or shutil.which("wrp")
    check = [wrp, "check", PROFILE] if wrp else [sys.executable, "-m", "cli", "check", PROFILE]
    for target in ("cli.py", "policy", "solver"):
        path = ROOT / target
        ok = compileall.compile_file(str(path), quiet=2) if path.is_file() else compileall.compile_dir(str(path), quiet=2)
        if not ok:
            sys.exit(f"could not byte-compile {path}")
    base_env = dict(os.environ)
    baseline, base_cpu = medians([wall([sys.executable, "-c", "pass"], base_env) for _ in range(n)])
    with tempfile.TemporaryDirectory() as tmp:
        cold = [wall(check, {**base_env, "XDG_CACHE_HOME": str(Path(tmp) / f"cold{i}")}) for i in range(n)]
        env = {**base_env, "XDG_CACHE_HOME": str(Path(tmp) / "cold0")}
        warm = [wall(check, env) for _ in range(n)]
    (c, c_cpu), (w, w_cpu) = medians(cold), medians(warm)
    print(f"python -c pass            {baseline * 1e3:7.1f} ms  (1.0×)")
    print(f"wrp check, cold cache     {c * 1e3:7.1f} ms  ({c / baseline:5.1f}× python -c pass; target ≤ 2000 ms: "
          f"{'met' if c <= 2.0 else 'MISSED'})")
    print(f"wrp check, warm cache     {w * 1e3:7.1f} ms  ({w / baseline:5.1f}× python -c pass; target ≤ 150 ms: "
          f"{'met' if w <= 0.150 else 'MISSED'})")
    print(f"cold / warm               {c / w:7.1f}×")
    print(f"CPU time (user + system): python -c pass {base_cpu * 1e3:.1f} ms, cold {c_cpu * 1e3:.1f} ms "
          f"({c_cpu / base_cpu:.1f}×), warm {w_cpu * 1e3:.1f} ms ({w_cpu / base_cpu:.1f}×)")


if __name__ == "__main__":
    main()
