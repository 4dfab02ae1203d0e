"""Side-by-side benchmark of hyperscout's model-based samplers (GP, TPE, forest, CMA-ES, auto) against other libraries.

Every (problem, optimiser, seed) runs with the same budget of evaluations in a worker process; the result tables
show, per problem, the median final regret (best value found minus the known minimum, see ``problems.py``) with its
interquartile range, each optimiser's mean rank, and each optimiser's own time per suggestion on Hartmann-6 (the GP
optimisers at 50, 100 and 200 trials; the other model-based ones at 100, 200 and 300). Raw results are saved as
JSON, so the tables can be printed again without re-running.

Run it on demand (not part of the test suite; needs ``pip install -e '.[bench]'``, and hyperopt and cmaes, which
Optuna's CmaEsSampler needs, while the extra does not list them)::

    python benchmarks/runner.py                          # everything: 10 seeds x budget 50 + timing (~1 hour)
    python benchmarks/runner.py --optimizers bo          # the BO table (issue 3) alone
    python benchmarks/runner.py --optimizers model-based # the TPE / forest / CMA-ES / auto table (issue 4) alone
    python benchmarks/runner.py --quick                  # 2 seeds x budget 15, no timing: a smoke check
    python benchmarks/runner.py --seeds 10 --budget 50 --problems branin,hartmann6 --optimizers hyperscout-gp,optuna-gp
    python benchmarks/runner.py --jobs 4 --out results.json --no-timing
    python benchmarks/runner.py --from results.json      # re-print the tables of a saved run
    python benchmarks/runner.py --reuse results.json --fresh hyperscout-gp --out new.json  # re-run one optimiser only
    python benchmarks/runner.py --reuse partial.json --out partial.json  # resume an interrupted run
    python benchmarks/runner.py --check                  # exit status 1 when a target below is missed

Optimisers (``OPTIMIZERS``; each a small adapter function, add one with ``@optimizer("name")``; ``PRESETS`` names
the ``bo`` and ``model-based`` groups for ``--optimizers``):

* ``hyperscout-auto``: ``hs.create_study(sampler="auto", seed=seed)``, what a user gets by default.
* ``hyperscout-gp``, ``hyperscout-tpe``, ``hyperscout-forest``, ``hyperscout-cmaes``, ``hyperscout-random``:
  ``hs.samplers.GPSampler``, ``TPESampler``, ``ForestSampler``, ``CmaEsSampler``, ``RandomSampler``, each
  ``(seed=seed)`` with its defaults, on an in-memory study. The class is looked up when the run starts, so a sampler
  that does not exist yet fails only its own runs (the report lists the error).
* ``optuna-gp``: ``optuna.samplers.GPSampler(seed=seed)``, defaults (10 random startup trials).
* ``optuna-tpe``: ``optuna.samplers.TPESampler(multivariate=False, seed=seed)``: independent TPE (10 random
  startup trials); Optuna 5.0 made multivariate the default for one objective, which is ``optuna-tpe-mv``.
* ``optuna-tpe-mv``: ``TPESampler(multivariate=True, seed=seed)``, plus ``group=True`` on a conditional problem, as
  Optuna's documentation recommends for conditional spaces: without it the joint model covers only the parameters
  every trial has (the classifier) and the others fall back to univariate TPE.
* ``optuna-cmaes``: ``optuna.samplers.CmaEsSampler(seed=seed)``, defaults. CMA-ES has no categorical parameters, so
  on the conditional problem every parameter falls back to its independent (random) sampler: that is the library's
  own behaviour, kept as a user would meet it.
* ``hyperopt-tpe``: ``hyperopt.fmin(..., algo=tpe.suggest, max_evals=budget, rstate=np.random.default_rng(seed))``,
  defaults (20 random startup trials); ``hp.uniform``/``hp.loguniform`` (natural-log bounds), hyperopt's own
  ``hp.uniformint`` and ``hp.qloguniform`` (q=1) for integers, and a nested ``hp.choice`` for a categorical with
  conditional children.
* ``skopt-gp``: ``skopt.gp_minimize(..., n_calls=budget, random_state=seed)``, defaults (10 random initial points,
  ``gp_hedge`` acquisition, ``lbfgs`` acquisition optimiser, Gaussian noise), ``n_initial_points`` capped at the
  budget.
* ``skopt-forest``: ``skopt.forest_minimize(..., base_estimator="ET", n_calls=budget, random_state=seed)``, defaults
  (extra trees, 10 random initial points capped at the budget, EI over 10,000 random candidates).
* ``bayes_opt``: ``bayes_opt.BayesianOptimization`` maximising ``-f`` with ``random_state=seed``, its defaults
  otherwise (UCB with kappa=2.576, sklearn GP with a Matern-5/2 kernel), ``maximize(init_points=5,
  n_iter=budget - 5)``: 5 is the documented default of ``init_points``. ``allow_duplicate_points=True``, because
  with the default (``False``) the library raises ``NotUniqueError`` and ends the run when its acquisition proposes
  a point it has already evaluated; a duplicate costs one evaluation of the budget like any other, and the count of
  duplicates is kept in the run's ``notes``.

Parameters get each library's native handling: ``suggest_float/int(..., log=True)`` and ``suggest_categorical`` for
hyperscout and Optuna; ``Real``/``Integer(low, high, prior="log-uniform")`` and ``Categorical`` for scikit-optimize.
bayes_opt searches floats only: a log-scale parameter on ``log10(low)..log10(high)`` (the adapter passes
``10 ** v``, clipped to the bounds), an integer on ``[low - 0.5, high + 0.5]`` rounded (so every integer, the ends
too, gets the same share), a categorical with k choices on ``[0, k)`` floored. (bayes_opt 3 also takes integer and
categorical bounds itself, but calls them experimental and warns at every run.) Conditional parameters: hyperscout
and Optuna (define-by-run) ask only the active ones; scikit-optimize and bayes_opt (flat spaces) propose every
parameter and the problem ignores the inactive ones.

Time: a wrapper around the objective stamps the start and end of every evaluation. The optimiser's own time in a run
is the wall time of the whole run (from creating the study or optimiser object until the library returns) minus
the time spent inside the objective; the time of suggestion *i* is the gap between the end of evaluation *i - 1*
(or the start of the run) and the start of evaluation *i*: it covers recording the previous result, refitting the
model and maximising the acquisition. Each timing table (``TIMING_TABLES``) runs its optimisers once (seed 0) on
Hartmann-6 and shows the mean time of the 10 suggestions up to each checkpoint (e.g. 91-100).

Fairness and determinism: each worker limits BLAS/OpenMP/torch to one thread (``OMP_NUM_THREADS=1``, ...) so the
``--jobs`` workers do not compete for cores, and before its first run it does one short warm-up run of every
requested optimiser, so lazy imports (torch, Optuna's GP modules, ...) are not charged to the first timed run. The
timing runs go after all the others, one at a time in a fresh worker with nothing else running: a run next to another
one on a neighbouring core slows down by an amount that depends on what that one does (on this project's 2-core
machine, Optuna's time per suggestion at 100 trials went from 0.08 s to 0.15 s). Every run depends only on its seed
(and on hyperscout's source, see below). Library logging and warnings (Optuna's logger, hyperopt's, sklearn's
``ConvergenceWarning``, scikit-optimize's repeated-point warning, ...) are silenced in the workers.

Each run keeps a digest of hyperscout's source files as its worker imported them (``hyperscout_source``) and the
results keep the git commit (``+dirty`` with uncommitted changes): the report names them and warns when runs of one
table used different versions.

Regret of ``svc_digits`` and ``wine_conditional``: their minimum is unknown, so their cells show the best CV error.

Targets (printed under the tables, and checked by ``--check``; a target is left out when its subject was not run).
Mean ranks are those of the table, over all the problems of the run, except in target 1:

1. hyperscout-gp has the best (lowest) mean rank among the BO table's optimisers (``PRESETS["bo"]``) in the run;
2. its median final regret is no worse than optuna-gp's on all problems but one;
3. its time per suggestion at 100 trials on Hartmann-6 is at most optuna-gp's;
4. hyperscout-tpe has a better (lower) mean rank than optuna-tpe, optuna-tpe-mv and hyperopt-tpe;
5. its time per suggestion at 300 trials on Hartmann-6 is at most half of optuna-tpe-mv's;
6. hyperscout-forest has a better mean rank than skopt-forest;
7. hyperscout-auto has the best mean rank of all the optimisers in the run (judge it on a run of all of them).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
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
import re
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
    from .problems import PROBLEMS, Param, Problem
except ImportError:
    from problems import PROBLEMS, Param, Problem

# -- optimiser adapters ----------------------------------------------------------------------------------------------

#: ``evaluate(params)`` runs the problem on ``{name: value}``, records it and returns the value (to minimise).
Evaluate = Callable[[dict[str, Any]], float]
#: An adapter runs one optimisation of ``problem`` with ``seed``, calling ``evaluate`` exactly ``budget`` times, and
#: may return a dict of notes to keep with the run (e.g. a count of duplicate points).
Adapter = Callable[[Problem, int, int, Evaluate], dict[str, Any] | None]

#: Every optimiser by name, in the order of the table's columns.
OPTIMIZERS: dict[str, Adapter] = {}

#: Named groups for ``--optimizers``: the two tables of the issues, each runnable alone.
PRESETS: dict[str, tuple[str, ...]] = {
    "bo": ("hyperscout-gp", "hyperscout-random", "optuna-gp", "optuna-tpe", "skopt-gp", "bayes_opt"),
    "model-based": (
        "hyperscout-auto",
        "hyperscout-tpe",
        "hyperscout-forest",
        "hyperscout-cmaes",
        "hyperscout-random",
        "optuna-tpe",
        "optuna-tpe-mv",
        "optuna-cmaes",
        "hyperopt-tpe",
        "skopt-forest",
    ),
}


def optimizer(name: str) -> Callable[[Adapter], Adapter]:
    """Register an adapter under ``name`` (import the library inside the adapter, so a missing one only fails it)."""

    def register(adapter: Adapter) -> Adapter:
        if name in OPTIMIZERS:
            raise ValueError(f"optimizer {name!r} is registered twice")
        OPTIMIZERS[name] = adapter
        return adapter

    return register


_VARIANT = re.compile(r"^hyperscout-(auto|gp|tpe|forest|cmaes)\[(.*)\]$")
_VARIANT_CLASSES = {
    "auto": "AutoSampler",
    "gp": "GPSampler",
    "tpe": "TPESampler",
    "forest": "ForestSampler",
    "cmaes": "CmaEsSampler",
}


def variant(name: str) -> Adapter | None:
    """An adapter for a hyperscout sampler with options other than its defaults, or ``None`` for another name.

    ``hyperscout-gp[trust_region=True;n_startup_trials=8]`` runs ``GPSampler(seed=seed, trust_region=True,
    n_startup_trials=8)``: options as ``key=Python literal``, separated by ``;`` (a comma separates optimisers on the
    command line). For measuring one change at a time against the defaults, in the same tables.

    Example:
        >>> variant("hyperscout-gp[trust_region=True]") is not None, variant("optuna-gp") is None
        (True, True)
    """
    match = _VARIANT.match(name)
    if match is None:
        return None
    kwargs: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in match.group(2).split(";"))):
        key, _, value = part.partition("=")
        kwargs[key.strip()] = ast.literal_eval(value.strip())
    return _hyperscout_sampler(_VARIANT_CLASSES[match.group(1)], **kwargs)


def _define_by_run(problem: Problem, evaluate: Evaluate) -> Callable[[Any], float]:
    """An objective for hyperscout's and Optuna's ``study.optimize`` (same ``suggest_*`` signatures).

    It asks only the active parameters, in the problem's order, so a parent categorical is known before its children.
    """

    def objective(trial: Any) -> float:
        values: dict[str, Any] = {}
        for p in problem.params:
            if p.when is not None and values.get(p.when[0]) != p.when[1]:
                continue
            if p.kind == "categorical":
                values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
            elif p.kind == "int":
                values[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
            else:
                values[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
        return evaluate(values)

    return objective


def _cast(p: Param, value: Any) -> Any:
    """A value proposed by a library with a flat space, as a plain Python value of the parameter's kind."""
    if p.kind == "categorical":
        return p.choices[list(p.choices).index(value)]  # numpy strings -> the problem's own choice
    if p.kind == "int":
        return int(min(max(round(float(value)), p.low), p.high))
    return float(value)


def _hyperscout(sampler: Any, problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import hyperscout as hs

    study = hs.create_study(sampler=sampler, seed=seed)
    study.optimize(_define_by_run(problem, evaluate), n_trials=budget, catch=(), show_progress_bar=False)


def _hyperscout_sampler(name: str, **options: Any) -> Adapter:
    """An adapter for ``hs.samplers.<name>(seed=seed, **options)``, looked up at run time: a sampler not written yet
    (or broken at import) fails only its own runs."""

    def adapter(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
        import hyperscout as hs

        _hyperscout(getattr(hs.samplers, name)(seed=seed, **options), problem, seed, budget, evaluate)

    return adapter


def _optuna(sampler: Any, problem: Problem, budget: int, evaluate: Evaluate) -> None:
    import optuna

    study = optuna.create_study(sampler=sampler)
    study.optimize(_define_by_run(problem, evaluate), n_trials=budget)


@optimizer("hyperscout-auto")
def _hyperscout_auto(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    _hyperscout("auto", problem, seed, budget, evaluate)


optimizer("hyperscout-gp")(_hyperscout_sampler("GPSampler"))
optimizer("hyperscout-tpe")(_hyperscout_sampler("TPESampler"))
optimizer("hyperscout-forest")(_hyperscout_sampler("ForestSampler"))
optimizer("hyperscout-cmaes")(_hyperscout_sampler("CmaEsSampler"))
optimizer("hyperscout-random")(_hyperscout_sampler("RandomSampler"))


@optimizer("optuna-gp")
def _optuna_gp(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import optuna

    _optuna(optuna.samplers.GPSampler(seed=seed), problem, budget, evaluate)


@optimizer("optuna-tpe")
def _optuna_tpe(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import optuna

    # Independent (univariate) TPE. Since Optuna 5.0 the default is multivariate for one objective; that is
    # ``optuna-tpe-mv`` below.
    _optuna(optuna.samplers.TPESampler(multivariate=False, seed=seed), problem, budget, evaluate)


@optimizer("optuna-tpe-mv")
def _optuna_tpe_mv(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import optuna

    # Optuna's documentation recommends group=True for a conditional space: without it the joint model covers only
    # the parameters every trial has (here just the classifier) and all the others fall back to independent TPE.
    sampler = optuna.samplers.TPESampler(multivariate=True, group=problem.conditional, seed=seed)
    _optuna(sampler, problem, budget, evaluate)


@optimizer("optuna-cmaes")
def _optuna_cmaes(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    import optuna

    _optuna(optuna.samplers.CmaEsSampler(seed=seed), problem, budget, evaluate)


@optimizer("hyperopt-tpe")
def _hyperopt_tpe(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    from hyperopt import Trials, fmin, hp, tpe
    from hyperopt.pyll import scope

    def expression(p: Param) -> Any:
        if p.kind == "categorical":
            children = {c: [q for q in problem.params if q.when == (p.name, c)] for c in p.choices}
            if not any(children.values()):
                return hp.choice(p.name, list(p.choices))
            # Nested choice: each option is a dict of the choice and the expressions of its own parameters.
            return hp.choice(p.name, [{p.name: c, **{q.name: expression(q) for q in children[c]}} for c in p.choices])
        if p.kind == "int":
            if p.log:
                return scope.int(hp.qloguniform(p.name, math.log(p.low), math.log(p.high), 1))
            return hp.uniformint(p.name, int(p.low), int(p.high))
        if p.log:  # hyperopt's log scales take natural-log bounds
            return hp.loguniform(p.name, math.log(p.low), math.log(p.high))
        return hp.uniform(p.name, p.low, p.high)

    def flatten(sample: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
        for key, value in sample.items():
            if isinstance(value, dict):
                flatten(value, out)
            else:
                out[key] = value
        return out

    by_name = {p.name: p for p in problem.params}
    space = {p.name: expression(p) for p in problem.params if p.when is None}
    fmin(
        lambda sample: evaluate({k: _cast(by_name[k], v) for k, v in flatten(sample, {}).items()}),
        space,
        algo=tpe.suggest,
        max_evals=budget,
        trials=Trials(),
        rstate=np.random.default_rng(seed),
        verbose=False,
        show_progressbar=False,
    )


def _skopt_space(problem: Problem) -> tuple[list[Any], Callable[[list[Any]], dict[str, Any]]]:
    """scikit-optimize's dimensions for every parameter (a flat space), and the map from a point to params."""
    from skopt.space import Categorical, Integer, Real

    dims: list[Any] = []
    for p in problem.params:
        prior = "log-uniform" if p.log else "uniform"
        if p.kind == "categorical":
            dims.append(Categorical(list(p.choices), name=p.name))
        elif p.kind == "int":
            dims.append(Integer(int(p.low), int(p.high), prior=prior, name=p.name))
        else:
            dims.append(Real(p.low, p.high, prior=prior, name=p.name))

    def params(x: list[Any]) -> dict[str, Any]:
        return {p.name: _cast(p, v) for p, v in zip(problem.params, x, strict=True)}

    return dims, params


@optimizer("skopt-gp")
def _skopt_gp(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    from skopt import gp_minimize

    dims, params = _skopt_space(problem)
    gp_minimize(
        lambda x: evaluate(params(x)), dims, n_calls=budget, n_initial_points=min(10, budget), random_state=seed
    )


@optimizer("skopt-forest")
def _skopt_forest(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    from skopt import forest_minimize

    dims, params = _skopt_space(problem)
    forest_minimize(
        lambda x: evaluate(params(x)),
        dims,
        base_estimator="ET",
        n_calls=budget,
        n_initial_points=min(10, budget),
        random_state=seed,
    )


@optimizer("bayes_opt")
def _bayes_opt(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> dict[str, Any]:
    from bayes_opt import BayesianOptimization

    def bounds(p: Param) -> tuple[float, float]:
        if p.kind == "categorical":
            return 0.0, float(len(p.choices))
        # Widened by half a step so that rounding gives every integer, the ends included, the same share.
        low, high = (p.low - 0.5, p.high + 0.5) if p.kind == "int" else (p.low, p.high)
        return (math.log10(low), math.log10(high)) if p.log else (low, high)

    def value(p: Param, v: float) -> Any:
        if p.kind == "categorical":
            return p.choices[min(int(math.floor(v)), len(p.choices) - 1)]
        x = 10.0 ** float(v) if p.log else float(v)
        return int(min(max(math.floor(x + 0.5), p.low), p.high)) if p.kind == "int" else min(max(x, p.low), p.high)

    def target(**kwargs: float) -> float:
        return -evaluate({p.name: value(p, kwargs[p.name]) for p in problem.params})

    pbounds = {p.name: bounds(p) for p in problem.params}
    bo = BayesianOptimization(target, pbounds, random_state=seed, verbose=0, allow_duplicate_points=True)
    init_points = min(5, budget)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a line for every duplicate point
        bo.maximize(init_points=init_points, n_iter=budget - init_points)
    return {"duplicate_points": int(getattr(bo._space, "n_duplicate_points", 0))}


@optimizer("smac")
def _smac(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    # SMAC3 2.x's HPO facade (random forest surrogate, log EI, Sobol initial design), its defaults; deterministic=True
    # because every problem is a deterministic function (one evaluation per configuration, no re-runs on other
    # seeds). Runs from its own virtual environment where the main one lacks it (see benchmarks/README.md).
    from ConfigSpace import Categorical, ConfigurationSpace, EqualsCondition, Float, Integer
    from smac import HyperparameterOptimizationFacade, Scenario

    space = ConfigurationSpace(seed=seed)
    hps: dict[str, Any] = {}
    for p in problem.params:
        if p.kind == "categorical":
            hps[p.name] = Categorical(p.name, list(p.choices))
        elif p.kind == "int":
            hps[p.name] = Integer(p.name, (int(p.low), int(p.high)), log=p.log)
        else:
            hps[p.name] = Float(p.name, (p.low, p.high), log=p.log)
    space.add(list(hps.values()))
    space.add([EqualsCondition(hps[p.name], hps[p.when[0]], p.when[1]) for p in problem.params if p.when])
    by_name = {p.name: p for p in problem.params}

    def train(config: Any, seed: int = 0) -> float:
        return evaluate({k: _cast(by_name[k], v) for k, v in dict(config).items()})

    with tempfile.TemporaryDirectory() as folder:
        scenario = Scenario(space, deterministic=True, n_trials=budget, seed=seed, output_directory=folder)
        smac = HyperparameterOptimizationFacade(scenario, train, overwrite=True, logging_level=40)
        smac.optimize()


@optimizer("hebo")
def _hebo(problem: Problem, seed: int, budget: int, evaluate: Evaluate) -> None:
    # HEBO 0.3.6 with its defaults, one suggestion at a time. It draws from numpy's and torch's global generators
    # (and scrambles its Sobol initial design with ``scramble_seed``), so they are seeded here. A flat space: the
    # problem ignores inactive parameters.
    import random

    import torch
    from hebo.design_space.design_space import DesignSpace
    from hebo.optimizers.hebo import HEBO

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)

    def spec(p: Param) -> dict[str, Any]:
        if p.kind == "categorical":
            return {"name": p.name, "type": "cat", "categories": list(p.choices)}
        if p.kind == "int":
            return {"name": p.name, "type": "pow_int" if p.log else "int", "lb": int(p.low), "ub": int(p.high)}
        if p.log:
            return {"name": p.name, "type": "pow", "lb": p.low, "ub": p.high, "base": 10}
        return {"name": p.name, "type": "num", "lb": p.low, "ub": p.high}

    opt = HEBO(DesignSpace().parse([spec(p) for p in problem.params]), scramble_seed=seed)
    for _ in range(budget):
        rec = opt.suggest(n_suggestions=1)
        row = rec.iloc[0]
        y = evaluate({p.name: _cast(p, row[p.name]) for p in problem.params})
        opt.observe(rec, np.array([[y]]))


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
        adapter = OPTIMIZERS.get(optimizer_name) or variant(optimizer_name)
        if adapter is None:
            raise KeyError(f"unknown optimizer {optimizer_name!r}")
        notes = adapter(problem, seed, budget, rec) or {}
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
        "eval_times": [e - s for s, e in zip(rec.starts, rec.ends, strict=True)],
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
    # ERROR, not WARNING: on a conditional space Optuna's CmaEsSampler and multivariate TPE warn at every trial that
    # they sample a parameter independently; failures are kept in the results anyway.
    logging.getLogger("optuna").setLevel(logging.ERROR)
    logging.getLogger("hyperopt").setLevel(logging.ERROR)  # "build_posterior_wrapper took ..." at every trial
    logging.getLogger("hyperscout").setLevel(logging.ERROR)  # a line per finished trial, as Optuna's
    with contextlib.suppress(ImportError):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
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


@dataclasses.dataclass(frozen=True)
class TimingTable:
    """A timing table: one run of each optimiser (seed ``TIMING_SEED``) with ``budget`` trials on ``problem``,
    showing the mean time of the ``TIMING_WINDOW`` suggestions up to each checkpoint."""

    problem: str
    budget: int
    checkpoints: tuple[int, ...]
    optimizers: tuple[str, ...]


#: The GP optimisers at 200 trials (issue 3) and the other model-based ones at 300 (issue 4).
TIMING_TABLES = (
    TimingTable("hartmann6", 200, (50, 100, 200), ("hyperscout-gp", "optuna-gp", "skopt-gp", "bayes_opt")),
    TimingTable(
        "hartmann6", 300, (100, 200, 300), tuple(o for o in PRESETS["model-based"] if o != "hyperscout-random")
    ),
)
TIMING_WINDOW = 10
TIMING_SEED = 0
#: The subjects and rivals of the targets.
GP, GP_RIVAL = "hyperscout-gp", "optuna-gp"
TPE, TPE_RIVALS, TPE_TIME_RIVAL = "hyperscout-tpe", ("optuna-tpe", "optuna-tpe-mv", "hyperopt-tpe"), "optuna-tpe-mv"
FOREST, FOREST_RIVAL, AUTO = "hyperscout-forest", "skopt-forest", "hyperscout-auto"


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
    info = meta["problem_info"]
    unknown = ", ".join(p for p in problems if info[p]["optimum"] is None)
    out.append(
        f"Final regret after {meta['budget']} evaluations: median [25th-75th percentile] over {meta['seeds']} seeds "
        "(best value found minus the known minimum"
        + (f"; for {unknown}, whose minimum is unknown, the best value (a CV error) itself" if unknown else "")
        + "). Bold: the best median of the row.\n"
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
    rows = []
    for p in problems:
        best = min((m for o in optimizers if math.isfinite(m := facts["medians"][(p, o)])), default=math.nan)
        label = f"{p} ({len(info[p]['params'])}-d" + (", conditional)" if info[p].get("conditional") else ")")
        rows.append(
            [label]
            + [f"**{cells[(p, o)]}**" if facts["medians"][(p, o)] == best else cells[(p, o)] for o in optimizers]
        )
    facts["mean_rank"] = _mean_ranks(facts["medians"], problems, optimizers)
    rows.append(["**mean rank**"] + [f"{facts['mean_rank'][o]:.2f}" for o in optimizers])
    own = {o: [r["optimizer_time"] for r in runs if r["optimizer"] == o and r["error"] is None] for o in optimizers}
    rows.append(
        ["optimiser s/run (median)"] + [_fmt(float(np.median(own[o]))) if own[o] else "n/a" for o in optimizers]
    )
    out.append(_table(["problem", *optimizers], rows))

    timing = [r for r in data["runs"] if r.get("kind") == "timing"]
    for problem, budget in dict.fromkeys((r["problem"], r["budget"]) for r in timing):
        spec = [t for t in TIMING_TABLES if (t.problem, t.budget) == (problem, budget)]
        checkpoints = spec[0].checkpoints if spec else (budget,)
        out.append(
            f"\nOptimiser's own time per suggestion (seconds) on {problem}, one run of {budget} trials "
            f"(seed {TIMING_SEED}); mean over suggestions "
            + ", ".join(f"{c - TIMING_WINDOW + 1}-{c}" for c in checkpoints)
            + ".\n"
        )
        trows = []
        for r in timing:
            if (r["problem"], r["budget"]) != (problem, budget):
                continue
            row = [r["optimizer"]]
            for c in checkpoints:
                window = r["suggest_times"][c - TIMING_WINDOW : c]
                mean = float(np.mean(window)) if len(window) == TIMING_WINDOW else math.nan
                facts["timing"][(r["optimizer"], c)] = mean
                row.append(_fmt(mean))
            row.append(_fmt(r["optimizer_time"]) + (" (failed)" if r["error"] else ""))
            trows.append(row)
        out.append(_table(["optimiser", *(f"{c} trials" for c in checkpoints), "whole run (s)"], trows))

    out.append("\nTargets:\n")
    targets = _targets(problems, optimizers, facts)
    for text, met in targets:
        out.append(f"- {'MET' if met else ('NOT MET' if met is False else 'N/A')}: {text}")
    facts["targets"] = targets

    errors = [r for r in data["runs"] if r["error"]]
    notes = [r for r in data["runs"] if r.get("notes", {}).get("duplicate_points")]
    no_greenlet = GP_RIVAL in optimizers and meta.get("versions", {}).get("greenlet") == "not installed"
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
            f"- {GP_RIVAL} ran without the optional `greenlet` package (in `optuna[optional]`; SQLAlchemy >= 2.1 no "
            "longer pulls it in), so Optuna's GPSampler optimised its acquisition with sequential rather than "
            "batched L-BFGS-B, which Optuna warns may be slower."
        )
    failures: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in errors:  # one line per optimiser and error: a sampler not written yet fails every run the same way
        failures.setdefault((r["optimizer"], r["error"].strip().splitlines()[-1]), []).append(r)
    for (o, last), rs in failures.items():
        where = ", ".join(f"{r['problem']} (seed {r['seed']}) after {len(r['values'])}" for r in rs[:3])
        where += f" and {len(rs) - 3} more runs" if len(rs) > 3 else ""
        out.append(f"- {o} failed on {where}: {last}")
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


def _mean_ranks(medians: dict[tuple[str, str], float], problems: list[str], among: list[str]) -> dict[str, float]:
    """Each optimiser's rank of its median regret among ``among``, averaged over ``problems``."""
    if not problems:
        return {}
    total = dict.fromkeys(among, 0.0)
    for p in problems:
        for o, rank in zip(among, _ranks([medians[(p, o)] for o in among]), strict=True):
            total[o] += rank
    return {o: total[o] / len(problems) for o in among}


Target = tuple[str, bool | None]


def _best_rank(ours: str, ranks: dict[str, float], among: str) -> Target:
    others = {o: r for o, r in ranks.items() if o != ours}
    best_other = min(others.values(), default=math.inf)
    met = ranks[ours] <= best_other or math.isclose(ranks[ours], best_other)
    tied = [o for o, r in others.items() if math.isclose(r, ranks[ours])] if met else []
    text = f"{ours} has the best mean rank {among} ({ranks[ours]:.2f}; best other {best_other:.2f}"
    text += f", tied with {', '.join(tied)})" if tied else ")"
    return text, met


def _better_rank(ours: str, candidates: Iterable[str], ranks: dict[str, float]) -> Target:
    rivals = [o for o in candidates if o in ranks]
    if not rivals:
        return f"{ours} has a better mean rank than its rivals (none of them run)", None
    worse = [o for o in rivals if not (ranks[ours] < ranks[o] and not math.isclose(ranks[ours], ranks[o]))]
    text = f"{ours} has a better mean rank than {', '.join(rivals)} ({ranks[ours]:.2f} vs "
    text += ", ".join(f"{ranks[o]:.2f}" for o in rivals) + ")"
    return text, not worse


def _time_ratio(ours: str, rival: str, trials: int, ratio: float, facts: dict[str, Any]) -> Target:
    mine, theirs = facts["timing"].get((ours, trials)), facts["timing"].get((rival, trials))
    at_most = "at most " + (f"{ratio:g} times " if ratio != 1 else "") + f"{rival}'s"
    problem = next((t.problem for t in TIMING_TABLES if ours in t.optimizers), "?")
    text = f"{ours}'s time per suggestion at {trials} trials on {problem} is {at_most}"
    if mine is None or theirs is None or not math.isfinite(theirs):
        return f"{text} (timing of {ours} or {rival} not run or failed)", None
    if not math.isfinite(mine):  # our run failed or stopped early
        return f"{text} ({ours}'s timing run failed)", False
    return f"{text} ({_fmt(mine)} s vs {_fmt(theirs)} s)", mine <= ratio * theirs


def _targets(problems: list[str], optimizers: list[str], facts: dict[str, Any]) -> list[Target]:
    """The targets whose subject was run (a target of an optimiser not in the run is left out)."""
    ranks, medians = facts["mean_rank"], facts["medians"]
    out: list[Target] = []
    if GP in optimizers:
        # Ranked among the BO table's optimisers only: next to the model-based ones the best mean rank is AUTO's target.
        bo = [o for o in optimizers if o in PRESETS["bo"]]
        among = "among the optimisers run" if bo == optimizers else f"among the BO table's optimisers ({', '.join(bo)})"
        out.append(_best_rank(GP, _mean_ranks(medians, problems, bo), among))
        if GP_RIVAL in optimizers:
            wins = [p for p in problems if medians[(p, GP)] <= medians[(p, GP_RIVAL)]]
            losses = [p for p in problems if p not in wins]
            need = len(problems) - 1 if len(problems) > 1 else len(problems)
            text = f"{GP}'s median regret is no worse than {GP_RIVAL}'s on at least {need} of {len(problems)} "
            text += f"problems ({len(wins)} of {len(problems)}"
            text += f"; worse on {', '.join(losses)})" if losses else ")"
            out.append((text, len(wins) >= need))
        out.append(_time_ratio(GP, GP_RIVAL, 100, 1, facts))
    if TPE in optimizers:
        out.append(_better_rank(TPE, TPE_RIVALS, ranks))
        out.append(_time_ratio(TPE, TPE_TIME_RIVAL, 300, 0.5, facts))
    if FOREST in optimizers:
        out.append(_better_rank(FOREST, (FOREST_RIVAL,), ranks))
    if AUTO in optimizers:
        out.append(_best_rank(AUTO, ranks, "of all the optimisers run"))
    return out


# -- the command line ------------------------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    dists = ("hyperscout", "optuna", "torch", "greenlet", "cmaes", "hyperopt", "scikit-optimize")
    for dist in (*dists, "bayesian-optimization", "smac", "hebo", "scikit-learn", "scipy", "numpy"):
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


DEFAULT_OUT = "bench_results.json"


def _names(
    text: str | None, known: dict[str, Any], what: str, presets: dict[str, tuple[str, ...]] | None = None
) -> list[str]:
    """The names in a comma-separated list (all of ``known`` when ``None``), a preset standing for its members."""
    if text is None:
        return list(known)
    presets = presets or {}
    names: list[str] = []
    for name in (n.strip() for n in text.split(",")):
        names += presets.get(name, (name,)) if name else ()
    unknown = [n for n in names if n not in known and not (what == "optimizers" and variant(n))]
    if unknown:
        choices = ", ".join([*presets, *known])
        raise SystemExit(f"unknown {what}: {', '.join(unknown)}; choose from {choices}")
    return list(dict.fromkeys(names))  # a name in two presets counts once


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, help="seeds 0..N-1 per (problem, optimiser) (default 10; --quick 2)")
    parser.add_argument("--budget", type=int, help="evaluations per run (default 50; --quick 15)")
    parser.add_argument("--problems", help=f"comma-separated subset of {','.join(PROBLEMS)}")
    parser.add_argument(
        "--optimizers",
        help=f"comma-separated subset of {','.join(OPTIMIZERS)}, or a preset: "
        + "; ".join(f"{k} = {','.join(v)}" for k, v in PRESETS.items())
        + " (default: all)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke check: 2 seeds, budget 15, no timing")
    parser.add_argument(
        "--timing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time suggestions on Hartmann-6: the GP optimisers at 50/100/200 trials, the other model-based "
        "ones at 100/200/300 (default on, off with --quick)",
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"where to save raw results (default {DEFAULT_OUT})")
    parser.add_argument("--from", dest="from_", metavar="JSON", help="print the tables of saved results; run nothing")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument(
        "--reuse",
        metavar="JSON",
        help="take the runs already in these saved results (same problem, optimiser, seed and budget) instead of "
        "running them again: resumes an interrupted run, or with --fresh re-runs only some optimisers",
    )
    parser.add_argument(
        "--fresh",
        help="with --reuse: comma-separated optimisers (or presets) to run again all the same; 'timing': the "
        "timing runs",
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
    optimizers = _names(args.optimizers, OPTIMIZERS, "optimizers", PRESETS)
    if seeds < 1 or budget < 1 or args.jobs < 1:
        raise SystemExit("--seeds, --budget and --jobs must be positive")

    tasks: list[dict[str, Any]] = [
        {"kind": "main", "problem": p, "optimizer": o, "seed": s, "budget": budget}
        for p in problems
        for o in optimizers
        for s in range(seeds)
    ]
    if timing:
        tasks += [
            {"kind": "timing", "problem": t.problem, "optimizer": o, "seed": TIMING_SEED, "budget": t.budget}
            for t in TIMING_TABLES
            for o in t.optimizers
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
                    "params": [dataclasses.asdict(q) for q in PROBLEMS[p].params],
                    "conditional": PROBLEMS[p].conditional,
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
        if fresh - {"timing"}:  # exits on an unknown name; a preset stands for its members
            fresh |= set(_names(",".join(sorted(fresh - {"timing"})), OPTIMIZERS, "optimizers", PRESETS))

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
            f"{result['problem']:16} {result['optimizer']:17} seed={result['seed']:<2} "
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
