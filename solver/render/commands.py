"""`wrp report`: arguments and the command (registered by ``solver.commands``)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from policy.errors import InputError


def register(sub, common, date) -> None:
    p = sub.add_parser("report", help="one standalone HTML report: rules compared, income thresholds over time, "
                                      "pathways, conflicts (and a population, with --population)")
    p.add_argument("--districts", default="all", help="comma-separated jurisdiction ids, or `all` (default)")
    p.add_argument("--date", type=date, help="the date the rules and thresholds are taken on (default: today)")
    p.add_argument("--population", metavar="FILE", help="a population table for the eligibility shares and flips")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="the HTML file to write (atomically)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report (default zh; quotes "
                                                                       "stay Chinese)")
    p.add_argument("--rules", metavar="DIR", help="use the jurisdiction YAML files in DIR instead of the shipped ones")


def cmd_report(args, out) -> int:
    from policy.load import load_policy
    from solver.render.report import build_report, check_output, write_atomic
    policy = load_policy(args.rules)
    if args.districts == "all":
        jids = policy.ids()
    else:
        jids = [x.strip() for x in args.districts.split(",") if x.strip()]
        bad = [j for j in jids if j not in policy.jurisdictions]
        if bad:
            raise InputError(f"unknown district `{bad[0]}`; choose from: {', '.join(policy.ids())}, all",
                             field="--districts")
        if not jids:
            raise InputError("give at least one jurisdiction id, or `all`", field="--districts")
    inputs: list[str | Path] = [p for p in (args.population,) if p]
    if args.rules:
        inputs += list(Path(args.rules).glob("*"))
    check_output(args.output, inputs)  # refuse before the (slow) analyses run
    rep = build_report(policy, jids, args.date or dt.date.today(), population=args.population)
    path = write_atomic(args.output, rep.to_html(args.lang), inputs)
    sys.stderr.write(f"wrp: report written to {path}\n")
    return 0



def emit_applicant(policy, decisions, args) -> None:
    """`wrp explain --format markdown|html`, `wrp check --format csv`: the page or the flat row, on stdout."""
    from solver.render.applicant import flat_row, to_csv, to_html, to_markdown
    name = Path(args.profile).name
    if args.format == "csv":
        sys.stdout.write(to_csv([flat_row(args.profile, d) for d in decisions]))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(policy, decisions, args.lang, name))
    else:
        sys.stdout.write(to_html(policy, decisions, args.lang, name))
