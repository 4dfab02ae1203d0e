"""Optimiser overhead per trial: hyperscout's random search next to Optuna's RandomSampler.

The objective does no work: it suggests four parameters (a log-uniform float, a uniform float, an
int and a categorical) and returns a cheap number, so the time of ``study.optimize`` is the
library's own cost per trial (sampling, bookkeeping, storage round trips).

Each measurement is one ``optimize(objective, n_trials=N)`` call on a freshly created study, timed
with ``time.perf_counter`` (study creation is not timed), repeated ``--repeats`` times; the table
shows the median. Both libraries run with their defaults as a user gets them:

* memory: ``hs.create_study()`` / ``optuna.create_study()`` (no storage);
* sqlite: ``hs.create_study(storage="sqlite:///<tmp>/hs.db")`` /
  ``optuna.create_study(storage="sqlite:///<tmp>/optuna.db")``, a new file in a new temporary
  folder for every run.

Both use the same seed in a run, no progress bar, and logging at WARNING (no line per trial). A callback
records when each trial ends, which gives the cost of the first and the last 100 trials: if the
last ones are dearer, the per-trial cost grows with the size of the study.

Run it on demand (it is not part of the test suite; it needs ``pip install -e '.[bench]'``)::

    python benchmarks/overhead.py              # 100 and 1,000 trials, 3 repeats (about a minute)
    python benchmarks/overhead.py --quick      # a few seconds, for a smoke check
    python benchmarks/overhead.py --repeats 5 --trials 100 1000 3000
    python benchmarks/overhead.py --profile    # also cProfile hyperscout on SQLite at the largest N
    python benchmarks/overhead.py --check      # exit 1 when the target below is missed

Target: on SQLite at 1,000 trials, hyperscout takes at most half of Optuna's time per trial.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import logging
import math
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import optuna

import hyperscout as hs

STORAGES = ("memory", "sqlite")
LIBRARIES = ("hyperscout", "optuna")
#: The target of the issue: hyperscout / optuna on SQLite at this many trials.
TARGET_STORAGE, TARGET_TRIALS, TARGET_RATIO = "sqlite", 1000, 0.5
#: Trials at each end of a run whose cost per trial is reported separately.
WINDOW = 100
SEED = 12345


def objective(trial: Any) -> float:
    """No work: four suggestions and arithmetic. The same code runs on both libraries' trials."""
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    x = trial.suggest_float("x", -5.0, 5.0)
    depth = trial.suggest_int("depth", 1, 12)
    kind = trial.suggest_categorical("kind", ["linear", "rbf", "poly"])
    return (x - 1.0) ** 2 + 0.1 * math.log10(lr) ** 2 + 0.01 * depth + (kind == "rbf")


@contextmanager
def _storage_url(storage: str, library: str) -> Iterator[str | None]:
    """``None`` for memory; a SQLite URL of a new file in a new temporary folder otherwise."""
    if storage == "memory":
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="hs-overhead-") as tmp:
        yield f"sqlite:///{os.path.join(tmp, library + '.db')}"
        gc.collect()  # let the engines and their connections go before the folder does


def _create(library: str, url: str | None, seed: int) -> Any:
    if library == "hyperscout":
        return hs.create_study(storage=url, sampler=hs.samplers.RandomSampler(seed=seed), direction="minimize")
    return optuna.create_study(storage=url, sampler=optuna.samplers.RandomSampler(seed=seed), direction="minimize")


@dataclass
class Run:
    """One timed ``optimize`` call."""

    total_s: float
    ends: list[float] = field(repr=False)  # perf_counter when each trial's callback ran
    start: float = field(repr=False)

    @property
    def per_trial_ms(self) -> float:
        return 1e3 * self.total_s / len(self.ends)

    def window_ms(self, first: bool) -> float | None:
        """Mean ms per trial of the first (or last) ``WINDOW`` trials; None for shorter runs."""
        if len(self.ends) < 2 * WINDOW:
            return None
        if first:
            return 1e3 * (self.ends[WINDOW - 1] - self.start) / WINDOW
        return 1e3 * (self.ends[-1] - self.ends[-WINDOW - 1]) / WINDOW


def run_once(library: str, storage: str, n_trials: int, seed: int, profiler: cProfile.Profile | None = None) -> Run:
    """Create a fresh study, then time ``optimize`` over ``n_trials`` trials."""
    with _storage_url(storage, library) as url:
        study = _create(library, url, seed)
        ends: list[float] = []

        def stamp(_study: Any, _trial: Any) -> None:
            ends.append(time.perf_counter())

        gc.collect()
        if profiler is not None:
            profiler.enable()
        start = time.perf_counter()
        study.optimize(objective, n_trials=n_trials, callbacks=[stamp], show_progress_bar=False)
        total = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
        # Outside the timing: every trial must have run and completed, or the numbers mean nothing.
        states = {str(getattr(t.state, "name", t.state)).lower() for t in study.trials}
        if len(ends) != n_trials or len(study.trials) != n_trials or states != {"complete"}:
            raise RuntimeError(f"{library}/{storage}: expected {n_trials} complete trials, got {states}")
        del study
    return Run(total, ends, start)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _fmt(v: float | None, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table: the first column (the storage) aligned left, the numbers right."""
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "| " + " | ".join(padded) + " |"

    rule = "|:" + "-" * (widths[0] + 1) + "|" + "|".join("-" * (w + 1) + ":" for w in widths[1:]) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _environment() -> str:
    import sqlalchemy

    return (
        f"hyperscout {hs.__version__}, optuna {optuna.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, {platform.platform()}, "
        f"{os.cpu_count()} CPUs"
    )


def _profile(n_trials: int, top: int) -> str:
    """cProfile of hyperscout on SQLite at ``n_trials``: the top functions by cumulative and own time."""
    prof = cProfile.Profile()
    run_once("hyperscout", "sqlite", n_trials, SEED, profiler=prof)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    for key in ("cumulative", "tottime"):
        out.write(f"\n### hyperscout, sqlite, {n_trials} trials: top {top} by {key}\n")
        stats.sort_stats(key).print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per cell; the median is shown (default 3)")
    parser.add_argument("--trials", type=int, nargs="+", default=[100, 1000], help="study sizes (default 100 1000)")
    parser.add_argument("--storages", nargs="+", choices=STORAGES, default=list(STORAGES), help="storage kinds")
    parser.add_argument("--quick", action="store_true", help="a short run: 20 and 200 trials, one repeat")
    parser.add_argument("--profile", action="store_true", help="also cProfile hyperscout on SQLite at the largest N")
    parser.add_argument("--top", type=int, default=15, help="functions listed by --profile (default 15)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when the target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.repeats = [20, 200], 1
    if args.repeats < 1 or any(n < 1 for n in args.trials):
        parser.error("--repeats and --trials must be positive")

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # The same for both: no line per trial (through the standard logger, so older hyperscout versions run too).
    logging.getLogger("hyperscout").setLevel(logging.WARNING)
    cells = [(s, n) for s in args.storages for n in sorted(set(args.trials))]

    # Warm up both libraries on every storage kind (imports, SQLAlchemy's statement caches), untimed.
    for storage in args.storages:
        for library in LIBRARIES:
            run_once(library, storage, 5, SEED)

    runs: dict[tuple[str, str, int], list[Run]] = {}
    started = time.perf_counter()
    for rep in range(args.repeats):
        # Alternate which library goes first so slow drift of the machine does not favour one.
        order = LIBRARIES if rep % 2 == 0 else LIBRARIES[::-1]
        for storage, n in cells:
            for library in order:
                run = run_once(library, storage, n, SEED + rep)
                runs.setdefault((library, storage, n), []).append(run)
                _log(f"  run {rep + 1}/{args.repeats} {library:<10} {storage:<6} {n:>6} trials: "
                    f"{run.per_trial_ms:8.3f} ms/trial")  # fmt: skip

    def med(library: str, storage: str, n: int, what: Callable[[Run], float | None]) -> float | None:
        return _median([what(r) for r in runs[(library, storage, n)]])

    print(f"\n## Optimiser overhead per trial (median of {args.repeats}; random search, no-op objective)\n")
    print(_environment() + "\n")
    rows = []
    for storage, n in cells:
        h = med("hyperscout", storage, n, lambda r: r.per_trial_ms)
        o = med("optuna", storage, n, lambda r: r.per_trial_ms)
        rows.append([storage, f"{n:,}", _fmt(h), _fmt(o), _fmt(_ratio(h, o), 2)])
    print(_table(["storage", "n_trials", "hyperscout ms/trial", "optuna ms/trial", "ratio (hs/optuna)"], rows))

    tail_rows = []
    for storage, n in cells:
        if n < 2 * WINDOW:
            continue
        row = [storage, f"{n:,}"]
        for library in LIBRARIES:
            first = med(library, storage, n, lambda r: r.window_ms(first=True))
            last = med(library, storage, n, lambda r: r.window_ms(first=False))
            row += [_fmt(first), _fmt(last), _fmt(_ratio(last, first), 2)]
        tail_rows.append(row)
    if tail_rows:
        print(f"\n### Growth with study size: ms/trial of the first and the last {WINDOW} trials\n")
        header = ["storage", "n_trials"]
        for library in ("hs", "optuna"):
            header += [f"{library} first {WINDOW}", f"{library} last {WINDOW}", f"{library} last/first"]
        print(_table(header, tail_rows))

    verdict = None
    if (TARGET_STORAGE, TARGET_TRIALS) in cells:
        h = med("hyperscout", TARGET_STORAGE, TARGET_TRIALS, lambda r: r.per_trial_ms)
        o = med("optuna", TARGET_STORAGE, TARGET_TRIALS, lambda r: r.per_trial_ms)
        ratio = _ratio(h, o)
        verdict = ratio is not None and ratio <= TARGET_RATIO
        print(
            f"\nTarget (hyperscout ≤ {TARGET_RATIO:g} × optuna per trial on {TARGET_STORAGE} at {TARGET_TRIALS:,} "
            f"trials): {'MET' if verdict else 'NOT MET'} — {_fmt(h)} vs {_fmt(o)} ms/trial, ratio {_fmt(ratio, 2)}"
        )
    else:
        print(f"\nTarget not evaluated: it needs {TARGET_STORAGE} at {TARGET_TRIALS:,} trials in the run.")
    _log(f"(measured in {time.perf_counter() - started:.0f} s)")

    if args.profile:
        print(_profile(max(args.trials), args.top))
    return 1 if args.check and verdict is False else 0


if __name__ == "__main__":
    sys.exit(main())
