"""The population commands: ``batch`` over tables, ``population``, ``reform``, ``synth``, ``sql``.
Arguments and dispatch only; the work is in solver.population, solver.tables, solver.synth and
solver.backends.sql."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policy.errors import InputError
from solver.tables import OUTPUT_SUFFIXES, PROFILE_SUFFIXES, TABLE_SUFFIXES

ALL = "all"


def register(sub, common, date) -> None:
    p = sub.add_parser("population", help="a table of applicants decided in every district: counts by status, "
                                          "by pathway, and who is eligible in one district and not another")
    p.add_argument("file", help="a table of applicants: .csv, .xlsx, .parquet or .jsonl")
    p.add_argument("--district", default=ALL, help="a jurisdiction id or `all` (default); each applicant is "
                                                   "decided as if the employer were in that district")
    p.add_argument("--date", type=date, help="application date for every row (default: each row's own)")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")
    p.add_argument("--columns", metavar="MAP.yaml", help="map other column headers to fact paths")
    common(p, ("text", "json", "markdown"))

    p = sub.add_parser("reform", help="who gains and who loses eligibility under modified rules (--rules DIR) "
                                      "or between the rules and wages in force on two dates (--date D1 --vs D2)")
    p.add_argument("file", help="a table of applicants: .csv, .xlsx, .parquet or .jsonl")
    p.add_argument("--rules", metavar="DIR", help="the modified jurisdiction files (baseline: the shipped rules)")
    p.add_argument("--date", type=date, help="the baseline date (with --vs), or every row's date")
    p.add_argument("--vs", type=date, help="the date to compare with")
    p.add_argument("--district", default=ALL, help="a jurisdiction id or `all` (default)")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")
    p.add_argument("--columns", metavar="MAP.yaml", help="map other column headers to fact paths")
    p.add_argument("--output", help="write the flipped rows to this file (.csv, .xlsx, .parquet, .jsonl)")
    p.add_argument("--sample", type=int, default=3, help="sample rows shown per district and direction")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--lang", choices=("zh", "en"), default="en")

    p = sub.add_parser("synth", help="a SYNTHETIC population drawn from the vocabulary (for demos, tests, "
                                     "benchmarks; distributions in docs/population.md)")
    p.add_argument("n", type=int, help="number of applicants")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", required=True, help="the file to write (.csv, .xlsx, .parquet, .jsonl)")

    p = sub.add_parser("sql", help="print the compiled SQL query of a jurisdiction, for a warehouse or a cluster")
    p.add_argument("--district", required=True, help="a jurisdiction id")
    p.add_argument("--dialect", choices=("duckdb", "spark", "trino", "postgres"), default="duckdb")
    p.add_argument("--table", default="applicants", help="the applicant table's name (default: applicants)")
    p.add_argument("--date", type=date, help="one application date for every row (default: each row's own)")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")
    p.add_argument("--detail", choices=("status", "clauses", "leaves"), default="clauses",
                   help="status and pathways; and every clause (default); and every comparison")
    p.add_argument("--key", action="append", default=[], help="a column carried through (e.g. id); repeatable")
    p.add_argument("--rules", metavar="DIR", help="use the jurisdiction YAML files in DIR instead of the shipped ones")


def add_batch_args(p) -> None:
    """The table options of ``wrp batch``."""
    p.add_argument("--output", help="write one row per applicant × district to this file (.csv, .xlsx, .parquet, "
                                    ".jsonl; the format from the extension)")
    p.add_argument("--columns", metavar="MAP.yaml", help="map other column headers to fact paths (or id, name, ignore)")
    p.add_argument("--missing", action="store_true", help="add each ineligible row's cheapest fix (slower)")


def wants_tables(args) -> bool:
    """``wrp batch`` on tables (or with --output) goes through the SQL backend."""
    return bool(getattr(args, "output", None) or getattr(args, "missing", False) or getattr(args, "columns", None)
                or any(Path(f).suffix.lower() in TABLE_SUFFIXES for f in args.profiles))


def _policy(rules=None):
    from policy.load import load_policy
    return load_policy(rules)


def _progress(total: int, label: str):
    """A rich progress bar on stderr when it is a terminal (and the run is long enough to need one)."""
    import contextlib

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    err = Console(stderr=True)
    if not err.is_terminal or total < 50:
        return contextlib.nullcontext(None)
    prog = Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                    console=err, transient=True)

    class _Bar:
        def __enter__(self):
            prog.__enter__()
            task = prog.add_task(label, total=total)
            return lambda: prog.advance(task)

        def __exit__(self, *exc):
            return prog.__exit__(*exc)
    return _Bar()


def _read(policy, files: list[str], columns: str | None):
    from solver.tables import read_applicants, read_mapping, read_profiles
    paths = []
    for name in files:
        path = Path(name)
        if path.is_dir():
            paths += sorted(f for f in path.iterdir() if f.suffix in PROFILE_SUFFIXES)
        elif not path.exists():
            raise InputError("no such file or directory", file=name)
        else:
            paths.append(path)
    tables = [p for p in paths if p.suffix.lower() in TABLE_SUFFIXES]
    if tables and len(paths) > 1:
        raise InputError("give one table file, or YAML/JSON profiles (not both)", file=str(tables[0]))
    if tables:
        return read_applicants(policy, tables[0], read_mapping(columns)), paths
    return read_profiles(policy, paths), paths


def cmd_batch_tables(args, out) -> int:
    from solver.population import decide_table, outcome_rows
    from solver.tables import write_rows
    policy = _policy(getattr(args, "rules", None))
    if args.output and Path(args.output).suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"unsupported output format `{Path(args.output).suffix}`; use "
                         f"{', '.join(OUTPUT_SUFFIXES)}", field="--output")
    apps, paths = _read(policy, args.profiles, args.columns)
    for w in apps.warnings:
        sys.stderr.write(f"wrp: warning: {w}\n")
    n = apps.table.num_rows * (len(policy.ids()) if args.district == ALL else 1)
    with _progress(n, "deciding" if not args.missing else "deciding, cheapest fixes") as tick:
        outcomes = decide_table(policy, apps, args.district, date=args.date, lenient=args.lenient, lang=args.lang,
                                missing=args.missing, progress=tick)
    rows = outcome_rows(outcomes, args.lang, with_fix=args.missing)
    if args.output:
        write_rows(args.output, rows, inputs=paths)
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        sys.stderr.write(f"wrp: wrote {len(rows)} rows to {args.output} ({summary})\n")
    elif args.format == "json":
        sys.stdout.write(json.dumps([o.as_dict(args.lang) for o in outcomes], ensure_ascii=False, indent=2,
                                    default=str) + "\n")
    elif args.format == "csv":
        import csv
        w = csv.writer(sys.stdout)
        keys = list(rows[0]) if rows else ["row", "id", "name", "district", "status", "pathways", "reasons"]
        w.writerow(keys)
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in keys])
    else:
        from rich.table import Table
        zh = args.lang == "zh"
        tab = Table()
        for c in (("行", "编号", "姓名", "辖区", "结论", "满足的条件", "原因") if zh else
                  ("row", "id", "name", "district", "status", "pathways", "reasons")):
            tab.add_column(c)
        for r in rows:
            tab.add_row(*("" if r.get(k) is None else str(r[k])
                          for k in ("row", "id", "name", "district", "status", "pathways", "reasons")))
        out.print(tab)
    errors = sum(1 for o in outcomes if o.status == "error")
    if errors:
        sys.stderr.write(f"wrp: error: {errors} of {apps.rows} rows could not be read (see the `error` rows)\n")
        return 2
    return 0


def cmd_population(args, out) -> int:
    from solver.population import population
    policy = _policy(args.rules)
    apps, _ = _read(policy, [args.file], args.columns)
    for w in apps.warnings:
        sys.stderr.write(f"wrp: warning: {w}\n")
    res = population(policy, apps, args.district, date=args.date, lenient=args.lenient)
    _emit(out, args, res)
    return 0


def cmd_reform(args, out) -> int:
    from solver.population import reform
    from solver.tables import write_rows
    if bool(args.rules) == bool(args.vs):
        raise InputError("give either --rules DIR (modified rules) or --date D1 --vs D2 (two dates)", field="--rules")
    base = _policy(None)
    new = _policy(args.rules) if args.rules else base
    apps, paths = _read(base, [args.file], args.columns)
    for w in apps.warnings:
        sys.stderr.write(f"wrp: warning: {w}\n")
    if args.vs and not args.date:
        raise InputError("--vs needs --date (the baseline date)", field="--vs")
    res = reform(base, new, apps, args.district, date=args.date, vs=args.vs if args.vs else args.date,
                 lenient=args.lenient, sample=args.sample, lang=args.lang)
    if args.output:
        write_rows(args.output, res.flipped_rows(args.lang), inputs=paths)
        sys.stderr.write(f"wrp: wrote {len(res.flips)} flipped rows to {args.output}\n")
    _emit(out, args, res)
    return 0


def _emit(out, args, res) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(res.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(res.markdown(args.lang))
    else:
        sys.stdout.write(res.text(args.lang))


def cmd_synth(args, out) -> int:
    from solver.synth import synth
    from solver.tables import ROW, write_table
    if args.n < 1:
        raise InputError("must be at least 1", field="n")
    policy = _policy(None)
    t = synth(policy, args.n, args.seed)
    write_table(args.output, t.drop_columns([ROW]))
    sys.stderr.write(f"wrp: wrote {args.n} SYNTHETIC applicants to {args.output} (seed {args.seed})\n")
    return 0


def cmd_sql(args, out) -> int:
    from solver.backends.sql import to_sql
    policy = _policy(args.rules)
    if args.district not in policy.jurisdictions:
        raise InputError(f"unknown district `{args.district}`; choose one of: {', '.join(policy.ids())}",
                         field="--district")
    q = to_sql(policy, args.district, table=args.table, keys=tuple(args.key), date=args.date, lenient=args.lenient,
               detail=args.detail)
    sys.stdout.write(q.sql(args.dialect, pretty=True) + ";\n")
    return 0


COMMANDS = {"population": cmd_population, "reform": cmd_reform, "synth": cmd_synth, "sql": cmd_sql}
