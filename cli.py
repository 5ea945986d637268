"""wrp — the Beijing Work Residence Permit rules as data, and solvers over them.

Thin on purpose: parse arguments, call ``solver``, render with rich or JSON, map errors to exit
codes (0 an answer, 2 bad input with one message, never a traceback; 1 a failed ``verify``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from policy.errors import InputError
from policy.i18n import Msg, say

FORMATS = ("text", "json")
PIPE_WIDTH = 1000  # output not to a terminal: lines are not wrapped (COLUMNS still wins)


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise InputError(f"{message} (see `wrp {self.prog.split()[-1]} --help`)" if " " in self.prog else message)


def _date(s: str) -> dt.date:
    from policy.reader import bilingual, parse_date
    try:
        return parse_date(s)
    except ValueError as exc:
        raise InputError(bilingual(str(exc)), field="--date") from None


def _common(p: argparse.ArgumentParser, fmt: tuple[str, ...] = FORMATS) -> None:
    p.add_argument("--format", choices=fmt, default="text", help="text for people, json for programs")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the output (quotes stay Chinese)")
    p.add_argument("--rules", metavar="DIR", help="use the jurisdiction YAML files in DIR instead of the shipped ones")


def _profile_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", help="the applicant profile (YAML or JSON)")
    p.add_argument("--district", help="a jurisdiction id or `all`; default: the employer's registered district")
    p.add_argument("--date", type=_date, help="application date (overrides application.date)")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")
    p.add_argument("--relocate", action="store_true",
                   help="place the employer in each jurisdiction's own district (registration and tax) before "
                        "checking: the same person, as if the employer were there")
    p.add_argument("--backend", choices=("datalog", "z3", "reference"), default="datalog", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgParser(prog="wrp", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgParser)
    p = sub.add_parser("check", help="is this applicant eligible? (status, failed clauses, unknown facts)")
    _profile_args(p)
    _common(p)
    p = sub.add_parser("explain", help="the full proof: every clause held / failed / unknown, with quotes")
    _profile_args(p)
    _common(p)
    p = sub.add_parser("lint", help="load and check every policy file (or the files given)")
    p.add_argument("files", nargs="*", help="jurisdiction YAML files (default: all shipped ones)")
    _common(p)
    p = sub.add_parser("sources", help="clauses by jurisdiction and topic, with citations")
    p.add_argument("--district", help="a jurisdiction id (default: all)")
    p.add_argument("--topic", help="only this topic")
    _common(p)
    _register_extensions(sub)
    return parser


def _register_extensions(sub) -> None:
    """Commands whose solvers live in their own modules (analyses, procedures)."""
    from solver import commands
    commands.register(sub, _profile_args, _common, _date)


# --- commands -------------------------------------------------------------------------------------


def _policy(args=None):
    from policy.load import load_policy
    return load_policy(getattr(args, "rules", None))


def districts_for(policy, facts, district: str | None) -> list[str]:
    if district == "all":
        return policy.ids()
    if district:
        if district not in policy.jurisdictions:
            raise InputError(f"unknown district `{district}`; choose one of: {', '.join(policy.ids())}, all",
                             field="--district")
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


def relocated(policy, facts, jid: str):
    """The same profile with the employer registered and paying tax in ``jid``'s district."""
    choices = policy.vocabulary.facts["employer.registered_district"].choices
    if jid not in choices:
        return facts  # the city-wide rule: wherever the employer is
    idx = choices.index(jid)
    moved = facts.with_values({"employer.registered_district": idx, "employer.tax_district": idx})
    moved.warnings = [*facts.warnings, Msg(f"relocated: the employer is placed in {jid} (registration and tax)",
                                           f"假设迁移：单位注册和纳税均在 {jid}")]
    return moved


def cmd_check(args, out: Console, explain: bool = False) -> int:
    from solver.decide import decide
    from solver.explain import comparison_table, decision_json, decision_summary, decision_tree
    from solver.procedure_facts import load_procedure_profile
    policy = _policy(args)
    facts = load_procedure_profile(args.profile, policy, date=args.date)
    ids = districts_for(policy, facts, args.district)
    decisions = [decide(policy, j, relocated(policy, facts, j) if args.relocate else facts, lenient=args.lenient,
                        backend_name=args.backend) for j in ids]
    if explain:
        from solver import commands
        commands.attach_missing(policy, decisions, args)
    if args.format == "json":
        data = [decision_json(d) | commands_extra(d) for d in decisions]
        _json(out, data if args.district == "all" else data[0])
        return 0
    for d in decisions:
        out.print(decision_tree(policy, d, args.lang) if explain else decision_summary(policy, d, args.lang))
        if explain and d.extra.get("missing_text") is not None:
            out.print(d.extra["missing_text"], markup=False, highlight=False, soft_wrap=True)
        out.print()
    if len(decisions) > 1:
        out.print(comparison_table(policy, decisions, args.lang))
    return 0


def commands_extra(d) -> dict:
    return {k: v for k, v in d.extra.items() if not k.endswith("_text")}


def cmd_lint(args, out: Console) -> int:
    from policy.lint import lint
    files = list(args.files)
    if args.rules:
        rdir = Path(args.rules)
        if not rdir.is_dir():
            raise InputError("not a directory of jurisdiction YAML files", file=str(rdir), field="--rules")
        files += [str(p) for p in sorted(rdir.glob("*.yaml"))]
    report = lint(files)
    if args.format == "json":
        _json(out, report)
    else:
        zh = args.lang == "zh"
        for j in report["jurisdictions"]:
            counts = (f"{j['clauses']} 条条款，{j['pathways']} 个条件（路径）" if zh else
                      f"{j['clauses']} clauses, {j['pathways']} pathways")
            out.print(f"[green]✓[/] {j['file']}: {j['id']} — {counts}")
        for p in report.get("procedures", []):
            counts = (f"{p['clauses']} 条条款，{p['businesses']} 类业务" if zh else
                      f"{p['clauses']} clauses, {p['businesses']} business types")
            out.print(f"[green]✓[/] procedures/{p['file']}: {p['id']} — {counts}")
        for w in report["warnings"]:
            out.print(Text(f"! {say(w, args.lang)}", style="yellow"))
    return 0


def cmd_sources(args, out: Console) -> int:
    policy = _policy(args)
    ids = [args.district] if args.district else policy.ids()
    rows = []
    for jid in ids:
        if jid not in policy.jurisdictions:
            raise InputError(f"unknown district `{jid}`; choose one of: {', '.join(policy.ids())}", field="--district")
        if args.topic and args.topic not in policy.vocabulary.topics:
            raise InputError(f"unknown topic `{args.topic}`; topics: {', '.join(policy.vocabulary.topics)}",
                             field="--topic")
        for j in policy.jurisdictions[jid]:
            for c in j.clauses():
                if args.topic and c.topic != args.topic:
                    continue
                rows.append({"district": j.id, "clause": c.id, "kind": c.kind, "topic": c.topic,
                             "strength": c.strength, "pathway": c.pathway, "cite": c.cite.as_dict(),
                             "note": c.note_in(args.lang)})
    if args.format == "json":
        _json(out, rows)
        return 0
    topics = policy.vocabulary.topics
    last = None
    for r in sorted(rows, key=lambda r: (r["district"], r["topic"], r["clause"])):
        if (r["district"], r["topic"]) != last:
            last = (r["district"], r["topic"])
            out.print(Text(f"{r['district']} · {topics[r['topic']][args.lang]} ({r['topic']})", style="bold"))
        strength = " [原则上]" if r["strength"] == "in_principle" else ""
        out.print(Text(f"  {r['clause']}{strength} — {r['cite']['source']} {r['cite']['section']}"))
        out.print(Text(f"    «{r['cite']['quote'].strip()}»", style="blue"))
        if r["note"]:
            out.print(Text(f"    note: {r['note'].strip()}", style="dim"))
    return 0


def _json(out: Console, data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    out = Console(highlight=False, soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        # Piped or redirected: rich would wrap at 80 columns, breaking quotes and citations across
        # lines of a saved report; a line stays whole unless COLUMNS asks otherwise.
        out = Console(highlight=False, soft_wrap=False, width=PIPE_WIDTH)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "check":
            return cmd_check(args, out)
        if args.command == "explain":
            return cmd_check(args, out, explain=True)
        if args.command == "lint":
            return cmd_lint(args, out)
        if args.command == "sources":
            return cmd_sources(args, out)
        from solver import commands
        return commands.run(args, out)
    except InputError as exc:
        sys.stderr.write(f"wrp: error: {exc.text(_lang(argv))}\n")  # one line, never wrapped
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


__all__ = ["main", "build_parser", "Path"]
