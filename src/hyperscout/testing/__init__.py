"""Conformance suites as public pytest helpers: prove a sampler, pruner or storage behaves like ours.

Our own samplers, pruners and storages run through these same checks (``tests/``); a sampler,
pruner or storage written outside the package can prove itself the same way:

- ``hyperscout.testing.samplers``: ``SamplerCase`` and ``parametrize_sampler_checks``;
- ``hyperscout.testing.pruners``: ``parametrize_pruner_checks``;
- ``hyperscout.testing.storages``: ``parametrize_storage_checks``.

It needs pytest (``pip install -e ".[dev]"``); ``import hyperscout`` never imports it.

Example:
    >>> from hyperscout.testing import SamplerCase, parametrize_sampler_checks
    >>> import hyperscout as hs
    >>> mark = parametrize_sampler_checks([SamplerCase("random", lambda s, p: hs.samplers.RandomSampler(seed=s))])
    >>> mark.args[0]
    ('case', 'check', 'storage_kind')
"""

from __future__ import annotations

from ._storage_kinds import make_storage
from .pruners import PRUNER_CHECKS, parametrize_pruner_checks
from .samplers import SAMPLER_CHECKS, SamplerCase, parametrize_sampler_checks
from .storages import STORAGE_CHECKS, parametrize_storage_checks

__all__ = [
    "PRUNER_CHECKS",
    "SAMPLER_CHECKS",
    "STORAGE_CHECKS",
    "SamplerCase",
    "make_storage",
    "parametrize_pruner_checks",
    "parametrize_sampler_checks",
    "parametrize_storage_checks",
]
