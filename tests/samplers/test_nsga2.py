"""NSGAIISampler: convergence on ZDT1, generations kept in trial attributes, constrained domination.

The conformance suite runs on it in test_samplers.py (cases "nsga2" and "nsga2-sbx").
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import hyperscout as hs
from hyperscout._multi_objective import hypervolume
from hyperscout.samplers.nsga2 import GENERATION_KEY, PARENTS_KEY
from hyperscout.trial import constraint_violation

REFERENCE = (1.1, 1.1)


@pytest.fixture(autouse=True)
def _quiet():
    hs.logging.set_verbosity(logging.WARNING)
    yield
    hs.logging.set_verbosity(logging.INFO)


def zdt1(trial: hs.Trial) -> tuple[float, float]:
    """ZDT1 with 3 parameters (Zitzler, Deb and Thiele 2000): the front is f2 = 1 - sqrt(f1), f1 in [0, 1]."""
    x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(3)])
    g = 1.0 + 9.0 * x[1:].mean()
    return float(x[0]), float(g * (1.0 - np.sqrt(x[0] / g)))


def _hv(study: hs.Study) -> float:
    return hypervolume(np.array([t.values for t in study.trials if t.values]), REFERENCE)


def test_zdt1_reaches_most_of_the_true_fronts_hypervolume():
    f1 = np.linspace(0.0, 1.0, 2001)
    true = hypervolume(np.column_stack([f1, 1.0 - np.sqrt(f1)]), REFERENCE)  # 0.8762
    assert true == pytest.approx(0.8762, abs=1e-3)
    for seed in (10, 11):
        study = hs.create_study(
            directions=["minimize", "minimize"], sampler=hs.samplers.NSGAIISampler(population_size=20, seed=seed)
        )
        study.optimize(zdt1, n_trials=300, show_progress_bar=False)
        random = hs.create_study(directions=["minimize", "minimize"], sampler=hs.samplers.RandomSampler(seed=seed))
        random.optimize(zdt1, n_trials=300, show_progress_bar=False)
        # 300 trials, 15 generations of 20: measured 0.78 and 0.78 of the true front's hypervolume
        assert _hv(study) >= 0.7 * true
        assert _hv(study) > _hv(random) + 0.1


def test_generations_are_recorded_with_their_parents():
    sampler = hs.samplers.NSGAIISampler(population_size=5, seed=0)
    study = hs.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(zdt1, n_trials=22, show_progress_bar=False)
    gens = [t.system_attrs.get(GENERATION_KEY, 0) for t in study.trials]
    # trial 0 has no parameters to propose jointly, so no record: generation 0 all the same
    assert gens == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5 + [4] * 2
    for g in (1, 2, 3, 4):
        first = study.trials[gens.index(g)]
        parents = first.system_attrs[PARENTS_KEY]
        assert len(parents) == 5 and all(gens[n] < g for n in parents)
        later = [t for t in study.trials if gens[t.number] == g][1:]
        assert all(PARENTS_KEY not in t.system_attrs for t in later)  # recorded once per generation


def test_ask_tell_batches_breed_from_the_recorded_parents():
    sampler = hs.samplers.NSGAIISampler(population_size=4, seed=1)
    study = hs.create_study(directions=["minimize", "minimize"], sampler=sampler)
    for _ in range(5):
        batch = [study.ask() for _ in range(4)]  # four running at once, as four workers would be
        for trial in batch:
            study.tell(trial, zdt1(trial))
    gens = [t.system_attrs.get(GENERATION_KEY, 0) for t in study.trials]
    assert len(study.trials) == 20 and max(gens) >= 3
    again = hs.create_study(
        directions=["minimize", "minimize"], sampler=hs.samplers.NSGAIISampler(population_size=4, seed=1)
    )
    for _ in range(5):
        batch = [again.ask() for _ in range(4)]
        for trial in batch:
            again.tell(trial, zdt1(trial))
    assert [t.params for t in again.trials] == [t.params for t in study.trials]  # same seed, same trials


def test_constrained_domination_keeps_feasible_children():
    # minimise (x, 1 - x) on [0, 1]² subject to y <= 0.3: half the space is infeasible
    def objective(trial: hs.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.suggest_float("y", 0.0, 1.0)
        return x, 1.0 - x

    sampler = hs.samplers.NSGAIISampler(population_size=10, seed=0, constraints_func=lambda t: [t.params["y"] - 0.3])
    study = hs.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=60, show_progress_bar=False)
    first = sum(constraint_violation(t) <= 0 for t in study.trials[:10])
    last = sum(constraint_violation(t) <= 0 for t in study.trials[-20:])
    assert last / 20 > max(0.6, first / 10)  # the search moves into the feasible region
    assert study.best_trials and all(t.params["y"] <= 0.3 for t in study.best_trials)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"population_size": 1}, "population_size"),
        ({"population_size": True}, "population_size"),
        ({"crossover": "spx"}, "crossover"),
        ({"crossover_prob": 1.5}, "crossover_prob"),
        ({"swapping_prob": "0.5"}, "swapping_prob"),
        ({"mutation_prob": -0.1}, "mutation_prob"),
        ({"mutation": "gaussian"}, "mutation"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        hs.samplers.NSGAIISampler(**kwargs)
    with pytest.raises(TypeError, match="constraints_func"):
        hs.samplers.NSGAIISampler(constraints_func=3)


def test_it_is_named_by_get_sampler():
    assert isinstance(hs.samplers.get_sampler("nsga2", seed=3), hs.samplers.NSGAIISampler)
