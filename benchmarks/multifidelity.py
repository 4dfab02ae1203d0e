"""Model-based samplers under pruning: do they learn from the trials a pruner stopped?

A synthetic learning-curve problem is built on a benchmark function ``f`` of ``benchmarks/problems.py``: a
configuration ``x`` trains for ``--steps`` steps and reports, after step ``k``,

    loss_k(x) = f(x) + A · c(x) · r_k + A · 0.05 · r_k · ε_k,      r_k = (e^{-k/τ} − e^{-K/τ}) / (1 − e^{-K/τ})

with ``τ = K / 5``, ``A`` the spread of ``f`` (its 90th minus its 10th percentile over 2,000 uniform points),
``c(x) = 1 + 0.5 sin(2π w·u)`` a learning speed that depends on ``x`` (``u``: ``x`` in the unit cube, ``w`` a fixed
direction), and ``ε_k`` standard normal noise seeded by the configuration. The final value ``loss_K = f(x)`` is exact;
early values are ranked partly by how fast a configuration learns (the rank correlation between budgets is high late,
moderate early), as real learning curves are.

Every (problem, pruner, sampler, seed) is one study of ``--trials`` trials; the table gives the median regret of the
best *complete* trial over the seeds (with the quartiles), the steps trained per study, and a one-sided Wilcoxon
signed-rank test, paired by seed, of each sampler against TPE. ``gp-complete`` (``forest-complete``) is the GP (the
forest) fitted to the complete trials only, as it was before it learned from stopped trials: a reference.

    python benchmarks/multifidelity.py                           # branin, hartmann6 x median, hyperband; 10 seeds
    python benchmarks/multifidelity.py --seeds 3 --trials 30     # a smoke check
    python benchmarks/multifidelity.py --samplers tpe,gp,forest --pruners median
    python benchmarks/multifidelity.py --first-seed 10 --out more.json   # ten more seeds, raw results saved
    python benchmarks/multifidelity.py --from a.json,more.json            # the tables of saved runs, together
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from problems import PROBLEMS, Problem  # noqa: E402

import hyperscout as hs  # noqa: E402
from hyperscout.samplers import BaseSampler, SamplerContext  # noqa: E402
from hyperscout.space import Distribution  # noqa: E402


class CompleteOnly(BaseSampler):
    """A sampler that sees no trial stopped early (the GP as it was before it learned from them)."""

    def __init__(self, inner: BaseSampler) -> None:
        super().__init__(seed=inner.seed)
        self.inner = inner

    def _ctx(self, c: SamplerContext) -> SamplerContext:
        return SamplerContext(c.number, c.seed, c.directions, [t for t in c.trials if not t.state.stopped_early])

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return self.inner.infer_relative_search_space(self._ctx(context))

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        return self.inner.sample_relative(self._ctx(context), search_space)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return self.inner.sample_independent(self._ctx(context), name, distribution)


def make_sampler(name: str, seed: int) -> BaseSampler:
    if name.endswith("-complete"):
        return CompleteOnly(make_sampler(name.removesuffix("-complete"), seed))
    return {
        "tpe": hs.samplers.TPESampler,
        "gp": hs.samplers.GPSampler,
        "forest": hs.samplers.ForestSampler,
        "auto": hs.samplers.AutoSampler,
        "random": hs.samplers.RandomSampler,
    }[name](seed=seed)


def make_pruner(name: str, steps: int) -> Any:
    if name == "median":
        return hs.pruners.MedianPruner()
    if name == "hyperband":
        return hs.pruners.HyperbandPruner(min_resource=1, max_resource=steps, reduction_factor=3)
    raise ValueError(name)


class Curves:
    """The learning curves of one problem (see the module docstring)."""

    def __init__(self, problem: Problem, steps: int) -> None:
        self.problem, self.steps, self.tau = problem, steps, steps / 5
        rng = np.random.default_rng(12345)
        lows = np.array([p.low for p in problem.params])
        highs = np.array([p.high for p in problem.params])
        U = rng.random((2000, problem.dim))
        vals = [problem(dict(zip(self._names, lows + u * (highs - lows), strict=True))) for u in U]
        self.spread = float(np.percentile(vals, 90) - np.percentile(vals, 10))
        self.w = rng.normal(size=problem.dim)
        self.lows, self.highs = lows, highs

    @property
    def _names(self) -> list[str]:
        return [p.name for p in self.problem.params]

    def r(self, k: int) -> float:
        e = math.exp
        return (e(-k / self.tau) - e(-self.steps / self.tau)) / (1 - e(-self.steps / self.tau))

    def objective(self, trial: hs.Trial) -> float:
        x = {p.name: trial.suggest_float(p.name, p.low, p.high) for p in self.problem.params}
        u = (np.array(list(x.values())) - self.lows) / (self.highs - self.lows)
        f = self.problem(x)
        speed = 1.0 + 0.5 * math.sin(2 * math.pi * float(self.w @ u))
        noise = np.random.default_rng(zlib.crc32(repr(sorted(x.items())).encode())).normal(size=self.steps + 1)
        for k in range(1, self.steps + 1):
            r = self.r(k)
            trial.report(f + self.spread * (speed * r + 0.05 * r * noise[k]), k)
            if trial.should_prune():
                raise hs.TrialPruned()
        return f


def run_one(job: tuple[str, str, str, int, int, int]) -> dict[str, Any]:
    problem, pruner, sampler, seed, n_trials, steps = job
    curves = Curves(PROBLEMS[problem], steps)
    study = hs.create_study(sampler=make_sampler(sampler, seed), pruner=make_pruner(pruner, steps), seed=seed)
    t0 = time.perf_counter()
    study.optimize(curves.objective, n_trials=n_trials, show_progress_bar=False)
    complete = [t.value for t in study.trials if t.state is hs.TrialState.COMPLETE]
    return {
        "problem": problem,
        "pruner": pruner,
        "sampler": sampler,
        "seed": seed,
        "regret": PROBLEMS[problem].regret(min(complete)),
        "steps": sum(t.last_step or 0 for t in study.trials),
        "complete": len(complete),
        "seconds": time.perf_counter() - t0,
    }


def table(results: Sequence[dict[str, Any]], samplers: Sequence[str]) -> str:
    from scipy.stats import wilcoxon

    lines = []
    for problem in dict.fromkeys(r["problem"] for r in results):
        for pruner in dict.fromkeys(r["pruner"] for r in results):
            rows = {
                s: sorted(
                    (r for r in results if (r["problem"], r["pruner"], r["sampler"]) == (problem, pruner, s)),
                    key=lambda r: r["seed"],
                )
                for s in samplers
            }
            if not all(rows.values()):
                continue
            lines += [
                f"\n{problem}, {pruner}: regret of the best complete trial over {len(rows[samplers[0]])} seeds",
                "| sampler | median regret [q1-q3] | steps | complete | s | vs tpe: p (one-sided) | wins |",
                "|---|---|---|---|---|---|---|",
            ]
            tpe = np.array([r["regret"] for r in rows.get("tpe", [])])
            for s, rs in rows.items():
                reg = np.array([r["regret"] for r in rs])
                q1, q2, q3 = np.percentile(reg, [25, 50, 75])
                test = ""
                if s != "tpe" and len(tpe) == len(reg) and np.any(reg != tpe):
                    p = wilcoxon(reg, tpe, alternative="less").pvalue
                    test = f"{p:.3f} | {int(np.sum(reg < tpe))}/{len(reg)}"
                else:
                    test = " | "
                lines.append(
                    f"| `{s}` | {q2:.4g} [{q1:.4g}-{q3:.4g}] | {np.mean([r['steps'] for r in rs]):.0f} "
                    f"| {np.mean([r['complete'] for r in rs]):.1f} | {np.mean([r['seconds'] for r in rs]):.1f} "
                    f"| {test} |"
                )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", default="branin,hartmann6")
    ap.add_argument("--pruners", default="median,hyperband")
    ap.add_argument("--samplers", default="tpe,gp,gp-complete")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--steps", type=int, default=27)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", help="save the raw results (JSON) here")
    ap.add_argument("--from", dest="saved", help="print the tables of saved runs (comma-separated JSON files)")
    a = ap.parse_args()
    samplers = a.samplers.split(",")
    if a.saved:
        results = [r for f in a.saved.split(",") for r in json.loads(Path(f).read_text())]
    else:
        jobs = [
            (p, q, s, seed, a.trials, a.steps)
            for p in a.problems.split(",")
            for q in a.pruners.split(",")
            for s in samplers
            for seed in range(a.first_seed, a.first_seed + a.seeds)
        ]
        with ProcessPoolExecutor(a.jobs) as ex:
            results = list(ex.map(run_one, jobs))
        if a.out:
            Path(a.out).write_text(json.dumps(results))
    print(f"python {' '.join(sys.argv)}")
    print(table(results, samplers))


if __name__ == "__main__":
    main()
