"""The default sampler: picks a model per study, and again as the history grows.

The rules, each backed by a figure of ``benchmarks/runner.py`` (see ``docs/samplers-measurements.md``):

1. More than three objectives → TPE: the GP's hypervolume improvement splits the region a new
   point could add into boxes whose number grows steeply with the objectives. Two or three
   objectives follow the rules below like one objective, except that past ``gp_max_trials`` they
   go to TPE (CMA-ES has one objective). The GP models each objective and maximises the
   expected hypervolume improvement (every other proposal, a random weighting of the objectives).
   On the tuning seeds 0-4 of ``benchmarks/multi_objective.py`` the GP before that alternation
   was far ahead of TPE on ZDT1 and ZDT3 (median hypervolume 11.53 against 9.53 and 11.44
   against 9.67 at 50 trials), and behind on DTLZ2, 3 objectives (14.16 against 14.31), and on the
   constrained TNK at 50 trials (0.305 against 0.358; ahead at 100, 0.620 against 0.501); with
   it, on the reporting seeds, the GP is ahead of TPE on DTLZ2 (14.48 against 14.14) and TNK
   (0.552 against 0.395) at 50 trials too. TPE had a larger median hypervolume than NSGA-II on
   every problem at 50 and 200 trials.
2. A mostly categorical space → TPE, whose categorical kernels need no distance between
   categories (no benchmark problem measures this rule yet). A *conditional* space (the fitted
   trials do not all have the same parameters) → TPE, which models each group of parameters that
   appear together from the trials that used it: on ``wine_conditional`` (60 seeds × 50
   evaluations) this rule took the median CV error from the GP's 0.0113 to 0.00565, better on 39
   seeds and worse on 2 (Wilcoxon p = 6e-8); on the SVC example (``examples/tune_svc_digits.py``),
   whose ``degree`` exists for one kernel only, it was better on 11 of 20 seeds and worse on 1
   after 50 trials (p = 0.007).
3. Otherwise, while the GP would fit fewer than ``gp_max_trials`` trials (the complete ones and
   those a pruner stopped early, which it fits at rank-matched stand-in values) → GP: the most
   sample-efficient model on numeric spaces at small budgets, with or without pruning. (A rule sent
   studies with pruned trials to TPE while the GP ignored them. Fitted to them, the GP beat TPE
   under the median rule and Hyperband on Hartmann-6 and under the median rule on Branin
   (p ≤ 0.004, 20 seeds) and tied under Hyperband on Branin: ``benchmarks/multifidelity.py``,
   figures in ``docs/samplers-measurements.md``.)
4. Beyond that (the GP's cost grows as n³ per suggestion): a space of ``Float`` and ``Int``
   parameters only, with no trial stopped early → CMA-ES, warm-started from the trials so far
   (``CmaEsSampler(warm_start=True)``); on the five synthetic problems at 1,000 evaluations it
   ended below the TPE hand-off on all five, by 2× (Branin) to 10⁴× (Levy-6). Otherwise → TPE,
   which models categorical parameters and learns from stopped trials, where CMA-ES does neither.

The choice depends only on the trial records, so a resumed or parallel study makes the same one.
"""

from __future__ import annotations

from typing import Any

from ..space import Categorical, Distribution, Float, Int, OrNone
from ..trial import TrialState
from ._base import BaseSampler, SamplerContext, learns_from
from .cmaes import CmaEsSampler
from .gp import GPSampler
from .tpe import TPESampler

__all__ = ["AutoSampler"]


class AutoSampler(BaseSampler):
    """GP-based BO for small numeric studies, CMA-ES for long ones, TPE for the rest (rules in the module docstring).

    With several objectives, the GP maximises the expected hypervolume improvement while the study
    is small, and TPE takes over past ``gp_max_trials``.

    Args:
        seed: seed of the GP, TPE and CMA-ES samplers it picks from (the study's seed when ``None``).
        gp_max_trials: trials to fit (complete, or stopped early with intermediate values) from which
            studies move from the GP to CMA-ES or TPE.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)  # sampler="auto" is the default
        >>> study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=15, show_progress_bar=False)
        >>> context = hs.samplers.SamplerContext(len(study.trials), study.seed, study.directions, study.trials)
        >>> study.sampler.choose(context)
        ('gp', 'numeric search space, small budget')
    """

    def __init__(self, *, seed: int | None = None, gp_max_trials: int = 200) -> None:
        super().__init__(seed=seed)
        if isinstance(gp_max_trials, bool) or not isinstance(gp_max_trials, int) or gp_max_trials < 0:
            raise ValueError(f"gp_max_trials must be an int >= 0, got {gp_max_trials!r}")
        self.gp_max_trials = gp_max_trials
        self._gp = GPSampler(seed=seed)
        self._tpe = TPESampler(seed=seed)
        self._cmaes = CmaEsSampler(seed=seed, warm_start=True)
        self._memo: tuple[SamplerContext, str] | None = None  # the last context and its pick

    def __repr__(self) -> str:
        return f"AutoSampler(seed={self.seed!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_memo": None}  # not the trials of a context to another process

    def choose(self, context: SamplerContext) -> tuple[str, str]:
        """The sampler that proposes trial ``context.number`` ("gp" or "tpe") and the rule that chose it."""
        several = len(context.directions) > 1
        if len(context.directions) > 3:
            return "tpe", "more than three objectives"
        fitted = [t for t in context.trials if learns_from(t)]
        space: dict[str, Distribution] = dict(fitted[-1].distributions) if fitted else {}
        n_cat = sum(isinstance(d.inner if isinstance(d, OrNone) else d, Categorical) for d in space.values())
        if space and n_cat * 2 > len(space):
            return "tpe", "mostly categorical search space"
        if len({frozenset(t.params) for t in fitted}) > 1:
            return "tpe", "conditional search space"
        if len(fitted) >= self.gp_max_trials:
            many = f"{len(fitted)} trials to fit (GP up to {self.gp_max_trials})"
            if several:
                return "tpe", f"{many}, several objectives"
            if not all(isinstance(d, (Float, Int)) for d in space.values()):
                return "tpe", f"{many}, not all parameters numeric"
            if any(t.state is not TrialState.COMPLETE for t in fitted):
                return "tpe", f"{many}, trials stopped early"
            return "cmaes", f"{many}, numeric search space"
        return "gp", "numeric search space, small budget" + (", several objectives" if several else "")

    def _sampler(self, context: SamplerContext) -> BaseSampler:
        # The study asks several times per trial with one context; choose() reads every trial.
        memo = self._memo
        if memo is None or memo[0] is not context:
            memo = self._memo = (context, self.choose(context)[0])
        return {"gp": self._gp, "tpe": self._tpe, "cmaes": self._cmaes}[memo[1]]

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return self._sampler(context).infer_relative_search_space(context)

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        return self._sampler(context).sample_relative(context, search_space)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return self._sampler(context).sample_independent(context, name, distribution)

    def claim(self, context: SamplerContext, params: dict[str, Any]) -> str | None:
        return self._sampler(context).claim(context, params)

    def proposal_attrs(self, context: SamplerContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._sampler(context).proposal_attrs(context, params)
