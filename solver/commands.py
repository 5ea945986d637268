"""The analysis and procedure commands (missing, conflicts, compare, verify, deadlines, materials):
argument definitions and dispatch, kept out of cli.py so that it stays thin."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policy.errors import InputError
from policy.i18n import status_text
from solver import population_commands

ALL = "all"


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def register(sub, profile_args, common, date) -> None:
    """Add the extension subcommands to the `wrp` parser."""
    p = sub.add_parser("missing", help="the cheapest change that makes an ineligible applicant eligible")
    profile_args(p)
    p.add_argument("--keep", type=_csv, default=[], help="facts that must not change (comma-separated)")
    p.add_argument("--allow", type=_csv, default=[], help="employer facts that may change (comma-separated)")
    p.add_argument("--top", type=int, default=3, help="number of alternatives (distinct change sets)")
    common(p)

    p = sub.add_parser("conflicts", help="where jurisdictions disagree, with witness applicants; dead and "
                                         "redundant clauses; source problems")
    p.add_argument("--districts", default=ALL, help="comma-separated jurisdiction ids, or `all`")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--date", type=date, help="the date the rules are compared on (default: today)")
    p.add_argument("--no-procedures", action="store_true", help="eligibility only, no procedural conflicts")
    common(p)

    p = sub.add_parser("compare", help="jurisdictions side by side, by topic")
    p.add_argument("districts", nargs="+", help="two or more jurisdiction ids")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--date", type=date, help="the date of the thresholds (default: today)")
    common(p, ("text", "json", "markdown"))

    p = sub.add_parser("verify", help="check the consistency properties (exit 1 if one fails)")
    p.add_argument("--properties", help="a properties YAML file (default: the shipped policy/properties.yaml)")
    p.add_argument("--date", type=date, help="the date the properties are checked on (default: today)")
    common(p)

    p = sub.add_parser("deadlines", help="renewal and employer-change timeline, per jurisdiction")
    p.add_argument("profile", nargs="?", help="a holder profile (permit.expiry_date, permit.left_employer_date)")
    p.add_argument("--expiry", type=date, help="expiry date of the permit")
    p.add_argument("--left-employer", type=date, help="the day the holder left the employer")
    p.add_argument("--district", default=ALL, help="a jurisdiction id or `all` (default)")
    p.add_argument("--ics", help="write the dates as calendar events to this file")
    common(p)

    p = sub.add_parser("batch", help="check many profiles at once (files or directories): one row per profile "
                                     "and jurisdiction; exit 2 if any profile is bad (the others are still checked)")
    p.add_argument("profiles", nargs="+", help="profile files, or directories of *.yaml / *.json profiles")
    p.add_argument("--district", help="a jurisdiction id or `all`; default: each employer's registered district")
    p.add_argument("--date", type=date, help="application date for every profile")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")
    common(p, ("text", "json", "csv"))
    population_commands.add_batch_args(p)  # tables in and out (CSV, XLSX, Parquet, JSON Lines)

    population_commands.register(sub, common, date)

    p = sub.add_parser("materials", help="the checklist of documents for this applicant")
    p.add_argument("profile", help="the applicant profile")
    p.add_argument("--district", help="a jurisdiction id (default: the employer's registered district)")
    p.add_argument("--business", help="new, renewal, employer_change, info_change, reissue, ... "
                                      "(default: the profile's application.business, else new)")
    p.add_argument("--pathway", help="a pathway id (default: the pathways the applicant meets)")
    p.add_argument("--date", type=date, help="filing date (overrides application.date)")
    common(p)


def _policy(args):
    from policy.load import load_policy
    return load_policy(getattr(args, "rules", None))


def _emit(out, args, data, text) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        # plain text keeps its own indentation: the terminal wraps long lines, rich does not re-flow them
        out.print(text, markup=False, highlight=False, soft_wrap=True) if isinstance(text, str) else out.print(text)


def _jids(policy, spec: str) -> list[str]:
    if spec == ALL:
        return policy.ids()
    ids = _csv(spec)
    bad = [j for j in ids if j not in policy.jurisdictions]
    if bad:
        raise InputError(f"unknown district `{bad[0]}`; choose from: {', '.join(policy.ids())}, all", field="--districts")
    return ids


def attach_missing(policy, decisions, args) -> None:
    """`explain` shows the minimum missing condition of every ineligible decision."""
    from solver.missing import missing
    for d in decisions:
        if d.status != "ineligible":
            continue
        r = missing(policy, d.jurisdiction.id, d.facts, top=1, lenient=d.lenient)
        d.extra["missing"] = r.as_dict()
        d.extra["missing_text"] = r.render(args.lang)


def cmd_missing(args, out) -> int:
    import cli
    from solver.missing import missing
    from solver.procedure_facts import load_procedure_profile
    policy = _policy(args)
    facts = load_procedure_profile(args.profile, policy, date=args.date)
    ids = cli.districts_for(policy, facts, args.district)
    if args.top < 1:
        raise InputError("--top must be at least 1", field="--top")
    results = [missing(policy, j, facts, keep=args.keep, allow=args.allow, top=args.top, lenient=args.lenient)
               for j in ids]
    data = [r.as_dict() for r in results]
    _emit(out, args, data if args.district == ALL else data[0], "\n\n".join(r.render(args.lang) for r in results))
    return 0


def cmd_conflicts(args, out) -> int:
    from solver.conflicts import conflicts
    policy = _policy(args)
    jids = _jids(policy, args.districts)
    if args.topic and args.topic not in policy.vocabulary.topics:
        raise InputError(f"unknown topic `{args.topic}`; topics: {', '.join(policy.vocabulary.topics)}", field="--topic")
    res = conflicts(policy, jids, topic=args.topic, date=args.date)
    data = res.as_dict()
    text = res.render(args.lang)
    if not args.no_procedures and not args.topic:
        from solver.procedural_conflicts import procedural_conflicts, render
        pcs = procedural_conflicts(policy, [j for j in jids])
        data["procedural"] = [c.as_dict() for c in pcs]
        text += "\n\n" + render(pcs, args.lang)
    _emit(out, args, data, text)
    return 0


def cmd_compare(args, out) -> int:
    from solver.compare import compare
    policy = _policy(args)
    jids = _jids(policy, ",".join(args.districts))
    if len(jids) < 2:
        raise InputError("compare needs at least two jurisdictions", field="districts")
    c = compare(policy, jids, topic=args.topic, date=args.date)
    if args.format == "markdown":
        sys.stdout.write(c.to_markdown(args.lang) + "\n")
        return 0
    _emit(out, args, c.as_dict(), c.render(args.lang))
    return 0


def cmd_verify(args, out) -> int:
    from solver.verify import verify
    policy = _policy(args)
    props = Path(args.properties) if args.properties else None
    if props is not None and not props.exists():
        raise InputError("no such file", file=str(props), field="--properties")
    res = verify(policy, props, date=args.date)
    _emit(out, args, res.as_dict(), res.render(args.lang))
    return 0 if res.ok else 1


def cmd_deadlines(args, out) -> int:
    from solver.deadlines import deadlines
    from solver.procedure_facts import load_procedure_profile
    policy = _policy(args)
    facts = load_procedure_profile(args.profile, policy) if args.profile else None
    jids = None if args.district == ALL else _jids(policy, args.district)
    t = deadlines(policy, jids, expiry=args.expiry, left_employer=args.left_employer, facts=facts)
    data = t.as_dict()
    if args.ics:
        n = t.to_ics(args.ics)
        data["ics"] = {"file": args.ics, "events": n}
    text = t.render(args.lang) + (f"\n{n} events written to {args.ics}" if args.ics else "")
    _emit(out, args, data, text)
    return 0


def cmd_materials(args, out) -> int:
    import cli
    from solver.materials import materials
    from solver.procedure_facts import load_procedure_profile
    policy = _policy(args)
    facts = load_procedure_profile(args.profile, policy, date=args.date)
    jid = cli.districts_for(policy, facts, args.district)[0] if args.district != ALL else None
    if jid is None:
        raise InputError("materials are listed for one jurisdiction; give --district D", field="--district")
    business = args.business
    if business is None:
        stated = facts.stated.get("application.business")
        business = str(stated) if stated else "new"
    c = materials(policy, jid, facts, business=business, pathway=args.pathway)
    _emit(out, args, c.as_dict(), c.render(args.lang))
    return 0


def cmd_batch(args, out) -> int:
    if population_commands.wants_tables(args):
        return population_commands.cmd_batch_tables(args, out)
    import csv
    import io

    import cli
    from solver.decide import decide
    from solver.procedure_facts import load_procedure_profile
    policy = _policy(args)
    files: list[Path] = []
    for name in args.profiles:
        path = Path(name)
        if path.is_dir():
            files += sorted(f for f in path.iterdir() if f.suffix in (".yaml", ".yml", ".json"))
        elif path.exists():
            files.append(path)
        else:
            raise InputError("no such file or directory", file=name)
    rows, errors = [], 0
    for f in files:
        try:
            facts = load_procedure_profile(f, policy, date=args.date)
            ids = cli.districts_for(policy, facts, args.district)
        except InputError as exc:
            errors += 1
            rows.append({"profile": str(f), "district": None, "status": "error", "failed": [], "unknown": [],
                         "error": str(exc)})
            continue
        for j in ids:
            d = decide(policy, j, facts, lenient=args.lenient)
            rows.append({"profile": str(f), "district": j, "status": d.status, "date": d.date.isoformat(),
                         "failed": list(dict.fromkeys(c.clause.id for c in d.failed())),
                         "waivable": [c.clause.id for c in d.waivable()], "unknown": d.unknown, "error": None})
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["profile", "district", "status", "failed", "unknown", "error"])
        for r in rows:
            w.writerow([r["profile"], r["district"] or "", r["status"], " ".join(r["failed"]), " ".join(r["unknown"]),
                        r["error"] or ""])
        sys.stdout.write(buf.getvalue())
    else:
        from rich.table import Table
        zh = args.lang == "zh"
        tab = Table()
        for col in (("档案", "辖区", "结论", "未满足 / 未知 / 错误") if zh else
                    ("profile", "district", "status", "failed / unknown / error")):
            tab.add_column(col)
        for r in rows:
            unknown = r["unknown"][:4] + (["…"] if len(r["unknown"]) > 4 else [])
            detail = r["error"] or " ".join(r["failed"]) or (("? " + " ".join(unknown)) if unknown else "—")
            tab.add_row(Path(r["profile"]).name, r["district"] or "—",
                        ("错误" if zh else "error") if r["status"] == "error" else status_text(r["status"], args.lang),
                        detail)
        out.print(tab)
    if errors:
        sys.stderr.write(f"wrp: error: {errors} of {len(files)} profiles could not be read (see the `error` rows)\n")
        return 2
    return 0


COMMANDS = {"batch": cmd_batch, "missing": cmd_missing, "conflicts": cmd_conflicts, "compare": cmd_compare, "verify": cmd_verify,
            "deadlines": cmd_deadlines, "materials": cmd_materials, **population_commands.COMMANDS}


def run(args, out) -> int:
    return COMMANDS[args.command](args, out)
