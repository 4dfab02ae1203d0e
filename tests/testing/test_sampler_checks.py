"""``hyperscout.testing.samplers`` as someone writing a sampler outside the package uses it.

``Stratified`` below is such a sampler: defined here, not in hyperscout, it subclasses
``BaseSampler`` and passes every check the package's own samplers pass. A sampler that breaks the
contract fails them, so the checks are not vacuous.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest

from hyperscout.samplers import BaseSampler, SamplerContext
from hyperscout.space import Distribution
from hyperscout.testing import SamplerCase, make_storage, parametrize_sampler_checks
from hyperscout.testing import samplers as conformance


class Stratified(BaseSampler):
    """Each trial's value of a parameter comes from its own stratum of [0, 1), shuffled by the seed."""

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        # crc32, not hash(): str hashes change from one process to the next, and seeds must not
        rng = np.random.default_rng([context.seed, zlib.crc32(name.encode())])
        strata = rng.permutation(64)
        u = (strata[context.number % 64] + rng.random()) / 64
        return distribution.from_unit(min(u, np.nextafter(1.0, 0.0)))


class Constant(BaseSampler):
    """Breaks the contract: the lower bound of every distribution, whatever the seed."""

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return distribution.from_unit(0.0)


@parametrize_sampler_checks([SamplerCase("stratified", lambda seed, problem: Stratified(seed=seed))])
def test_a_sampler_from_outside_the_package_passes_every_check(case, check, storage_kind, tmp_path) -> None:
    check(case, make_storage(storage_kind, tmp_path))


@pytest.mark.parametrize(
    "check",
    [
        conformance.check_suggested_values_are_valid_for_every_distribution,
        conformance.check_different_seeds_give_different_trials,
    ],
)
def test_a_sampler_that_breaks_the_contract_fails(check, tmp_path) -> None:
    with pytest.raises(AssertionError):
        check(SamplerCase("constant", lambda seed, problem: Constant(seed=seed)), make_storage("memory", tmp_path))


def test_one_test_per_case_check_and_storage() -> None:
    cases = [SamplerCase("a", lambda s, p: Stratified(seed=s)), SamplerCase("b", lambda s, p: Stratified(seed=s))]
    mark = parametrize_sampler_checks(cases, storages=("memory",))
    ids = [p.id for p in mark.args[1]]
    assert len(ids) == len(set(ids)) == 2 * len(conformance.SAMPLER_CHECKS)
    assert "a-nan_objective_does_not_crash-memory" in ids
