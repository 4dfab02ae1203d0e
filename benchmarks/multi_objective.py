"""Several objectives: hyperscout's NSGA-II and TPE next to Optuna's, by hypervolume at a fixed reference point.

Problems (all minimised; ``PROBLEMS``):

* ``zdt1``, ``zdt2``, ``zdt3``: Zitzler, Deb and Thiele (2000), 2 objectives, 10 parameters in [0, 1] (the
  papers use 30; 10 keeps a run of 200 trials meaningful); reference point (1.1, 11).
* ``dtlz2``: Deb, Thiele, Laumanns and Zitzler (2002), 3 objectives, 7 parameters (k = 5); reference (2.5, 2.5, 2.5).
* ``tnk``: Tanaka et al. (1995), 2 objectives, 2 parameters in [0, π], 2 constraints (x² + y² − 1 −
  0.1 cos(16 atan(x / y)) ≥ 0 and (x − 0.5)² + (y − 0.5)² ≤ 0.5), written as Optuna's ``constraints_func``
  (feasible when <= 0) and given to every sampler; reference (1.2, 1.2).
* ``gardner``: one objective with one constraint, Gardner et al. (2014, "Bayesian optimization with inequality
  constraints", section 5.1): maximise cos(2x) cos(y) + sin(x) on [0, 6]² with cos(x) cos(y) − sin(x) sin(y) ≤ 0.5
  (optimum 2.0), minimised here as its negative; reference 2.0, so the "hypervolume" is 2 + the best feasible value.
* ``tree_size``: a real task, a decision tree on scikit-learn's breast cancer data (3-fold CV, fixed shuffled
  folds): the CV error against log10 of the mean number of nodes, over ``max_depth`` (1-20), ``min_samples_leaf``
  (1-64, log), ``ccp_alpha`` (1e-5-0.1, log) and ``max_features`` (0.1-1); reference (0.15, 2.0).
* ``forest_size``: a real task, a random forest on the same data and folds: the CV error against log10 of the
  total number of nodes of its trees (mean over folds), over ``n_estimators`` (1-64, log), ``max_depth`` (1-16),
  ``min_samples_leaf`` (1-32, log) and ``max_features`` (0.05-1); reference (0.15, 4.0).

Samplers (``SAMPLERS``): ``hs-nsga2`` (``NSGAIISampler(seed=s)``, population 50), ``hs-tpe`` (``TPESampler(seed=s)``,
which ``sampler="auto"`` picks for several objectives past 200 trials), ``hs-gp`` (``GPSampler(seed=s)``: log EHVI,
every other proposal a random weighting of the objectives; ``sampler="auto"``'s pick for 2-3 objectives up to 200
trials), ``optuna-nsga2``,
``optuna-tpe`` and ``optuna-gp`` (Optuna's, defaults, same seed; its GPSampler uses log EHVI too), each with the
problem's ``constraints_func`` where it has one. ``hs-auto`` is ``sampler="auto"`` (not run unless named: with the
same seed it proposes the trials of ``hs-gp`` or ``hs-tpe``, whichever it hands the study to). The count line
"hyperscout's default" judges each cell by hs-auto's column, else by that of the sampler auto would use for the
whole study (``_default_column``), against the best Optuna sampler. Two baselines, not counted as hyperscout's:
``random`` (``RandomSampler``) and ``gp-blind`` (``GPSampler`` that is not told the constraints, as it was before it
modelled them); for both, feasibility is computed afterwards from the same constraint values.

Each (problem, sampler, seed) is one study of the largest budget; the hypervolume at each smaller budget is that of
its first trials (none of these samplers knows the budget). Hypervolume: of the feasible complete trials, exact
(``hyperscout._multi_objective.hypervolume``). The table gives the median over seeds (and the interquartile range).
Seeds 100-109: the NSGA-II defaults were chosen on seeds 0-2 of other runs (see ``NSGAIISampler``).

Run it on demand (not part of the test suite; needs optuna)::

    nice python benchmarks/multi_objective.py                       # 10 seeds x 50 and 200 trials
    nice python benchmarks/multi_objective.py --seeds 3 --problems zdt1,tnk
    python benchmarks/multi_objective.py --from results.json        # re-print a saved run
    python benchmarks/multi_objective.py --from results.json --compact small.json  # keep hypervolumes only
    python benchmarks/multi_objective.py --from gp.json --also earlier.json   # one table from two runs
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import hyperscout as hs
from hyperscout._multi_objective import hypervolume
from hyperscout.trial import constraint_violation

Objective = Callable[[Any], tuple[float, ...]]


def _zdt(kind: int, d: int = 10) -> Objective:
    def objective(trial: Any) -> tuple[float, ...]:
        x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(d)])
        f1 = float(x[0])
        g = 1.0 + 9.0 * float(x[1:].mean())
        if kind == 1:
            h = 1.0 - math.sqrt(f1 / g)
        elif kind == 2:
            h = 1.0 - (f1 / g) ** 2
        else:
            h = 1.0 - math.sqrt(f1 / g) - (f1 / g) * math.sin(10.0 * math.pi * f1)
        return f1, g * h

    return objective


def _dtlz2(trial: Any) -> tuple[float, ...]:
    x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(7)])
    g = float(((x[2:] - 0.5) ** 2).sum())
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return (1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)


def _tnk(trial: Any) -> tuple[float, ...]:
    x = trial.suggest_float("x", 1e-6, math.pi)
    y = trial.suggest_float("y", 1e-6, math.pi)
    c1 = -(x * x + y * y - 1.0 - 0.1 * math.cos(16.0 * math.atan(x / y)))
    c2 = (x - 0.5) ** 2 + (y - 0.5) ** 2 - 0.5
    trial.set_user_attr("constraints", [c1, c2])
    return x, y


def _tnk_constraints(trial: Any) -> list[float]:
    return list(trial.user_attrs["constraints"])


def _gardner(trial: Any) -> tuple[float, ...]:
    x = trial.suggest_float("x", 0.0, 6.0)
    y = trial.suggest_float("y", 0.0, 6.0)
    trial.set_user_attr("constraints", [math.cos(x) * math.cos(y) - math.sin(x) * math.sin(y) - 0.5])
    return (-(math.cos(2.0 * x) * math.cos(y) + math.sin(x)),)


@functools.lru_cache(maxsize=1)
def _breast_cancer() -> tuple[Any, Any, list[Any]]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import StratifiedKFold

    x, y = load_breast_cancer(return_X_y=True)
    return x, y, list(StratifiedKFold(3, shuffle=True, random_state=0).split(x, y))


def _error_and_size(build: Callable[[], Any], size: Callable[[Any], int]) -> tuple[float, float]:
    """The two objectives of the real tasks: a model's mean CV error on breast cancer (the fixed folds of
    ``_breast_cancer``) and log10 of its mean size (``size`` of each fold's fitted model, in nodes)."""
    x, y, folds = _breast_cancer()
    errors, nodes = [], []
    for train, test in folds:
        model = build().fit(x[train], y[train])
        errors.append(1.0 - model.score(x[test], y[test]))
        nodes.append(size(model))
    return float(np.mean(errors)), math.log10(float(np.mean(nodes)))


def _tree_size(trial: Any) -> tuple[float, ...]:
    from sklearn.tree import DecisionTreeClassifier

    params = {
        "max_depth": trial.suggest_int("max_depth", 1, 20),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 64, log=True),
        "ccp_alpha": trial.suggest_float("ccp_alpha", 1e-5, 0.1, log=True),
        "max_features": trial.suggest_float("max_features", 0.1, 1.0),
    }
    return _error_and_size(lambda: DecisionTreeClassifier(random_state=0, **params), lambda m: m.tree_.node_count)


def _forest_size(trial: Any) -> tuple[float, ...]:
    from sklearn.ensemble import RandomForestClassifier

    params = {
        "n_estimators": trial.suggest_int("n_estimators", 1, 64, log=True),
        "max_depth": trial.suggest_int("max_depth", 1, 16),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 32, log=True),
        "max_features": trial.suggest_float("max_features", 0.05, 1.0),
    }
    return _error_and_size(
        lambda: RandomForestClassifier(random_state=0, n_jobs=1, **params),
        lambda m: sum(t.tree_.node_count for t in m.estimators_),
    )


#: name -> (objective, number of objectives, reference point, constraints function or None)
PROBLEMS: dict[str, tuple[Objective, int, tuple[float, ...], Any]] = {
    "zdt1": (_zdt(1), 2, (1.1, 11.0), None),
    "zdt2": (_zdt(2), 2, (1.1, 11.0), None),
    "zdt3": (_zdt(3), 2, (1.1, 11.0), None),
    "dtlz2": (_dtlz2, 3, (2.5, 2.5, 2.5), None),
    "tnk": (_tnk, 2, (1.2, 1.2), _tnk_constraints),
    "gardner": (_gardner, 1, (2.0,), _tnk_constraints),
    "tree_size": (_tree_size, 2, (0.15, 2.0), None),
    "forest_size": (_forest_size, 2, (0.15, 4.0), None),
}


def _run_hs(name: str, seed: int, objective: Objective, m: int, cons: Any, n: int) -> list[dict[str, Any]]:
    if name == "hs-auto":  # the default sampler, told the constraints through the study as a user would
        study = hs.create_study(directions=["minimize"] * m, sampler="auto", seed=seed, constraints_func=cons)
        study.optimize(objective, n_trials=n, show_progress_bar=False)
        return [
            {"values": list(t.values) if t.values else None, "feasible": constraint_violation(t) <= 0}
            for t in study.trials
        ]
    if name in ("random", "gp-blind"):  # baselines that do not see the constraints; judged by them afterwards
        sampler: Any = hs.samplers.RandomSampler(seed=seed) if name == "random" else hs.samplers.GPSampler(seed=seed)
        study = hs.create_study(directions=["minimize"] * m, sampler=sampler)
        study.optimize(objective, n_trials=n, show_progress_bar=False)
        return [
            {"values": list(t.values) if t.values else None, "feasible": cons is None or all(c <= 0 for c in cons(t))}
            for t in study.trials
        ]
    make = {"hs-nsga2": hs.samplers.NSGAIISampler, "hs-gp": hs.samplers.GPSampler}.get(name, hs.samplers.TPESampler)
    study = hs.create_study(directions=["minimize"] * m, sampler=make(seed=seed, constraints_func=cons))
    study.optimize(objective, n_trials=n, show_progress_bar=False)
    return [
        {"values": list(t.values) if t.values else None, "feasible": constraint_violation(t) <= 0} for t in study.trials
    ]


def _run_optuna(name: str, seed: int, objective: Objective, m: int, cons: Any, n: int) -> list[dict[str, Any]]:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    make = {"optuna-nsga2": optuna.samplers.NSGAIISampler, "optuna-gp": optuna.samplers.GPSampler}.get(
        name, optuna.samplers.TPESampler
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constraints_func is deprecated in Optuna 5 but still works
        study = optuna.create_study(directions=["minimize"] * m, sampler=make(seed=seed, constraints_func=cons))
        study.optimize(objective, n_trials=n)
    out = []
    for t in study.trials:
        c = t.system_attrs.get("constraints")
        out.append({"values": t.values, "feasible": c is None or all(v <= 0 for v in c)})
    return out


SAMPLERS = {
    "hs-auto": _run_hs,
    "hs-nsga2": _run_hs,
    "hs-tpe": _run_hs,
    "hs-gp": _run_hs,
    "optuna-nsga2": _run_optuna,
    "optuna-tpe": _run_optuna,
    "optuna-gp": _run_optuna,
    "random": _run_hs,
    "gp-blind": _run_hs,
}


def _run_hv(run: dict[str, Any], ref: tuple[float, ...], n: int) -> float | None:
    """The run's hypervolume after ``n`` trials: saved (``--compact``), or computed from its trials; None when the
    run was shorter."""
    if "hv" in run:
        return float(run["hv"][str(n)]) if str(n) in run["hv"] else None
    return _hv(run["trials"], ref, n) if len(run["trials"]) >= n else None


def _feasible_share(run: dict[str, Any], n: int) -> float | None:
    """The share of trials 11 to ``n`` of the run that were feasible (after the samplers' start-up), if known."""
    if "share" in run:
        return run["share"].get(str(n))
    if "trials" not in run or len(run["trials"]) < n:
        return None
    return float(np.mean([t["feasible"] for t in run["trials"][10:n]]))


def _hv(trials: list[dict[str, Any]], ref: tuple[float, ...], n: int) -> float:
    pts = [t["values"] for t in trials[:n] if t["values"] is not None and t["feasible"]]
    return hypervolume(np.array(pts, dtype=float).reshape(-1, len(ref)), ref) if pts else 0.0


_DEFAULT_NOTE = "hs-auto, or the column of the sampler it hands the whole study to"


def _default_column(problem: str, n: int, med: dict[str, float]) -> str | None:
    """The column that stands for ``sampler="auto"`` in a cell of ``n`` trials of ``problem``, if the table has it.

    ``hs-auto`` when run. Otherwise the sampler that ``AutoSampler`` uses for every trial of such a
    study: on these numeric, unconditional spaces, the GP while it would fit fewer than
    ``gp_max_trials`` trials (so for all of a study of at most that many) with one to three
    objectives, TPE for more objectives (CMA-ES past the GP with one objective, not met here).
    With the same seed it proposes the same trials as that sampler alone.
    """
    if "hs-auto" in med:
        return "hs-auto"
    m = PROBLEMS[problem][1]
    if m > 3:
        pick = "hs-tpe"
    elif n <= hs.samplers.AutoSampler().gp_max_trials:
        pick = "hs-gp"
    else:
        pick = "hs-tpe" if m > 1 else ""
    return pick if pick in med else None


def _table(results: dict[str, Any], budgets: list[int]) -> str:
    problems = list(dict.fromkeys(r["problem"] for r in results["runs"]))
    samplers = list(dict.fromkeys(r["sampler"] for r in results["runs"]))
    lines = [
        "median hypervolume over seeds [interquartile range]; higher is better; seconds: median wall time per study",
        "",
        "| problem | trials | " + " | ".join(samplers) + " | best |",
        "|:--|--:|" + "--:|" * len(samplers) + ":--|",
    ]
    wins = 0
    cells = 0
    alone: dict[str, int] = {}
    verdicts: dict[str, list[str]] = {"ahead": [], "level": [], "behind": []}  # of the default sampler
    for p in problems:
        ref = tuple(PROBLEMS[p][2])
        for n in budgets:
            med = {}
            row = []
            for s in samplers:
                runs = [r for r in results["runs"] if r["problem"] == p and r["sampler"] == s]
                hv = [v for v in (_run_hv(r, ref, n) for r in runs) if v is not None]
                if not hv:  # not run on this problem, or not that long
                    row.append("-")
                    continue
                med[s] = float(np.median(hv))
                q1, q3 = np.percentile(hv, [25, 75])
                row.append(f"{med[s]:.3f} [{q1:.3f}, {q3:.3f}]" + (f" ({len(hv)} seeds)" if len(hv) != 10 else ""))
            if not med:  # no run of this problem reached this budget
                continue
            best = max(med, key=lambda s: med[s])
            peers = [s for s in med if s.startswith("optuna")]
            ours = [s for s in med if s.startswith("hs")]
            if peers and ours:
                # Ahead means ahead at the precision printed: a tie to 3 decimals (both at the optimum) is no win.
                top = round(max(med[s] for s in peers), 3)
                cells += 1
                wins += round(max(med[s] for s in ours), 3) > top
                for s in ours:
                    alone[s] = alone.get(s, 0) + (round(med[s], 3) > top)
                default = _default_column(p, n, med)
                if default is not None:
                    mine = round(med[default], 3)
                    verdict = "ahead" if mine > top else "level" if mine == top else "behind"
                    verdicts[verdict].append(f"{p}@{n}")
            lines.append(f"| {p} | {n} | " + " | ".join(row) + f" | {best} |")
    lines += ["", f"a hyperscout sampler ahead of every Optuna sampler in {wins} of {cells} problem x budget cells"]
    lines += [f"{s} alone ahead of every Optuna sampler in {k} of {cells} cells" for s, k in alone.items()]
    judged = sum(map(len, verdicts.values()))
    if judged:
        lines.append(
            f'hyperscout\'s default (sampler="auto"; {_DEFAULT_NOTE}) against the best Optuna sampler, '
            f"{judged} cells: " + "; ".join(f"{k} in {len(v)} ({', '.join(v) or '-'})" for k, v in verdicts.items())
        )
    secs = {}
    for s in samplers:
        secs[s] = float(np.median([r["seconds"] for r in results["runs"] if r["sampler"] == s]))
    lines.append("median seconds per study: " + ", ".join(f"{s} {v:.1f}" for s, v in secs.items()))
    for p in problems:
        if PROBLEMS[p][3] is None:
            continue
        for n in budgets:
            shares = {}
            for s in samplers:
                got = [_feasible_share(r, n) for r in results["runs"] if r["problem"] == p and r["sampler"] == s]
                known = [v for v in got if v is not None]
                if known:
                    shares[s] = float(np.mean(known))
            if shares:
                text = ", ".join(f"{s} {100 * v:.0f}%" for s, v in shares.items())
                lines.append(f"{p}, trials 11-{n}: mean share feasible: {text}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=100, help="seeds first-seed, first-seed + 1, ...")
    parser.add_argument("--budgets", default="50,200")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    # hs-auto runs the GP or TPE of the other hyperscout columns (same seed, same trials): not by default.
    parser.add_argument("--samplers", default=",".join(s for s in SAMPLERS if s != "hs-auto"))
    parser.add_argument("--out", default="multi_objective_results.json")
    parser.add_argument("--from", dest="source", default=None, help="re-print the table of a saved run")
    parser.add_argument("--compact", default=None, help="with --from: save the run without its trials, here")
    parser.add_argument("--also", default=None, help="with --from: saved runs (comma-separated files) to add")
    parser.add_argument("--at", default=None, help="with --from: the budgets to tabulate (default: the saved ones)")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    if args.source:
        with open(args.source) as f:
            results = json.load(f)
        for extra in args.also.split(",") if args.also else []:
            with open(extra) as f:
                more = json.load(f)
            # A run of a larger budget holds the smaller ones; a shorter run is left out of the larger budgets.
            results["budgets"] = sorted(set(results["budgets"]) | set(more["budgets"]))
            seen = {(r["problem"], r["sampler"], r["seed"]) for r in results["runs"]}
            results["runs"] += [r for r in more["runs"] if (r["problem"], r["sampler"], r["seed"]) not in seen]
        if args.compact:
            for r in results["runs"]:
                ref = tuple(PROBLEMS[r["problem"]][2])
                r["hv"] = {str(n): v for n in results["budgets"] if (v := _run_hv(r, ref, n)) is not None}
                r["share"] = {str(n): v for n in results["budgets"] if (v := _feasible_share(r, n)) is not None}
                r.pop("trials", None)
            with open(args.compact, "w") as f:
                json.dump(results, f, indent=0)
        print(_table(results, [int(b) for b in args.at.split(",")] if args.at else results["budgets"]))
        return
    hs.logging.set_verbosity(logging.WARNING)
    results: dict[str, Any] = {"budgets": budgets, "runs": []}
    for p in args.problems.split(","):
        objective, m, _, cons = PROBLEMS[p]
        for s in args.samplers.split(","):
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                t0 = time.perf_counter()
                trials = SAMPLERS[s](s, seed, objective, m, cons, max(budgets))
                took = time.perf_counter() - t0
                results["runs"].append({"problem": p, "sampler": s, "seed": seed, "seconds": took, "trials": trials})
                print(f"{p} {s} seed {seed}: {took:.1f}s", flush=True)
                with open(args.out, "w") as f:  # after every study: a long run stopped early keeps what it did
                    json.dump(results, f)
    print(_table(results, budgets))


if __name__ == "__main__":
    main()
