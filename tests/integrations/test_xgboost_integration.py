"""hyperscout.integrations.xgboost: the pruning callback with xgb.train, xgb.cv and the scikit-learn wrapper."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.integrations.xgboost import XGBoostPruningCallback

xgb = pytest.importorskip("xgboost")
datasets = pytest.importorskip("sklearn.datasets")

X, Y = datasets.load_breast_cancer(return_X_y=True)
X_TRAIN, Y_TRAIN, X_VALID, Y_VALID = X[:400], Y[:400], X[400:], Y[400:]
PARAMS = {"objective": "binary:logistic", "eval_metric": "logloss", "nthread": 1, "seed": 0}


def _objective(trial: hs.Trial) -> float:
    params = {**PARAMS, "eta": trial.suggest_float("eta", 1e-3, 1.0, log=True)}
    dtrain, dvalid = xgb.DMatrix(X_TRAIN, Y_TRAIN), xgb.DMatrix(X_VALID, Y_VALID)
    history: dict = {}
    xgb.train(
        params, dtrain, num_boost_round=12, evals=[(dvalid, "validation")], evals_result=history,
        callbacks=[XGBoostPruningCallback(trial, "validation-logloss")], verbose_eval=False,
    )  # fmt: skip
    trial.set_user_attr("history", history["validation"]["logloss"])
    return history["validation"]["logloss"][-1]


def test_a_poor_trial_is_pruned_and_a_good_one_completes_with_every_round_reported() -> None:
    study = hs.create_study(pruner=hs.pruners.ThresholdPruner(upper=0.6, n_warmup_steps=4))
    study.enqueue_trial({"eta": 0.5})
    study.enqueue_trial({"eta": 0.001})  # the log-loss hardly moves from log(2) = 0.69
    study.optimize(_objective, n_trials=2, show_progress_bar=False)
    good, poor = study.trials
    assert good.state == TrialState.COMPLETE
    # Step = rounds completed; the values are XGBoost's own evaluation log.
    assert list(good.intermediate_values) == list(range(1, 13))
    assert list(good.intermediate_values.values()) == pytest.approx(good.user_attrs["history"])
    assert poor.state == TrialState.PRUNED
    assert list(poor.intermediate_values) == [1, 2, 3, 4]  # judged first at step 4
    assert poor.intermediate_values[4] > 0.6


def test_the_scikit_learn_wrapper_takes_it_in_callbacks_and_clone_keeps_the_trial() -> None:
    base = pytest.importorskip("sklearn.base")
    study = hs.create_study()
    trial = study.ask()
    callback = XGBoostPruningCallback(trial, "validation_0-logloss")
    model = xgb.XGBClassifier(n_estimators=5, eval_metric="logloss", n_jobs=1, callbacks=[callback])
    model.fit(X_TRAIN, Y_TRAIN, eval_set=[(X_VALID, Y_VALID)], verbose=False)
    reported = study.tell(trial, 0.0).intermediate_values
    assert list(reported.values()) == pytest.approx(model.evals_result()["validation_0"]["logloss"])
    # clone() deep-copies the callbacks; a copy still reports to the same running trial.
    copied = base.clone(model).callbacks[0]
    assert copied is not callback and copied.trial is trial and isinstance(copied, XGBoostPruningCallback)
    assert copy.deepcopy(callback).observation_key == "validation_0-logloss"


def test_under_xgb_cv_the_mean_over_the_folds_is_reported() -> None:
    study = hs.create_study()
    trial = study.ask()
    result = xgb.cv(PARAMS, xgb.DMatrix(X, Y), num_boost_round=3, nfold=3, seed=0,
                    callbacks=[XGBoostPruningCallback(trial, "test-logloss")])  # fmt: skip
    reported = study.tell(trial, 0.0).intermediate_values
    assert list(reported.values()) == pytest.approx(list(np.asarray(result["test-logloss-mean"])))


def test_a_key_no_evaluation_gives_is_refused_with_the_keys_there_are() -> None:
    trial = hs.create_study().ask()
    dtrain = xgb.DMatrix(X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError, match=r"'validation-auc'.*\['train-logloss'\]"):
        xgb.train(PARAMS, dtrain, 2, evals=[(dtrain, "train")], verbose_eval=False,
                  callbacks=[XGBoostPruningCallback(trial, "validation-auc")])  # fmt: skip
    with pytest.raises(ValueError, match="evaluates nothing"):
        xgb.train(PARAMS, dtrain, 2, callbacks=[XGBoostPruningCallback(trial, "validation-logloss")])


@pytest.mark.parametrize(("trial", "key"), [("not a trial", "validation-logloss"), (None, "x"), ("t", 3), ("t", "")])
def test_bad_arguments_are_refused(trial, key) -> None:
    if trial == "t":
        trial = hs.create_study().ask()
    with pytest.raises(TypeError, match="XGBoostPruningCallback"):
        XGBoostPruningCallback(trial, key)


def test_it_is_an_xgboost_training_callback_that_pickles() -> None:
    callback = XGBoostPruningCallback(hs.trial.FixedTrial({"eta": 0.1}), "validation-logloss")
    assert isinstance(callback, xgb.callback.TrainingCallback)
    again = pickle.loads(pickle.dumps(callback))
    assert isinstance(again, xgb.callback.TrainingCallback) and again.observation_key == "validation-logloss"


def test_hyperscout_and_this_module_import_without_xgboost() -> None:
    code = (
        "import sys; sys.modules['xgboost'] = None\n"  # as if XGBoost were not installed
        "import hyperscout as hs\n"
        "from hyperscout.integrations.xgboost import XGBoostPruningCallback\n"
        "try:\n"
        "    XGBoostPruningCallback(hs.create_study().ask(), 'validation-logloss')\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install -e ".[xgboost]"' in out.stdout
    code = "import sys, hyperscout, hyperscout.integrations.xgboost; print('xgboost' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
