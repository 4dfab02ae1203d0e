"""``hyperscout report``: write a study's self-contained HTML report."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ._common import CLIError, add_storage_option, open_study


def add_parser(sub: Any) -> None:
    """Register ``report`` on the ``add_subparsers`` object ``sub``."""
    p = sub.add_parser(
        "report",
        help="write a study's report as one self-contained HTML file",
        description="Write one HTML file with the study's summary (best value and parameters, trials by state, "
        "time spent), its plots and a sortable table of its trials. The file embeds everything it needs "
        "(plotly.js included) and opens offline. Needs plotly (hyperscout[viz]): pip install plotly.",
    )
    p.add_argument("study", metavar="STUDY")
    add_storage_option(p)
    p.add_argument(
        "-o", "--output", default="report.html", metavar="FILE", help="where to write (default: %(default)s)"
    )
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of ``args.study`` to ``args.output``."""
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise CLIError(f"cannot write {args.output!r}: the folder {folder!r} does not exist")
    if os.path.isdir(args.output):
        example = os.path.join(args.output, "report.html")
        raise CLIError(f"cannot write {args.output!r}: it is a folder; name a file, e.g. -o {example}")
    study = open_study(args.storage, args.study)
    try:
        from ..dashboard import write_report

        write_report(study, args.output)
    except ImportError as e:
        raise CLIError(str(e)) from None
    except OSError as e:  # no permission, a full disk, a read-only file system: one line, nothing left behind
        raise CLIError(f"cannot write {args.output!r}: {e.strerror or e}") from None
    print(f"wrote {args.output} (study {study.study_name!r}, {len(study.trials)} trials)")
    return 0
