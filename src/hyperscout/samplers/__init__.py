"""Samplers: each proposes parameter values for new trials from the history of a study.

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study(sampler=hs.samplers.QMCSampler(seed=0))
"""

from __future__ import annotations

from ._base import BaseSampler, SamplerContext, SearchSpaceExhausted, intersection_search_space
from .auto import AutoSampler
from .brute_force import BruteForceSampler
from .cmaes import CmaEsSampler
from .forest import ForestSampler
from .gp import GPSampler
from .grid import GridSampler
from .nsga2 import NSGAIISampler
from .partial_fixed import PartialFixedSampler
from .qmc import QMCSampler
from .random import RandomSampler
from .tpe import TPESampler

__all__ = [
    "BaseSampler",
    "SamplerContext",
    "SearchSpaceExhausted",
    "intersection_search_space",
    "AutoSampler",
    "BruteForceSampler",
    "CmaEsSampler",
    "ForestSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIISampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
    "get_sampler",
]

_BY_NAME = {
    "random": RandomSampler,
    "qmc": QMCSampler,
    "sobol": QMCSampler,
    "gp": GPSampler,
    "tpe": TPESampler,
    "cmaes": CmaEsSampler,
    "forest": ForestSampler,
    "nsga2": NSGAIISampler,
}


def get_sampler(sampler: BaseSampler | str | None, *, seed: int | None = None) -> BaseSampler:
    """A sampler instance from an instance, ``None``/``"auto"`` or a name (``"random"``, ``"qmc"``)."""
    if isinstance(sampler, BaseSampler):
        return sampler
    if sampler is None or sampler == "auto":
        return AutoSampler(seed=seed)
    if isinstance(sampler, str) and sampler.lower() in _BY_NAME:
        return _BY_NAME[sampler.lower()](seed=seed)
    raise ValueError(f"unknown sampler {sampler!r}; pass a sampler object or one of {sorted([*_BY_NAME, 'auto'])}")
