"""Hold some parameters at fixed values and let another sampler search the rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..space import Distribution
from ._base import BaseSampler, SamplerContext


class PartialFixedSampler(BaseSampler):
    """Give the parameters in ``fixed_params`` their fixed values; ``base_sampler`` samples the others.

    Optuna's ``PartialFixedSampler``: e.g. to search the learning rate with the batch size held
    where a previous study found it. The base sampler proposes the other parameters jointly, as
    it would alone, and learns from every trial (fixed parameters included). A fixed value
    outside the range the objective asks for is an error that names both, never silently replaced.

    Args:
        fixed_params: parameter name to value.
        base_sampler: samples every other parameter (its seed is this sampler's seed).

    Example:
        >>> import hyperscout as hs
        >>> sampler = hs.samplers.PartialFixedSampler({"y": 3}, hs.samplers.TPESampler(seed=0))
        >>> study = hs.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("y", 0, 5),
        ...                n_trials=5, show_progress_bar=False)
        >>> {t.params["y"] for t in study.trials}
        {3}
    """

    def __init__(self, fixed_params: Mapping[str, Any], base_sampler: BaseSampler) -> None:
        if not isinstance(fixed_params, Mapping):
            raise TypeError(f"fixed_params must be a dict of parameter name to value, got {fixed_params!r}")
        if not isinstance(base_sampler, BaseSampler):
            raise TypeError(f"base_sampler must be a hs.samplers sampler, got {base_sampler!r}")
        super().__init__(seed=base_sampler.seed)
        self.fixed_params = dict(fixed_params)
        self.base_sampler = base_sampler

    def __repr__(self) -> str:
        return f"PartialFixedSampler({self.fixed_params!r}, {self.base_sampler!r})"

    def _fixed(self, name: str, distribution: Distribution) -> Any:
        value = self.fixed_params[name]
        if not distribution.contains(value):
            raise ValueError(
                f"PartialFixedSampler: the fixed value {value!r} of parameter {name!r} is outside "
                f"{distribution!r}, the range the objective asks for; fix it to a value inside it"
            )
        return distribution.cast(value)

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        space = self.base_sampler.infer_relative_search_space(context)
        # Fixed parameters stay in the joint space (their values are proposed with the rest) only
        # where the fixed value fits: otherwise the objective's own suggest reports the mismatch.
        return {k: d for k, d in space.items() if k not in self.fixed_params or d.contains(self.fixed_params[k])}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        free = {k: d for k, d in search_space.items() if k not in self.fixed_params}
        out = self.base_sampler.sample_relative(context, free) if free else {}
        out.update({k: self._fixed(k, d) for k, d in search_space.items() if k in self.fixed_params})
        return out

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        if name in self.fixed_params:
            return self._fixed(name, distribution)
        return self.base_sampler.sample_independent(context, name, distribution)

    def claim(self, context: SamplerContext, params: dict[str, Any]) -> str | None:
        return self.base_sampler.claim(context, params)

    def proposal_attrs(self, context: SamplerContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.base_sampler.proposal_attrs(context, params)
