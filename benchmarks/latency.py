"""`wrp check examples/changping_eligible.yaml`: wall time on a cold and a warm compiled-policy cache,
as ratios to `python -c pass` measured in the same run (so the figures survive a slower machine).

    python benchmarks/latency.py [--runs N]

Cold: a fresh, empty $XDG_CACHE_HOME for every run (the YAML files parsed and validated, the cache
written). Warm: the cache of the first run reused. Targets (issue 8): warm ≤ 150 ms, cold ≤ 2 s on
an idle machine; the ratios are what to compare across machines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "examples/changping_eligible.yaml"


def wall(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    n = ap.parse_args().runs
    wrp = shutil.which("wrp", path=str(Path(sys.executable).parent)) or shutil.which("wrp")
    check = [wrp, "check", PROFILE] if wrp else [sys.executable, "-m", "cli", "check", PROFILE]
    base_env = dict(os.environ)
    baseline = statistics.median(wall([sys.executable, "-c", "pass"], base_env) for _ in range(n))
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            env = {**base_env, "XDG_CACHE_HOME": str(Path(tmp) / f"cold{i}")}
            cold.append(wall(check, env))
        env = {**base_env, "XDG_CACHE_HOME": str(Path(tmp) / "cold0")}
        warm = [wall(check, env) for _ in range(n)]
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"python -c pass            {baseline * 1e3:7.1f} ms  (1.0×)")
    print(f"wrp check, cold cache     {c * 1e3:7.1f} ms  ({c / baseline:5.1f}× python -c pass; target ≤ 2000 ms)")
    print(f"wrp check, warm cache     {w * 1e3:7.1f} ms  ({w / baseline:5.1f}× python -c pass; target ≤ 150 ms)")
    print(f"cold / warm               {c / w:7.1f}×")


if __name__ == "__main__":
    main()
