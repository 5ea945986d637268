"""Benchmarks (a script, not a test): median and p90 of the main queries, next to their targets.

    /work/venv/bin/python benchmarks/bench.py [--quick]

* check (Datalog, warm) — target ≤ 2 ms; beside it the peers inside wrp (the same decision and proof
  from the reference interpreter and from z3) with their ratios, the Datalog verdict alone, and the
  Datalog proof per jurisdiction with its size (IR nodes) and cost per node;
* missing per profile × jurisdiction (and the share spent replaying suggestions through Datalog) —
  target ≤ 100 ms median per jurisdiction;
* full conflicts over all jurisdictions (and the share spent replaying witnesses) — target ≤ 10 s;
* CLI cold start: ``wrp --help`` in a fresh process (no target in issue 3; shown for reference).

Every figure is printed as ``median … p90 … (n=…)  target … ok|MISSED``. Timings are wall-clock
on whatever machine runs this; run it on an idle machine for figures worth comparing.
"""

from __future__ import annotations

import datetime as dt
import shutil
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

DAY = dt.date(2021, 9, 15)  # the date of the conflicts run (fixed: figures do not depend on today)
VARIANTS = {
    "income 12,000, not high-tech": {"applicant.income.monthly_avg_12m": Fraction(12000),
                                     "employer.high_tech": Fraction(0)},
    "experience 1.5 years": {"applicant.work_experience_years": Fraction(3, 2)},
    "no degree": {"applicant.degree": Fraction(0)},
    "tenure 8 months": {"applicant.months_with_employer": Fraction(8),
                        "applicant.social_insurance_months": Fraction(8)},
}


def p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.9 * len(xs)))]


def line(label: str, xs: list[float], target: float | None, unit: str = "ms") -> str:
    k = 1000 if unit == "ms" else 1
    med = statistics.median(xs)
    s = f"{label:<44} median {med * k:8.1f} {unit}   p90 {p90(xs) * k:8.1f} {unit}   (n={len(xs):>2})"
    if target is not None:
        s += f"   target ≤ {target * k:g} {unit} {'ok' if med <= target else 'MISSED'}"
    return s


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

    def restore(self) -> None:
        setattr(self.module, self.name, self.orig)


def main(quick: bool = False) -> None:
    policy = load_policy()
    base = load_profile(ROOT / "examples" / "changping_eligible.yaml", policy)
    jids = policy.ids()

    # check, warm
    from solver.decide import decide, verdict
    runs = 5 if quick else 20

    def warm_per_jurisdiction(fn) -> list[float]:
        """Time ``fn(jid)`` for every jurisdiction, ``runs`` times, after one warm-up call each."""
        for j in jids:
            fn(j)
        xs = []
        for _ in range(runs):
            for j in jids:
                t = time.perf_counter()
                fn(j)
                xs.append(time.perf_counter() - t)
        return xs

    med = {}
    for name in ("datalog", "reference", "z3"):
        xs = warm_per_jurisdiction(lambda j, name=name: decide(policy, j, base, backend_name=name))
        med[name] = statistics.median(xs)
        # the peers inside wrp: the same decision with its proof from the other backends of the same IR
        print(line("check (datalog, warm)" if name == "datalog" else f"check ({name} backend, warm)", xs,
                   0.002 if name == "datalog" else None))
    print("  ratios: datalog / reference interpreter = {:.1f}×, datalog / z3 = {:.1f}×".format(
        med["datalog"] / med["reference"], med["datalog"] / med["z3"]))
    print(line("verdict only (datalog: status and pathways, no proof)",
               warm_per_jurisdiction(lambda j: verdict(policy, j, base)), None))
    # Where the check's time goes: pyDatalog derives every node of the proof (true / false) as a
    # tabled subgoal, at a near-constant cost per node — so the check grows with the jurisdiction.
    from solver.backends.datalog import node_status
    from solver.program import compile_program
    for j in jids:
        prog = compile_program(policy.version(j, base.date)[0], base.wage, False)
        node_status(prog, base)
        xs = []
        for _ in range(runs * 4):
            t = time.perf_counter()
            node_status(prog, base)
            xs.append(time.perf_counter() - t)
        med = statistics.median(xs)
        print(f"  check {j:10s} {len(prog.nodes):3d} IR nodes: Datalog proof {med * 1e3:5.2f} ms "
              f"= {med / len(prog.nodes) * 1e6:4.0f} µs a node")

    # missing: profile variants × jurisdictions
    import solver.analyses.missing.answer as missing_mod
    for j in jids:  # warm: compiled programs, Datalog rules
        for v in VARIANTS.values():
            missing_mod.missing(policy, j, base.with_values(v))
    timers = [Timer(missing_mod, "verdict")]
    per_j: dict[str, list[float]] = {j: [] for j in jids}
    per_v: dict[str, list[float]] = {v: [] for v in VARIANTS}
    total = 0.0
    for _ in range(2 if quick else 5):
        for j in jids:
            for name, v in VARIANTS.items():
                t = time.perf_counter()
                missing_mod.missing(policy, j, base.with_values(v))
                d = time.perf_counter() - t
                per_j[j].append(d)
                per_v[name].append(d)
                total += d
    for tm in timers:
        tm.restore()
    replay_total = sum(tm.total for tm in timers)
    for j in jids:
        print(line(f"missing {j} (4 profiles)", per_j[j], 0.100))
    for name, xs in per_v.items():
        print(line(f"missing '{name}' (5 districts)", xs, None))
    print(f"  missing: {replay_total / total:.0%} of the time is Datalog (the profile's own decision and the "
          f"replay of suggestions; z3 and the rest: {(total - replay_total) / total:.0%})")

    # conflicts: all jurisdictions
    import solver.analyses.common as common
    import solver.analyses.conflicts as conf
    xs, replay, n, pairs = [], [], 0, 0
    for _ in range(1 if quick else 3):
        rt = Timer(common, "replay")
        t = time.perf_counter()
        r = conf.conflicts(policy, date=DAY)
        xs.append(time.perf_counter() - t)
        rt.restore()
        replay.append(rt.total)
        n, pairs = sum(len(p.differences) for p in r.pairs), len(r.pairs)
    print(line(f"conflicts (all {len(jids)}, {pairs} pairs, {n} witnesses)", xs, 10.0, "s"))
    print(f"  conflicts: Datalog replay {statistics.median(replay):.2f} s of {statistics.median(xs):.2f} s "
          f"(z3 and the rest {statistics.median(xs) - statistics.median(replay):.2f} s)")

    # CLI cold start: `wrp --help` in a fresh process
    wrp = shutil.which("wrp", path=str(Path(sys.executable).parent)) or shutil.which("wrp")
    cmd = [wrp, "--help"] if wrp else [sys.executable, "-c", "import sys, cli; sys.argv = ['wrp', '--help']; cli.main()"]
    xs = []
    for _ in range(3 if quick else 7):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        xs.append(time.perf_counter() - t)
    print(line("CLI cold start (wrp --help)", xs, None))


if __name__ == "__main__":
    main("--quick" in sys.argv)
