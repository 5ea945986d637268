"""wrp — the Beijing Work Residence Permit rules as data, and solvers over them.

Argument parsing only: one table of subcommands, each a call of the facade (``solver.app.App``);
the result is printed as text (``render``) or JSON (``as_dict``), and errors map to exit codes
(0 an answer, 2 bad input with one message and never a traceback, 1 a failed ``verify`` or a bug).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from policy.errors import InputError

FORMATS = ("text", "json")
PIPE_WIDTH = 1000  # output not to a terminal: lines are not wrapped (COLUMNS still wins)
ALL = "all"


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        from policy.i18n import argparse_msg  # the message in both languages (--lang zh)
        raise InputError(argparse_msg(message, self.prog.split()[-1] if " " in self.prog else ""))


def _date(s: str, option: str = "--date") -> dt.date:
    from policy.reader import bilingual, parse_date
    try:
        return parse_date(s)
    except ValueError as exc:
        raise InputError(bilingual(str(exc)), field=option) from None


def _date_of(option: str) -> Callable[[str], dt.date]:
    """``_date`` for another option than ``--date`` (its errors name that option)."""
    def parse(s: str) -> dt.date:
        return _date(s, option)
    parse.__name__ = "date"
    return parse


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


# --- arguments -------------------------------------------------------------------------------------


def _profile(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", help="the applicant profile (YAML or JSON)")
    p.add_argument("--district", help="a jurisdiction id or `all`; default: the employer's registered district")
    p.add_argument("--date", type=_date, help="application date (overrides application.date)")
    p.add_argument("--lenient", action="store_true", help="waive each 原则上 (in principle) condition; at least one pathway must still hold")
    p.add_argument("--relocate", action="store_true",
                   help="place the employer in each jurisdiction's own district (registration and tax) before "
                        "checking: the same person, as if the employer were there")
    p.add_argument("--backend", choices=("datalog", "z3", "reference"), default="datalog", help=argparse.SUPPRESS)


def _missing(p: argparse.ArgumentParser) -> None:
    _profile(p)
    p.add_argument("--keep", type=_csv, default=[], help="facts that must not change (comma-separated)")
    p.add_argument("--allow", type=_csv, default=[], help="employer facts that may change (comma-separated)")
    p.add_argument("--top", type=int, default=3, help="number of alternatives (distinct change sets)")


def _conflicts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--districts", default=ALL, help="comma-separated jurisdiction ids, or `all`")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--date", type=_date, help="the date the rules are compared on (default: today)")
    p.add_argument("--no-procedures", action="store_true", help="eligibility only, no procedural conflicts")


def _compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("districts", nargs="+", help="two or more jurisdiction ids")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--date", type=_date, help="the date of the thresholds (default: today)")


def _verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--properties", help="a properties YAML file (default: the shipped policy/properties.yaml)")
    p.add_argument("--date", type=_date, help="the date the properties are checked on (default: today)")


def _deadlines(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", nargs="?", help="a holder profile (permit.expiry_date, permit.left_employer_date)")
    p.add_argument("--expiry", type=_date_of("--expiry"), help="expiry date of the permit")
    p.add_argument("--left-employer", type=_date_of("--left-employer"), help="the day the holder left the employer")
    p.add_argument("--district", default=ALL, help="a jurisdiction id or `all` (default)")
    p.add_argument("--ics", help="write the dates as calendar events to this file (written atomically; never over "
                                 "an input)")
    p.add_argument("--force", action="store_true", help="replace the --ics file if it exists")


def _batch(p: argparse.ArgumentParser) -> None:
    p.add_argument("profiles", nargs="+", help="profile files, or directories of *.yaml / *.json profiles")
    p.add_argument("--district", help="a jurisdiction id or `all`; default: each employer's registered district")
    p.add_argument("--date", type=_date, help="application date for every profile")
    p.add_argument("--lenient", action="store_true", help="waive each 原则上 (in principle) condition; at least one pathway must still hold")
    p.add_argument("--output", help="write one row per applicant × district to this file (.csv, .xlsx, .parquet, "
                                    ".jsonl, by the extension); tables (.csv, .xlsx, .parquet, .jsonl) are read too")
    p.add_argument("--columns", metavar="MAP.yaml", help="map other column headers to fact paths (or id, name, ignore)")
    p.add_argument("--missing", action="store_true", help="add each ineligible row's cheapest fix (slower)")


def _batch_call(a, app):
    from solver.population_app import is_table_batch
    if is_table_batch(a.profiles, a.output, a.columns, a.missing):
        return app.batch_table(a.profiles, a.district, a.date, a.lenient, a.output, a.columns, a.missing, a.lang)
    return app.batch(a.profiles, a.district, a.date, a.lenient)


def _table(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a table of applicants: .csv, .xlsx, .parquet or .jsonl")
    p.add_argument("--district", default=ALL, help="a jurisdiction id or `all` (default); each applicant is "
                                                   "decided as if the employer were in that district")
    p.add_argument("--lenient", action="store_true", help="waive each 原则上 (in principle) condition; at least one pathway must still hold")
    p.add_argument("--columns", metavar="MAP.yaml", help="map other column headers to fact paths")


def _population(p: argparse.ArgumentParser) -> None:
    _table(p)
    p.add_argument("--date", type=_date, help="application date for every row (default: each row's own)")


def _reform(p: argparse.ArgumentParser) -> None:
    _table(p)
    p.add_argument("--date", type=_date, help="the baseline date (with --vs), or every row's date")
    p.add_argument("--vs", type=_date_of("--vs"), help="the date to compare the baseline date with")
    p.add_argument("--output", help="write the flipped rows to this file (.csv, .xlsx, .parquet, .jsonl)")
    p.add_argument("--sample", type=int, default=3, help="sample rows shown per district and direction")


def _reform_call(a, app):
    from solver.app import App
    base = App(None) if a.rules else app  # --rules is the modified rule set; the baseline is the shipped one
    return base.reform(a.file, app, a.district, a.date, a.vs, lenient=a.lenient, columns=a.columns, output=a.output,
                       sample=a.sample, lang=a.lang)


def _synth(p: argparse.ArgumentParser) -> None:
    p.add_argument("n", type=int, help="number of applicants")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--output", required=True, help="the file to write (.csv, .xlsx, .parquet, .jsonl)")


def _sql(p: argparse.ArgumentParser) -> None:
    p.add_argument("--district", required=True, help="a jurisdiction id")
    p.add_argument("--dialect", choices=("duckdb", "spark", "trino", "postgres"), default="duckdb")
    p.add_argument("--table", default="applicants", help="the applicant table's name (default: applicants)")
    p.add_argument("--date", type=_date, help="one application date for every row (default: each row's own)")
    p.add_argument("--lenient", action="store_true", help="waive each 原则上 (in principle) condition; at least one pathway must still hold")
    p.add_argument("--detail", choices=("status", "clauses", "leaves"), default="clauses",
                   help="status and pathways; and every clause (default); and every comparison")
    p.add_argument("--key", action="append", default=[], help="a column carried through (e.g. id); repeatable")


def _materials(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", help="the applicant profile")
    p.add_argument("--district", help="a jurisdiction id (default: the employer's registered district)")
    p.add_argument("--business", help="new, renewal, employer_change, info_change, reissue, ... "
                                      "(default: the profile's application.business, else new)")
    p.add_argument("--pathway", help="a pathway id (default: the pathways the applicant meets)")
    p.add_argument("--date", type=_date, help="filing date (overrides application.date)")


def _report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--districts", default=ALL, help="comma-separated jurisdiction ids, or `all` (default)")
    p.add_argument("--date", type=_date, help="the date the rules and thresholds are taken on (default: today)")
    p.add_argument("--population", metavar="FILE", help="a population table: eligibility shares, flips, clauses")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="the HTML file to write (atomically)")
    p.add_argument("--force", action="store_true", help="replace the --output file if it exists")
    p.set_defaults(lang="zh")  # the report is Chinese unless --lang en


def _lint(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", help="jurisdiction YAML files (default: all shipped ones)")


def _sources(p: argparse.ArgumentParser) -> None:
    p.add_argument("--district", help="a jurisdiction id (default: all)")
    p.add_argument("--topic", help="only this topic")


def _test(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="test files or directories (default: the rules pack's tests/)")
    p.add_argument("--coverage", action="store_true",
                   help="per clause: seen holding and failing; per pathway: satisfied at least once")
    p.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit 1 if the coverage is below PERCENT")
    p.add_argument("--coverage-json", metavar="FILE", help="also write the coverage as JSON to FILE")


def _diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("--district", help="only this jurisdiction (default: every jurisdiction in either version)")
    p.add_argument("--date", type=_date, help="the date the rules are compared on (default: today)")
    p.add_argument("--to-date", type=_date_of("--to-date"), help="compare the rules on --date with the same rules on this date "
                                                 "(a wage-year change, an in-force date)")
    p.add_argument("--no-witnesses", action="store_true", help="clause by clause only, no solver")


def _diff_call(a, app):
    if len(a.rules or []) > 2:
        raise InputError("`wrp diff` compares two versions: give --rules at most twice", field="--rules")
    new = a.rules[1] if a.rules and len(a.rules) == 2 else None
    return app.diff(new, a.date, a.to_date, a.district, witnesses=not a.no_witnesses)


def _check_call(a, app):
    return app.check(a.profile, a.district, a.date, lenient=a.lenient, relocate=a.relocate, backend=a.backend)


def _explain_call(a, app):
    return app.explain(a.profile, district=a.district, date=a.date, lenient=a.lenient, relocate=a.relocate,
                       backend=a.backend)


@dataclass(frozen=True)
class Command:
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    call: Callable  # (args, app) -> a result with as_dict(), render(lang), exit_code
    formats: tuple[str, ...] = FORMATS


COMMANDS: dict[str, Command] = {
    "check": Command("is this applicant eligible? (status, failed clauses, unknown facts)", _profile, _check_call,
                     ("text", "json", "csv")),
    "explain": Command("the full proof: every clause held / failed / unknown, with quotes", _profile, _explain_call,
                       ("text", "json", "markdown", "html")),
    "lint": Command("load and check every policy file (or the files given)", _lint,
                    lambda a, app: app.lint(a.files)),
    "sources": Command("clauses by jurisdiction and topic, with citations", _sources,
                       lambda a, app: app.sources(a.district, a.topic)),
    "missing": Command("the cheapest change that makes an ineligible applicant eligible", _missing,
                       lambda a, app: app.missing(a.profile, a.district, a.date, keep=a.keep, allow=a.allow, top=a.top,
                                                  relocate=a.relocate,
                                                  lenient=a.lenient)),
    "conflicts": Command("where jurisdictions disagree, with witness applicants; dead and redundant clauses; "
                         "source problems", _conflicts,
                         lambda a, app: app.conflicts(a.districts, a.topic, a.date, procedures=not a.no_procedures)),
    "compare": Command("jurisdictions side by side, by topic", _compare,
                       lambda a, app: app.compare(a.districts, a.topic, a.date), ("text", "json", "markdown")),
    "verify": Command("check the consistency properties (exit 1 if one fails)", _verify,
                      lambda a, app: app.verify(a.properties, a.date)),
    "deadlines": Command("renewal and employer-change timeline, per jurisdiction", _deadlines,
                         lambda a, app: app.deadlines(a.profile, a.district, a.expiry, a.left_employer, a.ics,
                                                    force=a.force)),
    "batch": Command("check many profiles at once (files or directories): one row per profile and jurisdiction; "
                     "exit 2 if any profile is bad (the others are still checked)", _batch,
                     _batch_call, ("text", "json", "csv")),
    "report": Command("one standalone HTML report: the rules compared, income thresholds over time, pathways, "
                      "conflicts (and a population with --population)", _report,
                      lambda a, app: app.report(a.districts, a.date, a.population, a.output, a.lang, a.force)),
    "materials": Command("the checklist of documents for this applicant", _materials,
                         lambda a, app: app.materials(a.profile, a.district, a.business, a.pathway, a.date)),
    "test": Command("run test cases written as data (YAML); exit 1 on a failure, with a diff; rule coverage", _test,
                    lambda a, app: app.test(a.paths, a.coverage, a.fail_under, a.coverage_json)),
    "diff": Command("what changed between two versions of the rules (--rules OLD --rules NEW, or --date and "
                    "--to-date): clause by clause, and witness applicants", _diff, _diff_call),
    # the front ends (solver/frontends.py): JSON Schemas, the interview, the HTTP service
    "schema": Command("the JSON Schemas of profiles, jurisdiction and procedure files (--output DIR writes them)",
                      lambda p: _frontends().schema_arguments(p), lambda a, app: _frontends().schema(a, app)),
    "interview": Command("complete a partial profile, the most decisive question first; writes a new file",
                         lambda p: _frontends().interview_arguments(p, _date),
                         lambda a, app: _frontends().interview(a, app)),
    "serve": Command("the HTTP service (JSON API, OpenAPI) and the caseworker page at /",
                     lambda p: _frontends().serve_arguments(p), lambda a, app: _frontends().serve(a, app)),
    "population": Command("a table of applicants decided in every district: counts by status, by pathway, and "
                          "who is eligible in one district and not another", _population,
                          lambda a, app: app.population(a.file, a.district, a.date, a.lenient, a.columns, a.lang),
                          ("text", "json", "markdown")),
    "reform": Command("who gains and who loses eligibility under modified rules (--rules DIR) or between the "
                      "rules and wages in force on two dates (--date D1 --vs D2)", _reform, _reform_call,
                      ("text", "json", "markdown")),
    "synth": Command("a SYNTHETIC population drawn from the vocabulary (demos, tests, benchmarks)", _synth,
                     lambda a, app: app.synth(a.n, a.seed, a.output)),
    "sql": Command("print the compiled SQL query of a jurisdiction, for a warehouse or a cluster", _sql,
                   lambda a, app: app.sql(a.district, a.dialect, table=a.table, keys=tuple(a.key), date=a.date,
                                          lenient=a.lenient, detail=a.detail)),
}
TWO_RULES = ("diff",)  # commands that take --rules twice (an old and a new version)


def _frontends():
    from solver import frontends
    return frontends


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; ``only``: the arguments of that subcommand only (what one run
    parses — the others keep their names and help, and modules such as solver/frontends.py stay unloaded)."""
    parser = ArgParser(prog="wrp", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgParser)
    for name, c in COMMANDS.items():
        p = sub.add_parser(name, help=c.help)
        if only is not None and name != only:
            continue
        c.arguments(p)
        p.add_argument("--format", choices=c.formats, default="text", help="text for people, json for programs")
        p.add_argument("--lang", choices=("zh", "en"), default=p.get_default("lang") or "en",
                       help="language of the output (quotes stay Chinese)")
        if name in TWO_RULES:
            p.add_argument("--rules", metavar="DIR", action="append",
                           help="a rules pack; twice: the old and the new version (default: the shipped rules)")
        else:
            p.add_argument("--rules", metavar="DIR", help="use the rules pack DIR (jurisdictions/, sources/, "
                                                          "vocabulary.yaml …; docs/authoring.md) instead of the shipped rules")
    return parser


# --- output ----------------------------------------------------------------------------------------


def _print(out, result, args) -> None:
    if args.format == "json":
        from solver.render.json import to_json
        sys.stdout.write(to_json(result.as_dict()) + "\n")
    elif args.format == "csv":
        sys.stdout.write(result.to_csv())
    elif args.format == "markdown":
        sys.stdout.write(result.to_markdown(args.lang) + "\n")
    elif args.format == "html":
        sys.stdout.write(result.to_html(args.lang))
    else:
        text = result.render(args.lang)
        items = [text] if isinstance(text, str) else list(text)
        if out is None:
            width = _plain_width()
            from solver.render.lines import plain_ok
            if width and plain_ok(items, width):
                # not a terminal and nothing rich would wrap or colour: the same text, without importing rich
                from solver.render.markup import inert_text
                sys.stdout.write("".join(inert_text(i) + "\n" if isinstance(i, str) else i.plain() for i in items))
                return
            out = _console()
        for item in items:
            if isinstance(item, str):
                # plain text keeps its own indentation: the terminal wraps long lines, rich does not re-flow them
                out.print(item, markup=False, highlight=False, soft_wrap=True)
            else:
                out.print(item)


def _plain_width() -> int | None:
    """The width of the console ``_console`` would make, when it would print plain text (stdout not a
    terminal, no colour forced); ``None`` otherwise."""
    if any(os.environ.get(v) for v in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")):
        return None
    try:
        if sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None if columns else PIPE_WIDTH


def _console():
    # markup and emoji off: text from profiles, file names and policy files is shown literally
    # (`[bold red]…[/]`, `[/x]`, `:smile:` are text), never interpreted by rich; control characters
    # in the content are shown, not sent to the terminal (InertConsole)
    from solver.render.terminal import InertConsole
    inert = {"highlight": False, "soft_wrap": False, "markup": False, "emoji": False}
    out = InertConsole(**inert)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        # Piped or redirected: rich would wrap at 80 columns, breaking quotes and citations across
        # lines of a saved report; a line stays whole unless COLUMNS asks otherwise.
        out = InertConsole(**inert, width=PIPE_WIDTH)
    return out


def run(args, out=None) -> int:
    """One parsed command: call the facade, print the result on ``out`` (default: the terminal's
    console, made only when rich is needed); the exit code."""
    from solver.app import App
    rules = args.rules[0] if isinstance(args.rules, list) else args.rules
    result = COMMANDS[args.command].call(args, App(rules))
    _print(out, result, args)
    message = getattr(result, "message", None)
    if message:
        from policy.i18n import say
        sys.stderr.write(f"wrp: error: {say(message, args.lang)}\n")
    return getattr(result, "exit_code", 0)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return run(build_parser(args[0] if args and args[0] in COMMANDS else None).parse_args(args))
    except InputError as exc:
        sys.stderr.write(f"wrp: error: {exc.text(_lang(argv))}\n")  # one line (escaped), never wrapped
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so in one line; WRP_DEBUG=1 shows the traceback
        if os.environ.get("WRP_DEBUG"):
            raise
        sys.stderr.write(f"wrp: internal error: {exc.__class__.__name__}: {exc} (set WRP_DEBUG=1 for details)\n")
        return 1


def _lang(argv: list[str] | None) -> str:
    """``--lang`` as given on the command line (messages of errors raised before or while parsing)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "en"


if __name__ == "__main__":
    sys.exit(main())
