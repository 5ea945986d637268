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


COMMANDS = {"schema": cmd_schema}


def run(args, out) -> int:
    return COMMANDS[args.command](args, out)
