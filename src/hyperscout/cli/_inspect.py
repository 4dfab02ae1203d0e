"""The commands that read or remove studies: ``studies``, ``best``, ``trials`` and ``delete``."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any

import hyperscout as hs

from ..trial import is_constrained
from ._common import CLIError, add_storage_option, missing_sqlite_file, open_storage, open_study, shown

_STATES = ("complete", "pruned", "fail", "running", "waiting")
#: Longest error text shown in a table cell (csv and json keep all of it).
_TABLE_ERROR = 60


def add_parsers(sub: Any) -> None:
    """Register ``studies``, ``best``, ``trials`` and ``delete`` on the ``add_subparsers`` object ``sub``."""

    p = sub.add_parser("studies", help="list the studies in a storage", description="List every study.")
    add_storage_option(p)
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")
    p.set_defaults(handler=cmd_studies)

    p = sub.add_parser("best", help="show a study's best value and parameters", description="Show the best trial.")
    p.add_argument("study", metavar="STUDY")
    add_storage_option(p)
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(handler=cmd_best)

    p = sub.add_parser(
        "trials",
        help="print every trial of a study",
        description="Print every trial: number, state, value(s), params_*, duration (s), error.",
    )
    p.add_argument("study", metavar="STUDY")
    add_storage_option(p)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format (default: table)")
    p.set_defaults(handler=cmd_trials)

    p = sub.add_parser("delete", help="delete a study and its trials", description="Delete a study and its trials.")
    p.add_argument("study", metavar="STUDY")
    add_storage_option(p)
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=cmd_delete)


# -- studies ----------------------------------------------------------------------------------------


def cmd_studies(args: argparse.Namespace) -> int:
    """List every study with its trial counts per state and its best value."""
    missing = missing_sqlite_file(args.storage)
    storage = None if missing is not None else open_storage(args.storage)
    rows = [] if storage is None else [_study_row(storage, name) for name in hs.get_all_study_names(storage)]
    if args.format == "json":
        print(_json(rows))
        return 0
    if not rows:
        print(f"no studies in {shown(args.storage)}" + (" (the file does not exist)" if missing else ""))
        return 0
    header = ["name", "direction", "trials", *_STATES[:4], "best"]
    table = [
        [
            r["name"],
            ",".join(r["directions"]),
            str(r["n_trials"]),
            *(str(r["states"][s]) for s in _STATES[:4]),
            "-" if r["best_value"] is None else _fmt(r["best_value"]),
        ]
        for r in rows
    ]
    _print_table(header, table)
    return 0


def _study_row(storage: hs.storages.BaseStorage, name: str) -> dict[str, Any]:
    study = hs.load_study(name, storage)
    trials = study.trials
    states = {s: 0 for s in _STATES}
    for t in trials:
        states[t.state.value] = states.get(t.state.value, 0) + 1
    best = None
    if len(study.directions) == 1:
        complete = [t.value for t in trials if t.state is hs.TrialState.COMPLETE and t.value is not None]
        if complete:
            best = (min if study.direction == "minimize" else max)(complete)
    return {
        "name": name,
        "directions": list(study.directions),
        "n_trials": len(trials),
        "states": states,
        "best_value": best,
    }


# -- best -------------------------------------------------------------------------------------------


def best_lines(study: hs.Study) -> list[str]:
    """Human-readable lines with the best trial (or the Pareto front) of ``study``."""
    if len(study.directions) > 1:
        front = study.best_trials
        if not front:
            return ["no complete trial yet"]
        lines = [f"{len(front)} trial(s) on the Pareto front ({', '.join(study.directions)}):"]
        for t in front:
            values = ", ".join(_exact(v) for v in t.values or ())
            lines.append(f"  trial {t.number}: values [{values}], params {_params_text(t.params)}")
        return lines
    complete = study.get_trials(deepcopy=False, states=[hs.TrialState.COMPLETE])
    if not complete:
        return ["no complete trial yet"]
    best = study.best_trial
    lines = [f"best value: {_exact(best.values[0] if best.values else float('nan'))} (trial {best.number})"]
    if best.params:
        lines.append("best parameters:")
        lines.extend(f"  {k}: {_param(v)}" for k, v in best.params.items())
    return lines


def cmd_best(args: argparse.Namespace) -> int:
    """Print the best value and parameters of a study (1 when it has no complete trial)."""
    study = open_study(args.storage, args.study)
    has_complete = bool(study.get_trials(deepcopy=False, states=[hs.TrialState.COMPLETE]))
    if args.format == "json":
        if len(study.directions) > 1:
            out: Any = [_trial_json(t) for t in study.best_trials]
        else:
            out = _trial_json(study.best_trial) if has_complete else None
        print(_json(out))
    else:
        for line in best_lines(study):
            print(line)
    return 0 if has_complete else 1


# -- trials -----------------------------------------------------------------------------------------


def cmd_trials(args: argparse.Namespace) -> int:
    """Print every trial of a study as a table, CSV or JSON."""
    study = open_study(args.storage, args.study)
    trials = study.trials
    if args.format == "json":
        print(_json([_trial_json(t) for t in trials]))
        return 0
    n_obj = len(study.directions)
    value_cols = ["value"] if n_obj == 1 else [f"values_{i}" for i in range(n_obj)]
    names: list[str] = []
    for t in trials:
        names.extend(k for k in t.params if k not in names)
    # A constrained study shows each trial's constraint values (feasible when all are <= 0).
    constrained = is_constrained(trials)
    header = ["number", "state", *value_cols, *(f"params_{k}" for k in names)]
    header += [*(["constraints"] if constrained else []), "duration", "error"]

    def cells(t: hs.FrozenTrial, table: bool) -> list[Any]:
        values = list(t.values) if t.values is not None else [None] * n_obj
        duration = t.duration.total_seconds() if t.duration is not None else None
        con = [list(t.constraints.values()) if t.constraints else None] if constrained else []
        row: list[Any] = [t.number, t.state.value, *values, *(t.params.get(k) for k in names)]
        row += [*(json.dumps(c) if c is not None else None for c in con), duration, t.error]
        if not table:
            return row
        out = [str(t.number), t.state.value, *(_fmt(v) for v in values)]
        out += ["" if k not in t.params else _param(t.params[k]) for k in names]
        out += ["" if c is None else " ".join(_fmt(v) for v in c) for c in con]
        out.append("" if duration is None else f"{duration:.2f}s")
        out.append(_one_line(t.error or "", _TABLE_ERROR))
        return out

    if args.format == "csv":
        for row in [header, *([_csv_cell(c) for c in cells(t, table=False)] for t in trials)]:
            print(_csv_line(row))
        return 0
    if not trials:
        print(f"study {study.study_name!r} has no trials yet")
        return 0
    _print_table(header, [cells(t, table=True) for t in trials])
    return 0


def _trial_json(t: hs.FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state.value,
        "values": list(t.values) if t.values is not None else None,
        "params": dict(t.params),
        "user_attrs": dict(t.user_attrs),
        **({"constraints": list(t.constraints.values())} if t.constraints else {}),
        "datetime_start": t.datetime_start.isoformat() if t.datetime_start else None,
        "duration": t.duration.total_seconds() if t.duration is not None else None,
        "error": t.error,
    }


# -- delete -----------------------------------------------------------------------------------------


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete a study after confirmation (or at once with ``--yes``)."""
    study = open_study(args.storage, args.study)
    n = len(study.trials)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CLIError(f"deleting study {args.study!r} ({n} trials) needs confirmation: pass --yes")
        answer = input(f"Delete study {args.study!r} and its {n} trial(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("not deleted")
            return 1
    hs.delete_study(args.study, open_storage(args.storage))
    print(f"deleted study {args.study!r} ({n} trials)")
    return 0


# -- formatting -------------------------------------------------------------------------------------

# What strict JSON has no literal for; Python's own names for them, which float() reads back.
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}
# A cell a spreadsheet reads as a formula (OWASP's CSV-injection list); "+" and "-" also start
# plain numbers, which stay as they are.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _strict(value: Any) -> Any:
    """``value`` with NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (strict JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else _NON_FINITE[value]
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def _json(data: Any) -> str:
    # allow_nan=False: anything _strict missed is an error here, not a file other parsers refuse.
    return json.dumps(_strict(data), indent=2, allow_nan=False)


def _csv_line(row: Sequence[Any]) -> str:
    """One CSV record, without its line end."""
    # Python's csv module quotes a cell holding a character of the line terminator only: with "\n"
    # alone, a carriage return (a progress bar's, in an error text) went out unquoted and split the
    # record for every reader. "\r\n" makes it quote both; the record ends in "\n" as before.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.getvalue()[:-2]


def _csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading "'" (numbers stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _fmt(v: Any) -> str:
    return "" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v)


def _exact(v: float) -> str:
    # repr is the shortest text that reads back as the same float: nothing is lost.
    return repr(float(v))


def _param(v: Any) -> str:
    return str(v)  # str of a float is its shortest exact form


def _params_text(params: Any) -> str:
    return "{" + ", ".join(f"{k}: {_param(v)}" for k, v in params.items()) + "}"


def _one_line(text: str, width: int) -> str:
    lines = [s for s in text.strip().splitlines() if s.strip()]
    # The last line of an error says most (the exception, or the program's final complaint).
    s = lines[-1].strip() if lines else ""
    return s if len(s) <= width else s[: width - 3] + "..."


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
