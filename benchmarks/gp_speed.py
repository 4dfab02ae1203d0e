"""Time per suggestion of hyperscout's GPSampler against Optuna's, side by side in one process.

Both samplers run ask-and-tell on Hartmann-6 (``problems.py``), seed 0, for ``--trials`` trials; a
suggestion's time is the time of ``study.ask()`` (the sampler's fit and acquisition search, and
the study's own bookkeeping, for both libraries alike). For each checkpoint (100 and 200 trials)
the table shows the mean time of the 10 suggestions up to it. The two libraries alternate,
``--repeats`` times, in one process with one BLAS/torch thread each, and each gets one untimed
warm-up run first, so both see the same machine. Two clocks: wall time, and this process's CPU
time, which a busy neighbour on the other core disturbs less. The figure to read is the median of
the repeats and the ratio hyperscout / Optuna (target: at most 0.5 at 100 and at 200 trials).

Usage (needs ``pip install -e '.[bench]'``; Optuna's GPSampler runs batched with greenlet installed)::

    python benchmarks/gp_speed.py                    # 200 trials, 3 repeats (~3 minutes)
    python benchmarks/gp_speed.py --trials 100 --repeats 1
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from problems import hartmann6  # noqa: E402

import hyperscout as hs  # noqa: E402

WINDOW = 10


def _hyperscout(trials: int) -> tuple[list[float], list[float]]:
    hs.logging.set_verbosity(hs.logging.ERROR)  # as Optuna's below: no line per trial
    study = hs.create_study(sampler=hs.samplers.GPSampler(seed=0), seed=0)
    space = {f"x{i}": hs.Float(0.0, 1.0) for i in range(6)}

    def ask() -> tuple[object, dict[str, float]]:
        t = study.ask(space)
        return t, t.params

    return _loop(trials, ask, lambda t, v: study.tell(t, v))


def _optuna(trials: int) -> tuple[list[float], list[float]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0))
    space = {f"x{i}": optuna.distributions.FloatDistribution(0.0, 1.0) for i in range(6)}

    def ask() -> tuple[object, dict[str, float]]:
        t = study.ask(space)
        return t, t.params

    return _loop(trials, ask, lambda t, v: study.tell(t, v))


def _loop(
    trials: int, ask: Callable[[], tuple[object, dict[str, float]]], tell: Callable[[object, float], object]
) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(trials):
        w0, c0 = time.perf_counter(), time.process_time()
        trial, params = ask()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
        tell(trial, hartmann6(params))
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    checkpoints = [c for c in (100, 200) if c <= args.trials] or [args.trials]
    runners = {"hyperscout": _hyperscout, "optuna": _optuna}
    for run in runners.values():
        run(min(args.trials, 15))  # warm-up: imports and first-use compilation are not what we measure
    times: dict[tuple[str, str, int], list[float]] = {}
    for r in range(args.repeats):
        for name, run in runners.items():
            wall, cpu = run(args.trials)
            for c in checkpoints:
                times.setdefault((name, "wall", c), []).append(float(np.mean(wall[c - WINDOW : c])))
                times.setdefault((name, "cpu", c), []).append(float(np.mean(cpu[c - WINDOW : c])))
            print(f"repeat {r + 1}/{args.repeats}: {name} done", file=sys.stderr)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Hartmann-6, seed 0, {args.trials} trials, {args.repeats} repeats; load average at the end {load:.1f}\n")
    print("| clock | trials | hyperscout (ms, each repeat) | Optuna (ms, each repeat) | median ratio |")
    print("|---|---|---|---|---|")
    for clock in ("wall", "cpu"):
        for c in checkpoints:
            ours, theirs = times[("hyperscout", clock, c)], times[("optuna", clock, c)]
            cells = [" / ".join(f"{1000 * x:.0f}" for x in v) for v in (ours, theirs)]
            ratio = float(np.median(ours) / np.median(theirs))
            print(f"| {clock} | {c - WINDOW + 1}-{c} | {cells[0]} | {cells[1]} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
