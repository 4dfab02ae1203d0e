"""``hyperscout dashboard``: a live, read-only web page over the studies of a storage."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import CLIError, add_storage_option, missing_sqlite_file, open_storage, shown


def add_parser(sub: Any) -> None:
    """Register ``dashboard`` on the ``add_subparsers`` object ``sub``."""
    p = sub.add_parser(
        "dashboard",
        help="serve a live web page of the studies in a storage",
        description="Serve a read-only web page listing the studies in --storage and, per study, its plots and "
        "trials, refreshed as trials finish. Binds 127.0.0.1 (this machine only) unless --host says otherwise. "
        "Needs plotly (hyperscout[viz]): pip install plotly.",
    )
    add_storage_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=8080, help="port (default: %(default)s; 0 picks a free one)")
    p.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                   help="how often the page checks for new trials (default: %(default)s)")  # fmt: skip
    p.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    p.set_defaults(handler=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard until Ctrl-C."""
    if not 0 <= args.port <= 65535:
        raise CLIError(f"--port must be between 0 and 65535, got {args.port}")
    if not args.interval > 0:
        raise CLIError(f"--interval must be a positive number of seconds, got {args.interval}")
    missing = missing_sqlite_file(args.storage)
    if missing is not None:
        raise CLIError(f"the storage {shown(args.storage)} does not exist (no file {missing!r})")
    try:
        from ..dashboard import serve
        from ..visualization._common import go

        go()  # say now, not at the first page load, that plotly is missing
    except ImportError as e:
        raise CLIError(str(e)) from None
    storage = open_storage(args.storage)
    try:
        serve(storage, args.host, args.port, interval=args.interval, label=shown(args.storage), verbose=args.verbose)
    except OSError as e:
        raise CLIError(f"cannot serve on {args.host}:{args.port}: {e.strerror or e}") from None
    return 0
