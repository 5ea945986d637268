"""Benchmarks (a script, not a test): median and p90 of the main queries.

    /work/venv/bin/python benchmarks/bench.py [--quick]

check (Datalog, warm) · missing per profile × jurisdiction (total, and the part spent replaying
suggestions through Datalog) · full conflicts over all jurisdictions (total, and replay part) ·
CLI cold start. Targets (issue 3): check ≤ 2 ms, missing ≤ 100 ms median per jurisdiction,
conflicts ≤ 10 s.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy.load import load_policy  # noqa: E402
from solver.facts import load_profile  # noqa: E402


def stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    return f"median {statistics.median(xs) * 1000:8.1f} ms   p90 {p90 * 1000:8.1f} ms   (n={len(xs)})"


class Timer:
    """Accumulates the time spent in a wrapped function (to split replay time from solver time)."""

    def __init__(self, module, name):
        self.module, self.name, self.orig, self.total = module, name, getattr(module, name), 0.0

        def wrapped(*a, **k):
            t = time.perf_counter()
            try:
                return self.orig(*a, **k)
            finally:
                self.total += time.perf_counter() - t
        setattr(module, name, wrapped)


def main(quick: bool = False) -> None:
    policy = load_policy()
    base = load_profile(ROOT / "examples" / "changping_eligible.yaml", policy)
    jids = policy.ids()
    reps = 5 if quick else 20

    # check, warm
    from solver.decide import decide
    for j in jids:
        decide(policy, j, base)
    xs = []
    for _ in range(reps):
        for j in jids:
            t = time.perf_counter()
            decide(policy, j, base)
            xs.append(time.perf_counter() - t)
    print(f"check (datalog, warm)       {stats(xs)}")

    # missing: profile variants × jurisdictions
    import solver.missing as missing_mod
    variants = {
        "income 12,000, not high-tech": {"applicant.income.monthly_avg_12m": Fraction(12000),
                                         "employer.high_tech": Fraction(0)},
        "experience 1.5 years": {"applicant.work_experience_years": Fraction(3, 2)},
        "no degree": {"applicant.degree": Fraction(0)},
        "tenure 8 months": {"applicant.months_with_employer": Fraction(8), "applicant.social_insurance_months": Fraction(8)},
    }
    for j in jids:  # warm the compiled programs
        for v in variants.values():
            missing_mod.missing(policy, j, base.with_values(v))
    timer = Timer(missing_mod, "decide")
    per_j: dict[str, list[float]] = {j: [] for j in jids}
    total = 0.0
    for _ in range(2 if quick else 5):
        for j in jids:
            for v in variants.values():
                t = time.perf_counter()
                missing_mod.missing(policy, j, base.with_values(v))
                d = time.perf_counter() - t
                per_j[j].append(d)
                total += d
    for j in jids:
        print(f"missing {j:<18} {stats(per_j[j])}")
    print(f"missing: {timer.total / total:.0%} of the time is the Datalog replay of suggestions")
    missing_mod.decide = timer.orig

    # conflicts: all jurisdictions
    import solver.conflicts as conf
    rt = Timer(conf, "replay")
    t = time.perf_counter()
    r = conf.conflicts(policy, date=dt.date(2021, 9, 15))
    d = time.perf_counter() - t
    n = sum(len(p.differences) for p in r.pairs)
    print(f"conflicts (all {len(jids)}, {len(r.pairs)} pairs, {n} witnesses): total {d:.2f} s, "
          f"of which Datalog replay {rt.total:.2f} s, z3 and the rest {d - rt.total:.2f} s")

    # CLI cold start
    xs = []
    for _ in range(3 if quick else 7):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import cli"], cwd=ROOT, check=True)
        xs.append(time.perf_counter() - t)
    print(f"CLI cold start (import cli) {stats(xs)}")


if __name__ == "__main__":
    main("--quick" in sys.argv)
