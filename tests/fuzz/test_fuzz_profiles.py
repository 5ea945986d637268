"""Fuzz: mutated and corrupted profiles through every profile command, each run under memory and CPU
limits. Every outcome is an answer (exit 0) or one line naming the file (exit 2); nothing is written.
``WRP_FUZZ_LONG=1`` runs many more examples."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from tests.fuzz.gen import corrupt, hostile, nest, to_block_yaml, to_yaml
from tests.fuzz.harness import LONG, judge, run_bounded, snapshot
from tests.generate import ORDINARY

EXAMPLES = int(os.environ.get("WRP_FUZZ_EXAMPLES", 3000 if LONG else 40))
COMMANDS = ["check", "explain", "missing", "materials", "deadlines"]
NAMES = sorted(ORDINARY)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def setup_module():
    cli.main(["check", str(Path(__file__).resolve().parents[2] / "examples" / "changping_eligible.yaml"),
              "--format", "json"])  # warm the policy once: every forked run starts from it


@st.composite
def bad_profiles(draw) -> tuple[str, bytes]:
    flat = dict(ORDINARY)
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=4, unique=True)):
        flat[name] = draw(hostile)
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True)):
        flat.pop(name, None)
    if draw(st.booleans()):
        flat[draw(st.sampled_from(["applicant.nickname", "employer.x.y", "application", "x"]))] = draw(hostile)
    doc = nest(flat)
    if draw(st.integers(0, 4)) == 0:  # a fact stated twice: nested and as a dotted key
        name = draw(st.sampled_from(NAMES))
        doc[name] = copy.deepcopy(ORDINARY[name])
    if draw(st.integers(0, 6)) == 0:
        doc = draw(hostile)  # the whole document is something else
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    text = to_block_yaml(doc) if draw(st.booleans()) else to_yaml(doc)
    return suffix, draw(corrupt(text))


@SETTINGS
@given(bad_profiles(), st.sampled_from(COMMANDS), st.sampled_from([[], ["--lang", "zh"], ["--format", "json"],
                                                                  ["--district", "all"]]))
def test_bad_profiles(case, command, extra):
    suffix, data = case
    d = Path(tempfile.mkdtemp(prefix="wrp-fuzz-"))
    try:
        f = d / f"profile{suffix}"
        f.write_bytes(data)
        if command == "deadlines" and "--district" in extra:
            extra = []
        before = snapshot(d)
        o = run_bounded([command, f, *extra])
        problem = judge(o, [str(f), "`--"], before=before, after=snapshot(d))  # the file, or the argument
        assert problem is None, f"{problem}\n{o}\ninput: {data[:500]!r}"
    finally:
        shutil.rmtree(d, ignore_errors=True)


@settings(max_examples=max(EXAMPLES // 4, 10), deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(bad_profiles(), min_size=1, max_size=4))
def test_batch_reports_bad_rows_and_keeps_good_ones(cases):
    d = Path(tempfile.mkdtemp(prefix="wrp-fuzz-"))
    try:
        good = d / "0_good.yaml"
        good.write_text(to_block_yaml(nest(dict(ORDINARY))), encoding="utf-8")
        for i, (suffix, data) in enumerate(cases):
            (d / f"{i + 1}_bad{suffix}").write_bytes(data)
        before = snapshot(d)
        o = run_bounded(["batch", d, "--format", "csv"])
        problem = judge(o, [], before=before, after=snapshot(d))
        assert problem is None, f"{problem}\n{o}"
        assert "0_good.yaml,changping,eligible" in o.out, o.out[:1000]
        rows = [r for r in o.out.splitlines()[1:] if r]
        assert all(any(f"{i + 1}_bad" in r for r in rows) for i in range(len(cases)))
    finally:
        shutil.rmtree(d, ignore_errors=True)
