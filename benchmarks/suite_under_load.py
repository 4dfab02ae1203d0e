"""Run the test suite several times in a row on a fresh clone while other processes keep every core busy.

CI runs on a 2-core machine that other jobs may be loading, so the suite must pass there, and in
reasonable time, not only on a quiet machine. This script makes that condition on purpose:

1. clones the repository (``git clone`` of the given commit, default ``HEAD``) into a temporary folder;
2. starts one busy-loop process per core (``--hogs``, default: the number of cores), each a plain
   ``while True`` loop in its own Python process, so the suite competes with them for every core;
3. runs a command in the clone ``--runs`` times in a row (default: ``.ci/run``, which makes the
   virtual environment, lints, builds the docs and runs ``python -m pytest -q``) and records each
   run's exit status, wall time and pytest's summary line;
4. stops the busy loops and prints a table.

It exits with status 1 when any run failed, or, with ``--check``, when a run took longer than
``--limit`` minutes (default 15).

Usage::

    python benchmarks/suite_under_load.py                       # .ci/run three times, 2 busy loops
    python benchmarks/suite_under_load.py --command "python -m pytest -q"   # in a clone whose .venv exists
    python benchmarks/suite_under_load.py --runs 1 --hogs 0     # the same on a quiet machine, for comparison
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed).*?)\s*=*$")


def _busy() -> None:  # pragma: no cover - runs in a child process
    while True:
        pass


def _summary(output: str) -> str:
    """Pytest's last summary line ("1893 passed, 16 skipped in 401.2s"), or "" when there is none."""
    for line in reversed(output.splitlines()):
        match = SUMMARY.match(line.strip())
        if match:
            return match.group(1)
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs in a row (default 3)")
    parser.add_argument(
        "--hogs", type=int, default=os.cpu_count() or 2, help="busy-loop processes (default: one per core)"
    )
    parser.add_argument("--command", default=".ci/run", help="what to run in the clone (default .ci/run)")
    parser.add_argument("--commit", default="HEAD", help="the commit to clone (default HEAD)")
    parser.add_argument("--limit", type=float, default=15.0, help="minutes a run may take with --check (default 15)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a run is slower than --limit")
    parser.add_argument("--log", type=Path, default=None, help="folder for each run's full output")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.hogs < 0:
        parser.error(f"--runs must be >= 1 and --hogs >= 0; got {args.runs} and {args.hogs}")

    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.commit], check=True, capture_output=True, text=True
    ).stdout.strip()
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.hogs)]
    for hog in hogs:
        hog.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="suite-under-load-") as tmp:
            clone = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
            subprocess.run(["git", "-C", str(clone), "checkout", "-q", commit], check=True)
            for run in range(1, args.runs + 1):
                load_before = os.getloadavg()[0]
                start = time.monotonic()
                done = subprocess.run(
                    ["bash", "-c", args.command], cwd=clone, capture_output=True, text=True, stdin=subprocess.DEVNULL
                )
                minutes = (time.monotonic() - start) / 60
                output = done.stdout + done.stderr
                if args.log is not None:
                    args.log.mkdir(parents=True, exist_ok=True)
                    (args.log / f"run-{run}.txt").write_text(output)
                rows.append((run, done.returncode, minutes, load_before, os.getloadavg()[0], _summary(output)))
                print(f"run {run}: exit {done.returncode}, {minutes:.1f} min, {_summary(output)}", flush=True)
    finally:
        for hog in hogs:
            hog.terminate()
        for hog in hogs:
            hog.join()

    print()
    print(f"`{args.command}` on a fresh clone of {commit}, {args.hogs} busy loops on {os.cpu_count()} cores")
    print()
    print("| run | exit | minutes | load before | load after | pytest |")
    print("|---|---|---|---|---|---|")
    for run, code, minutes, before, after, summary in rows:
        print(f"| {run} | {code} | {minutes:.1f} | {before:.1f} | {after:.1f} | {summary} |")
    failed = any(code != 0 for _, code, *_ in rows)
    slow = args.check and any(minutes > args.limit for _, _, minutes, *_ in rows)
    return 1 if failed or slow else 0


if __name__ == "__main__":
    sys.exit(main())
