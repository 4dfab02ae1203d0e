"""Side-by-side benchmark of hyperscout's Bayesian optimisation against other libraries.

Every (problem, optimiser, seed) runs with the same budget of evaluations in a worker process; the result tables
show, per problem, the median final regret (best value found minus the known minimum, see ``problems.py``) with its
interquartile range, each optimiser's mean rank, and each optimiser's own time per suggestion on Hartmann-6 at 50,
100 and 200 trials. Raw results are saved as JSON, so the tables can be printed again without re-running.

Run it on demand (not part of the test suite; needs ``pip install -e '.[bench]'`` plus scikit-optimize,
bayesian-optimization and torch for Optuna's GPSampler)::

    python benchmarks/runner.py                          # 10 seeds x budget 50 + timing (tens of minutes)
    python benchmarks/runner.py --quick                  # 2 seeds x budget 15, no timing: a smoke check
    python benchmarks/runner.py --seeds 10 --budget 50 --problems branin,hartmann6 --optimizers hyperscout-gp,optuna-gp
    python benchmarks/runner.py --jobs 4 --out results.json --no-timing
    python benchmarks/runner.py --from results.json      # re-print the tables of a saved run
    python benchmarks/runner.py --reuse results.json --fresh hyperscout-gp --out new.json  # re-run one optimiser only
    python benchmarks/runner.py --reuse partial.json --out partial.json  # resume an interrupted run
    python benchmarks/runner.py --check                  # exit status 1 when a target below is missed

Optimisers (``OPTIMIZERS``; each a small adapter function, add one with ``@optimizer("name")``):

* ``hyperscout-gp``: ``hs.samplers.GPSampler(seed=seed)`` on an in-memory study (8 Sobol startup trials).
* ``hyperscout-random``: ``hs.samplers.RandomSampler(seed=seed)``.
* ``optuna-gp``: ``optuna.samplers.GPSampler(seed=seed)``, defaults (10 random startup trials).
* ``optuna-tpe``: ``optuna.samplers.TPESampler(seed=seed)``, defaults (10 random startup trials, univariate).
* ``skopt-gp``: ``skopt.gp_minimize(..., n_calls=budget, random_state=seed)``, defaults (10 random initial points,
  ``gp_hedge`` acquisition, ``lbfgs`` acquisition optimiser, Gaussian noise), ``n_initial_points`` capped at the
  budget.
* ``bayes_opt``: ``bayes_opt.BayesianOptimization`` maximising ``-f`` with ``random_state=seed``, its defaults
  otherwise (UCB with kappa=2.576, sklearn GP with a Matern-5/2 kernel), ``maximize(init_points=5,
  n_iter=budget - 5)``: 5 is the documented default of ``init_points``. ``allow_duplicate_points=True``, because
  with the default (``False``) the library raises ``NotUniqueError`` and ends the run when its acquisition proposes
  a point it has already evaluated; a duplicate costs one evaluation of the budget like any other, and the count of
  duplicates is kept in the run's ``notes``.

Log-scale parameters get each library's native handling: ``suggest_float(..., log=True)`` for hyperscout and
Optuna, ``Real(low, high, prior="log-uniform")`` for scikit-optimize. bayes_opt has none, so it searches
``log10(low)..log10(high)`` and the adapter passes ``10 ** v`` (clipped to the bounds) to the objective.

Time: a wrapper around the objective stamps the start and end of every evaluation. The optimiser's own time in a run
is the wall time of the whole run (from creating the study or optimiser object until the library returns) minus
the time spent inside the objective; the time of suggestion *i* is the gap between the end of evaluation *i - 1*
(or the start of the run) and the start of evaluation *i*: it covers recording the previous result, refitting the
model and maximising the acquisition. The timing table runs each of ``TIMING_OPTIMIZERS`` once (seed 0) with a
budget of 200 on Hartmann-6 and shows the mean time of suggestions 41-50, 91-100 and 191-200.

Fairness and determinism: each worker limits BLAS/OpenMP/torch to one thread (``OMP_NUM_THREADS=1``, ...) so the
``--jobs`` workers do not compete for cores, and before its first run it does one short warm-up run of every
requested optimiser, so lazy imports (torch, Optuna's GP modules, ...) are not charged to the first timed run. The
timing runs go after all the others, one at a time in a fresh worker with nothing else running: a run next to another
one on a neighbouring core slows down by an amount that depends on what that one does (on this project's 2-core
machine, Optuna's time per suggestion at 100 trials went from 0.08 s to 0.15 s). Every run depends only on its seed
(and on hyperscout's source, see below). Library logging and warnings (Optuna's logger, sklearn's
``ConvergenceWarning``, scikit-optimize's repeated-point warning, ...) are silenced in the workers.

Each run keeps a digest of hyperscout's source files as its worker imported them (``hyperscout_source``) and the
results keep the git commit (``+dirty`` with uncommitted changes): the report names them and warns when runs of one
table used different versions.

Regret of ``svc_digits``: its minimum is unknown, so its cells show the best 3-fold CV error itself.

Targets (printed under the tables, and checked by ``--check``):

1. hyperscout-gp has the best (lowest) mean rank;
2. its median final regret is no worse than optuna-gp's on at least 5 of the 6 problems;
3. its time per suggestion at 100 trials on Hartmann-6 is at most optuna-gp's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import importlib.util
import io
import json
import logging
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import metadata
from typing import Any

import numpy as np

try:  # ``python -m benchmarks.runner`` or ``python benchmarks/runner.py``
    from .problems import PROBLEMS, Problem
except ImportError:
    from problems import PROBLEMS, Problem

# -- optimiser adapters ----------------------------------------------------------------------------------------------

#: ``evaluate(params)`` runs the problem on ``{name: value}``, records it and returns the value (to minimise).
Evaluate = Callable[[dict[str, float]], float]
#: An adapter runs one optimisation of ``problem`` with ``seed``, calling ``evaluate`` exactly ``budget`` times, and
#: may return a dict of notes to keep with the run (e.g. a count of duplicate points).
Adapter = Callable[[Problem, int, int, Evaluate], dict[str, Any] | None]

#: Every optimiser by name, in the order of the table's columns.
OPTIMIZERS: dict[str, Adapter] = {}


def optimizer(name: str) -> Callable[[Adapter], Adapter]:
    """Register an adapter under ``name`` (import the library inside the adapter, so a missing one only fails it)."""

    def register(adapter: Adapter) -> Adapter:
        if name in OPTIMIZERS:
            raise ValueError(f"optimizer {name!r} is registered twice")
        OPTIMIZERS[name] = adapter
        return adapter

    return register


def _define_by_run(problem: Problem, evaluate: Evaluate) -> Callable[[Any], float]:
    """An objective for hyperscout's and Optuna's ``study.optimize`` (same ``suggest_float`` signature)."""

    def objective(trial: Any) -> float:
        return evaluate({p.name: trial.suggest_float(p.name, p.low, p.high, log=p.log) for p in problem.params})

    return objective


def _hyperscout(sampler: Any, problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import hyperscout as hs

    study = hs.create_study(sampler=sampler, seed=seed)
    study.optimize(_define_by_run(problem, evaluate), n_trials=budget, catch=(), show_progress_bar=False)


def _optuna(sampler: Any, problem: Problem, budget: int, evaluate: Evaluate) -> None:
    import optuna

    study = optuna.create_study(sampler=sampler)
    study.optimize(_define_by_run(problem, evaluate), n_trials=budget)


@optimizer("hyperscout-gp")
def _hyperscout_gp(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import hyperscout as hs

    _hyperscout(hs.samplers.GPSampler(seed=seed), problem, seed, budget, evaluate)


@optimizer("hyperscout-random")
def _hyperscout_random(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import hyperscout as hs

    _hyperscout(hs.samplers.RandomSampler(seed=seed), problem, seed, budget, evaluate)


@optimizer("optuna-gp")
def _optuna_gp(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import optuna

    _optuna(optuna.samplers.GPSampler(seed=seed), problem, budget, evaluate)


@optimizer("optuna-tpe")
def _optuna_tpe(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import optuna

    _optuna(optuna.samplers.TPESampler(seed=seed), problem, budget, evaluate)


@optimizer("skopt-gp")
def _skopt_gp(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    from skopt import gp_minimize
    from skopt.space import Real

    names = [p.name for p in problem.params]
    dims = [Real(p.low, p.high, prior="log-uniform" if p.log else "uniform", name=p.name) for p in problem.params]
    gp_minimize(
        lambda x: evaluate({k: float(v) for k, v in zip(names, x, strict=True)}),
        dims,
        n_calls=budget,
        n_initial_points=min(10, budget),
        random_state=seed,
    )


@optimizer("bayes_opt")
def _bayes_opt(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> dict[str, Any]:
    from bayes_opt import BayesianOptimization

    def value(p: Any, v: float) -> float:
        return min(max(10.0**v, p.low), p.high) if p.log else v

    def target(**kwargs: float) -> float:
        return -evaluate({p.name: value(p, kwargs[p.name]) for p in problem.params})

    pbounds = {p.name: (math.log10(p.low), math.log10(p.high)) if p.log else (p.low, p.high) for p in problem.params}
    bo = BayesianOptimization(target, pbounds, random_state=seed, verbose=0, allow_duplicate_points=True)
    init_points = min(5, budget)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a line for every duplicate point
        bo.maximize(init_points=init_points, n_iter=budget - init_points)
    return {"duplicate_points": int(getattr(bo._space, "n_duplicate_points", 0))}


# -- running one optimisation ----------------------------------------------------------------------------------------


class _Recorder:
    """The ``evaluate`` given to an adapter: runs the problem and stamps every evaluation."""

    def __init__(self, problem: Problem, budget: int) -> None:
        self.problem = problem
        self.budget = budget
        self.values: list[float] = []
        self.starts: list[float] = []
        self.ends: list[float] = []

    def __call__(self, params: dict[str, float]) -> float:
        if len(self.values) >= self.budget:
            raise RuntimeError(f"the optimiser asked for more than {self.budget} evaluations")
        start = time.perf_counter()
        value = self.problem(params)
        self.ends.append(time.perf_counter())
        self.starts.append(start)
        self.values.append(value)
        return value


def run_one(problem_name: str, optimizer_name: str, seed: int, budget: int) -> dict[str, Any]:
    """One optimisation run; a crash of the library is caught and kept in ``error`` with the values so far."""
    problem = PROBLEMS[problem_name]
    rec = _Recorder(problem, budget)
    error, notes = None, {}
    begin = time.perf_counter()
    try:
        notes = OPTIMIZERS[optimizer_name](problem, seed, budget, rec) or {}
    except Exception:
        error = traceback.format_exc()
    end = time.perf_counter()
    if error is None and len(rec.values) != budget:
        error = f"the optimiser stopped after {len(rec.values)} of {budget} evaluations"
    objective_time = sum(e - s for s, e in zip(rec.starts, rec.ends, strict=True))
    best = min(rec.values) if rec.values else None
    return {
        "problem": problem_name,
        "optimizer": optimizer_name,
        "seed": seed,
        "budget": budget,
        "values": rec.values,
        "best": best,
        "regret": problem.regret(best) if best is not None else None,
        "optimizer_time": (end - begin) - objective_time,
        "objective_time": objective_time,
        "suggest_times": [s - e for s, e in zip(rec.starts, [begin, *rec.ends], strict=False)],
        "error": error,
        "notes": notes,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


#: Environment for the workers, set before they import numpy/torch: one thread each.
_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def _silence() -> None:
    logging.getLogger("optuna").setLevel(logging.WARNING)
    with contextlib.suppress(ImportError):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    with contextlib.suppress(ImportError):
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.filterwarnings("ignore", message="The objective has been evaluated at point")  # skopt, repeated point
    warnings.simplefilter("ignore", FutureWarning)
    warnings.simplefilter("ignore", DeprecationWarning)


def _source_digest() -> str | None:
    """A digest of hyperscout's source files as they are now (the tree may be edited while a benchmark runs)."""
    spec = importlib.util.find_spec("hyperscout")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = list(spec.submodule_search_locations)[0]
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as f:
                digest.update(f.read() + b"\0")
    return digest.hexdigest()[:12]


#: The digest of hyperscout's source when this worker imported it; kept with every run.
_SOURCE: str | None = None


def _init_worker(optimizers: Iterable[str], warm_up: bool = True) -> None:
    """Per worker: one thread, quiet libraries, and a short untimed run of each optimiser to load its modules."""
    global _SOURCE
    for key, value in _THREAD_ENV.items():
        os.environ.setdefault(key, value)
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    with contextlib.suppress(ImportError):
        import torch

        torch.set_num_threads(1)
    _silence()
    with contextlib.suppress(ImportError):
        import hyperscout  # noqa: F401

        _SOURCE = _source_digest()
    if warm_up:
        for name in optimizers:
            run_one("branin", name, 0, 12)


def _run_task(task: dict[str, Any]) -> dict[str, Any]:
    result = run_one(task["problem"], task["optimizer"], task["seed"], task["budget"])
    return {**result, "kind": task["kind"], "hyperscout_source": _SOURCE}


# -- summarising -----------------------------------------------------------------------------------------------------

#: Trial counts of the timing table, the problem and the optimisers it measures.
TIMING_CHECKPOINTS = (50, 100, 200)
TIMING_WINDOW = 10
TIMING_PROBLEM = "hartmann6"
TIMING_OPTIMIZERS = ("hyperscout-gp", "optuna-gp", "skopt-gp", "bayes_opt")
TIMING_SEED = 0
OURS, RIVAL = "hyperscout-gp", "optuna-gp"


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.3g}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _ranks(values: list[float]) -> list[float]:
    """Ranks, 1 = smallest, ties share the mean of their ranks; NaN (every run failed) ranks last."""
    keyed = [v if math.isfinite(v) else math.inf for v in values]
    order = sorted(range(len(keyed)), key=lambda i: keyed[i])
    ranks = [0.0] * len(keyed)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and keyed[order[j + 1]] == keyed[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def summarise(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The markdown report of saved results, and the facts the targets are judged on."""
    runs = [r for r in data["runs"] if r.get("kind", "main") == "main"]
    problems = [p for p in data["meta"]["problems"] if any(r["problem"] == p for r in runs)]
    optimizers = [o for o in data["meta"]["optimizers"] if any(r["optimizer"] == o for r in runs)]
    out: list[str] = []
    facts: dict[str, Any] = {"medians": {}, "mean_rank": {}, "timing": {}}

    meta = data["meta"]
    out.append(
        f"Final regret after {meta['budget']} evaluations: median [25th-75th percentile] over "
        f"{meta['seeds']} seeds (best value found minus the known minimum; for svc_digits the best 3-fold CV error "
        "itself). Bold: the best median of the row.\n"
    )
    sources = sorted({r["hyperscout_source"] for r in data["runs"] if r.get("hyperscout_source")})
    out.append(
        f"Run {meta.get('created', '?')}; hyperscout {meta.get('versions', {}).get('hyperscout', '?')} at git "
        f"{meta.get('hyperscout_git') or '?'}, source digest {', '.join(sources) or '?'}; {meta.get('platform', '')}"
        + (f"; {meta['reused']['runs']} runs taken from {meta['reused']['from']}" if meta.get("reused") else "")
        + ".\n"
    )
    cells: dict[tuple[str, str], str] = {}
    for p in problems:
        for o in optimizers:
            group = [r for r in runs if r["problem"] == p and r["optimizer"] == o]
            ok = [r["regret"] for r in group if r["error"] is None and r["regret"] is not None]
            failed = len(group) - len(ok)
            med = float(np.median(ok)) if ok else math.nan
            facts["medians"][(p, o)] = med
            if ok:
                q1, q3 = np.percentile(ok, [25, 75])
                cells[(p, o)] = f"{_fmt(med)} [{_fmt(float(q1))}–{_fmt(float(q3))}]"
            else:
                cells[(p, o)] = "failed"
            if failed:
                cells[(p, o)] += f" ({failed}/{len(group)} failed)"
    rank_sum = dict.fromkeys(optimizers, 0.0)
    rows = []
    for p in problems:
        meds = [facts["medians"][(p, o)] for o in optimizers]
        for o, rank in zip(optimizers, _ranks(meds), strict=True):
            rank_sum[o] += rank
        best = min((m for m in meds if math.isfinite(m)), default=math.nan)
        dim = len(data["meta"]["problem_info"][p]["params"])
        rows.append(
            [f"{p} ({dim}-d)"]
            + [f"**{cells[(p, o)]}**" if facts["medians"][(p, o)] == best else cells[(p, o)] for o in optimizers]
        )
    facts["mean_rank"] = {o: rank_sum[o] / len(problems) for o in optimizers} if problems else {}
    rows.append(["**mean rank**"] + [f"{facts['mean_rank'][o]:.2f}" for o in optimizers])
    own = {o: [r["optimizer_time"] for r in runs if r["optimizer"] == o and r["error"] is None] for o in optimizers}
    rows.append(
        ["optimiser s/run (median)"] + [_fmt(float(np.median(own[o]))) if own[o] else "n/a" for o in optimizers]
    )
    out.append(_table(["problem", *optimizers], rows))

    timing = [r for r in data["runs"] if r.get("kind") == "timing"]
    if timing:
        out.append(
            f"\nOptimiser's own time per suggestion (seconds) on {TIMING_PROBLEM}, one run of "
            f"{max(r['budget'] for r in timing)} trials (seed {TIMING_SEED}); mean over suggestions "
            + ", ".join(f"{c - TIMING_WINDOW + 1}-{c}" for c in TIMING_CHECKPOINTS)
            + ".\n"
        )
        trows = []
        for r in timing:
            row = [r["optimizer"]]
            for c in TIMING_CHECKPOINTS:
                window = r["suggest_times"][c - TIMING_WINDOW : c]
                mean = float(np.mean(window)) if len(window) == TIMING_WINDOW else math.nan
                facts["timing"][(r["optimizer"], c)] = mean
                row.append(_fmt(mean))
            row.append(_fmt(r["optimizer_time"]) + (" (failed)" if r["error"] else ""))
            trows.append(row)
        out.append(_table(["optimiser", *(f"{c} trials" for c in TIMING_CHECKPOINTS), "whole run (s)"], trows))

    out.append("\nTargets:\n")
    targets = _targets(problems, optimizers, facts)
    for text, met in targets:
        out.append(f"- {'MET' if met else ('NOT MET' if met is False else 'N/A')}: {text}")
    facts["targets"] = targets

    errors = [r for r in data["runs"] if r["error"]]
    notes = [r for r in data["runs"] if r.get("notes", {}).get("duplicate_points")]
    no_greenlet = RIVAL in optimizers and meta.get("versions", {}).get("greenlet") == "not installed"
    busy = max((r.get("load_average") or 0.0 for r in timing), default=0.0)
    if errors or notes or no_greenlet or len(sources) > 1 or busy > 1.5:
        out.append("\nNotes:\n")
    if busy > 1.5:
        loads = ", ".join(f"{r['optimizer']} {r.get('load_average') or 0.0:.1f}" for r in timing)
        out.append(
            f"- the machine was busy during some timing runs (1-minute load average at the end of each: {loads}; "
            "one run alone makes it about 1): other processes competed for the cores, and the times per suggestion "
            "of the busy runs are inflated."
        )
    if len(sources) > 1:
        out.append(
            f"- the runs used {len(sources)} different versions of hyperscout's source ({', '.join(sources)}): it "
            "was edited during the benchmark, or runs were taken from an older file with --reuse."
        )
    if no_greenlet:
        out.append(
            f"- {RIVAL} ran without the optional `greenlet` package (in `optuna[optional]`; SQLAlchemy >= 2.1 no "
            "longer pulls it in), so Optuna's GPSampler optimised its acquisition with sequential rather than "
            "batched L-BFGS-B, which Optuna warns may be slower."
        )
    for r in errors:
        last = r["error"].strip().splitlines()[-1]
        out.append(f"- {r['optimizer']} on {r['problem']} (seed {r['seed']}) failed after {len(r['values'])}: {last}")
    if notes:
        by_opt: dict[str, list[int]] = {}
        for r in notes:
            by_opt.setdefault(r["optimizer"], []).append(r["notes"]["duplicate_points"])
        for o, counts in by_opt.items():
            out.append(
                f"- {o} evaluated an already-evaluated point again in {len(counts)} runs "
                f"({sum(counts)} duplicate evaluations in all, at most {max(counts)} in a run)"
            )
    return "\n".join(out), facts


def _targets(problems: list[str], optimizers: list[str], facts: dict[str, Any]) -> list[tuple[str, bool | None]]:
    ranks = facts["mean_rank"]
    if OURS in ranks:
        others = {o: r for o, r in ranks.items() if o != OURS}
        best_other = min(others.values(), default=math.inf)
        tied = [o for o, r in others.items() if r == ranks[OURS]]
        text = f"{OURS} has the best mean rank ({ranks[OURS]:.2f}; best other {best_other:.2f}"
        text += f", tied with {', '.join(tied)})" if tied else ")"
        t1: tuple[str, bool | None] = (text, ranks[OURS] <= best_other)
    else:
        t1 = (f"{OURS} has the best mean rank ({OURS} not run)", None)

    if OURS in optimizers and RIVAL in optimizers:
        wins = [p for p in problems if facts["medians"][(p, OURS)] <= facts["medians"][(p, RIVAL)]]
        losses = [p for p in problems if p not in wins]
        need = len(problems) - 1 if len(problems) > 1 else len(problems)
        text = f"{OURS}'s median regret is no worse than {RIVAL}'s on at least {need} of {len(problems)} problems "
        text += f"({len(wins)} of {len(problems)}" + (f"; worse on {', '.join(losses)})" if losses else ")")
        t2: tuple[str, bool | None] = (text, len(wins) >= need)
    else:
        t2 = (f"median regret vs {RIVAL} ({OURS} or {RIVAL} not run)", None)

    ours, theirs = facts["timing"].get((OURS, 100)), facts["timing"].get((RIVAL, 100))
    if ours is not None and theirs is not None and math.isfinite(ours) and math.isfinite(theirs):
        text = f"{OURS}'s time per suggestion at 100 trials on {TIMING_PROBLEM} is at most {RIVAL}'s "
        text += f"({_fmt(ours)} s vs {_fmt(theirs)} s)"
        t3: tuple[str, bool | None] = (text, ours <= theirs)
    else:
        t3 = (f"time per suggestion at 100 trials vs {RIVAL} (timing not run)", None)
    return [t1, t2, t3]


# -- the command line ------------------------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    dists = ("hyperscout", "optuna", "torch", "greenlet", "scikit-optimize", "bayesian-optimization", "scikit-learn")
    for dist in (*dists, "scipy", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _git() -> str | None:
    """The commit of the hyperscout checkout, "+dirty" when its source has uncommitted changes."""
    spec = importlib.util.find_spec("hyperscout")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = list(spec.submodule_search_locations)[0]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "."], cwd=root, capture_output=True, text=True)
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _save(data: dict[str, Any], path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _names(text: str | None, known: dict[str, Any], what: str) -> list[str]:
    if text is None:
        return list(known)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)}; choose from {', '.join(known)}")
    return names


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, help="seeds 0..N-1 per (problem, optimiser) (default 10; --quick 2)")
    parser.add_argument("--budget", type=int, help="evaluations per run (default 50; --quick 15)")
    parser.add_argument("--problems", help=f"comma-separated subset of {','.join(PROBLEMS)}")
    parser.add_argument("--optimizers", help=f"comma-separated subset of {','.join(OPTIMIZERS)}")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke check: 2 seeds, budget 15, no timing")
    parser.add_argument(
        "--timing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time suggestions on Hartmann-6 at 50/100/200 trials (default on, off with --quick)",
    )
    parser.add_argument("--out", default="bo_results.json", help="where to save raw results (default bo_results.json)")
    parser.add_argument("--from", dest="from_", metavar="JSON", help="print the tables of saved results; run nothing")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument(
        "--reuse",
        metavar="JSON",
        help="take the runs already in these saved results (same problem, optimiser, seed and budget) instead of "
        "running them again: resumes an interrupted run, or with --fresh re-runs only some optimisers",
    )
    parser.add_argument(
        "--fresh", help="with --reuse: comma-separated optimisers to run again all the same; 'timing': the timing runs"
    )
    args = parser.parse_args(argv)

    if args.from_:
        with open(args.from_) as f:
            data = json.load(f)
    else:
        data = _run(args)
    report, facts = summarise(data)
    print(report)
    if args.check and any(met is False for _, met in facts["targets"]):
        return 1
    return 0


def _execute(tasks: list[dict[str, Any]], jobs: int, done: Callable[[dict[str, Any]], None]) -> None:
    """Run ``tasks`` on a pool of ``jobs`` fresh worker processes, calling ``done`` with each result."""
    if not tasks:
        return
    for key, value in _THREAD_ENV.items():  # inherited by the workers before they import numpy or torch
        os.environ.setdefault(key, value)
    warm = (sorted({t["optimizer"] for t in tasks}),)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker, initargs=warm) as pool:
        for future in as_completed([pool.submit(_run_task, t) for t in tasks]):
            done(future.result())


def _key(run: dict[str, Any]) -> tuple[str, str, str, int, int]:
    return run.get("kind", "main"), run["problem"], run["optimizer"], run["seed"], run["budget"]


def _run(args: argparse.Namespace) -> dict[str, Any]:
    seeds = args.seeds if args.seeds is not None else (2 if args.quick else 10)
    budget = args.budget if args.budget is not None else (15 if args.quick else 50)
    timing = args.timing if args.timing is not None else not args.quick
    problems = _names(args.problems, PROBLEMS, "problems")
    optimizers = _names(args.optimizers, OPTIMIZERS, "optimizers")
    if seeds < 1 or budget < 1 or args.jobs < 1:
        raise SystemExit("--seeds, --budget and --jobs must be positive")

    tasks = [
        {"kind": "main", "problem": p, "optimizer": o, "seed": s, "budget": budget}
        for p in problems
        for o in optimizers
        for s in range(seeds)
    ]
    if timing:
        tasks += [
            {"kind": "timing", "problem": TIMING_PROBLEM, "optimizer": o, "seed": TIMING_SEED, "budget": 200}
            for o in TIMING_OPTIMIZERS
            if o in optimizers
        ]
    data: dict[str, Any] = {
        "meta": {
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "argv": sys.argv[1:],
            "seeds": seeds,
            "budget": budget,
            "jobs": args.jobs,
            "problems": problems,
            "optimizers": optimizers,
            "problem_info": {
                p: {
                    "params": [[q.name, q.low, q.high, q.log] for q in PROBLEMS[p].params],
                    "optimum": PROBLEMS[p].optimum,
                    "description": PROBLEMS[p].description,
                }
                for p in problems
            },
            "versions": _versions(),
            "hyperscout_git": _git(),
            "platform": f"{platform.platform()}, {os.cpu_count()} CPUs",
        },
        "runs": [],
    }
    order = {_key(t): i for i, t in enumerate(tasks)}
    if args.fresh and not args.reuse:
        raise SystemExit("--fresh needs --reuse")
    if args.reuse:
        fresh = {n.strip() for n in (args.fresh or "").split(",") if n.strip()}
        if fresh - {"timing"}:
            _names(",".join(sorted(fresh - {"timing"})), OPTIMIZERS, "optimizers")  # exits on an unknown name

        def stale(r: dict[str, Any]) -> bool:
            return r["error"] is not None or r["optimizer"] in fresh or ("timing" in fresh and r["kind"] == "timing")

        with open(args.reuse) as f:
            old = {_key(r): r for r in json.load(f)["runs"] if not stale(r)}
        data["runs"] = [old[_key(t)] for t in tasks if _key(t) in old]
        data["meta"]["reused"] = {"from": args.reuse, "runs": len(data["runs"])}
        tasks = [t for t in tasks if _key(t) not in old]
        _log(f"{len(data['runs'])} runs taken from {args.reuse}")
    total = len(data["runs"]) + len(tasks)
    _log(f"{len(tasks)} runs on {args.jobs} workers; results -> {args.out}")
    begin = time.perf_counter()

    def done(result: dict[str, Any]) -> None:
        data["runs"].append(result)
        _save(data, args.out)
        status = f"FAILED: {result['error'].strip().splitlines()[-1]}" if result["error"] else "ok"
        _log(
            f"[{len(data['runs'])}/{total} {time.perf_counter() - begin:6.0f}s] {result['kind']:6} "
            f"{result['problem']:11} {result['optimizer']:17} seed={result['seed']:<2} "
            f"regret={_fmt(result['regret']):>9} own={result['optimizer_time']:.2f}s {status}"
        )

    if args.jobs == 1:
        _init_worker(sorted({t["optimizer"] for t in tasks}))
        for task in tasks:
            done(_run_task(task))
    else:
        # The timing runs go last and one at a time: a run next to another one on a neighbouring core is slowed
        # down by an amount that depends on what that one does (shared caches, memory bandwidth, SMT siblings).
        _execute([t for t in tasks if t["kind"] != "timing"], args.jobs, done)
        _execute([t for t in tasks if t["kind"] == "timing"], 1, done)
    data["runs"].sort(key=lambda r: order[_key(r)])
    data["meta"]["wall_s"] = time.perf_counter() - begin
    _save(data, args.out)
    _log(f"done in {data['meta']['wall_s']:.0f}s; results saved to {args.out}")
    return data


if __name__ == "__main__":
    sys.exit(main())
