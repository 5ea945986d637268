"""The front-end commands (schema, interview, serve): argument definitions and dispatch, kept out of
cli.py so that it stays thin."""

from __future__ import annotations

import sys
from pathlib import Path

from policy.errors import InputError


def register(sub, profile_args, common, date) -> None:
    """Add `wrp schema`, `wrp interview` and `wrp serve` to the parser."""
    p = sub.add_parser("schema", help="the JSON Schemas of profiles, jurisdiction files and procedure files")
    p.add_argument("--output", metavar="DIR", help="write profile / jurisdiction / procedure .schema.json into DIR")
    p.add_argument("--name", choices=("profile", "jurisdiction", "procedure"), default="profile",
                   help="without --output: the schema printed (default: profile)")

    p = sub.add_parser("interview", help="complete a partial profile: the most decisive question first; "
                                         "writes the completed profile to a new file")
    p.add_argument("profile", help="the partial profile (YAML or JSON); never overwritten")
    p.add_argument("--output", metavar="FILE", help="where to write the completed profile "
                                                    "(default: PROFILE.completed.yaml, never an existing file)")
    p.add_argument("--date", type=date, help="application date (overrides application.date)")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the questions")
    p.add_argument("--rules", metavar="DIR", help="use the jurisdiction YAML files in DIR instead of the shipped ones")

    p = sub.add_parser("serve", help="the HTTP service (JSON API, OpenAPI) and the caseworker page at /")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--rules", metavar="DIR", help="use the jurisdiction YAML files in DIR instead of the shipped ones")


def cmd_schema(args, out) -> int:
    from policy.schema import dumps, generate, write_schemas
    if args.output:
        target = Path(args.output)
        if target.exists() and not target.is_dir():
            raise InputError("is not a directory", file=str(target), field="--output")
        for path in write_schemas(target):
            out.print(f"wrote {path}", markup=False, highlight=False)
        return 0
    sys.stdout.write(dumps(generate()[args.name]))
    return 0


def cmd_interview(args, out) -> int:
    from policy.load import load_policy
    from solver.interview import interview
    interview(load_policy(args.rules), Path(args.profile), Path(args.output) if args.output else None, out,
              lang=args.lang, lenient=args.lenient, date=args.date)
    return 0


def cmd_serve(args, out) -> int:
    import uvicorn

    from policy.load import load_policy
    from solver.service import create_app
    if not 0 < args.port < 65536:
        raise InputError(f"`{args.port}` is not a port (1-65535)", field="--port")
    app = create_app(load_policy(args.rules))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


COMMANDS = {"schema": cmd_schema, "interview": cmd_interview, "serve": cmd_serve}


def run(args, out) -> int:
    return COMMANDS[args.command](args, out)
