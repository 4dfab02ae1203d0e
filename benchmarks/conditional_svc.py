"""AutoSampler's conditional-space rule on the main job's objective: Auto against the GP and TPE alone.

The objective is ``examples/tune_svc_digits.py``'s: an SVC on scikit-learn's digits, kernel in
{rbf, poly, sigmoid}, log-scaled ``C`` and ``gamma``, and ``degree`` only for the polynomial kernel
(3-fold CV accuracy, maximised). Its space is conditional in the mildest way, one optional
parameter, unlike the runner's ``wine_conditional`` where each branch has parameters of its own. Auto
uses the GP until two fitted trials differ in their parameters, then TPE (rule 2); the GP alone is
what Auto did before that rule. Prints the median and mean best accuracy after 30 and 50 trials,
and a Wilcoxon signed-rank test of Auto against the GP, paired by seed.

Usage::

    python benchmarks/conditional_svc.py             # 20 seeds x 50 trials x 3 samplers, ~2 minutes on 2 cores
    python benchmarks/conditional_svc.py --seeds 5
"""

from __future__ import annotations

import argparse
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import cache

import numpy as np
from scipy.stats import wilcoxon
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import hyperscout as hs

X, Y = load_digits(return_X_y=True)
CHECKPOINTS = (30, 50)


@cache
def _accuracy(kernel: str, C: float, gamma: float, degree: int | None) -> float:
    params = {"C": C, "gamma": gamma} if degree is None else {"C": C, "gamma": gamma, "degree": degree}
    return float(cross_val_score(SVC(kernel=kernel, **params), X, Y, cv=3).mean())


def objective(trial: hs.Trial) -> float:
    kernel = trial.suggest_categorical("kernel", ["rbf", "poly", "sigmoid"])
    C = trial.suggest_float("C", 1e-2, 1e3, log=True)
    gamma = trial.suggest_float("gamma", 1e-5, 1e-1, log=True)
    degree = trial.suggest_int("degree", 2, 5) if kernel == "poly" else None
    return _accuracy(kernel, C, gamma, degree)


def _run(task: tuple[str, int]) -> tuple[str, int, list[float]]:
    name, seed = task
    warnings.filterwarnings("ignore")
    sampler = {"auto": hs.samplers.AutoSampler, "gp": hs.samplers.GPSampler, "tpe": hs.samplers.TPESampler}[name]
    study = hs.create_study(direction="maximize", sampler=sampler(seed=seed), seed=seed)
    study.optimize(objective, n_trials=max(CHECKPOINTS), show_progress_bar=False)
    best = np.maximum.accumulate([t.value for t in study.trials])
    return name, seed, [float(best[c - 1]) for c in CHECKPOINTS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    names, seeds = ("auto", "gp", "tpe"), range(args.seeds)
    best: dict[str, dict[int, list[float]]] = {n: {} for n in names}
    with ProcessPoolExecutor(args.jobs) as pool:
        for name, seed, values in pool.map(_run, [(n, s) for s in seeds for n in names]):
            best[name][seed] = values
    print(f"Best 3-fold CV accuracy, {args.seeds} seeds: median / mean\n")
    print("| sampler | " + " | ".join(f"after {c} trials" for c in CHECKPOINTS) + " |")
    print("|---|" + "---|" * len(CHECKPOINTS))
    for name in names:
        a = np.array([best[name][s] for s in seeds])
        cells = [f"{np.median(a[:, i]):.4f} / {a[:, i].mean():.4f}" for i in range(len(CHECKPOINTS))]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for i, c in enumerate(CHECKPOINTS):
        auto = np.array([best["auto"][s][i] for s in seeds])
        gp = np.array([best["gp"][s][i] for s in seeds])
        p = wilcoxon(auto, gp).pvalue if (auto != gp).any() else 1.0
        wins, losses = (auto > gp).sum(), (auto < gp).sum()
        print(f"after {c} trials: auto better than the GP on {wins} seeds, worse on {losses} (p = {p:.3g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
