"""Every backend gives the same verdict and the same clause truths on generated profiles.

The default run compares a few hundred profile × jurisdiction decisions; ``WRP_FUZZ_LONG=1`` compares
at least 100,000 (``WRP_FUZZ_DECISIONS`` to change it) and prints the counts by category — verdicts,
clause truths compared, disagreements per backend — all disagreement counts must be 0. Profiles are
the ordinary applicant of ``tests/profiles.py`` with random facts moved to the policy's own
thresholds (and some facts left out, so unknown and undetermined cases are covered), on dates
across the versions in force; the employer is placed in each jurisdiction's district half the time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter

from policy.load import load_policy
from solver.backends.registry import BACKENDS, backend
from solver.facts import facts_from_dict
from solver.program import compile_program
from tests.fuzz.harness import LONG
from tests.profiles import HOME, mutate, nest, ordinary

DECISIONS = int(os.environ.get("WRP_FUZZ_DECISIONS", 100_000 if LONG else 300))
DATES = ["2019-06-01", "2021-09-15", "2022-03-01", "2024-10-10", "2026-11-22"]


def _compare(policy, rng: random.Random, counts: Counter, failures: list) -> int:
    jid = rng.choice(policy.ids())
    flat = ordinary(jid, **{"application.date": rng.choice(DATES)})
    if rng.random() < 0.5:
        flat["employer.registered_district"] = flat["employer.tax_district"] = \
            HOME[rng.choice(list(HOME))] if rng.random() < 0.5 else HOME.get(jid, jid)
    flat = mutate(flat, rng, policy, k=rng.randint(1, 6))
    for name in rng.sample(sorted(flat), rng.randint(0, 4)):
        if name != "application.date":
            flat.pop(name)
    facts = facts_from_dict(nest(flat), policy)
    decided = 0
    for j in policy.ids():
        version, _ = policy.version(j, facts.date)
        prog = compile_program(version, facts.wage, lenient=rng.random() < 0.2)
        keys = [id(prog.root), *(id(e) for e in prog.requirement.values()), *(id(e) for e in prog.pathway.values())]
        truths = {name: backend(name)(prog, facts) for name in BACKENDS}
        ref = truths["reference"]
        verdict = {True: "eligible", False: "ineligible", None: "undetermined"}[ref[id(prog.root)]]
        counts[f"verdict {verdict}"] += 1
        counts["clause truths compared"] += len(keys) * (len(BACKENDS) - 1)
        for name, got in truths.items():
            if name == "reference":
                continue
            bad = [k for k in keys if got.get(k) != ref.get(k)]
            if bad:
                counts[f"disagreements {name}"] += 1
                failures.append((name, j, flat, len(bad)))
        decided += 1
    return decided


def test_backends_agree_on_generated_decisions():
    policy = load_policy()
    rng = random.Random(int(os.environ.get("WRP_FUZZ_SEED", "14")))
    counts: Counter = Counter()
    failures: list = []
    start = dt.datetime.now()
    while counts["decisions"] < DECISIONS:
        counts["decisions"] += _compare(policy, rng, counts, failures)
    for name in BACKENDS:
        if name != "reference":
            counts.setdefault(f"disagreements {name}", 0)
    if LONG:
        print(f"\nbackends {', '.join(BACKENDS)}: {counts['decisions']:,} decisions in "
              f"{(dt.datetime.now() - start).total_seconds():.0f} s")
        for k, v in sorted(counts.items()):
            print(f"  {k}: {v:,}")
    assert not failures, failures[:3]
    assert counts["verdict eligible"] and counts["verdict ineligible"] and counts["verdict undetermined"]
