"""`wrp test`: test cases as data, and rule coverage.

A test file is a YAML list of cases (OpenFisca-style)::

    - name: ordinary enterprise one 元 under 1.5×          # required, unique in the file
      district: changping                                   # required: the jurisdiction id
      date: 2021-09-15                                      # optional: overrides application.date
      profile: profiles/ordinary.yaml                       # a profile file (relative to this file) or a mapping
      set: {employer.high_tech: false, applicant.income.monthly_avg_12m: 14110}   # overrides, dotted names
      unset: [applicant.title]                              # facts left out (unknown)
      lenient: false                                        # waive 原则上 clauses
      expect:
        status: ineligible                                  # required: eligible | ineligible | undetermined
        failed: [changping.applicant.income]                # exactly the failed clauses (as `check` lists them)
        pathways: [changping.pathway.1]                     # exactly the satisfied pathways
        waivable: [...]                                     # exactly the waivable clauses
        unknown: [...]                                      # exactly the facts that would decide it
        missing: {applicant.income.monthly_avg_12m: 14111}  # the top `missing` suggestion: fact → new value
        deadlines: {business: renewal, expiry: 2025-10-31, last_safe: 2025-09-28}

Every case is decided by the Datalog backend (the engine of record). Coverage records, per clause
of every jurisdiction version a case was decided under, whether some case saw it hold and some saw
it fail, and whether each pathway was satisfied at least once.

Example:
    >>> from policy.load import load_policy
    >>> r = run_tests(load_policy(), [])
    >>> (r.passed, r.failed)
    (0, 0)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from policy.errors import InputError
from policy.load import Policy, Reader, as_date
from policy.yamlio import err, node_pos, read_yaml

CASE_KEYS = {"name", "district", "date", "profile", "set", "unset", "lenient", "expect", "note"}
EXPECT_KEYS = {"status", "failed", "pathways", "waivable", "unknown", "missing", "deadlines"}
STATUSES = ("eligible", "ineligible", "undetermined")


@dataclass
class Case:
    name: str
    file: Path
    line: int
    district: str
    date: dt.date | None
    profile: dict
    lenient: bool
    expect: dict


@dataclass
class Outcome:
    case: Case
    ok: bool
    diffs: list[str] = field(default_factory=list)  # "field: expected X, got Y"
    error: str | None = None


@dataclass
class Coverage:
    """Clause id -> statuses seen; pathway id -> satisfied at least once; per jurisdiction file."""

    clauses: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # file -> clause -> {held, failed}
    pathways: dict[str, dict[str, bool]] = field(default_factory=dict)  # file -> pathway -> satisfied
    names: dict[str, str] = field(default_factory=dict)  # file -> jurisdiction id

    def add_jurisdiction(self, j) -> None:
        f = Path(j.file).name if j.file else j.id
        if f not in self.clauses:
            self.names[f] = j.id
            self.clauses[f] = {c.id: set() for c in j.clauses()}
            self.pathways[f] = {p.id: False for p in j.pathways}

    def record(self, decision) -> None:
        j = decision.jurisdiction
        self.add_jurisdiction(j)
        f = Path(j.file).name if j.file else j.id
        for r in decision.clause_results():
            st = r.waived_would if r.status == "waived" else r.status
            if st in ("held", "failed"):
                self.clauses[f][r.clause.id].add(st)
        for p in decision.pathways:
            if p.status == "satisfied":
                self.pathways[f][p.pathway.id] = True

    def rows(self) -> list[dict]:
        out = []
        for f, cls in self.clauses.items():
            both = [c for c, s in cls.items() if s == {"held", "failed"}]
            pw = self.pathways[f]
            total = 2 * len(cls) + len(pw)
            got = sum(len(s) for s in cls.values()) + sum(pw.values())
            out.append({"file": f, "jurisdiction": self.names[f], "clauses": len(cls), "both_seen": len(both),
                        "pathways": len(pw), "pathways_satisfied": sum(pw.values()),
                        "percent": round(100 * got / total, 1) if total else 100.0,
                        "never_held": sorted(c for c, s in cls.items() if "held" not in s),
                        "never_failed": sorted(c for c, s in cls.items() if "failed" not in s),
                        "pathways_never_satisfied": sorted(p for p, ok in pw.items() if not ok)})
        return out

    def percent(self) -> float:
        total = sum(2 * len(c) + len(self.pathways[f]) for f, c in self.clauses.items())
        got = sum(len(s) for c in self.clauses.values() for s in c.values()) + \
            sum(sum(p.values()) for p in self.pathways.values())
        return round(100 * got / total, 1) if total else 100.0

    def as_dict(self) -> dict:
        return {"percent": self.percent(), "jurisdictions": self.rows()}


@dataclass
class CaseRun:
    outcomes: list[Outcome]
    coverage: Coverage

    @property
    def passed(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    def as_dict(self) -> dict:
        return {"passed": self.passed, "failed": self.failed,
                "cases": [{"name": o.case.name, "file": str(o.case.file), "line": o.case.line, "ok": o.ok,
                           "diffs": o.diffs, **({"error": o.error} if o.error else {})} for o in self.outcomes],
                "coverage": self.coverage.as_dict()}

    def render(self, coverage: bool = False) -> str:
        lines: list[str] = []
        by_file: dict[Path, list[Outcome]] = {}
        for o in self.outcomes:
            by_file.setdefault(o.case.file, []).append(o)
        for f, outs in by_file.items():
            lines.append(f"{_shown(f)} {''.join('.' if o.ok else 'F' for o in outs)}")
        bad = [o for o in self.outcomes if not o.ok]
        if bad:
            lines += ["", "FAILURES"]
            for o in bad:
                lines.append(f"___ {_shown(o.case.file)}:{o.case.line}: {o.case.name} ___")
                lines += [f"  {d}" for d in o.diffs]
                if o.error:
                    lines.append(f"  error: {o.error}")
        summary = f"{self.passed} passed" + (f", {self.failed} failed" if self.failed else "")
        lines += ["", f"{'FAILED' if self.failed else 'OK'}: {summary}"]
        if coverage:
            lines += ["", render_coverage(self.coverage)]
        return "\n".join(lines)


def render_coverage(cov: Coverage) -> str:
    rows = cov.rows()
    w = max([len(r["file"]) for r in rows] + [4])
    out = [f"{'file':<{w}}  clauses  held+failed  pathways satisfied  coverage"]
    for r in rows:
        out.append(f"{r['file']:<{w}}  {r['clauses']:>7}  {r['both_seen']:>11}  {r['pathways_satisfied']:>8}/"
                   f"{r['pathways']:<9}  {r['percent']:>7.1f} %")
        for key, words in (("never_held", "never seen holding"), ("never_failed", "never seen failing"),
                           ("pathways_never_satisfied", "pathway never satisfied")):
            for cid in r[key]:
                out.append(f"  - {cid}: {words}")
    out.append(f"{'total':<{w}}  {'':>7}  {'':>11}  {'':>18}  {cov.percent():>7.1f} %")
    return "\n".join(out)


# --- reading cases ----------------------------------------------------------------------------------------


def _plain(v):
    if isinstance(v, CommentedMap):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, CommentedSeq):
        return [_plain(x) for x in v]
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _set(root: dict, dotted: str, value) -> None:
    *path, last = dotted.split(".")
    node = root
    for p in path:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise KeyError(dotted)
    node[last] = value


def _unset(root: dict, dotted: str) -> None:
    *path, last = dotted.split(".")
    node = root
    for p in path:
        node = node.get(p, {})
    if isinstance(node, dict):
        node.pop(last, None)


def read_cases(path: Path, policy: Policy) -> list[Case]:
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    data = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, CommentedSeq):
        raise err("a test file is a list of cases (`- name: ...`)", path, data)
    cases, names = [], set()
    for node in data:
        r = Reader(path, node, "a test case", CASE_KEYS, {"name", "district", "expect"})
        name = r.str("name")
        if name in names:
            raise r.err("name", f"a second case named `{name}` in this file")
        names.add(name)
        district = r.str("district")
        if district not in policy.jurisdictions:
            raise r.err("district", f"unknown district `{district}`; the rules have: {', '.join(policy.ids())}")
        date = None
        if r.get("date") is not None:
            date = as_date(r.get("date"))
            if date is None:
                raise r.err("date", "`date` must be a date YYYY-MM-DD")
        prof = r.get("profile")
        if prof is None:
            profile: dict = {}
        elif isinstance(prof, str):
            pfile = (path.parent / prof) if not Path(prof).is_absolute() else Path(prof)
            if not pfile.exists():
                raise r.err("profile", f"no such profile file `{prof}` (relative to this test file)")
            profile = _plain(read_yaml(pfile)) or {}
        elif isinstance(prof, CommentedMap):
            profile = _plain(prof)
        else:
            raise r.err("profile", "`profile` is a profile file (relative to this test file) or a mapping")
        sets = r.get("set", CommentedMap())
        if not isinstance(sets, CommentedMap):
            raise r.err("set", "`set` maps dotted fact names to values: {applicant.degree: master}")
        for k, v in sets.items():
            try:
                _set(profile, str(k), _plain(v))
            except KeyError:
                raise err(f"`{k}` cannot be set: a part of it is not a mapping in the profile", path, sets, k,
                          field=str(k)) from None
        for k in r.list("unset"):
            _unset(profile, str(k))
        e = Reader(path, r.get("expect"), "`expect`", EXPECT_KEYS, {"status"})
        if e.get("status") not in STATUSES:
            raise e.err("status", f"`status` is one of {', '.join(STATUSES)}")
        expect = {k: _plain(v) for k, v in r.get("expect").items()}
        for k in ("failed", "pathways", "waivable", "unknown"):
            if k in expect and not isinstance(expect[k], list):
                raise e.err(k, f"`{k}` is a list")
        line, _ = node_pos(node)
        cases.append(Case(name, path, line or 0, district, date, profile, bool(r.get("lenient", False)), expect))
    return cases


# --- running ----------------------------------------------------------------------------------------------


def _diff(diffs: list[str], what: str, expected, actual) -> None:
    if expected == actual:
        return
    if isinstance(expected, list) and isinstance(actual, list):
        more = [x for x in actual if x not in expected]
        less = [x for x in expected if x not in actual]
        diffs.append(f"{what}: expected {expected}, got {actual}"
                     + (f"\n    + not expected: {', '.join(map(str, more))}" if more else "")
                     + (f"\n    - expected, not there: {', '.join(map(str, less))}" if less else ""))
        return
    diffs.append(f"{what}: expected {expected!r}, got {actual!r}")


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _num(x):
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    return x


def run_case(policy: Policy, case: Case, coverage: Coverage) -> Outcome:
    from solver.decide import decide
    from solver.procedures.facts import procedure_facts_from_dict
    try:
        facts = procedure_facts_from_dict(case.profile, policy, date=case.date, file=f"{case.file}:{case.line}")
    except InputError as exc:
        return Outcome(case, False, error=f"the profile is not valid: {exc}")
    d = decide(policy, case.district, facts, lenient=case.lenient)
    coverage.record(d)
    exp, diffs = case.expect, []
    _diff(diffs, "status", exp["status"], d.status)
    if "failed" in exp:
        _diff(diffs, "failed", sorted(exp["failed"]), sorted(dict.fromkeys(c.clause.id for c in d.failed())))
    if "pathways" in exp:
        _diff(diffs, "pathways", sorted(exp["pathways"]),
              sorted(p.pathway.id for p in d.pathways if p.status == "satisfied"))
    if "waivable" in exp:
        _diff(diffs, "waivable", sorted(exp["waivable"]), sorted(dict.fromkeys(c.clause.id for c in d.waivable())))
    if "unknown" in exp:
        _diff(diffs, "unknown", sorted(exp["unknown"]), sorted(d.unknown))
    if "missing" in exp:
        from solver.analyses.missing.answer import missing
        m = missing(policy, case.district, facts, top=1, lenient=case.lenient)
        top = m.overall[0] if m.overall else None
        got = {} if top is None else {c.fact: _num(c.after) for c in top.changes}
        if top is not None and top.wait_months:
            got["wait_months"] = top.wait_months
        want = exp["missing"] or {}
        want = {k: (v if not isinstance(v, bool) else v) for k, v in want.items()}
        got = {k: (bool(v) if policy.vocabulary.facts.get(k) and policy.vocabulary.facts[k].type == "bool" else
                   _choice(policy, k, v)) for k, v in got.items()}
        _diff(diffs, "missing (top suggestion)", want, got)
    if "deadlines" in exp:
        from solver.procedures.deadlines import deadlines
        want = dict(exp["deadlines"])
        business = want.pop("business", "renewal")
        expiry, left = as_date(want.pop("expiry", None)), as_date(want.pop("left_employer", None))
        t = deadlines(policy, [case.district], expiry=expiry, left_employer=left, facts=facts)
        plan = t.plan(case.district, business)
        got = {k: (plan.get(k).isoformat() if plan.get(k) else None) for k in want}
        _diff(diffs, f"deadlines ({business})", want, got)
    return Outcome(case, not diffs, diffs)


def _choice(policy: Policy, fact: str, v):
    spec = policy.vocabulary.facts.get(fact)
    if spec is not None and spec.type == "enum" and isinstance(v, int):
        return spec.choices[v]
    return v


def case_files(policy: Policy, paths: list[str] | None) -> list[Path]:
    """The files named (directories: their *.yaml), or the rules pack's own test files."""
    if paths:
        out = []
        for p in map(Path, paths):
            if p.is_dir():
                out += sorted(p.glob("*.yaml"))
            elif p.exists():
                out.append(p)
            else:
                raise InputError("no such file or directory", file=str(p))
        return out
    pack = policy.pack
    if pack is None:
        return []
    files = list(pack.test_files())
    if pack.extends and not pack.shipped:
        from policy.pack import POLICY_DIR, open_pack
        files = [*open_pack(POLICY_DIR).test_files(), *files]
    return files


def run_tests(policy: Policy, files: list[Path], every_jurisdiction: bool = True) -> CaseRun:
    """Run the cases of ``files``. Coverage counts every jurisdiction of the rules, or (``every_jurisdiction``
    false: test files named on the command line) those the cases are about and the pack's own."""
    cases = [c for f in files for c in read_cases(f, policy)]  # every file is read before any case runs
    cov = Coverage()
    own = {str(p.resolve()) for p in policy.pack.jurisdictions} if policy.pack is not None and not policy.pack.shipped \
        else set()
    asked = {c.district for c in cases}
    for jid, versions in policy.jurisdictions.items():
        for j in versions:
            if every_jurisdiction or jid in asked or str(Path(j.file).resolve()) in own:
                cov.add_jurisdiction(j)
    return CaseRun([run_case(policy, c, cov) for c in cases], cov)


@dataclass
class TestReport:
    """What `wrp test` prints: the run, the coverage table when asked, the exit code."""

    __test__ = False  # not a pytest class

    run: CaseRun
    coverage: bool = False
    fail_under: float | None = None

    @property
    def coverage_ok(self) -> bool:
        return self.fail_under is None or self.run.coverage.percent() >= self.fail_under

    @property
    def exit_code(self) -> int:
        return 0 if self.run.failed == 0 and self.coverage_ok else 1

    def as_dict(self) -> dict:
        return self.run.as_dict() | {"fail_under": self.fail_under, "coverage_ok": self.coverage_ok}

    def render(self, lang: str = "en") -> str:
        text = self.run.render(coverage=self.coverage or self.fail_under is not None)
        if not self.coverage_ok:
            text += f"\ncoverage {self.run.coverage.percent():.1f} % is under --fail-under {self.fail_under:g} %"
        return text


def run_report(policy: Policy, paths: list[str], coverage: bool = False, fail_under: float | None = None,
               coverage_json: str | None = None) -> TestReport:
    """`wrp test`: read every case file, run every case, write the coverage JSON (atomically) if asked."""
    import json
    files = case_files(policy, paths)
    if not files:
        raise InputError("no test files: name them, or give a rules pack with tests/*.yaml", field="paths")
    report = TestReport(run_tests(policy, files, every_jurisdiction=not paths), coverage, fail_under)
    if coverage_json:
        out = Path(coverage_json)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(json.dumps(report.run.coverage.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(out)
    return report


__all__ = ["Case", "Outcome", "Coverage", "CaseRun", "read_cases", "run_case", "run_tests", "case_files",
           "render_coverage", "TestReport", "run_report"]
