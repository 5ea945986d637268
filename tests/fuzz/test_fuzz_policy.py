"""Fuzz: mutated jurisdiction and properties files. ``lint`` and the commands agree on what is valid
(a file lint refuses is refused by ``check --rules`` with the same message, and a file lint accepts
never makes a command fail on it), every refusal is one line naming the file, nothing runs out of
bounds. ``WRP_FUZZ_LONG=1`` runs many more examples."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

import cli
from policy.load import POLICY_DIR
from tests.fuzz.gen import Raw, del_path, hostile, paths_of, set_path, to_block_yaml, to_yaml
from tests.fuzz.harness import LONG, judge, run_bounded, snapshot

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "changping_eligible.yaml"
EXAMPLES = int(os.environ.get("WRP_FUZZ_EXAMPLES", 1500 if LONG else 6))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FILES = ["beijing.yaml", "chaoyang.yaml", "changping.yaml"]


def setup_module():
    cli.main(["check", str(PROFILE), "--format", "json"])


@cache
def _doc(name: str):
    return YAML(typ="safe").load((POLICY_DIR / "jurisdictions" / name).read_text(encoding="utf-8"))


CONDITIONS = [
    {"all": []}, {"any": []}, {"sum": []}, {"not": []}, {"at_least": -1, "of": [{"fact": "employer.high_tech", "eq": True}]},
    {"at_least": 10 ** 12, "of": [{"fact": "employer.high_tech", "eq": True}]},
    {"at_least": 10, "of": [{"fact": "employer.registered_capital", "ge": i * 1000} for i in range(20)]},
    {"fact": "employer.registered_capital", "ge": float("nan")}, {"fact": "employer.registered_capital", "ge": 10 ** 400},
    {"fact": "employer.registered_capital", "ge": {"times": 1e400, "param": "wage.monthly"}},
    {"fact": "applicant.income.annual_last_3_years[7]", "ge": 1}, {"fact": "employer.high_tech", "eq": 1},
    {"fact": "applicant.birth_date", "ge": Raw("2021-01-01")}, {"fact": None, "eq": 1}, {"in": [], "fact": "applicant.sex"},
    {"fact": "applicant.sex", "in": [[["male"]]]}, {"sum": [[1, "applicant.age_months"], [1e400, "applicant.age_months"]],
                                                   "ge": 1},
]


@st.composite
def bad_jurisdictions(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    doc = copy.deepcopy(_doc(name))
    paths = paths_of(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["value", "value", "condition", "delete", "unknown_key", "wrap"]))
        try:
            if kind == "value":
                doc = set_path(doc, path, draw(hostile))
            elif kind == "condition":
                whens = [p for p in paths if p and p[-1] == "when"]
                doc = set_path(doc, draw(st.sampled_from(whens)), copy.deepcopy(draw(st.sampled_from(CONDITIONS))))
            elif kind == "delete" and path:
                doc = del_path(doc, path)
            elif kind == "unknown_key":
                node = doc
                for p in path:
                    node = node[p]
                if isinstance(node, dict):
                    node[draw(st.sampled_from(["x", "__import__('os')", "[bold]k[/]"]))] = draw(hostile)
            elif kind == "wrap" and path:
                node = doc
                for p in path:
                    node = node[p]
                doc = set_path(doc, path, [node])
        except (KeyError, IndexError, TypeError):
            pass
        paths = paths_of(doc)
    text = to_block_yaml(doc) if isinstance(doc, dict) and draw(st.booleans()) else to_yaml(doc)
    return name, text


@SETTINGS
@given(bad_jurisdictions())
def test_lint_and_commands_agree_on_policy_files(case):
    name, text = case
    d = Path(tempfile.mkdtemp(prefix="wrp-fuzz-"))
    try:
        rules = d / "rules"
        rules.mkdir()
        f = rules / name
        f.write_text(text, encoding="utf-8")
        before = snapshot(d)
        lint = run_bounded(["lint", f])
        problem = judge(lint, [str(f)], before=before, after=snapshot(d))
        assert problem is None, f"lint: {problem}\n{lint}\n{text[:1500]}"
        jid = name.removesuffix(".yaml")
        check = run_bounded(["check", PROFILE, "--rules", rules, "--district", jid])
        problem = judge(check, [str(f), "--district"], before=before, after=snapshot(d))
        assert problem is None, f"check: {problem}\n{check}\n{text[:1500]}"
        names_file = check.rc == 2 and str(f) in check.err
        if lint.rc == 2:
            assert names_file and lint.err.split(name, 1)[1] == check.err.split(name, 1)[1], f"{lint}\n{check}"
        else:
            assert not names_file, f"lint accepted what check refused:\n{check}"
            explain = run_bounded(["explain", PROFILE, "--rules", rules, "--district", "all", "--lang", "zh"])
            problem = judge(explain, ["--district"], before=before, after=snapshot(d))
            assert problem is None, f"explain: {problem}\n{explain}"
    finally:
        shutil.rmtree(d, ignore_errors=True)


PROPERTY_KEYS = ["id", "kind", "jurisdiction", "fact", "direction", "than", "a", "b", "note", "extra"]
PROPERTY_VALUES = {
    "id": st.sampled_from(["p1", "p2", "x'); import os #", None, 1]),
    "kind": st.sampled_from(["monotone", "subsumes", "at_least_as_strict", "pathways_reachable",
                             "no_contradictions", "teleport", None, ["monotone"]]),
    "jurisdiction": st.sampled_from(["beijing", "chaoyang", "nowhere", None, ["beijing"], {"a": 1}, "BEIJING"]),
    "fact": st.sampled_from(["employer.years_registered", "applicant.birth_date", "applicant.sex",
                             "applicant.degree", "applicant.age_months", "nope", None, 1]),
    "direction": st.sampled_from(["up", "down", "sideways", None]),
    "than": st.sampled_from(["beijing", "chaoyang", "nowhere", None]),
    "a": st.sampled_from(["chaoyang", "beijing", None, 1]),
    "b": st.sampled_from(["beijing", "chaoyang", None]),
    "note": st.sampled_from(["ok", None, ["x"]]),
    "extra": hostile,
}


@st.composite
def properties_files(draw) -> str:
    items = []
    for _ in range(draw(st.integers(0, 3))):
        keys = draw(st.lists(st.sampled_from(PROPERTY_KEYS), min_size=1, max_size=6, unique=True))
        items.append({k: draw(PROPERTY_VALUES[k]) for k in keys})
    doc = {"properties": items}
    if draw(st.integers(0, 5)) == 0:
        doc = draw(st.sampled_from([{"properties": None}, {"properties": {"a": 1}}, [items], None, {"x": items}]))
    return to_block_yaml(doc) if draw(st.booleans()) else to_yaml(doc)


@settings(max_examples=max(EXAMPLES // 2, 15), deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(properties_files())
def test_bad_properties_files(text):
    d = Path(tempfile.mkdtemp(prefix="wrp-fuzz-"))
    try:
        f = d / "props.yaml"
        f.write_text(text, encoding="utf-8")
        before = snapshot(d)
        o = run_bounded(["verify", "--properties", f, "--date", "2021-09-15"])
        problem = judge(o, [str(f)], allowed=(0, 1, 2), before=before, after=snapshot(d))
        assert problem is None, f"{problem}\n{o}\n{text[:1000]}"
        if o.rc == 2:
            import re
            assert re.search(re.escape(str(f)) + r":\d+:\d+: ", o.err), f"no line:col\n{o}\n{text}"
    finally:
        shutil.rmtree(d, ignore_errors=True)
