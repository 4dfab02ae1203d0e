"""Time per suggestion of the GP samplers with several objectives (and constraints): hyperscout's against Optuna's.

For each problem of ``multi_objective.py`` named (default ZDT1: 2 objectives, 10 parameters; TNK: 2 objectives,
2 constraints, 2 parameters), both libraries first run ``--trials`` − 10 trials of random search (cheap, and the
same kind of history for both), then switch the study to their ``GPSampler`` (with the problem's
``constraints_func``) and ask-and-tell 10 more. A suggestion's time is that of ``study.ask()`` with the full
search space: the fit of every GP, the acquisition search and the study's bookkeeping. The table gives the median
of those 10, on the wall clock and on this process's CPU clock (less disturbed by neighbours on a shared machine),
and the ratio hyperscout / Optuna. One BLAS / torch thread each; the libraries alternate ``--repeats`` times.

Usage (needs optuna and torch)::

    python benchmarks/multi_objective_speed.py                 # 100 trials, ZDT1 and TNK, 1 repeat
    python benchmarks/multi_objective_speed.py --trials 200 --problems zdt1 --repeats 2
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from multi_objective import PROBLEMS  # noqa: E402

import hyperscout as hs  # noqa: E402

TIMED = 10


def _space(problem: str, lib: str) -> dict[str, Any]:
    import optuna

    bounds = {"tnk": {"x": (1e-6, np.pi), "y": (1e-6, np.pi)}, "dtlz2": {f"x{i}": (0.0, 1.0) for i in range(7)}}
    space = bounds.get(problem, {f"x{i}": (0.0, 1.0) for i in range(10)})
    if lib == "hs":
        return {k: hs.Float(lo, hi) for k, (lo, hi) in space.items()}
    return {k: optuna.distributions.FloatDistribution(lo, hi) for k, (lo, hi) in space.items()}


def _run(lib: str, problem: str, trials: int, seed: int) -> tuple[list[float], list[float]]:
    objective, m, _, cons = PROBLEMS[problem]
    if lib == "hs":
        hs.logging.set_verbosity(logging.ERROR)
        # The study's constraints_func: the random phase records the constraints too.
        study: Any = hs.create_study(
            directions=["minimize"] * m, sampler=hs.samplers.RandomSampler(seed=seed), constraints_func=cons
        )
        gp: Any = hs.samplers.GPSampler(seed=seed)
    else:
        import optuna

        optuna.logging.set_verbosity(logging.ERROR)
        warnings.simplefilter("ignore")  # constraints_func is deprecated in Optuna 5 but still works
        gp = optuna.samplers.GPSampler(seed=seed, constraints_func=cons)
        random = optuna.samplers.RandomSampler(seed=seed)
        # Optuna computes the constraints in the sampler's after_trial: the random phase needs them too.
        random.after_trial = gp.after_trial  # type: ignore[method-assign]
        study = optuna.create_study(directions=["minimize"] * m, sampler=random)
    space = _space(problem, lib)
    wall: list[float] = []
    cpu: list[float] = []
    for i in range(trials):
        if i == trials - TIMED:
            study.sampler = gp
        w0, c0 = time.perf_counter(), time.process_time()
        trial = study.ask(space)
        if i >= trials - TIMED:
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        study.tell(trial, list(objective(trial)))
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--problems", default="zdt1,tnk")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    for lib in ("hs", "optuna"):
        _run(lib, "tnk", 13, 0)  # warm-up: imports and first-use compilation are not what we measure
    rows = []
    for problem in args.problems.split(","):
        times: dict[tuple[str, str], list[float]] = {}
        for r in range(args.repeats):
            for lib in ("hs", "optuna"):
                wall, cpu = _run(lib, problem, args.trials, r)
                times.setdefault((lib, "wall"), []).append(float(np.median(wall)))
                times.setdefault((lib, "cpu"), []).append(float(np.median(cpu)))
                print(f"{problem} repeat {r + 1}: {lib} done", file=sys.stderr, flush=True)
        for clock in ("wall", "cpu"):
            ours, theirs = times[("hs", clock)], times[("optuna", clock)]
            cells = [" / ".join(f"{1000 * x:.0f}" for x in v) for v in (ours, theirs)]
            ratio = float(np.median(ours) / np.median(theirs))
            rows.append(f"| {problem} | {clock} | {cells[0]} | {cells[1]} | {ratio:.2f} |")
    load = os.getloadavg()[0]
    print(f"\nmedian time per suggestion at trials {args.trials - TIMED + 1}-{args.trials}; load average {load:.1f}\n")
    print("| problem | clock | hyperscout GPSampler (ms, each repeat) | Optuna GPSampler (ms, each repeat) | ratio |")
    print("|:--|:--|--:|--:|--:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
