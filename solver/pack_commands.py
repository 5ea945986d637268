"""The rule maintainers' commands: `wrp test` (test cases as data, rule coverage) and `wrp diff`
(what changed between two versions of the rules). Argument definitions and dispatch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policy.errors import InputError


def register(sub, common, date) -> None:
    p = sub.add_parser("test", help="run test cases written as data (YAML); exit 1 on a failure, with a diff")
    p.add_argument("paths", nargs="*", help="test files or directories (default: the rules pack's tests/)")
    p.add_argument("--coverage", action="store_true",
                   help="per clause: seen holding and failing; per pathway: satisfied at least once")
    p.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit 1 if the coverage is below PERCENT")
    p.add_argument("--coverage-json", metavar="FILE", help="also write the coverage as JSON to FILE")
    common(p)

    p = sub.add_parser("diff", help="what changed between two versions of the rules: clause by clause, and "
                                    "witness applicants eligible under one and not the other")
    p.add_argument("--old", metavar="DIR", help="the old rules pack when --rules is given once (default: shipped)")
    p.add_argument("--district", help="only this jurisdiction (default: every jurisdiction in either)")
    p.add_argument("--date", type=date, help="the date the rules are compared on (default: today)")
    p.add_argument("--to-date", type=date, help="compare the rules on --date with the rules on this date "
                                                "(one pack: a wage-year change, an in-force date)")
    p.add_argument("--no-witnesses", action="store_true", help="clause by clause only, no solver")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text for people, json for programs")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the output (quotes stay Chinese)")
    p.add_argument("--rules", metavar="DIR", action="append", dest="rules_list",
                   help="a rules pack; twice: the old and the new version (default: the shipped rules)")


def _policy(rules):
    from policy.load import load_policy
    return load_policy(rules)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def cmd_test(args, out) -> int:
    from solver.testcases import case_files, render_coverage, run_tests
    policy = _policy(args.rules)
    files = case_files(policy, args.paths)
    if not files:
        raise InputError("no test files: name them, or give a rules pack with tests/*.yaml", field="paths")
    run = run_tests(policy, files)
    cov_ok = args.fail_under is None or run.coverage.percent() >= args.fail_under
    if args.coverage_json:
        _write_atomic(Path(args.coverage_json), json.dumps(run.coverage.as_dict(), ensure_ascii=False, indent=2) + "\n")
    if args.format == "json":
        sys.stdout.write(json.dumps(run.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(run.render(coverage=False), markup=False, highlight=False)
        if args.coverage or args.fail_under is not None:
            out.print("")
            out.print(render_coverage(run.coverage), markup=False, highlight=False)
        if not cov_ok:
            out.print(f"coverage {run.coverage.percent():.1f} % is under --fail-under {args.fail_under:g} %",
                      markup=False, highlight=False)
    return 0 if run.failed == 0 and cov_ok else 1


def cmd_diff(args, out) -> int:
    from solver.rulesdiff import diff_rules
    rules = args.rules_list or []
    old_dir, new_dir = args.old, None
    if rules:
        if len(rules) > 2:
            raise InputError("`wrp diff` compares two versions: give --rules at most twice", field="--rules")
        old_dir, new_dir = (rules[0], rules[1]) if len(rules) == 2 else (args.old, rules[0])
    old, new = _policy(old_dir), _policy(new_dir)
    if old_dir == new_dir and args.to_date is None:
        raise InputError("nothing to compare: give two rules packs (--rules OLD --rules NEW) or two dates "
                         "(--date and --to-date)", field="--rules")
    result = diff_rules(old, new, date=args.date, to_date=args.to_date, district=args.district,
                        witnesses=not args.no_witnesses, old_name=old_dir or "shipped", new_name=new_dir or "shipped")
    if args.format == "json":
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        out.print(result.render(args.lang), markup=False, highlight=False, soft_wrap=True)
    return 0


COMMANDS = {"test": cmd_test, "diff": cmd_diff}

__all__ = ["register", "COMMANDS"]
