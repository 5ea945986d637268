"""The analysis and procedure commands (missing, conflicts, compare, verify, deadlines, materials):
argument definitions and dispatch, kept out of cli.py so that it stays thin."""

from __future__ import annotations


def register(sub, profile_args, common, date) -> None:
    """Add the extension subcommands to the `wrp` parser."""


def attach_missing(policy, decisions, args) -> None:
    """`explain` shows the minimum missing condition for ineligible applicants (when available)."""


def run(args, out) -> int:
    raise NotImplementedError(args.command)
