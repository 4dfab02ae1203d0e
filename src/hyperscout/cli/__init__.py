"""The ``hyperscout`` command line: run, worker, studies, best, trials, delete, report and dashboard.

Example:
    >>> from hyperscout.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    hyperscout ...
    0
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import hyperscout as hs

from ..storages._url import hide_secrets
from . import _dashboard, _inspect, _report, _run, _worker
from ._command import CommandFailed
from ._common import CLIError

__all__ = ["main", "build_parser", "CLIError", "CommandFailed"]

#: Exit status for user errors (bad option, unknown study, bad storage URL or search space), as argparse uses.
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors read ``hyperscout: error: ...`` whichever subcommand raised them."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"hyperscout: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; each sets ``handler`` to the function that runs it."""
    parser = _Parser(
        prog="hyperscout",
        description="Hyperparameter optimisation from the command line. Studies live in --storage "
        f"(default ${{HYPERSCOUT_STORAGE}} or {hs.storages.DEFAULT_SQLITE_URL}, a file in the current folder).",
        epilog="Run 'hyperscout COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"hyperscout {hs.__version__}")
    parser.set_defaults(handler=None)
    sub = parser.add_subparsers(title="commands", dest="cmd", metavar="COMMAND")
    _run.add_parser(sub)
    _inspect.add_parsers(sub)
    _report.add_parser(sub)
    _dashboard.add_parser(sub)
    _worker.add_parser(sub)
    return parser


def _error(message: str) -> None:
    print(f"hyperscout: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Everything after the first "--" is the command to tune, kept verbatim: argparse would try
    # to read its options (e.g. "--lr") as ours.
    command: list[str] | None = None
    if "--" in args_list:
        i = args_list.index("--")
        args_list, command = args_list[:i], args_list[i + 1 :]
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as e:  # --help, --version, usage errors: argparse has printed what to say
        return e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_USAGE)
    if args.handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if command is not None and args.cmd not in ("run", "worker"):
        _error(f"'hyperscout {args.cmd}' takes no command after --")
        return EXIT_USAGE
    args.command_line = command or []
    # --quiet promises only the result: the per-trial log lines (INFO, on stderr) go too, for this
    # command only, since main() may run inside a caller's process.
    verbosity = hs.logging.get_verbosity()
    if getattr(args, "quiet", False):
        hs.logging.set_verbosity(hs.logging.ERROR)
    try:
        return int(args.handler(args))
    except (CLIError, hs.StorageError) as e:
        # Messages name the storage masked already; this also masks a credential quoted by a driver.
        _error(hide_secrets(str(e), getattr(args, "storage", None)))
    except BrokenPipeError:
        # `hyperscout trials s | head`: the reader left; say nothing more, and keep Python from
        # complaining while it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        hs.logging.set_verbosity(verbosity)
    return EXIT_USAGE
