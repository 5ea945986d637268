"""The front-end commands of cli.py's table: `wrp schema`, `wrp interview`, `wrp serve` — their arguments
and their calls (each returns a result with ``as_dict()`` and ``render(lang)`` like every command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policy.errors import InputError


@dataclass
class Done:
    """What a front-end command reports: lines of text, and the same as data."""

    lines: list[str] = field(default_factory=list)
    data: object = None
    exit_code: int = 0

    def as_dict(self):
        return self.data

    def render(self, lang: str = "en") -> list[str]:
        return ["\n".join(self.lines)] if self.lines else []


def schema_arguments(p) -> None:
    p.add_argument("--output", metavar="DIR", help="write profile / jurisdiction / procedure .schema.json into DIR")
    p.add_argument("--name", choices=("profile", "jurisdiction", "procedure"), default="profile",
                   help="without --output: the schema printed (default: profile)")


def schema(args, app) -> Done:
    from policy.schema import dumps, generate
    if args.output:
        from solver.render.atomic import write_atomic
        target = Path(args.output)
        if target.exists() and not target.is_dir():
            raise InputError("is not a directory", file=str(target), field="--output")
        target.mkdir(parents=True, exist_ok=True)
        paths = [str(write_atomic(target / f"{name}.schema.json", dumps(s), force=True, field="--output"))
                 for name, s in generate().items()]
        return Done([f"wrote {p}" for p in paths], {"written": paths})
    s = generate()[args.name]
    return Done([dumps(s).rstrip("\n")], s)


def interview_arguments(p, date) -> None:
    p.add_argument("profile", help="the partial profile (YAML or JSON); never overwritten")
    p.add_argument("--output", metavar="FILE", help="where to write the completed profile "
                                                    "(default: PROFILE.completed.yaml, never an existing file)")
    p.add_argument("--date", type=date, help="application date (overrides application.date)")
    p.add_argument("--lenient", action="store_true", help="treat 原则上 (in principle) clauses as waived")


def interview(args, app) -> Done:
    import os

    from rich.console import Console

    from solver.interview import interview as run
    console = Console(highlight=False, soft_wrap=True, width=None if os.isatty(1) else 1000)
    out = run(app.policy, Path(args.profile), Path(args.output) if args.output else None, console,
              lang=args.lang, lenient=args.lenient, date=args.date)
    return Done([], {"written": str(out)})


def serve_arguments(p) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")


def serve(args, app) -> Done:
    import uvicorn

    from solver.service import create_app
    if not 0 < args.port < 65536:
        raise InputError(f"`{args.port}` is not a port (1-65535)", field="--port")
    sock = listening_socket(args.host, args.port)
    server = uvicorn.Server(uvicorn.Config(create_app(app), host=args.host, port=args.port, log_level="warning"))
    server.run(sockets=[sock])
    return Done()


def listening_socket(host: str, port: int):
    """The socket ``wrp serve`` listens on, bound here so that a port in use (or an unknown host) is one
    clear ``wrp: error`` line and exit 2, not uvicorn's log line and exit 3."""
    import socket
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                          flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as e:
        raise InputError(f"cannot resolve host `{host}` ({e})", field="--host") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(addr)
    except OSError as e:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {e.strerror or e}", field="--port") from None
    return sock
