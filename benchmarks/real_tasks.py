"""Real-task benchmark suite (issue 14): tuning scikit-learn models on data that ships with scikit-learn or that it
generates, scored like Bayesmark.

Every task is a ``Problem`` (``problems.py``), so every optimiser adapter of ``runner.py`` runs it unchanged; the
tasks are added to the runner's problem registry when this module is imported. A task is a deterministic function:
k-fold cross-validation (3 folds, ``StratifiedKFold``/``KFold(shuffle=True, random_state=0)``), every model with a
fixed ``random_state``, one thread, data loaded or generated with fixed seeds. Every task is minimised: accuracy as
``1 - accuracy``, log-loss, MSE and MAE as they are (not negated). Convergence warnings are silenced.

Halves (a rule fixed before any result existed, in the first commit of this file): the tasks are in a FIXED order
(``TASKS``); a task with an EVEN index (0, 2, 4, ...) is in the **tune** half, on which defaults may be chosen; a task
with an ODD index (1, 3, 5, ...) is in the **report** half, on which results are reported. Never reorder the list;
add new tasks at its end. Each half has trees, forests/boosting, kernels, linear models, neighbours and an MLP, with
classification and regression metrics.

Tasks (``--list`` prints them with their full search spaces; * = ``StandardScaler`` first, in a pipeline; "y scaled":
the regression target is standardised too, ``TransformedTargetRegressor``):

==  ======  ==========================  ============================================  ==============  ============  ====
 #  half    task                        model                                         data            metric        dims
==  ======  ==========================  ============================================  ==============  ============  ====
 0  tune    dt_wine_acc                 DecisionTreeClassifier                        wine            1 - accuracy  6
 1  report  dt_diabetes_mse             DecisionTreeRegressor                         diabetes        MSE           6
 2  tune    svm_bc_logloss              * SVC(probability=True)                       bc              log-loss      3
 3  report  svm_digits_acc              * SVC                                         digits (600)    1 - accuracy  3
 4  tune    knn_bc_acc                  * KNeighborsClassifier                        bc              1 - accuracy  3
 5  report  knn_friedman1_mse           * KNeighborsRegressor                         friedman1       MSE           3
 6  tune    enet_regression_mse         * ElasticNet                                  regression      MSE           4
 7  report  logreg_bc_logloss           * LogisticRegression(liblinear)               bc              log-loss      3
 8  tune    rf_bc_acc                   RandomForestClassifier                        bc              1 - accuracy  7
 9  report  rf_friedman1_mae            RandomForestRegressor                         friedman1       MAE           7
10  tune    ada_wine_acc                AdaBoostClassifier (stumps)                   wine            1 - accuracy  2
11  report  ada_bc_logloss              AdaBoostClassifier (stumps)                   bc10            log-loss      2
12  tune    mlp_wine_logloss            * MLPClassifier(adam, max_iter=20)            wine            log-loss      7
13  report  mlp_friedman1_mse           * MLPRegressor(adam, max_iter=20), y scaled   friedman1       MSE           7
14  tune    gb_diabetes_mae             GradientBoostingRegressor                     diabetes        MAE           6
15  report  hgb_classification_logloss  HistGradientBoostingClassifier(max_iter=30)   classification  log-loss      6
16  tune    et_friedman2_mse            ExtraTreesRegressor                           friedman2       MSE           7
17  report  et_wine_acc                 ExtraTreesClassifier                          wine            1 - accuracy  7
18  tune    svr_friedman1_mae           * SVR, y scaled                               friedman1       MAE           4
19  report  lasso_diabetes_mae          * Lasso                                       diabetes        MAE           4
==  ======  ==========================  ============================================  ==============  ============  ====

Nine model families (trees, random forests, extra trees, AdaBoost, gradient boosting, SVMs, k-NN, regularised linear
models, MLPs), 11 classification and 9 regression tasks. Data (``DATA_INFO``): wine = ``load_wine`` (178 x 13, 3
classes); bc = ``load_breast_cancer`` (569 x 30); bc10 = its ten "mean" features (AdaBoost fits a stump per feature
per round, this keeps it cheap); digits (600) = 600 of ``load_digits``' 1,797 images, stratified, seed 0; diabetes =
``load_diabetes`` (442 x 10); friedman1 = ``make_friedman1(400, 10 features, noise 1, seed 0)``; friedman2 =
``make_friedman2(400, noise 10, seed 0)``; regression = ``make_regression(300, 60 features, 10 informative, noise 20,
effective_rank 20, seed 0)``; classification = ``make_classification(500, 20 features, 6 informative, 4 redundant,
flip_y 0.05, class_sep 0.8, seed 0)``.

Search spaces, as practitioners write them (after Bayesmark's): trees and forests: ``max_depth`` int 1-15,
``min_samples_split`` 0.01-0.99, ``min_samples_leaf`` 0.01-0.49, ``min_weight_fraction_leaf`` 0.01-0.49,
``max_features`` 0.01-0.99, ``min_impurity_decrease`` 0-0.5 (large fractions and decreases switch the tree off:
plateaus), forests also ``n_estimators`` int 5-25; AdaBoost: ``n_estimators`` int 5-20, ``learning_rate`` 1e-4-1e1
log; SVC: ``C`` 1e-1-1e3 log, ``gamma`` 1e-5-1e0 log, ``tol`` 1e-5-1e-1 log, SVR also ``epsilon`` 1e-3-1 log; k-NN:
``n_neighbors`` int 1-25, ``p`` int 1-4, ``weights`` {uniform, distance}; ElasticNet: ``alpha`` 1e-5-1e5 log (large
values zero the model), ``l1_ratio`` 0.01-0.99, ``tol`` 1e-5-1e-1 log, ``max_iter`` int 10-5000 log; Lasso: the same
without ``l1_ratio``, with ``selection`` {cyclic, random}; LogisticRegression: ``C`` and ``intercept_scaling`` 1e-5-1e5
log, ``tol`` 1e-5-1e-1 log; MLP: ``hidden_layer_sizes`` int 16-128 log (one layer), ``alpha`` 1e-5-1e1 log,
``batch_size`` int 16-256 log, ``learning_rate_init`` 1e-5-1e-1 log, ``tol`` 1e-5-1e-1 log, ``beta_1`` 0.5-0.99,
``beta_2`` 0.9-0.9999; GradientBoosting: ``n_estimators`` int 10-60 log, ``learning_rate`` 1e-3-1 log, ``max_depth``
int 1-8, ``min_samples_leaf`` int 1-50 log, ``subsample`` 0.1-1, ``max_features`` 0.1-1; HistGradientBoosting:
``learning_rate`` 1e-3-1 log, ``max_leaf_nodes`` int 2-64 log, ``max_depth`` int 1-15, ``min_samples_leaf`` int 1-100
log, ``l2_regularization`` 1e-6-1e2 log, ``max_features`` 0.1-1. Caps that keep an evaluation cheap: the forests'
25 trees, AdaBoost's 20 rounds, 20 MLP epochs, 30 HistGradientBoosting iterations, 60 boosting stages.

Cost of an evaluation (seconds, one thread): "quiet" = ``--cost 12`` (12 random points per task after a warm-up,
1-minute load average ~3 on this project's 2-CPU machine, shared); "busy" = the evaluations of the 10 x 40
random-search runs of ``results/real-tasks-random-2026-12-07.json``, made while other jobs kept the load at 4.7-7.0,
so roughly twice as slow:

==========================  ===========  ==========  ==============  =============
task                        quiet mean   quiet max   busy mean       busy max
==========================  ===========  ==========  ==============  =============
dt_wine_acc                 0.007        0.011       0.015           0.083
dt_diabetes_mse             0.005        0.009       0.010           0.030
svm_bc_logloss              0.068        0.111       0.118           0.678
svm_digits_acc              0.045        0.073       0.072           0.154
knn_bc_acc                  0.048        0.118       0.100           0.325
knn_friedman1_mse           0.029        0.042       0.030           0.070
enet_regression_mse         0.011        0.017       0.022           0.059
logreg_bc_logloss           0.034        0.083       0.041           0.114
rf_bc_acc                   0.095        0.133       0.106           0.252
rf_friedman1_mae            0.068        0.127       0.065           0.259
ada_wine_acc                0.072        0.114       0.116           0.296
ada_bc_logloss              0.076        0.118       0.143           0.329
mlp_wine_logloss            0.057        0.088       0.094           0.294
mlp_friedman1_mse           0.072        0.132       0.163           0.843
gb_diabetes_mae             0.065        0.115       0.127           0.455
hgb_classification_logloss  0.080        0.121       0.179           0.750
et_friedman2_mse            0.050        0.086       0.064           0.218
et_wine_acc                 0.047        0.084       0.109           0.299
svr_friedman1_mae           0.034        0.090       0.054           0.654
lasso_diabetes_mae          0.010        0.015       0.014           0.042
==========================  ===========  ==========  ==============  =============

Mean 0.051 s quiet (0.082 s in the busy random run): 10 seeds x 40 evaluations of all 20 tasks cost ~7 min of
objective time per optimiser on one core (~11 min when the machine is busy), the report half alone ~3.5 min.

Known flat tasks (seen in random search's results, after the task list was fixed; kept, as practitioners meet them):
on ``lasso_diabetes_mae`` random search finds the best value (MAE 44.1) on every seed, since every small ``alpha``
gives the same fit, and on ``ada_bc_logloss`` the seeds' final bests differ by < 0.5 %; their scores measure tiny
differences, so read them next to the "best ever" and "random mean" columns.

Score (Bayesmark's normalised score): for a task, ``best_ever`` is the smallest value found by any run of any
optimiser in the results, and ``random_mean`` is the mean over seeds of random search's final best
(``hyperscout-random``, the zero of the scale). A run's score is ``100 * (random_mean - best) / (random_mean -
best_ever)``, floored at -100; 100 means it found the best value ever seen, 0 that it did as well as random search on
average. An optimiser's score on a task is the mean of its seeds' scores. The report also ranks the optimisers by
mean score per task (mean rank per half) and counts "catastrophic" seeds: runs whose final best is worse than random
search's MEDIAN final best on that task. Runs made since 2026-12-07 also record, per evaluation, whether a numeric
parameter lay within 1 % of an edge of its range (``near_edge``; on the log scale for a log parameter), and the
report gives the mean number of trials 10-39 at an edge per seed: the GP's attraction to the edges of the box.

Targets (``--check``, on the report half): hyperscout-auto's mean score >= the best peer's + 5 and the best mean
rank; no seed of hyperscout-auto worse than random search's median on any task.

Usage (``--jobs 1`` is the default; results are the runner's JSON, so ``--reuse``/``--fresh`` work as there)::

    python benchmarks/real_tasks.py --list                       # the task table with full search spaces
    python benchmarks/real_tasks.py --cost 12                    # seconds per evaluation, 12 random points per task
    python benchmarks/real_tasks.py --optimizers hyperscout-random,hyperscout-auto --seeds 2 --tasks even  # smoke
    # the zero of the scale: random search on every task, 10 seeds x 40 evaluations (the defaults)
    python benchmarks/real_tasks.py --optimizers hyperscout-random --tasks all --out random.json
    # hyperscout on the report half (or --tasks all); --reuse of a file not written yet is ignored, so the same
    # line starts a run and resumes it after an interruption
    python benchmarks/real_tasks.py --optimizers hyperscout-auto --tasks report --out hs.json --reuse hs.json
    # peers, one file per optimiser (a file holds one run set: --reuse keeps only the runs of the current command);
    # smac and hebo need the bench venv (benchmarks/README.md), which also runs every other peer
    /work/bench-venv/bin/python benchmarks/real_tasks.py --optimizers smac --tasks report --out smac.json
    # the tables: any number of result files, merged (a later file's run replaces the same task/optimiser/seed)
    python benchmarks/real_tasks.py --from random.json,peers.json,hs.json
    python benchmarks/real_tasks.py --from random.json,peers.json,hs.json --check   # exit 1 when a target is missed
    python benchmarks/real_tasks.py --from a.json,b.json --save merged.json          # one merged file

The scores depend on every run in the merged results (the best value ever found is the best of all of them), so
compare optimisers only within one table. ``--optimizers peers`` = ``optuna-gp, optuna-tpe-mv, skopt-gp, smac, hebo,
bayes_opt, hyperopt-tpe, optuna-tpe``; any name or preset of ``runner.py`` works.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

try:  # ``python -m benchmarks.real_tasks`` or ``python benchmarks/real_tasks.py``
    from . import runner
    from .problems import Param, Params, Problem, categorical, integer
except ImportError:
    import runner  # type: ignore[no-redef]
    from problems import Param, Params, Problem, categorical, integer  # type: ignore[no-redef]

CV_FOLDS = 3

# -- data (cached per process; every generator has a fixed seed) -------------------------------------------------------


@cache
def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    if name == "wine":
        return datasets.load_wine(return_X_y=True)
    if name == "bc":
        return datasets.load_breast_cancer(return_X_y=True)
    if name == "bc10":  # the ten "mean ..." features only: keeps AdaBoost's many stump fits cheap
        X, y = datasets.load_breast_cancer(return_X_y=True)
        return X[:, :10], y
    if name == "digits":  # 600 of the 1,797 images (stratified, fixed seed): keeps an SVC/kNN fit cheap
        X, y = datasets.load_digits(return_X_y=True)
        from sklearn.model_selection import train_test_split

        X, _, y, _ = train_test_split(X, y, train_size=600, stratify=y, random_state=0)
        return X, y
    if name == "diabetes":
        return datasets.load_diabetes(return_X_y=True)
    if name == "friedman1":
        return datasets.make_friedman1(n_samples=400, n_features=10, noise=1.0, random_state=0)
    if name == "friedman2":
        return datasets.make_friedman2(n_samples=400, noise=10.0, random_state=0)
    if name == "regression":  # many features, few informative: regularisation matters
        return datasets.make_regression(
            n_samples=300, n_features=60, n_informative=10, noise=20.0, effective_rank=20, random_state=0
        )
    if name == "classification":
        return datasets.make_classification(
            n_samples=500, n_features=20, n_informative=6, n_redundant=4, flip_y=0.05, class_sep=0.8, random_state=0
        )
    raise ValueError(f"unknown data set {name!r}")


DATA_INFO = {
    "wine": "load_wine: 178 x 13, 3 classes",
    "bc": "load_breast_cancer: 569 x 30, 2 classes",
    "bc10": "load_breast_cancer, its 10 'mean' features: 569 x 10, 2 classes",
    "digits": "load_digits, 600 of 1,797 (stratified, seed 0): 600 x 64, 10 classes",
    "diabetes": "load_diabetes: 442 x 10",
    "friedman1": "make_friedman1(400, 10 features, noise 1, seed 0)",
    "friedman2": "make_friedman2(400, noise 10, seed 0)",
    "regression": "make_regression(300, 60 features, 10 informative, noise 20, effective_rank 20, seed 0)",
    "classification": "make_classification(500, 20 features, 6 informative, 4 redundant, flip_y 0.05, seed 0)",
}

METRICS = {  # name -> (scikit-learn scorer, sign to turn the scorer's value into a loss, offset)
    "acc": ("accuracy", -1.0, 1.0),  # 1 - accuracy
    "logloss": ("neg_log_loss", -1.0, 0.0),
    "mse": ("neg_mean_squared_error", -1.0, 0.0),
    "mae": ("neg_mean_absolute_error", -1.0, 0.0),
}
METRIC_INFO = {"acc": "1 - accuracy", "logloss": "log-loss", "mse": "MSE", "mae": "MAE"}


def _cv_loss(model: Any, data: str, metric: str, classification: bool) -> float:
    """The mean 3-fold CV loss of ``model`` on ``data`` (fixed shuffled folds)."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    X, y = _data(data)
    folds = (StratifiedKFold if classification else KFold)(n_splits=CV_FOLDS, shuffle=True, random_state=0)
    scorer, sign, offset = METRICS[metric]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning, degenerate fits
        scores = cross_val_score(model, X, y, cv=folds, scoring=scorer, n_jobs=1, error_score="raise")
    loss = offset + sign * float(np.mean(scores))
    return loss if math.isfinite(loss) else 1e12  # never seen, but keep every value finite for every optimiser


def _scaled(model: Any) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), model)


def _scaled_target(model: Any) -> Any:
    """Standardised features and target (SVR's epsilon and an MLP's initial scale assume a unit-scale target)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    return TransformedTargetRegressor(_scaled(model), transformer=StandardScaler())


# -- model families: each builds an estimator from a params dict ------------------------------------------------------


def _tree_kwargs(p: Params) -> dict[str, Any]:
    return {
        "max_depth": int(p["max_depth"]),
        "min_samples_split": float(p["min_samples_split"]),
        "min_samples_leaf": float(p["min_samples_leaf"]),
        "min_weight_fraction_leaf": float(p["min_weight_fraction_leaf"]),
        "max_features": float(p["max_features"]),
        "min_impurity_decrease": float(p["min_impurity_decrease"]),
    }


def _tree_space() -> tuple[Param, ...]:
    """Bayesmark's decision-tree space: large fractions and impurity decreases switch the tree off (plateaus)."""
    return (
        integer("max_depth", 1, 15),
        Param("min_samples_split", 0.01, 0.99),
        Param("min_samples_leaf", 0.01, 0.49),
        Param("min_weight_fraction_leaf", 0.01, 0.49),
        Param("max_features", 0.01, 0.99),
        Param("min_impurity_decrease", 0.0, 0.5),
    )


def _dt(classification: bool) -> Callable[[Params], Any]:
    def build(p: Params) -> Any:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        cls = DecisionTreeClassifier if classification else DecisionTreeRegressor
        return cls(**_tree_kwargs(p), random_state=0)

    return build


def _forest(kind: str, classification: bool) -> Callable[[Params], Any]:
    def build(p: Params) -> Any:
        from sklearn import ensemble

        name = {"rf": "RandomForest", "et": "ExtraTrees"}[kind] + ("Classifier" if classification else "Regressor")
        return getattr(ensemble, name)(n_estimators=int(p["n_estimators"]), **_tree_kwargs(p), random_state=0, n_jobs=1)

    return build


def _forest_space() -> tuple[Param, ...]:
    return (integer("n_estimators", 5, 25), *_tree_space())


def _ada(classification: bool) -> Callable[[Params], Any]:
    def build(p: Params) -> Any:
        from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor

        cls = AdaBoostClassifier if classification else AdaBoostRegressor
        return cls(n_estimators=int(p["n_estimators"]), learning_rate=float(p["learning_rate"]), random_state=0)

    return build


_ADA_SPACE = (integer("n_estimators", 5, 20), Param("learning_rate", 1e-4, 1e1, log=True))


def _gb(p: Params) -> Any:
    from sklearn.ensemble import GradientBoostingRegressor

    return GradientBoostingRegressor(
        n_estimators=int(p["n_estimators"]),
        learning_rate=float(p["learning_rate"]),
        max_depth=int(p["max_depth"]),
        min_samples_leaf=int(p["min_samples_leaf"]),
        subsample=float(p["subsample"]),
        max_features=float(p["max_features"]),
        random_state=0,
    )


_GB_SPACE = (
    integer("n_estimators", 10, 60, log=True),
    Param("learning_rate", 1e-3, 1.0, log=True),
    integer("max_depth", 1, 8),
    integer("min_samples_leaf", 1, 50, log=True),
    Param("subsample", 0.1, 1.0),
    Param("max_features", 0.1, 1.0),
)


def _hgb(p: Params) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=30,
        learning_rate=float(p["learning_rate"]),
        max_leaf_nodes=int(p["max_leaf_nodes"]),
        max_depth=int(p["max_depth"]),
        min_samples_leaf=int(p["min_samples_leaf"]),
        l2_regularization=float(p["l2_regularization"]),
        max_features=float(p["max_features"]),
        early_stopping=False,
        random_state=0,
    )


_HGB_SPACE = (
    Param("learning_rate", 1e-3, 1.0, log=True),
    integer("max_leaf_nodes", 2, 64, log=True),
    integer("max_depth", 1, 15),
    integer("min_samples_leaf", 1, 100, log=True),
    Param("l2_regularization", 1e-6, 1e2, log=True),
    Param("max_features", 0.1, 1.0),
)


def _svc(probability: bool) -> Callable[[Params], Any]:
    def build(p: Params) -> Any:
        from sklearn.svm import SVC

        return _scaled(
            SVC(C=float(p["C"]), gamma=float(p["gamma"]), tol=float(p["tol"]), probability=probability, random_state=0)
        )

    return build


_SVC_SPACE = (
    Param("C", 1e-1, 1e3, log=True),
    Param("gamma", 1e-5, 1e0, log=True),
    Param("tol", 1e-5, 1e-1, log=True),
)


def _svr(p: Params) -> Any:
    from sklearn.svm import SVR

    return _scaled_target(
        SVR(C=float(p["C"]), gamma=float(p["gamma"]), epsilon=float(p["epsilon"]), tol=float(p["tol"]))
    )


_SVR_SPACE = (*_SVC_SPACE[:2], Param("epsilon", 1e-3, 1e0, log=True), _SVC_SPACE[2])


def _knn(classification: bool) -> Callable[[Params], Any]:
    def build(p: Params) -> Any:
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

        cls = KNeighborsClassifier if classification else KNeighborsRegressor
        return _scaled(cls(n_neighbors=int(p["n_neighbors"]), p=int(p["p"]), weights=p["weights"]))

    return build


_KNN_SPACE = (integer("n_neighbors", 1, 25), integer("p", 1, 4), categorical("weights", ("uniform", "distance")))


def _enet(p: Params) -> Any:
    from sklearn.linear_model import ElasticNet

    return _scaled(
        ElasticNet(
            alpha=float(p["alpha"]),
            l1_ratio=float(p["l1_ratio"]),
            tol=float(p["tol"]),
            max_iter=int(p["max_iter"]),
            random_state=0,
        )
    )


_ENET_SPACE = (
    Param("alpha", 1e-5, 1e5, log=True),
    Param("l1_ratio", 0.01, 0.99),
    Param("tol", 1e-5, 1e-1, log=True),
    integer("max_iter", 10, 5000, log=True),
)


def _lasso(p: Params) -> Any:
    from sklearn.linear_model import Lasso

    return _scaled(
        Lasso(
            alpha=float(p["alpha"]),
            tol=float(p["tol"]),
            max_iter=int(p["max_iter"]),
            selection=p["selection"],
            random_state=0,
        )
    )


_LASSO_SPACE = (
    Param("alpha", 1e-5, 1e5, log=True),
    Param("tol", 1e-5, 1e-1, log=True),
    integer("max_iter", 10, 5000, log=True),
    categorical("selection", ("cyclic", "random")),
)


def _logreg(p: Params) -> Any:
    from sklearn.linear_model import LogisticRegression

    return _scaled(
        LogisticRegression(
            C=float(p["C"]),
            intercept_scaling=float(p["intercept_scaling"]),
            tol=float(p["tol"]),
            solver="liblinear",
            random_state=0,
        )
    )


_LOGREG_SPACE = (
    Param("C", 1e-5, 1e5, log=True),
    Param("intercept_scaling", 1e-5, 1e5, log=True),
    Param("tol", 1e-5, 1e-1, log=True),
)


def _mlp(classification: bool) -> Callable[[Params], Any]:
    def build(p: Params) -> Any:
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        cls = MLPClassifier if classification else MLPRegressor
        model = cls(
            hidden_layer_sizes=(int(p["hidden_layer_sizes"]),),
            alpha=float(p["alpha"]),
            batch_size=int(p["batch_size"]),
            learning_rate_init=float(p["learning_rate_init"]),
            tol=float(p["tol"]),
            beta_1=float(p["beta_1"]),
            beta_2=float(p["beta_2"]),
            solver="adam",
            max_iter=MLP_MAX_ITER,
            random_state=0,
        )
        return _scaled(model) if classification else _scaled_target(model)

    return build


#: Epochs at most per MLP fit: the cap that keeps an evaluation cheap (tol ends most fits earlier).
MLP_MAX_ITER = 20

_MLP_SPACE = (
    integer("hidden_layer_sizes", 16, 128, log=True),
    Param("alpha", 1e-5, 1e1, log=True),
    integer("batch_size", 16, 256, log=True),
    Param("learning_rate_init", 1e-5, 1e-1, log=True),
    Param("tol", 1e-5, 1e-1, log=True),
    Param("beta_1", 0.5, 0.99),
    Param("beta_2", 0.9, 0.9999),
)


# -- the tasks, in a FIXED order: even index = tune half, odd index = report half -------------------------------------

#: (name, model description, data, metric, classification, builder, space)
_SPECS: list[tuple[str, str, str, str, bool, Callable[[Params], Any], tuple[Param, ...]]] = [
    ("dt_wine_acc", "DecisionTreeClassifier", "wine", "acc", True, _dt(True), _tree_space()),  # 0 tune
    ("dt_diabetes_mse", "DecisionTreeRegressor", "diabetes", "mse", False, _dt(False), _tree_space()),  # 1 report
    ("svm_bc_logloss", "StandardScaler + SVC(probability)", "bc", "logloss", True, _svc(True), _SVC_SPACE),  # 2
    ("svm_digits_acc", "StandardScaler + SVC", "digits", "acc", True, _svc(False), _SVC_SPACE),  # 3
    ("knn_bc_acc", "StandardScaler + KNeighborsClassifier", "bc", "acc", True, _knn(True), _KNN_SPACE),  # 4
    ("knn_friedman1_mse", "StandardScaler + KNeighborsRegressor", "friedman1", "mse", False, _knn(False), _KNN_SPACE),
    ("enet_regression_mse", "StandardScaler + ElasticNet", "regression", "mse", False, _enet, _ENET_SPACE),  # 6
    ("logreg_bc_logloss", "StandardScaler + LogisticRegression(liblinear)", "bc", "logloss", True, _logreg,
     _LOGREG_SPACE),  # 7
    ("rf_bc_acc", "RandomForestClassifier", "bc", "acc", True, _forest("rf", True), _forest_space()),  # 8
    ("rf_friedman1_mae", "RandomForestRegressor", "friedman1", "mae", False, _forest("rf", False), _forest_space()),
    ("ada_wine_acc", "AdaBoostClassifier (stumps)", "wine", "acc", True, _ada(True), _ADA_SPACE),  # 10
    ("ada_bc_logloss", "AdaBoostClassifier (stumps)", "bc10", "logloss", True, _ada(True), _ADA_SPACE),  # 11
    ("mlp_wine_logloss", "StandardScaler + MLPClassifier(adam)", "wine", "logloss", True, _mlp(True), _MLP_SPACE),
    ("mlp_friedman1_mse", "StandardScaler + MLPRegressor(adam), scaled target", "friedman1", "mse", False,
     _mlp(False), _MLP_SPACE),  # 13
    ("gb_diabetes_mae", "GradientBoostingRegressor", "diabetes", "mae", False, _gb, _GB_SPACE),  # 14
    ("hgb_classification_logloss", "HistGradientBoostingClassifier(max_iter=30)", "classification", "logloss", True,
     _hgb, _HGB_SPACE),  # 15
    ("et_friedman2_mse", "ExtraTreesRegressor", "friedman2", "mse", False, _forest("et", False), _forest_space()),
    ("et_wine_acc", "ExtraTreesClassifier", "wine", "acc", True, _forest("et", True), _forest_space()),  # 17
    ("svr_friedman1_mae", "StandardScaler + SVR, scaled target", "friedman1", "mae", False, _svr, _SVR_SPACE),  # 18
    ("lasso_diabetes_mae", "StandardScaler + Lasso", "diabetes", "mae", False, _lasso, _LASSO_SPACE),  # 19
]  # fmt: skip


def _objective(
    task: str, build: Callable[[Params], Any], data: str, metric: str, classification: bool
) -> Callable[[Params], float]:
    def objective(params: Params) -> float:
        _EDGES.append(_near_edge(task, params))
        return _cv_loss(build(params), data, metric, classification)

    return objective


#: Per evaluation of the current run (in this process): whether a numeric parameter lay within 1 % of an edge of
#: its range. ``run_one`` below resets it and stores it with the run as ``near_edge``.
_EDGES: list[bool] = []
EDGE_MARGIN = 0.01
EDGE_TRIALS = (10, 40)  # trials 10-39: after the start-up design of the model-based samplers, within the budget


def _near_edge(task: str, params: Params) -> bool:
    """Whether a numeric parameter of ``params`` lies within 1 % of an edge of its range (log scale if log)."""
    for p in SPEC[task][6]:
        if p.kind == "categorical" or p.name not in params or p.high <= p.low:
            continue
        v = float(params[p.name])
        if p.log:
            u = (math.log(v) - math.log(p.low)) / (math.log(p.high) - math.log(p.low))
        else:
            u = (v - p.low) / (p.high - p.low)
        if min(u, 1.0 - u) <= EDGE_MARGIN:
            return True
    return False


TASKS: list[Problem] = [
    Problem(
        name,
        space,
        _objective(name, build, data, metric, classification),
        None,
        f"{model} on {DATA_INFO[data]}; 3-fold CV {METRIC_INFO[metric]}",
    )
    for name, model, data, metric, classification, build, space in _SPECS
]
TUNE = [t.name for i, t in enumerate(TASKS) if i % 2 == 0]
REPORT = [t.name for i, t in enumerate(TASKS) if i % 2 == 1]
HALF = {**dict.fromkeys(TUNE, "tune"), **dict.fromkeys(REPORT, "report")}
SPEC = {s[0]: s for s in _SPECS}


def register() -> None:
    """Add the tasks to the runner's problem registry (idempotent), so its workers and adapters find them."""
    for task in TASKS:
        runner.PROBLEMS.setdefault(task.name, task)


register()

_RUN_ONE = runner.run_one


def _run_one_with_edges(problem_name: str, optimizer_name: str, seed: int, budget: int) -> dict[str, Any]:
    """``runner.run_one``, and for a task of this suite, which evaluations had a parameter at an edge (``near_edge``).

    Installed as ``runner.run_one`` when this module is imported (and so in the runner's worker processes, which
    fork from this one): the runner records values only, and the edge statistic needs the parameters.
    """
    _EDGES.clear()
    result = _RUN_ONE(problem_name, optimizer_name, seed, budget)
    if problem_name in HALF and len(_EDGES) == len(result["values"]):
        result["near_edge"] = list(_EDGES)
    return result


runner.run_one = _run_one_with_edges

# -- the command line: run (through runner.py's machinery), cost, report ---------------------------------------------

RANDOM = "hyperscout-random"
AUTO = "hyperscout-auto"
#: The peers of issue 14, in the order of the tables (``--optimizers peers``); smac and hebo need their own venv.
PEERS = ("optuna-gp", "optuna-tpe-mv", "skopt-gp", "smac", "hebo", "bayes_opt", "hyperopt-tpe", "optuna-tpe")
PRESETS = {**runner.PRESETS, "peers": PEERS}
SELECTIONS = {"all": [t.name for t in TASKS], "even": TUNE, "tune": TUNE, "odd": REPORT, "report": REPORT}
SEEDS, BUDGET = 10, 40


def _task_names(text: str) -> list[str]:
    names: list[str] = []
    for part in (n.strip() for n in text.split(",") if n.strip()):
        names += SELECTIONS.get(part, [part])
    unknown = [n for n in names if n not in HALF]
    if unknown:
        raise SystemExit(f"unknown tasks: {', '.join(unknown)}; choose from {', '.join([*SELECTIONS, *HALF])}")
    return list(dict.fromkeys(names))


def task_table() -> str:
    rows = []
    for i, t in enumerate(TASKS):
        name, model, data, metric, _, _, space = SPEC[t.name]
        params = ", ".join(
            f"{p.name} {'{' + '/'.join(p.choices) + '}' if p.kind == 'categorical' else f'{p.low:g}-{p.high:g}'}"
            + (" int" if p.kind == "int" else "")
            + (" log" if p.log else "")
            for p in space
        )
        rows.append([str(i), HALF[name], name, model, data, METRIC_INFO[metric], str(len(space)), params])
    return runner._table(["#", "half", "task", "model", "data", "metric", "dims", "space"], rows)


def _random_point(problem: Problem, rng: np.random.Generator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in problem.params:
        if p.kind == "categorical":
            out[p.name] = p.choices[int(rng.integers(len(p.choices)))]
            continue
        v = math.exp(rng.uniform(math.log(p.low), math.log(p.high))) if p.log else rng.uniform(p.low, p.high)
        out[p.name] = int(min(max(round(v), p.low), p.high)) if p.kind == "int" else float(v)
    return out


def measure_cost(tasks: list[str], n: int) -> str:
    """Seconds per evaluation at ``n`` uniformly random points per task (after one untimed warm-up evaluation)."""
    runner._init_worker([], warm_up=False)
    rng = np.random.default_rng(0)
    rows, total = [], 0.0
    for name in tasks:
        task = runner.PROBLEMS[name]
        task(_random_point(task, rng))
        times = []
        for _ in range(n):
            point = _random_point(task, rng)
            start = time.perf_counter()
            task(point)
            times.append(time.perf_counter() - start)
        total += float(np.mean(times))
        rows.append([name, HALF[name], f"{np.mean(times):.3f}", f"{np.max(times):.3f}"])
        runner._log(f"{name}: mean {np.mean(times):.3f} s, max {np.max(times):.3f} s")
    head = f"Seconds per evaluation, {n} random points per task (one thread):\n\n"
    foot = f"\n\nMean over tasks {total / len(tasks):.3f} s: {SEEDS} seeds x {BUDGET} evaluations of these tasks "
    foot += f"cost ~{total * SEEDS * BUDGET / 60:.1f} min of objective time per optimiser."
    return head + runner._table(["task", "half", "mean s", "max s"], rows) + foot


def warm_up(tasks: list[str]) -> None:
    """One untimed evaluation of each task (loads its data, imports its model's modules)."""
    rng = np.random.default_rng(0)
    for name in tasks:
        task = runner.PROBLEMS[name]
        task(_random_point(task, rng))


def _merge(paths: list[str]) -> dict[str, Any]:
    """Saved results merged: a run of a later file replaces the same (task, optimiser, seed, budget) of an earlier."""
    runs: dict[tuple[str, str, str, int, int], dict[str, Any]] = {}
    metas = []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        metas.append({**data["meta"], "file": path, "merged": "merged_from" in data["meta"]})
        metas += [{**m, "optimizers": []} for m in data["meta"].get("merged_from", [])]  # its sources, for the header
        for r in data["runs"]:
            runs[runner._key(r)] = r
    return {"metas": metas, "runs": list(runs.values())}


def _as_results(data: dict[str, Any]) -> dict[str, Any]:
    """Merged results in the runner's format (one ``meta``), so that ``--reuse`` and ``--from`` take them."""
    metas = data["metas"]
    meta = {k: v for k, v in metas[0].items() if k not in ("file", "merged")}
    meta["optimizers"] = list(dict.fromkeys(o for m in metas for o in m.get("optimizers", [])))
    meta["problems"] = [t.name for t in TASKS if any(t.name in m.get("problems", []) for m in metas)]
    meta["problem_info"] = {k: v for m in metas for k, v in m.get("problem_info", {}).items()}
    meta["seeds"] = max(m.get("seeds", 0) for m in metas)
    meta["merged_from"] = [
        {k: m.get(k) for k in ("file", "created", "argv", "hyperscout_git", "versions", "platform")}
        for m in metas
        if not m.get("merged")
    ]
    return {"meta": meta, "runs": data["runs"]}


def _pts(x: float) -> str:
    """A score with one decimal, without the "-0.0" of a tiny negative mean."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _score(best: float, zero: float, top: float) -> float:
    if zero - top <= 0:  # random search found the best value ever on every seed
        return 0.0 if best <= top else -100.0
    return max(-100.0, 100.0 * (zero - best) / (zero - top))


def summarise(data: dict[str, Any], budget: int | None = None) -> tuple[str, dict[str, Any]]:
    """The markdown tables of (merged) results, and the facts the targets are judged on."""
    main = [r for r in data["runs"] if r.get("kind", "main") == "main" and r["problem"] in HALF]
    if budget is None:
        budgets = [r["budget"] for r in main]
        budget = max(set(budgets), key=budgets.count) if budgets else BUDGET
    runs = [r for r in main if r["budget"] == budget and r["best"] is not None]
    failed = [r for r in runs if r["error"]]
    tasks = [t.name for t in TASKS if any(r["problem"] == t.name for r in runs)]
    order = [o for m in data["metas"] for o in m.get("optimizers", [])]
    order += [r["optimizer"] for r in runs]
    optimizers = [o for o in dict.fromkeys(order) if any(r["optimizer"] == o for r in runs)]
    out: list[str] = []
    facts: dict[str, Any] = {"score": {}, "mean_score": {}, "mean_rank": {}, "catastrophic": {}, "targets": []}

    out.append(f"Real-task suite, {budget} evaluations per run. Results from:\n")
    for m in data["metas"]:
        if not m.get("merged"):
            out.append(
                f"- {m['file']}: {m.get('created', '?')}, hyperscout git {m.get('hyperscout_git') or '?'}: "
                f"`{' '.join(m.get('argv', []))}`"
            )
    out.append("")
    if RANDOM not in optimizers:
        out.append(f"No {RANDOM} runs: the scores need random search as their zero; only the raw table follows.\n")

    by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in runs:
        by.setdefault((r["problem"], r["optimizer"]), []).append(r)
    for group in by.values():
        group.sort(key=lambda r: r["seed"])
    best_ever = {t: min(r["best"] for r in runs if r["problem"] == t) for t in tasks}
    rand = {t: [r["best"] for r in by.get((t, RANDOM), [])] for t in tasks}
    scored = [t for t in tasks if rand[t]]
    zero = {t: float(np.mean(rand[t])) for t in scored}
    median = {t: float(np.median(rand[t])) for t in scored}

    # Per task: the scale, then each optimiser's mean score over its seeds.
    rows = []
    for t in tasks:
        row = [t, HALF[t], runner._fmt(best_ever[t]), runner._fmt(zero.get(t)), runner._fmt(median.get(t))]
        for o in optimizers:
            group = by.get((t, o), [])
            if not group or t not in zero:
                row.append("–")
                continue
            scores = [_score(r["best"], zero[t], best_ever[t]) for r in group]
            facts["score"][(t, o)] = float(np.mean(scores))
            cell = _pts(float(np.mean(scores)))
            cell += f" (n={len(group)})" if len(group) != SEEDS else ""
            row.append(cell)
        rows.append(row)
    out.append(
        "Normalised score per task (mean over seeds; 100 = the best value any run found, 0 = random search's mean "
        "final best, each seed floored at -100):\n"
    )
    out.append(runner._table(["task", "half", "best ever", "random mean", "random median", *optimizers], rows))

    # Per half: mean score and mean rank (ranks of the mean scores, per task, among the optimisers that ran it all).
    half_rows = []
    for half, names in (("tune", TUNE), ("report", REPORT)):
        names = [t for t in names if t in scored]
        if not names:
            continue
        full = [o for o in optimizers if all((t, o) in facts["score"] for t in names)]
        means = {o: float(np.mean([facts["score"][(t, o)] for t in names])) for o in full}
        ranks = dict.fromkeys(full, 0.0)
        for t in names:
            for o, rk in zip(full, runner._ranks([-facts["score"][(t, o)] for o in full]), strict=True):
                ranks[o] += rk / len(names)
        facts["mean_score"][half], facts["mean_rank"][half] = means, ranks
        half_rows.append(
            [f"{half} half ({len(names)} tasks): mean score"]
            + [_pts(means[o]) if o in means else "–" for o in optimizers]
        )
        half_rows.append([f"{half} half: mean rank"] + [f"{ranks[o]:.2f}" if o in ranks else "–" for o in optimizers])
    if half_rows:
        out.append(
            "\nPer half (only optimisers that ran every task of the half; rank 1 = best mean score on a task):\n"
        )
        out.append(runner._table(["", *optimizers], half_rows))

    # Catastrophic seeds: a final best worse than random search's median on the task.
    if scored:
        crows = []
        for o in optimizers:
            bad = [(t, r["seed"]) for t in scored for r in by.get((t, o), []) if r["best"] > median[t]]
            n = sum(len(by.get((t, o), [])) for t in scored)
            facts["catastrophic"][o] = bad
            shown = 12 if o == RANDOM else 60  # random search is there half the time by definition
            where = ", ".join(f"{t}:{s}" for t, s in bad[:shown])
            where += f" and {len(bad) - shown} more" if len(bad) > shown else ""
            crows.append([o, f"{len(bad)} / {n}", where or "none"])
        out.append("\nCatastrophic seeds: runs whose final best is worse than random search's median on the task:\n")
        out.append(runner._table(["optimiser", "runs", "which (task:seed)"], crows))

    # Attraction to the edges of the box, where the runs recorded it (``near_edge``).
    lo, hi = EDGE_TRIALS
    edged = [r for r in runs if len(r.get("near_edge") or []) >= hi]
    if edged:
        eopts = [o for o in optimizers if any(r["optimizer"] == o for r in edged)]
        erows = []
        for t in tasks:
            row = [t, HALF[t]]
            for o in eopts:
                counts = [sum(r["near_edge"][lo:hi]) for r in edged if r["problem"] == t and r["optimizer"] == o]
                row.append(f"{np.mean(counts):.1f}" if counts else "–")
            erows.append(row)
        for half, names in (("tune", TUNE), ("report", REPORT)):
            row = [f"{half} half: mean", ""]
            for o in eopts:
                counts = [sum(r["near_edge"][lo:hi]) for r in edged if r["problem"] in names and r["optimizer"] == o]
                row.append(f"{np.mean(counts):.1f}" if counts else "–")
            erows.append(row)
        out.append(
            f"\nTrials {lo}-{hi - 1} (of {hi - lo}) with a numeric parameter within {EDGE_MARGIN:.0%} of an edge of "
            "its range (its log range for a log parameter), mean per seed:\n"
        )
        out.append(runner._table(["task", "half", *eopts], erows))

    # Cost of an evaluation, from random search's runs.
    cost = [r for r in runs if r["optimizer"] == RANDOM and r.get("eval_times")]
    if cost:
        crows, total = [], 0.0
        for t in tasks:
            times = [x for r in cost if r["problem"] == t for x in r["eval_times"]]
            if times:
                total += float(np.mean(times))
                crows.append([t, HALF[t], f"{np.mean(times):.3f}", f"{np.max(times):.3f}"])
        loads = [r["load_average"] for r in cost if r.get("load_average") is not None]
        load = f"; 1-minute load average at the end of the runs: median {np.median(loads):.1f}" if loads else ""
        out.append(f"\nSeconds per evaluation, from {RANDOM}'s runs (one thread{load}, on {os.cpu_count()} CPUs):\n")
        out.append(runner._table(["task", "half", "mean s", "max s"], crows))
        out.append(
            f"\nAll {len(crows)} tasks x {SEEDS} seeds x {BUDGET} evaluations: ~{total * SEEDS * BUDGET / 60:.1f} min "
            "of objective time per optimiser."
        )
    own = {o: [r["optimizer_time"] for r in runs if r["optimizer"] == o] for o in optimizers}
    out.append(
        "\nOptimiser's own time per run (median s): "
        + ", ".join(f"{o} {np.median(v):.2f}" for o, v in own.items() if v)
    )

    # Targets (report half).
    out.append("\nTargets (report half):\n")
    targets = _targets(facts, optimizers)
    for text, met in targets:
        out.append(f"- {'MET' if met else ('NOT MET' if met is False else 'N/A')}: {text}")
    facts["targets"] = targets
    if failed:
        out.append("\nFailed runs (their values so far are scored; the report keeps them):\n")
        for r in failed[:20]:
            out.append(f"- {r['optimizer']} on {r['problem']} seed {r['seed']}: {r['error'].strip().splitlines()[-1]}")
    return "\n".join(out), facts


def _targets(facts: dict[str, Any], optimizers: list[str]) -> list[tuple[str, bool | None]]:
    means, ranks = facts["mean_score"].get("report", {}), facts["mean_rank"].get("report", {})
    out: list[tuple[str, bool | None]] = []
    if AUTO not in means:
        return [(f"{AUTO} did not run every task of the report half", None)]
    peers = {o: s for o, s in means.items() if not o.startswith("hyperscout-")}
    if peers:
        best = max(peers, key=peers.__getitem__)
        text = f"{AUTO}'s mean score ({means[AUTO]:.1f}) >= the best peer's + 5 ({best} {peers[best]:.1f})"
        out.append((text, means[AUTO] >= peers[best] + 5))
    else:
        out.append(("no peer ran every task of the report half", None))
    best_rank = min(r for o, r in ranks.items() if o != AUTO) if len(ranks) > 1 else math.inf
    text = f"{AUTO} has the best mean rank ({ranks[AUTO]:.2f}; best other {best_rank:.2f})"
    out.append((text, ranks[AUTO] <= best_rank))
    bad = facts["catastrophic"].get(AUTO, [])
    report_bad = [b for b in bad if HALF[b[0]] == "report"]
    text = f"no seed of {AUTO} worse than random search's median on any task ({len(bad)} such runs in all"
    text += f", {len(report_bad)} on the report half)"
    out.append((text, not bad))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default="all", help="all, even|tune, odd|report, or comma-separated task names")
    parser.add_argument(
        "--optimizers",
        default=f"{RANDOM},{AUTO}",
        help="comma-separated runner optimisers or presets (" + "; ".join(f"{k}" for k in PRESETS) + ")",
    )
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"seeds 0..N-1 (default {SEEDS})")
    parser.add_argument("--budget", type=int, default=BUDGET, help=f"evaluations per run (default {BUDGET})")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--out", default="real_tasks_results.json", help="where to save raw results")
    parser.add_argument(
        "--reuse",
        metavar="JSON",
        help="take the runs already in these results (resume); ignored while it does not exist",
    )
    parser.add_argument("--fresh", help="with --reuse: optimisers to run again all the same")
    parser.add_argument("--from", dest="from_", metavar="JSON[,JSON...]", help="print the tables of saved results")
    parser.add_argument(
        "--save", metavar="JSON", help="with --from: also save the merged results as one file (usable with --reuse)"
    )
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--list", action="store_true", help="print the task table and exit")
    parser.add_argument("--cost", type=int, nargs="?", const=20, metavar="N", help="time N random evaluations per task")
    args = parser.parse_args(argv)

    if args.list:
        print(task_table())
        return 0
    tasks = _task_names(args.tasks)
    if args.cost:
        print(measure_cost(tasks, args.cost))
        return 0
    if args.from_:
        data = _merge([p for p in args.from_.split(",") if p])
        if args.save:
            runner._save(_as_results(data), args.save)
    else:
        ns = argparse.Namespace(
            seeds=args.seeds,
            budget=args.budget,
            quick=False,
            timing=False,
            problems=",".join(tasks),
            optimizers=",".join(runner._names(args.optimizers, runner.OPTIMIZERS, "optimizers", PRESETS)),
            jobs=args.jobs,
            reuse=args.reuse if args.reuse and (args.fresh or os.path.exists(args.reuse)) else None,
            fresh=args.fresh,
            out=args.out,
        )
        if args.jobs == 1:  # load the data and import the models now, not in the first (timed) evaluation of a task
            warm_up(tasks)
        saved = runner._run(ns)
        data = {"metas": [{**saved["meta"], "file": args.out}], "runs": saved["runs"]}
    report, facts = summarise(data)
    print(report)
    if args.check and any(met is False for _, met in facts["targets"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
