"""Every backend gives the same verdict and the same clause truths on generated profiles.

The default run compares a few hundred profile × jurisdiction decisions; ``WRP_FUZZ_LONG=1`` compares
at least 100,000 (``WRP_FUZZ_DECISIONS`` to change it) and prints the counts by category — verdicts,
clause truths compared, disagreements per backend — all disagreement counts must be 0. Profiles
come from the one generator (``tests/generate.py``: the vocabulary's constraints, the policy's own
thresholds): near each jurisdiction's ordinary applicant, anywhere, and with facts left out (so
unknown and undetermined cases are covered), strict and lenient.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.load import load_policy
from solver.backends.registry import BACKENDS, backend
from solver.facts import facts_from_dict
from solver.program import compile_program
from tests.fuzz.harness import LONG
from tests.generate import profiles

DECISIONS = int(os.environ.get("WRP_FUZZ_DECISIONS", 100_000 if LONG else 150))


def _compare(policy, doc, lenient: bool, counts: Counter, failures: list) -> None:
    facts = facts_from_dict(doc, policy)
    for j in policy.ids():
        version, _ = policy.version(j, facts.date)
        prog = compile_program(version, facts.wage, lenient=lenient)
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
                failures.append((name, j, doc, len(bad)))
        counts["decisions"] += 1


def test_backends_agree_on_generated_decisions():
    policy = load_policy()
    counts: Counter = Counter()
    failures: list = []
    start = dt.datetime.now()
    ids = policy.ids()
    # half near the ordinary applicant of a jurisdiction (where districts differ), half anywhere;
    # some facts left out (unknown, undetermined), some strict and some lenient
    docs = st.one_of(st.builds(lambda j, p: (j, p), st.sampled_from(ids), st.booleans()).flatmap(
        lambda jp: profiles(policy, near=jp[0], partial=jp[1])), profiles(policy, partial=True),
        profiles(policy))

    @settings(max_examples=-(-DECISIONS // len(ids)), deadline=None, database=None, derandomize=not LONG,
              suppress_health_check=list(HealthCheck))
    @given(docs, st.booleans())
    def run(doc, lenient):
        _compare(policy, doc, lenient, counts, failures)

    run()
    for name in BACKENDS:
        if name != "reference":
            counts.setdefault(f"disagreements {name}", 0)
    if LONG:
        print(f"\nbackends {', '.join(BACKENDS)}: {counts['decisions']:,} decisions in "
              f"{(dt.datetime.now() - start).total_seconds():.0f} s")
        for k, v in sorted(counts.items()):
            print(f"  {k}: {v:,}")
    assert not failures, failures[:3]
    assert counts["verdict eligible"] and counts["verdict ineligible"]
    assert counts["verdict undetermined"] or not LONG
