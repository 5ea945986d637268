"""Regenerate policy/tests/coverage_<jid>.yaml:  python -m tests.gen_coverage_cases

One case per coverage point (a clause seen holding or failing, a pathway satisfied) that the
hand-written cases of policy/tests leave uncovered, found by sweeping each fact a clause reads through
its boundary values from the ordinary applicant of profiles/<jid>.yaml (and one applicant per special
pathway). The expectations are the Datalog answers: review the diff before committing it.
"""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML

from policy.expr import facts_of
from policy.load import POLICY_DIR, load_policy
from solver.decide import decide
from solver.facts import facts_from_dict
from solver.testcases import case_files, run_tests
from tests.backends.test_properties import BOOSTS, sweep_values
from tests.generate import boundary_values, nest, repair

TESTS = POLICY_DIR / "tests"


def _flat(d: dict, pre: str = "") -> dict:
    out: dict = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, pre + k + "."))
        else:
            out[pre + k] = v
    return out


def _variants(policy, j, base: dict) -> list[dict]:
    bounds = boundary_values(policy, facts_from_dict(nest(base), policy).date)
    out: list[dict] = [{}]
    for name in sorted({x.split("[", 1)[0] for c in j.clauses() for x in facts_of(c.when)}):
        if name.startswith("applicant.months_to_retirement") or name == "applicant.age_months":
            out += [{"applicant.birth_date": f"{2021 - y}-09-14", "applicant.sex": sex,
                     "applicant.work_experience_years": 10} for y in (50, 55, 56, 60, 61) for sex in ("male", "female")]
            continue
        spec = policy.vocabulary.facts.get(name)
        if spec is None or spec.derived:
            continue
        out += [{name: [v] * spec.length if spec.type == "money_list" else v} for v in sweep_values(policy, name, bounds)]
    return out


def main() -> None:
    policy = load_policy()
    cov = run_tests(policy, [f for f in case_files(policy, None) if not f.name.startswith("coverage_")]).coverage
    yaml = YAML()
    yaml.default_flow_style = None
    yaml.width = 200
    for jid in policy.ids():
        j = policy.jurisdictions[jid][-1]
        f = Path(j.file).name
        base0 = _flat(YAML(typ="safe").load((TESTS / "profiles" / f"{jid}.yaml").read_text(encoding="utf-8")))
        cases: list[dict] = []
        for bi, boost in enumerate([{}, *BOOSTS]):
            base = {**base0, **boost}
            for change in _variants(policy, j, base):
                flat = repair(policy, {**base, **change})
                d = decide(policy, jid, facts_from_dict(nest(flat), policy))
                before = (sum(len(s) for s in cov.clauses[f].values()), sum(cov.pathways[f].values()))
                cov.record(d)
                if (sum(len(s) for s in cov.clauses[f].values()), sum(cov.pathways[f].values())) == before:
                    continue
                label = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in change.items()) or "the ordinary applicant"
                case = {"name": label + (f" (special-pathway applicant {bi})" if bi else ""), "district": jid,
                        "profile": f"profiles/{jid}.yaml"}
                sets = {k: v for k, v in flat.items() if base0.get(k) != v}
                if sets:
                    case["set"] = sets
                expect = {"status": d.status, "failed": sorted(dict.fromkeys(c.clause.id for c in d.failed())),
                          "pathways": sorted(p.pathway.id for p in d.pathways if p.status == "satisfied")}
                if d.unknown:
                    expect["unknown"] = sorted(d.unknown)
                case["expect"] = expect
                if case["name"] in {c["name"] for c in cases}:
                    case["name"] += f" #{len(cases)}"
                cases.append(case)
        buf = io.StringIO()
        yaml.dump(cases, buf)
        (TESTS / f"coverage_{jid}.yaml").write_text(
            f"# Coverage cases for {jid}, found by sweeping each fact a clause reads through its boundary values\n"
            f"# (from profiles/{jid}.yaml, and one applicant per special pathway); the expectations were recorded\n"
            "# from the Datalog answer and reviewed. Regenerate only after a deliberate change, and review the diff:\n"
            "#   python -m tests.gen_coverage_cases\n" + buf.getvalue(), encoding="utf-8")
        print(jid, len(cases))


if __name__ == "__main__":
    main()
