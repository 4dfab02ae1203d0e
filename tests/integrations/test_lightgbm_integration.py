"""hyperscout.integrations.lightgbm: the pruning callback with lgb.train, lgb.cv and the scikit-learn wrapper."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.integrations.lightgbm import LightGBMPruningCallback

lgb = pytest.importorskip("lightgbm")
datasets = pytest.importorskip("sklearn.datasets")

X, Y = datasets.load_breast_cancer(return_X_y=True)
X_TRAIN, Y_TRAIN, X_VALID, Y_VALID = X[:400], Y[:400], X[400:], Y[400:]
PARAMS = {"objective": "binary", "metric": "binary_logloss", "verbose": -1, "num_threads": 1, "seed": 0}


def _datasets() -> tuple:
    dtrain = lgb.Dataset(X_TRAIN, Y_TRAIN)
    return dtrain, lgb.Dataset(X_VALID, Y_VALID, reference=dtrain)


def _objective(trial: hs.Trial) -> float:
    params = {**PARAMS, "learning_rate": trial.suggest_float("learning_rate", 1e-3, 1.0, log=True)}
    dtrain, dvalid = _datasets()
    history: dict = {}
    lgb.train(params, dtrain, num_boost_round=12, valid_sets=[dvalid],
              callbacks=[LightGBMPruningCallback(trial, "binary_logloss"), lgb.record_evaluation(history)])  # fmt: skip
    trial.set_user_attr("history", history["valid_0"]["binary_logloss"])
    return history["valid_0"]["binary_logloss"][-1]


def test_a_poor_trial_is_pruned_and_a_good_one_completes_with_every_round_reported() -> None:
    study = hs.create_study(pruner=hs.pruners.ThresholdPruner(upper=0.6, n_warmup_steps=4))
    study.enqueue_trial({"learning_rate": 0.3})
    study.enqueue_trial({"learning_rate": 0.001})  # the log-loss hardly moves from its start, 0.66
    study.optimize(_objective, n_trials=2, show_progress_bar=False)
    good, poor = study.trials
    assert good.state == TrialState.COMPLETE
    assert list(good.intermediate_values) == list(range(1, 13))  # step = rounds completed
    assert list(good.intermediate_values.values()) == pytest.approx(good.user_attrs["history"])
    assert poor.state == TrialState.PRUNED
    assert list(poor.intermediate_values) == [1, 2, 3, 4]
    assert poor.intermediate_values[4] > 0.6


def test_the_scikit_learn_wrapper_takes_it_in_fit_callbacks() -> None:
    study = hs.create_study()
    trial = study.ask()
    model = lgb.LGBMClassifier(n_estimators=5, verbose=-1, n_jobs=1)
    # LightGBM 4.7 takes the validation data as eval_X/eval_y (eval_set is deprecated); earlier, only as eval_set.
    if "eval_X" in inspect.signature(model.fit).parameters:
        validation = {"eval_X": (X_VALID,), "eval_y": (Y_VALID,)}
    else:
        validation = {"eval_set": [(X_VALID, Y_VALID)]}
    model.fit(X_TRAIN, Y_TRAIN, **validation, callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])
    reported = study.tell(trial, 0.0).intermediate_values
    assert list(reported.values()) == pytest.approx(model.evals_result_["valid_0"]["binary_logloss"])


def test_valid_name_picks_the_set_and_report_interval_thins_the_reports() -> None:
    study = hs.create_study()
    trial = study.ask()
    dtrain, dvalid = _datasets()
    history: dict = {}
    callback = LightGBMPruningCallback(trial, "binary_logloss", valid_name="train", report_interval=3)
    lgb.train(PARAMS, dtrain, num_boost_round=7, valid_sets=[dvalid, dtrain], valid_names=["valid", "train"],
              callbacks=[callback, lgb.record_evaluation(history)])  # fmt: skip
    reported = study.tell(trial, 0.0).intermediate_values
    assert list(reported) == [3, 6]
    assert list(reported.values()) == pytest.approx([history["train"]["binary_logloss"][i] for i in (2, 5)])


def test_under_lgb_cv_the_mean_over_the_folds_is_reported() -> None:
    study = hs.create_study()
    trial = study.ask()
    result = lgb.cv(PARAMS, lgb.Dataset(X, Y), num_boost_round=3, nfold=3, seed=0,
                    callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])  # fmt: skip
    reported = study.tell(trial, 0.0).intermediate_values
    assert list(reported.values()) == pytest.approx(result["valid binary_logloss-mean"])


def test_a_metric_against_the_studys_direction_is_refused() -> None:
    dtrain, dvalid = _datasets()
    params = {**PARAMS, "metric": "auc"}
    with pytest.raises(ValueError, match=r"'auc' is better when higher.*direction='minimize'"):
        lgb.train(params, dtrain, 2, valid_sets=[dvalid],
                  callbacks=[LightGBMPruningCallback(hs.create_study().ask(), "auc")])  # fmt: skip
    study = hs.create_study(direction="maximize")
    trial = study.ask()
    lgb.train(params, dtrain, 2, valid_sets=[dvalid], callbacks=[LightGBMPruningCallback(trial, "auc")])
    assert len(study.tell(trial, 1.0).intermediate_values) == 2


def test_a_metric_not_evaluated_is_refused_with_what_is() -> None:
    dtrain, dvalid = _datasets()
    trial = hs.create_study().ask()
    with pytest.raises(ValueError, match=r"'auc' is not evaluated on 'valid_0'.*\('valid_0', 'binary_logloss'\)"):
        lgb.train(PARAMS, dtrain, 2, valid_sets=[dvalid], callbacks=[LightGBMPruningCallback(trial, "auc")])
    with pytest.raises(ValueError, match="evaluates nothing"):
        lgb.train(PARAMS, dtrain, 2, callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"trial": "x"}, TypeError),
        ({"metric": None}, TypeError),
        ({"valid_name": 0}, TypeError),
        ({"report_interval": 0}, ValueError),
        ({"report_interval": True}, TypeError),
        ({"report_interval": 2.0}, TypeError),
    ],
)
def test_bad_arguments_are_refused(kwargs, error) -> None:
    arguments = {"trial": hs.create_study().ask(), "metric": "l2", **kwargs}
    with pytest.raises(error, match="LightGBMPruningCallback"):
        LightGBMPruningCallback(**arguments)


def test_hyperscout_and_this_module_import_without_lightgbm() -> None:
    code = "import sys, hyperscout, hyperscout.integrations.lightgbm; print('lightgbm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
