"""Every public ``__all__``, pinned: adding or removing a public name is a decision, made here on purpose.

Also: each listed name exists, and exported classes show ``hyperscout.X`` in their repr rather
than the private module they are defined in.
"""

from __future__ import annotations

import importlib

import pytest

import hyperscout as hs

PUBLIC: dict[str, list[str]] = {
    "hyperscout": [
        "BayesianOptimization", "Categorical", "Distribution", "DuplicatedStudyError", "Float", "FrozenTrial",
        "Int", "OrNone", "SearchSpaceExhausted", "StorageError", "Study", "Trial", "TrialPruned", "TrialState",
        "__version__", "copy_study", "create_study", "create_trial", "delete_study", "distributions", "exceptions",
        "get_all_study_names", "importance", "load_study", "logging", "parse_space", "pruners", "samplers",
        "storages", "visualization",
    ],
    "hyperscout.acquisition": [
        "AcquisitionFunction", "ExpectedImprovement", "ProbabilityOfImprovement", "UpperConfidenceBound",
    ],
    "hyperscout.bayesopt": ["BayesianOptimization", "TargetSpace"],
    "hyperscout.cli": ["CLIError", "CommandFailed", "build_parser", "main"],
    "hyperscout.dashboard": ["DashboardServer", "make_server", "render_report", "serve", "write_report"],
    "hyperscout.exceptions": [
        "CLIError", "ClaimTaken", "CommandFailed", "DuplicatedStudyError", "SearchSpaceExhausted", "StorageError",
        "TrialCrashed", "TrialPruned",
    ],
    "hyperscout.importance": [
        "EVALUATORS", "fanova_importances", "get_param_importances", "importance_data", "permutation_importances",
    ],
    "hyperscout.integrations.lightgbm": ["LightGBMPruningCallback"],
    "hyperscout.integrations.torch": ["LightningPruningCallback", "PruningReporter", "report_and_prune"],
    "hyperscout.integrations.xgboost": ["XGBoostPruningCallback"],
    "hyperscout.logging": [
        "CRITICAL", "DEBUG", "ERROR", "FATAL", "INFO", "WARN", "WARNING", "disable_default_handler",
        "disable_propagation", "enable_default_handler", "enable_propagation", "get_logger", "get_verbosity",
        "set_verbosity",
    ],
    "hyperscout.pruners": [
        "BasePruner", "HyperbandPruner", "MedianPruner", "NopPruner", "PatientPruner", "PercentilePruner",
        "SuccessiveHalvingPruner", "ThresholdPruner", "WilcoxonPruner",
    ],
    "hyperscout.samplers": [
        "AutoSampler", "BaseSampler", "BruteForceSampler", "CmaEsSampler", "ForestSampler", "GPSampler",
        "GridSampler", "NSGAIISampler", "PartialFixedSampler", "QMCSampler", "RandomSampler", "SamplerContext",
        "SearchSpaceExhausted", "TPESampler", "get_sampler", "intersection_search_space",
    ],
    "hyperscout.sklearn": ["BayesSearchCV", "GridSearchCV", "RandomizedSearchCV", "SearchCV"],
    "hyperscout.space": [
        "Categorical", "Distribution", "Float", "Int", "OrNone", "distribution_from_json", "parse_space",
    ],
    "hyperscout.storages": [
        "BaseStorage", "ClaimTaken", "DEFAULT_SQLITE_URL", "DuplicatedStudyError", "Event", "InMemoryStorage",
        "JournalFileStorage", "SQLStorage", "StorageError", "StudyInfo", "get_storage",
    ],
    "hyperscout.distributions": [
        "BaseDistribution", "CategoricalDistribution", "FloatDistribution", "IntDistribution",
    ],
    "hyperscout.study": [
        "MaxTrialsCallback", "Study", "copy_study", "create_study", "delete_study", "get_all_study_names",
        "load_study",
    ],
    "hyperscout.testing": [
        "PRUNER_CHECKS", "SAMPLER_CHECKS", "STORAGE_CHECKS", "SamplerCase", "make_storage",
        "parametrize_pruner_checks", "parametrize_sampler_checks", "parametrize_storage_checks",
    ],
    "hyperscout.trial": [
        "FixedTrial", "FrozenTrial", "Trial", "TrialOwner", "TrialPruned", "TrialState", "create_trial",
    ],
    "hyperscout.visualization": [
        "plot_contour", "plot_edf", "plot_hypervolume_history", "plot_intermediate_values",
        "plot_optimization_history", "plot_parallel_coordinate", "plot_param_importances", "plot_pareto_front",
        "plot_rank", "plot_slice", "plot_timeline",
    ],
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_all_is_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == PUBLIC[module]
    assert len(set(mod.__all__)) == len(mod.__all__), "a name is listed twice"
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == []


def test_exceptions_have_one_home() -> None:
    assert hs.TrialPruned is hs.exceptions.TrialPruned is hs.trial.TrialPruned
    assert hs.StorageError is hs.exceptions.StorageError is hs.storages.StorageError
    assert hs.storages.DuplicatedStudyError is hs.exceptions.DuplicatedStudyError
    assert hs.SearchSpaceExhausted is hs.exceptions.SearchSpaceExhausted is hs.samplers.SearchSpaceExhausted
    assert issubclass(hs.exceptions.StorageError, RuntimeError)
    assert issubclass(hs.exceptions.DuplicatedStudyError, ValueError)
    for name in hs.exceptions.__all__:
        assert issubclass(getattr(hs.exceptions, name), Exception)


def test_the_study_repr_shows_the_public_path() -> None:
    study = hs.create_study(study_name="r")
    assert repr(study) == "hyperscout.Study(name='r', directions=['minimize'], trials=0)"


def test_storage_and_trial_reprs_show_the_public_path_and_hide_passwords(tmp_path) -> None:
    assert repr(hs.storages.InMemoryStorage()) == "hyperscout.storages.InMemoryStorage()"
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert repr(hs.storages.get_storage(url)) == f"hyperscout.storages.SQLStorage({url!r})"

    class Elsewhere(hs.storages.InMemoryStorage):
        url = "postgresql://me:secret@db.example/test"

    assert repr(Elsewhere()).endswith("Elsewhere('postgresql://me:***@db.example/test')")
    assert repr(hs.create_study().ask()) == "hyperscout.Trial(number=0, params={})"
