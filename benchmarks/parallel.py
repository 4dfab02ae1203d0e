"""Parallel runs: hyperscout's worker processes next to Optuna's parallel modes.

Three measurements, each on a fresh study (random search in both libraries, the same seed, no
progress bar, Optuna's logging at WARNING):

(a) **Speed-up of ``n_jobs=2``** on a CPU-bound pure-Python objective (a loop of integer
    arithmetic, calibrated to ``--trial-seconds``): the wall time of ``optimize(n_trials=N)``
    with ``n_jobs=1`` divided by that with ``n_jobs=2``, in memory (each library's default),
    for hyperscout (worker processes) and Optuna (``n_jobs`` runs threads). The wall time
    includes starting hyperscout's worker processes; the first ``n_jobs`` call of a process also
    starts the fork server (about one ``import hyperscout``), which its own column shows, and the
    speed-up is that of the later calls. Target: hyperscout ≥ 1.7×.
(b) **Trials per second** with a no-op objective (four suggestions, as ``overhead.py``) and 4
    workers on one database: hyperscout ``optimize(n_jobs=4)``; Optuna as its documentation
    advises for processes, 4 processes each running ``optimize`` on the shared study, and
    ``optimize(n_jobs=4)`` (threads) for reference. SQLite and, when reachable, PostgreSQL.
    ``wall`` is N / the whole run (process start-up included); ``steady`` counts the trials
    between the 10th and 90th percentile of completion times, over that stretch of time.
    Target: hyperscout's steady rate ≥ 3× Optuna's processes' on the same database.
(c) **Time per trial as the study grows**, on PostgreSQL: one hyperscout run of 5,000 no-op
    trials with 4 workers; the mean time between completions around trial 100 (trials 50–150)
    and at the end (the last 100). Target: flat (end / start ≤ 1.25).

Run it on demand, on a quiet machine (it is not part of the test suite; it needs the ``bench``
extra, and PostgreSQL for half of (b) and for (c))::

    python benchmarks/parallel.py                  # (a), (b), (c); a few minutes
    python benchmarks/parallel.py --only a         # one measurement (a, b or c; repeatable)
    python benchmarks/parallel.py --only b --databases postgresql   # (b) on one database
    python benchmarks/parallel.py --quick          # a smoke run: small sizes, seconds
    python benchmarks/parallel.py --postgresql postgresql+psycopg://user@host/db
    python benchmarks/parallel.py --check          # exit 1 when a target measured is missed

PostgreSQL defaults to ``$HS_BENCH_POSTGRESQL_URL``, else the test suite's
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; each run works in a schema of its own,
dropped at the end. A server that does not answer skips its rows, with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hyperscout as hs

# Kept light at import: worker processes import this module again (optuna is imported in functions).

TARGET_SPEEDUP = 1.7
TARGET_RATE_RATIO = 3.0
TARGET_GROWTH = 1.25
SEED = 12345
WORKERS = 4
DEFAULT_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# -- objectives (module level: worker processes import them) ---------------------------------------


def cpu_objective(trial: Any, work: int) -> float:
    """Pure-Python integer arithmetic: it holds the GIL the whole time, as most Python code does."""
    x = trial.suggest_float("x", -5.0, 5.0)
    acc = 0
    for i in range(work):
        acc = (acc + i * i) % 1_000_003
    return (x - 1.0) ** 2 + acc * 1e-12


def noop_objective(trial: Any) -> float:
    """No work: four suggestions and arithmetic (the objective of ``overhead.py``)."""
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    x = trial.suggest_float("x", -5.0, 5.0)
    depth = trial.suggest_int("depth", 1, 12)
    kind = trial.suggest_categorical("kind", ["linear", "rbf", "poly"])
    return (x - 1.0) ** 2 + 0.1 * math.log10(lr) ** 2 + 0.01 * depth + (kind == "rbf")


def calibrate(seconds: float) -> int:
    """Loop iterations of ``cpu_objective`` that take about ``seconds`` here."""

    class _T:
        def suggest_float(self, *a: Any, **k: Any) -> float:
            return 0.0

    work = 100_000
    t = time.perf_counter()
    cpu_objective(_T(), work)
    per = (time.perf_counter() - t) / work
    return max(int(seconds / per), 1000)


# -- helpers ------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """A markdown table: the first ``text_columns`` columns aligned left, the numbers right."""
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        cols = enumerate(zip(cells, widths, strict=True))
        return "| " + " | ".join(c.ljust(w) if i < text_columns else c.rjust(w) for i, (c, w) in cols) + " |"

    rules = (":" + "-" * (w + 1) if i < text_columns else "-" * (w + 1) + ":" for i, w in enumerate(widths))
    return "\n".join([line(header), "|" + "|".join(rules) + "|", *(line(r) for r in rows)])


def _optuna() -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _optuna_storage(url: str) -> Any:
    # A long lock timeout: with several processes on SQLite, Optuna's default fails with "database is locked".
    optuna = _optuna()
    kwargs = {"connect_args": {"timeout": 120}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def _completions(trials: list[Any]) -> list[float]:
    """Completion times (seconds since the epoch) of complete trials, sorted; works for both libraries."""
    out = []
    for t in trials:
        end = t.datetime_complete
        if end is not None and str(getattr(t.state, "name", t.state)).lower() == "complete":
            out.append(end.timestamp())
    return sorted(out)


def _steady_rate(ends: list[float]) -> float | None:
    """Trials per second between the 10th and the 90th percentile of completions (start-up excluded)."""
    n = len(ends)
    lo, hi = n // 10, (9 * n) // 10
    if hi - lo < 2 or ends[hi - 1] <= ends[lo]:
        return None
    return (hi - 1 - lo) / (ends[hi - 1] - ends[lo])


@contextlib.contextmanager
def _sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="hs-parallel-") as tmp:
        yield f"sqlite:///{os.path.join(tmp, 'bench.db')}"


@contextlib.contextmanager
def _postgresql_schema(base: str) -> Iterator[str]:
    """A URL whose tables live in a new schema, dropped afterwards (every study of the run shares it)."""
    import sqlalchemy as sa

    name = f"hs_bench_{int(time.time())}_{os.getpid()}"
    url = sa.engine.make_url(base)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        yield url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


def _reachable(url: str) -> str | None:
    """None when PostgreSQL at ``url`` answers, else why not."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as e:
        return str(getattr(e, "orig", e)).strip().splitlines()[0]


# -- (a) speed-up ------------------------------------------------------------------------------------


def _timed_optimize(library: str, n_trials: int, n_jobs: int, work: int) -> float:
    objective = functools.partial(cpu_objective, work=work)
    if library == "hyperscout":
        study: Any = hs.create_study(sampler=hs.samplers.RandomSampler(seed=SEED))
    else:
        optuna = _optuna()
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=SEED))
    t = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs, show_progress_bar=False)
    wall = time.perf_counter() - t
    if len(study.trials) != n_trials:
        raise RuntimeError(f"{library}: {len(study.trials)} trials instead of {n_trials}")
    return wall


def bench_speedup(n_trials: int, trial_seconds: float, repeats: int) -> tuple[str, dict[str, float]]:
    """Wall times of n_jobs=1 and 2; hyperscout's first parallel call, which also starts the fork
    server (one ``import hyperscout``, once per process), is shown apart from the later calls."""
    work = calibrate(trial_seconds)
    rows, speedups = [], {}
    for library in ("hyperscout", "optuna"):
        walls: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(repeats + (library == "hyperscout")):
            for n_jobs in (1, 2):
                _log(f"(a) {library} n_jobs={n_jobs}: {n_trials} trials of ~{trial_seconds:g} s (load {_load()})")
                walls[n_jobs].append(_timed_optimize(library, n_trials, n_jobs, work))
        first = ""
        if library == "hyperscout":
            first = f"{walls[2][0]:.2f} ({walls[1][0] / walls[2][0]:.2f}×)"
            walls[2] = walls[2][1:]  # the first call started the fork server
        one, two = min(walls[1]), min(walls[2])
        speedups[library] = one / two
        rows.append([library, f"{one:.2f}", f"{two:.2f}", f"{speedups[library]:.2f}×", first or "—"])
    table = _table(["library", "n_jobs=1 (s)", "n_jobs=2 (s)", "speed-up", "first n_jobs=2 call (s)"], rows)
    head = (
        f"### (a) n_jobs=2 on a CPU-bound objective: {n_trials} trials of ~{trial_seconds:g} s, best of {repeats}\n\n"
    )
    return head + table, speedups


# -- (b) throughput ----------------------------------------------------------------------------------


def _optuna_process(url: str, name: str, n_trials: int, seed: int) -> None:
    optuna = _optuna()
    study = optuna.load_study(
        study_name=name, storage=_optuna_storage(url), sampler=optuna.samplers.RandomSampler(seed)
    )
    study.optimize(noop_objective, n_trials=n_trials, show_progress_bar=False)


@dataclass
class Rate:
    wall: float  # trials per second over the whole run
    steady: float | None


def _rate_hyperscout(url: str, n_trials: int) -> Rate:
    study = hs.create_study(
        study_name=f"b-{uuid.uuid4().hex[:8]}", storage=url, sampler=hs.samplers.RandomSampler(seed=SEED)
    )
    t = time.perf_counter()
    study.optimize(noop_objective, n_trials=n_trials, n_jobs=WORKERS, show_progress_bar=False)
    wall = time.perf_counter() - t
    trials = study.trials
    if len(trials) != n_trials:
        raise RuntimeError(f"hyperscout: {len(trials)} trials instead of {n_trials}")
    return Rate(n_trials / wall, _steady_rate(_completions(trials)))


def _rate_optuna(url: str, n_trials: int, processes: bool) -> Rate:
    optuna = _optuna()
    name = f"b-{uuid.uuid4().hex[:8]}"
    storage = _optuna_storage(url)
    study = optuna.create_study(study_name=name, storage=storage, sampler=optuna.samplers.RandomSampler(SEED))
    t = time.perf_counter()
    if processes:
        ctx = multiprocessing.get_context("spawn")
        share = [n_trials // WORKERS + (i < n_trials % WORKERS) for i in range(WORKERS)]
        procs = [ctx.Process(target=_optuna_process, args=(url, name, k, SEED + i)) for i, k in enumerate(share)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
            if p.exitcode != 0:
                raise RuntimeError(f"an Optuna worker process exited with {p.exitcode}")
    else:
        study.optimize(noop_objective, n_trials=n_trials, n_jobs=WORKERS, show_progress_bar=False)
    wall = time.perf_counter() - t
    trials = study.get_trials(deepcopy=False)
    if len(trials) != n_trials:
        raise RuntimeError(f"optuna: {len(trials)} trials instead of {n_trials}")
    return Rate(n_trials / wall, _steady_rate(_completions(trials)))


def bench_rate(databases: dict[str, Callable[[], Any]], n_trials: int) -> tuple[str, dict[str, float]]:
    rows, ratios = [], {}
    for db, make in databases.items():
        with make() as url:
            _log(f"(b) {db}: hyperscout, {WORKERS} worker processes, {n_trials} trials (load {_load()})")
            h = _rate_hyperscout(url, n_trials)
            _log(f"(b) {db}: optuna, {WORKERS} processes (load {_load()})")
            op = _rate_optuna(url, n_trials, processes=True)
            _log(f"(b) {db}: optuna, n_jobs={WORKERS} threads (load {_load()})")
            ot = _rate_optuna(url, n_trials, processes=False)
        for label, r in ((f"hyperscout n_jobs={WORKERS}", h), (f"optuna {WORKERS} processes", op),
                         (f"optuna n_jobs={WORKERS} (threads)", ot)):  # fmt: skip
            rows.append([db, label, f"{r.wall:.1f}", f"{r.steady:.1f}" if r.steady else "—"])
        if h.steady and op.steady:
            ratios[db] = h.steady / op.steady
            rows.append([db, "hyperscout / optuna processes", f"{h.wall / op.wall:.1f}×", f"{ratios[db]:.1f}×"])
    table = _table(["database", "runner", "wall (trials/s)", "steady (trials/s)"], rows, text_columns=2)
    return f"### (b) trials per second, no-op objective, {WORKERS} workers, {n_trials} trials\n\n{table}", ratios


# -- (c) growth --------------------------------------------------------------------------------------


def bench_growth(url: str, n_trials: int) -> tuple[str, float | None]:
    _log(f"(c) postgresql: hyperscout, {WORKERS} worker processes, {n_trials} trials (load {_load()})")
    study = hs.create_study(
        study_name=f"c-{uuid.uuid4().hex[:8]}", storage=url, sampler=hs.samplers.RandomSampler(seed=SEED)
    )
    study.optimize(noop_objective, n_trials=n_trials, n_jobs=WORKERS, show_progress_bar=False)
    ends = _completions(study.trials)
    if len(ends) < 300:
        return "### (c) needs at least 300 trials", None
    start_ms = 1e3 * (ends[150] - ends[50]) / 100
    end_ms = 1e3 * (ends[-1] - ends[-101]) / 100
    growth = end_ms / start_ms
    rows = [["postgresql", f"{start_ms:.2f}", f"{end_ms:.2f}", f"{growth:.2f}"]]
    head = f"### (c) ms between completions as the study grows, {WORKERS} workers, {n_trials} trials\n\n"
    table = _table(["database", "around trial 100", f"last 100 (to {n_trials})", "end / start"], rows)
    return head + table, growth


# -- main --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=["a", "b", "c"], help="run only these measurements")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds each")
    parser.add_argument("--postgresql", default=os.environ.get("HS_BENCH_POSTGRESQL_URL", DEFAULT_POSTGRESQL))
    parser.add_argument("--trials-a", type=int, default=40, help="trials of (a) (default 40)")
    parser.add_argument("--trial-seconds", type=float, default=0.2, help="CPU time of one (a) trial (default 0.2)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each (a) cell; the best is kept (default 2)")
    parser.add_argument("--trials-b", type=int, default=1000, help="trials of (b) (default 1000)")
    parser.add_argument("--trials-c", type=int, default=5000, help="trials of (c) (default 5000)")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma list of the databases of (b): sqlite, postgresql (default both)",
    )
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a measured target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials_a, args.trial_seconds, args.repeats, args.trials_b, args.trials_c = 8, 0.05, 1, 200, 400
    only = set(args.only or ["a", "b", "c"])
    databases = {d.strip() for d in args.databases.split(",") if d.strip()}
    if not databases or databases - {"sqlite", "postgresql"}:
        parser.error(f"--databases takes sqlite and/or postgresql, not {args.databases!r}")
    optuna = _optuna()

    print("## Parallel runs: hyperscout next to Optuna\n")
    print(
        f"hyperscout {hs.__version__}, optuna {optuna.__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}, {os.cpu_count()} CPUs; load average before: {_load()}\n"
    )
    missed: list[str] = []
    pg_down = _reachable(args.postgresql) if ("b" in only and "postgresql" in databases) or "c" in only else None
    if pg_down:
        print(f"PostgreSQL at {args.postgresql} is not reachable ({pg_down}): its rows are skipped.\n")

    if "a" in only:
        text, speedups = bench_speedup(args.trials_a, args.trial_seconds, args.repeats)
        print(text + "\n")
        if speedups["hyperscout"] < TARGET_SPEEDUP:
            missed.append(f"(a) speed-up {speedups['hyperscout']:.2f}× < {TARGET_SPEEDUP}×")
    if "b" in only:
        dbs: dict[str, Callable[[], Any]] = {"sqlite": _sqlite_url} if "sqlite" in databases else {}
        if not pg_down and "postgresql" in databases:
            dbs["postgresql"] = functools.partial(_postgresql_schema, args.postgresql)
        text, ratios = bench_rate(dbs, args.trials_b)
        print(text + "\n")
        missed += [
            f"(b) {db}: {r:.1f}× Optuna < {TARGET_RATE_RATIO}×" for db, r in ratios.items() if r < TARGET_RATE_RATIO
        ]
    if "c" in only and not pg_down:
        with _postgresql_schema(args.postgresql) as url:
            text, growth = bench_growth(url, args.trials_c)
        print(text + "\n")
        if growth is not None and growth > TARGET_GROWTH:
            missed.append(f"(c) time per trial grew {growth:.2f}× > {TARGET_GROWTH}×")
    print(f"Load average after: {_load()}.")
    print("Targets: " + ("all met." if not missed else "missed: " + "; ".join(missed)))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
