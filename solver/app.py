"""The facade every front end calls (the CLI now; an HTTP service and a Python API next).

``App`` loads the rules once (the shipped ones, or ``rules=DIR``) and offers one method per
question. Each takes plain values — a profile as a file path or a dict, ids, dates — and returns a
result object with ``as_dict()`` (the JSON contract) and ``render(lang)`` (text for people). Only
what a question needs is imported: ``check`` never loads z3.

Example:
    >>> import datetime as dt
    >>> app = App()
    >>> r = app.check("examples/changping_eligible.yaml")
    >>> r.as_dict()["status"], r.as_dict()["district"]
    ('eligible', 'changping')
    >>> app.compare(["changping", "xicheng"], topic="work_experience", date=dt.date(2021, 9, 15)).rows[0].cells[1].relation
    'same'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy.errors import InputError, unknown_district, unknown_topic
from policy.i18n import Msg, status_text
from solver.rows import ErrorRows

ALL = "all"

# An App may be used from several threads (the HTTP service's workers): every z3 analysis runs on the
# one z3 worker thread (solver.backends.smt.worker), and the Datalog backend keeps an engine per thread.


@dataclass(frozen=True)
class ProfileText:
    """A profile as text (JSON or YAML) that is not a file, e.g. an HTTP request body; errors name
    ``name`` with the line and column in ``text``."""

    text: str
    name: str = "profile.json"


Profile = str | Path | dict | ProfileText


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


class App:
    """The rules loaded once, and every question wrp answers over them."""

    def __init__(self, rules: str | Path | None = None) -> None:
        self.rules = None if rules is None else str(rules)
        self._policy = None

    @property
    def policy(self):
        if self._policy is None:
            from policy.load import load_policy
            self._policy = load_policy(self.rules)
        return self._policy

    # --- inputs ----------------------------------------------------------------------------------

    def facts(self, profile: Profile, date: dt.date | None = None):
        """A profile (file or dict) as typed facts, procedure facts included; ``InputError`` with
        file:line on a mistake."""
        from solver.procedures.facts import load_procedure_profile, procedure_facts_from_dict
        if isinstance(profile, dict):
            return procedure_facts_from_dict(profile, self.policy, date=date)
        if isinstance(profile, ProfileText):
            return self._facts_from_text(profile, date)
        return load_procedure_profile(profile, self.policy, date=date)

    def _facts_from_text(self, profile: ProfileText, date: dt.date | None):
        """JSON is read with ``json`` (fast); YAML, bad JSON and any profile the loader refuses are read
        with ruamel, so that the message has the line and column in the text."""
        import json

        from policy.yamlio import read_yaml
        from solver.procedures.facts import procedure_facts_from_dict
        if not profile.text.strip():
            raise InputError("the profile is empty; it needs `application`, `applicant` and `employer` sections "
                             "(see docs/profile.md)", file=profile.name)

        def unique(pairs):  # a duplicate key is an error, as in a file: left to ruamel to place it
            if len({k for k, _ in pairs}) != len(pairs):
                raise ValueError("duplicate key")
            return dict(pairs)

        try:
            data = json.loads(profile.text, object_pairs_hook=unique)
            return procedure_facts_from_dict(data, self.policy, date=date, file=profile.name)
        except RecursionError:
            raise InputError("the profile is nested too deeply to be a profile", file=profile.name) from None
        except (ValueError, InputError):
            pass
        data = read_yaml(profile.name, text=profile.text)
        return procedure_facts_from_dict(data, self.policy, date=date, file=profile.name)

    def districts(self, facts, district: str | None) -> list[str]:
        """The jurisdictions to judge in: ``district``, every one for ``all``, else the employer's."""
        policy = self.policy
        if district == ALL:
            return policy.ids()
        if district:
            self.known(district, ALL)
            return [district]
        spec = policy.vocabulary.facts["employer.registered_district"]
        v = facts.values.get("employer.registered_district")
        if v is None:
            facts.warnings.append(Msg("employer.registered_district is unknown; using the city-wide rule (beijing)",
                                      "单位注册地（employer.registered_district）未知；按全市规定（beijing）判断"))
            return ["beijing"]
        name = spec.choices[int(v)]
        if name not in policy.jurisdictions:
            facts.warnings.append(Msg(f"no district rules are encoded for `{name}`; using the city-wide rule (beijing)",
                                      f"尚未编码 `{name}` 的区级规定；按全市规定（beijing）判断"))
            return ["beijing"]
        return [name]

    def known(self, district: str, *extra: str, field_name: str = "--district") -> str:
        """``district`` if the policy has it; else the one "unknown district" message."""
        if district not in self.policy.jurisdictions:
            raise unknown_district(district, self.policy.ids(), field_name, all_too=bool(extra))
        return district

    def topic(self, topic: str | None) -> str | None:
        """``topic`` if the vocabulary has it; else the one "unknown topic" message."""
        if topic is not None and topic not in self.policy.vocabulary.topics:
            raise unknown_topic(topic, list(self.policy.vocabulary.topics))
        return topic

    def jurisdictions(self, spec: str | list[str]) -> list[str]:
        """A comma-separated list (or list) of jurisdiction ids, or ``all``."""
        if spec == ALL:
            return self.policy.ids()
        ids = _csv(spec) if isinstance(spec, str) else list(spec)
        for j in ids:
            self.known(j, ALL, field_name="--districts")
        return ids

    # --- eligibility -----------------------------------------------------------------------------

    def check(self, profile: Profile, district: str | None = None, date: dt.date | None = None,
              lenient: bool = False, relocate: bool = False, backend: str = "datalog",
              explain: bool = False) -> CheckResult:
        """Is the applicant eligible (in ``district``, ``all``, or the employer's district)?"""
        from solver.decide import decide
        from solver.facts import relocated
        policy = self.policy
        facts = self.facts(profile, date)
        ids = self.districts(facts, district)
        decisions = [decide(policy, j, relocated(policy, facts, j) if relocate else facts, lenient=lenient,
                            backend_name=backend) for j in ids]
        missing = {}
        if explain:
            from solver.analyses.missing.answer import missing as find_missing
            for d in decisions:
                if d.status == "ineligible":
                    missing[d.jurisdiction.id] = find_missing(policy, d.jurisdiction.id, d.facts, top=1,
                                                              lenient=d.lenient)
        name = "" if isinstance(profile, dict) else profile.name if isinstance(profile, ProfileText) else str(profile)
        return CheckResult(policy, decisions, district == ALL, explain, missing, profile=name, facts=facts)

    def explain(self, profile: Profile, **kw) -> CheckResult:
        """The full proof, and the minimum missing condition of every ineligible decision."""
        return self.check(profile, explain=True, **kw)

    def batch(self, profiles: list[str | Path], district: str | None = None, date: dt.date | None = None,
              lenient: bool = False) -> BatchResult:
        """Many profiles (files or directories of them): one row per profile and jurisdiction; a bad
        profile is an ``error`` row, the others are still checked."""
        from policy.yamlio import list_dir, path_kind
        from solver.decide import decide
        from solver.render.applicant import flat_row
        files: list[Path] = []
        for name in profiles:
            path = Path(name)
            if str(name) == "-":  # one profile on standard input
                files.append(path)
                continue
            kind = path_kind(path)
            if kind == "dir":
                found = list_dir(path, (".yaml", ".yml", ".json"))
                if not found:  # an empty table is not an answer: say so (exit 2)
                    raise InputError(Msg("the directory holds no profile (.yaml, .yml, .json)",
                                         "目录中没有申请人档案（.yaml、.yml、.json）"), file=str(name))
                files += found
            elif kind != "missing":
                files.append(path)  # a device or a FIFO becomes an error row (policy.yamlio refuses it)
            else:
                raise InputError("no such file or directory", file=str(name))
        rows, errors = [], 0
        for f in files:
            label = "<stdin>" if str(f) == "-" else str(f)
            try:
                facts = self.facts(f, date)
                ids = self.districts(facts, district)
            except InputError as exc:
                errors += 1
                rows.append({"profile": label, "district": None, "status": "error", "failed": [], "unknown": [],
                             "error": str(exc)})
                continue
            for j in ids:
                rows.append({**flat_row(label, decide(self.policy, j, facts, lenient=lenient)), **facts.ident})
        return BatchResult(rows, errors, len(files))

    # --- populations (solver.population_app: the SQL backend over tables) ----------------------------

    def batch_table(self, profiles: list[str | Path], district: str | None = None, date: dt.date | None = None,
                    lenient: bool = False, output: str | None = None, columns: str | None = None,
                    missing: bool = False, lang: str = "en"):
        """A table of applicants (CSV, XLSX, Parquet, JSON Lines, or profiles): one row per applicant and
        district with status, pathways and reasons; written to ``output`` if given."""
        from solver import population_app
        return population_app.batch_table(self, profiles, district, date, lenient, output, columns, missing, lang)

    def population(self, file: str, district: str = ALL, date: dt.date | None = None, lenient: bool = False,
                   columns: str | None = None, lang: str = "en"):
        """Counts by district and status, by pathway, and the flip matrix of a table of applicants."""
        from solver import population_app
        return population_app.population(self, file, district, date, lenient, columns, lang)

    def reform(self, file: str, modified: App | None = None, district: str = ALL, date: dt.date | None = None,
               vs: dt.date | None = None, **kw):
        """Who gains and who loses: these rules vs ``modified``'s, or on ``date`` vs ``vs``."""
        from solver import population_app
        return population_app.reform(self, modified or self, file, district, date, vs, **kw)

    def synth(self, n: int, seed: int = 0, output: str | None = None):
        """A SYNTHETIC population of ``n`` applicants written to ``output``."""
        from solver import population_app
        return population_app.synth(self, n, seed, output)

    def sql(self, district: str, dialect: str = "duckdb", **kw):
        """The compiled SQL query of a jurisdiction, for a warehouse or a cluster."""
        from solver import population_app
        return population_app.sql(self, district, dialect, **kw)

    # --- analyses --------------------------------------------------------------------------------

    def missing(self, profile: Profile, district: str | None = None, date: dt.date | None = None,
                keep: list[str] = (), allow: list[str] = (), top: int = 3, lenient: bool = False,
                relocate: bool = False) -> MissingAnswer:
        """The cheapest change that makes the applicant eligible, per jurisdiction."""
        from solver.analyses.missing.answer import missing
        if top < 1:
            raise InputError("--top must be at least 1", field="--top")
        facts = self.facts(profile, date)
        ids = self.districts(facts, district)
        from solver.facts import relocated
        # --relocate: the same person with the employer moved to each jurisdiction's own district
        results = [missing(self.policy, j, relocated(self.policy, facts, j) if relocate else facts, keep=keep,
                           allow=allow, top=top, lenient=lenient) for j in ids]
        for r in results:
            r.ident = facts.ident  # the profile's `id` / `name`, carried to the output
        return MissingAnswer(results, district == ALL)

    def conflicts(self, districts: str | list[str] = ALL, topic: str | None = None, date: dt.date | None = None,
                  procedures: bool = True) -> ConflictsAnswer:
        """Where the jurisdictions disagree (eligibility, inside each, sources; procedures unless a
        topic is given or ``procedures`` is false)."""
        from solver.analyses.conflicts import conflicts
        jids = self.jurisdictions(districts)
        self.topic(topic)
        res = conflicts(self.policy, jids, topic=topic, date=date)
        procedural = None
        if procedures and not topic:
            from solver.procedures.conflicts import procedural_conflicts
            procedural = procedural_conflicts(self.policy, jids)
        return ConflictsAnswer(res, procedural)

    def compare(self, districts: str | list[str], topic: str | None = None, date: dt.date | None = None):
        """Jurisdictions side by side by topic, with z3's verdict per cell."""
        from solver.analyses.compare import compare
        jids = self.jurisdictions(districts if isinstance(districts, str) else ",".join(districts))
        if len(jids) < 2:
            raise InputError("compare needs at least two jurisdictions", field="districts")
        self.topic(topic)
        return compare(self.policy, jids, topic=topic, date=date)

    def report(self, districts: str | list[str] = ALL, date: dt.date | None = None, population: str | None = None,
               output: str | Path | None = None, lang: str = "zh", force: bool = False):
        """The standalone HTML report (`wrp report`), written atomically to ``output`` (replacing a file
        only with ``force``)."""
        from solver.render.report import make_report
        return make_report(self, districts, date, population, output, lang, force)

    def verify(self, properties: str | Path | None = None, date: dt.date | None = None):
        """The consistency properties (``policy/properties.yaml`` or ``properties``), proven or refuted."""
        from solver.analyses.verify import verify
        props = Path(properties) if properties else None
        from policy.yamlio import path_kind
        if props is not None and path_kind(props, "--properties") == "missing":
            raise InputError("no such file", file=str(props), field="--properties")
        return verify(self.policy, props, date=date)

    # --- procedures ------------------------------------------------------------------------------

    def deadlines(self, profile: Profile | None = None, district: str = ALL, expiry: dt.date | None = None,
                  left_employer: dt.date | None = None, ics: str | Path | None = None,
                  force: bool = False) -> DeadlinesAnswer:
        """The renewal and employer-change timeline per jurisdiction; ``ics``: also write it as events
        (``solver.render.atomic``: replacing an existing file needs ``force``)."""
        from solver.procedures.deadlines import deadlines
        from solver.render.atomic import check_target
        inputs = [p for p in (profile,) if isinstance(p, (str, Path))] + \
            (sorted(Path(self.rules).glob("*.yaml")) if self.rules else [])
        if ics:  # refuse a bad target before the work, not after it
            check_target(ics, force=force, inputs=inputs, field="--ics")
        facts = self.facts(profile) if profile else None
        jids = None if district == ALL else self.jurisdictions(district)
        t = deadlines(self.policy, jids, expiry=expiry, left_employer=left_employer, facts=facts)
        n = t.to_ics(ics, force=force, inputs=inputs) if ics else None
        return DeadlinesAnswer(t, None if ics is None else str(ics), n)

    def materials(self, profile: Profile, district: str | None = None, business: str | None = None,
                  pathway: str | None = None, date: dt.date | None = None):
        """The checklist of documents for this applicant in one jurisdiction."""
        from solver.procedures.materials import materials
        facts = self.facts(profile, date)
        if district == ALL:
            raise InputError("materials are listed for one jurisdiction; give --district D", field="--district")
        jid = self.districts(facts, district)[0]
        if business is None:
            stated = facts.stated.get("application.business")
            business = str(stated) if stated else "new"
        return materials(self.policy, jid, facts, business=business, pathway=pathway)

    # --- the policy itself -----------------------------------------------------------------------

    def lint(self, files: list[str] = ()) -> LintResult:
        """Load and check every policy file (plus ``files``, plus those of ``rules``)."""
        from policy.lint import lint
        return LintResult(lint(list(files), rules=self.rules))

    def test(self, paths: list[str] = (), coverage: bool = False, fail_under: float | None = None,
             coverage_json: str | None = None):
        """Run test cases written as data (the rules pack's tests/ by default); rule coverage."""
        from solver.testcases import run_report
        return run_report(self.policy, list(paths), coverage, fail_under, coverage_json)

    def diff(self, new_rules: str | None = None, date: dt.date | None = None, to_date: dt.date | None = None,
             district: str | None = None, witnesses: bool = True):
        """What changed from these rules to ``new_rules`` (or to the same rules on ``to_date``)."""
        from policy.load import load_policy
        from solver.analyses.diff import diff_rules
        if new_rules is None and to_date is None:
            raise InputError("nothing to compare: give two rules packs (--rules OLD --rules NEW) or two dates "
                             "(--date and --to-date)", field="--rules")
        new = self.policy if new_rules is None else load_policy(str(new_rules))
        return diff_rules(self.policy, new, date=date, to_date=to_date, district=district, witnesses=witnesses,
                          old_name=self.rules or "shipped", new_name=str(new_rules) if new_rules else (self.rules or "shipped"))

    def sources(self, district: str | None = None, topic: str | None = None) -> SourcesResult:
        """Clauses by jurisdiction and topic, with their citations."""
        policy = self.policy
        ids = [self.known(district)] if district else policy.ids()
        self.topic(topic)
        rows = []
        for jid in ids:
            for j in policy.jurisdictions[jid]:
                for c in j.clauses():
                    if topic and c.topic != topic:
                        continue
                    rows.append({"district": j.id, "clause": c.id, "kind": c.kind, "topic": c.topic,
                                 "strength": c.strength, "pathway": c.pathway, "cite": c.cite.as_dict(),
                                 "note": c.note_in("en"), "note_zh": c.note_in("zh")})
        return SourcesResult(policy, rows)


# --- results (values; ``render`` gives words) ------------------------------------------------------


@dataclass
class CheckResult:
    policy: Any
    decisions: list
    many: bool  # asked for `all`: a list in JSON
    explain: bool = False
    missing: dict = field(default_factory=dict)  # jurisdiction -> MissingResult (explain, ineligible)
    facts: Any = None  # the profile checked (for the next questions)
    exit_code: int = 0
    profile: str = ""  # the file the profile came from (shown by the printable pages)

    def to_csv(self) -> str:
        """The flat row `batch` writes, one per jurisdiction."""
        from solver.render.applicant import flat_row, to_csv
        ident = getattr(self.facts, "ident", None) or {}  # the profile's `id` / `name`, as batch rows have them
        return to_csv([{**flat_row(self.profile, d), **ident} for d in self.decisions])

    def to_markdown(self, lang: str = "en") -> str:
        """The caseworker's page: verdicts side by side, the proof with quotes, the cheapest fix."""
        from solver.render.applicant import to_markdown
        return to_markdown(self.policy, self.decisions, lang, Path(self.profile).name, self.missing).rstrip("\n")

    def to_html(self, lang: str = "en") -> str:
        from solver.render.applicant import to_html
        return to_html(self.policy, self.decisions, lang, Path(self.profile).name, self.missing)

    QUESTIONS_SHOWN = 10

    @property
    def questions(self) -> list:
        """Which question next (``solver.questions``): the unknown facts that settle some undetermined
        answer, most decisive first; computed once, when asked for."""
        if not hasattr(self, "_questions"):
            from solver.questions import home_district, next_questions
            lenient = bool(self.decisions) and self.decisions[0].lenient
            self._questions = [] if self.facts is None else [
                q for q in next_questions(self.policy, self.facts, home=home_district(self.policy, self.facts),
                                          lenient=lenient) if q.settles]
        return self._questions

    def as_dict(self):
        from solver.render.explain import decision_json
        data = []
        for d in self.decisions:
            item = decision_json(d)
            if d.jurisdiction.id in self.missing:
                item["missing"] = self.missing[d.jurisdiction.id].as_dict()
            item["next_questions"] = [q.as_dict() for q in self.questions[:self.QUESTIONS_SHOWN]]
            data.append(item)
        return data if self.many else data[0]

    def render(self, lang: str = "en") -> list:
        from solver.render.explain import comparison_table, decision_summary, decision_tree
        out: list = []
        ident = getattr(self.facts, "ident", None) or {}
        if ident:  # the profile's own `id` / `name`, as in JSON and batch rows (shown literally)
            from rich.text import Text
            out.append(Text(("档案 " if lang == "zh" else "profile ") + " · ".join(str(v) for v in ident.values()),
                            style="bold"))
        for d in self.decisions:
            out.append(decision_tree(self.policy, d, lang) if self.explain else decision_summary(self.policy, d, lang))
            if d.jurisdiction.id in self.missing:
                out.append(self.missing[d.jurisdiction.id].render(lang))
            if d.status == "undetermined" and self.questions:
                from solver.questions import render
                out.append(render(self.questions, lang))
            out.append("")
        if len(self.decisions) > 1:
            out.append(comparison_table(self.policy, self.decisions, lang))
        return out


@dataclass
class BatchResult(ErrorRows):
    rows: list[dict]
    errors: int
    files: int

    @property
    def read(self) -> int:
        return self.files

    def as_dict(self) -> list[dict]:
        return self.rows

    def to_csv(self) -> str:
        from solver.render.applicant import to_csv
        return to_csv(self.rows)

    def render(self, lang: str = "en") -> list:
        from rich.table import Table

        from solver.render.markup import inert_text as terminal
        zh = lang == "zh"
        tab = Table()
        for col in (("档案", "辖区", "结论", "未满足 / 未知 / 错误") if zh else
                    ("profile", "district", "status", "failed / unknown / error")):
            tab.add_column(col)
        for r in self.rows:
            unknown = r["unknown"][:4] + (["…"] if len(r["unknown"]) > 4 else [])
            detail = r["error"] or " ".join(r["failed"]) or (("? " + " ".join(unknown)) if unknown else "—")
            who = " · ".join(str(r[k]) for k in ("id", "name") if r.get(k) not in (None, ""))
            tab.add_row(terminal(Path(r["profile"]).name + (f" ({who})" if who else "")), r["district"] or "—",
                        ("错误" if zh else "error") if r["status"] == "error" else status_text(r["status"], lang),
                        detail)
        out: list = [tab]
        for r in self.rows:  # warnings (the city-wide rule used for a district without rules …) are shown too
            for w in r.get("warnings_zh" if zh else "warnings", []):
                out.append(f"! {Path(r['profile']).name} ({r['district']}): {w}")
        return out


@dataclass
class MissingAnswer:
    results: list
    many: bool
    exit_code: int = 0

    def as_dict(self):
        data = [r.as_dict() for r in self.results]
        return data if self.many else data[0]

    def render(self, lang: str = "en") -> list:
        return ["\n\n".join(r.render(lang) for r in self.results)]


@dataclass
class ConflictsAnswer:
    result: Any
    procedural: list | None = None
    exit_code: int = 0

    def as_dict(self) -> dict:
        data = self.result.as_dict()
        if self.procedural is not None:
            data["procedural"] = [c.as_dict() for c in self.procedural]
        return data

    def render(self, lang: str = "en") -> list:
        text = self.result.render(lang)
        if self.procedural is not None:
            from solver.render.procedures import procedural_conflicts_text
            text += "\n\n" + procedural_conflicts_text(self.procedural, lang)
        return [text]


@dataclass
class DeadlinesAnswer:
    timeline: Any
    ics: str | None = None
    events: int | None = None
    exit_code: int = 0

    def as_dict(self) -> dict:
        data = self.timeline.as_dict()
        if self.ics:
            data["ics"] = {"file": self.ics, "events": self.events}
        return data

    def render(self, lang: str = "en") -> list:
        return [self.timeline.render(lang) + (f"\n{self.events} events written to {self.ics}" if self.ics else "")]


@dataclass
class LintResult:
    report: dict
    exit_code: int = 0

    def as_dict(self) -> dict:
        return self.report

    def render(self, lang: str = "en") -> list:
        from rich.text import Text

        from policy.i18n import say
        zh = lang == "zh"
        out: list = []
        for j in self.report["jurisdictions"]:
            counts = (f"{j['clauses']} 条条款，{j['pathways']} 个条件（路径）" if zh else
                      f"{j['clauses']} clauses, {j['pathways']} pathways")
            out.append(Text.assemble(("✓", "green"), f" {j['file']}: {j['id']} — {counts}"))
        for p in self.report.get("procedures", []):
            counts = (f"{p['clauses']} 条条款，{p['businesses']} 类业务" if zh else
                      f"{p['clauses']} clauses, {p['businesses']} business types")
            out.append(Text.assemble(("✓", "green"), f" procedures/{p['file']}: {p['id']} — {counts}"))
        for w in self.report["warnings"]:
            out.append(Text(f"! {say(w, lang)}", style="yellow"))
        return out


@dataclass
class SourcesResult:
    policy: Any
    rows: list[dict]
    exit_code: int = 0

    def as_dict(self) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "note_zh"} for r in self.rows]

    def render(self, lang: str = "en") -> list:
        from rich.text import Text
        topics = self.policy.vocabulary.topics
        out: list = []
        last = None
        for r in sorted(self.rows, key=lambda r: (r["district"], r["topic"], r["clause"])):
            if (r["district"], r["topic"]) != last:
                last = (r["district"], r["topic"])
                out.append(Text(f"{r['district']} · {topics[r['topic']][lang]} ({r['topic']})", style="bold"))
            strength = " [原则上]" if r["strength"] == "in_principle" else ""
            out.append(Text(f"  {r['clause']}{strength} — {r['cite']['source']} {r['cite']['section']}"))
            out.append(Text(f"    «{r['cite']['quote'].strip()}»", style="blue"))
            note = r["note_zh"] if lang == "zh" else r["note"]
            if note:
                out.append(Text(f"    note: {note.strip()}", style="dim"))
        return out
