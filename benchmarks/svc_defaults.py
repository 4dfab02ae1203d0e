"""Does tuning beat the defaults? ``examples/tune_svc_digits.py`` at 30 trials against ``SVC()``, seed by seed.

The objective is the example's own (``make_objective``: an SVC on scikit-learn's digits, kernel in
{rbf, poly, sigmoid}, log-scaled ``C`` and ``gamma``, ``degree`` for the polynomial kernel only;
3-fold CV accuracy), run with the example's settings (``create_study(direction="maximize",
seed=seed)``, so ``sampler="auto"``) on an in-memory study. The reference is scikit-learn's
``SVC()`` with its default parameters (RBF kernel, ``C=1``, ``gamma="scale"``) scored the same way.
Prints each seed's best accuracy after ``--trials`` trials and whether it reaches the default's;
the target is at least 9 of 10 seeds, seed 0 (the example's default) among them.

Usage::

    python benchmarks/svc_defaults.py                # seeds 0-9, 30 trials, 2 processes (~3 minutes on 2 cores)
    python benchmarks/svc_defaults.py --seeds 20 --trials 20
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import hyperscout as hs

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tune_svc_digits.py"


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("tune_svc_digits", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(task: tuple[int, int]) -> tuple[int, float, str]:
    seed, trials = task
    warnings.filterwarnings("ignore")
    hs.logging.set_verbosity(hs.logging.WARNING)  # the table is the output, not a line per trial
    X, y = load_digits(return_X_y=True)
    study = hs.create_study(direction="maximize", seed=seed)
    study.optimize(_example().make_objective(X, y), n_trials=trials, show_progress_bar=False)
    return seed, float(study.best_value), repr(study.best_params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    default = float(cross_val_score(SVC(), X, y, cv=3).mean())
    with ProcessPoolExecutor(args.jobs) as pool:
        results = sorted(pool.map(_run, [(s, args.trials) for s in range(args.seeds)]))
    print(f"SVC() with scikit-learn's defaults: 3-fold CV accuracy {default:.4f}\n")
    print(f"| seed | best after {args.trials} trials | >= default | best parameters |")
    print("|---|---|---|---|")
    for seed, best, params in results:
        print(f"| {seed} | {best:.4f} | {'yes' if best >= default else 'no'} | {params} |")
    wins = sum(best >= default for _, best, _ in results)
    mean = np.mean([best for _, best, _ in results])
    print(f"\n{wins} of {len(results)} seeds reach the default's accuracy; mean best {mean:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
