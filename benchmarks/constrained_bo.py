"""Bayesian optimisation under an unknown constraint: hyperscout against bayesian-optimization 3.

Two problems to maximise under ``c(x) <= ub``, each run from 10 seeds with 5 quasi-random (or
random) points then 15 chosen by the model:

* ``plane-disk``: ``x + y`` on the unit square with ``x^2 + y^2 <= 0.5``; the optimum, 1.0 at
  (0.5, 0.5), sits on the edge of the disk and the unconstrained one, (1, 1), is infeasible;
* ``bayes-opt-doc``: bayesian-optimization's constrained example, ``cos(2x) cos(y) + sin(x)`` on
  ``[0, 6]^2`` with ``cos(x) cos(y) - sin(x) sin(y) <= 0.5`` (optimum 2.0).

Rows: ``hyperscout`` (``constraint=``: the acquisition is weighted by the probability of
feasibility), ``hyperscout, constraint ignored`` (the same GP without the constraint's model,
``max`` still counted over feasible points) and ``bayes_opt`` (its ``constraint=``, with its
default acquisition for constrained problems, ``ExpectedImprovement(xi=0.01)``). Columns: the
median and worst best feasible value, the mean share of the 15 model-chosen points that were
feasible, and the median seconds per run. A run of bayes_opt that raised (it refuses to suggest
before a feasible point is known) counts in ``errors``.

    python benchmarks/constrained_bo.py            # ~3 min on 2 cores
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from scipy.optimize import NonlinearConstraint

import hyperscout as hs


def plane(x: float, y: float) -> float:
    return x + y


def disk(x: float, y: float) -> float:
    return x * x + y * y


def wave(x: float, y: float) -> float:
    return float(np.cos(2 * x) * np.cos(y) + np.sin(x))


def wave_c(x: float, y: float) -> float:
    return float(np.cos(x) * np.cos(y) - np.sin(x) * np.sin(y))


PROBLEMS = {
    "plane-disk": (plane, disk, 0.5, {"x": (0.0, 1.0), "y": (0.0, 1.0)}, 1.0),
    "bayes-opt-doc": (wave, wave_c, 0.5, {"x": (0.0, 6.0), "y": (0.0, 6.0)}, 2.0),
}


def run(method: str, problem: str, seed: int, init: int, n_iter: int) -> tuple[float | None, float, float]:
    f, c, ub, pbounds, _ = PROBLEMS[problem]
    start = time.perf_counter()
    if method == "bayes_opt":
        import bayes_opt

        opt = bayes_opt.BayesianOptimization(f, pbounds, constraint=NonlinearConstraint(c, -np.inf, ub),
                                             random_state=seed, verbose=0)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.maximize(init_points=init, n_iter=n_iter)
        points = [(float(r["target"]), bool(r["allowed"])) for r in opt.res]
    else:
        constraint = NonlinearConstraint(c, -np.inf, ub) if method == "hyperscout" else None
        ours = hs.BayesianOptimization(f, pbounds, constraint=constraint, random_state=seed)
        ours.maximize(init_points=init, n_iter=n_iter)
        points = [(float(r["target"]), c(**r["params"]) <= ub) for r in ours.res]
    seconds = time.perf_counter() - start
    best = max((t for t, ok in points if ok), default=None)
    share = float(np.mean([ok for _, ok in points[init:]])) if len(points) > init else float("nan")
    return best, share, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--init", type=int, default=5)
    parser.add_argument("--n-iter", type=int, default=15)
    args = parser.parse_args()
    print(f"{args.seeds} seeds, {args.init} initial points + {args.n_iter} chosen by the model\n")
    print("| problem | method | best feasible, median | worst | feasible share of chosen | s/run | errors |")
    print("|---|---|---|---|---|---|---|")
    for problem in PROBLEMS:
        for method in ("hyperscout", "hyperscout, constraint ignored", "bayes_opt"):
            bests, shares, secs, errors = [], [], [], 0
            for seed in range(args.seeds):
                try:
                    best, share, seconds = run(method, problem, seed, args.init, args.n_iter)
                except Exception:  # bayes_opt: "Cannot suggest a point without an allowed point"
                    errors += 1
                    continue
                bests.append(-np.inf if best is None else best)
                shares.append(share)
                secs.append(seconds)
            med = statistics.median(bests) if bests else float("nan")
            worst = min(bests) if bests else float("nan")
            print(f"| {problem} | {method} | {med:.4f} | {worst:.4f} | {np.mean(shares):.2f} | "
                  f"{statistics.median(secs):.2f} | {errors} |")  # fmt: skip


if __name__ == "__main__":
    main()
