"""Pruners on learning curves that cross: recorded real curves and parametric families, replayed exactly.

Every pruner here ranks trials by their score so far, so a slow learner that ends highest can be stopped early.
This benchmark measures what that costs. A *family* maps a configuration to a 27-epoch curve of validation accuracy:

* ``digits``: real curves, recorded once (``--record``) by training scikit-learn's ``MLPClassifier`` with
  ``partial_fit`` on the 8x8 digits that ship with scikit-learn, one epoch per call, over the full grid of
  ``optimizer x learning_rate x batch_size x width x alpha`` below, and stored in
  ``benchmarks/data/curves-digits.json.gz``.
  The search space is categorical over each parameter's grid, so every trial is a recorded configuration.
* ``tabular``: real curves of the same grid on a generated tabular problem (``make_classification``: 3000 samples,
  20 features, 4 classes, some label noise; ``--record tabular``), stored in ``benchmarks/data/curves-tabular.json.gz``.
  A second real family, for the tuning split only, so that choices are checked on real curves other than digits.
* ``crossing``, ``mild``, ``no-crossing``: parametric curves ``y(t) = y0 + (A - y0) * phi(t)`` with
  ``phi(t) = (1 - exp(-t / tau)) / (1 - exp(-27 / tau))``, so ``y(27) = A`` exactly. The final value ``A`` falls
  with the distance of ``(log learning rate, regularisation)`` from an optimum; the time constant ``tau`` (1 to 30
  epochs) is tied to ``A`` by the family's *crossing* knob ``k``: ``log tau = log 30 * (k * q + (1 - k) / 2)`` with
  ``q`` the configuration's quality in ``[0, 1]``. ``k = 1`` (``crossing``): the better the final value, the slower
  the curve, so early ranks are reversed; ``k = 0.5`` (``mild``); ``k = -1`` (``no-crossing``): the best are also
  the fastest, ranks never change. A deterministic per-(configuration, epoch) noise of 0.3 points is added.
  ``crossing:N`` (``N >= 1``) is another *instance* of a parametric family: the optimum ``(log learning rate,
  regularisation)``, the best final value and its spread are drawn from ``N``, and so is the noise. Instance 0 (the
  plain name) is the family as first defined; instance 1 is the tuning split, instance 2 the hold-out.

A trial suggests the family's parameters, reports the curve epoch by epoch and stops where the pruner says. Each
(family, pruner, seed) is one study of ``--trials`` trials (60) under TPE seeded with the seed (hyperscout's
``TPESampler`` for hyperscout's pruners, Optuna's for Optuna's), against the study of the same library and seed
without pruning. Reported per family and pruner, over the seeds: the fraction of the epochs of the unpruned study
used, and the points of accuracy lost (best final value of a complete trial of the unpruned study minus that of the
pruned one, times 100), median and worst. With ``pause=True`` a paused trial that is promoted continues where it
stopped, so each epoch is counted once.

Pruner rows named ``optuna-tpe:<pruner>`` run hyperscout's pruner inside an Optuna study, under Optuna's TPE, so
that they compare with Optuna's pruners under the same sampler: how many epochs a pruner can save depends on the
sampler (one that settles on the best region leaves fewer trials below the median), and the ``optuna-*`` rows run
under Optuna's sampler, the plain rows under hyperscout's.

Split: the defaults of the pruners' rank check were chosen on the ``mild`` family with seeds 100-104, fixed before
any tuning; later variants were compared on ``--tune`` (``mild``, ``crossing:1`` and ``no-crossing:1``, seeds
100-109; ``tabular`` from 2026-12-08 on). The report uses the other families and seeds 0-9; ``--holdout`` runs
``crossing:2`` and ``no-crossing:2``, which no setting was chosen on.

Run it on demand (not part of the test suite; needs scikit-learn, and Optuna for its pruners)::

    python benchmarks/learning_curves.py --record        # record the digits curves (~3 min on one core)
    python benchmarks/learning_curves.py --record tabular  # the tabular ones (~4 min)
    python benchmarks/learning_curves.py                 # every family and pruner, 10 seeds (~20 min on 2 cores)
    python benchmarks/learning_curves.py --tune          # tuning split: tabular, mild, crossing:1, no-crossing:1,
                                                         # seeds 100-109
    python benchmarks/learning_curves.py --holdout       # never tuned on: crossing:2, no-crossing:2, seeds 0-9
    python benchmarks/learning_curves.py --families crossing --pruners nop,hyperband --seeds 3
    python benchmarks/learning_curves.py --from results.json   # print the table of saved results
    python benchmarks/learning_curves.py --check         # exit status 1 when a target of the README is missed
    python benchmarks/learning_curves.py --from results.json --split  # and where the points lost went
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import itertools
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "curves-digits.json.gz"
#: The recorded (real) families and where their curves are stored.
RECORDED = {"digits": DATA, "tabular": DATA.with_name("curves-tabular.json.gz")}
ABOUT = {
    "digits": "load_digits",
    "tabular": "make_classification(n_samples=3000, n_features=20, n_informative=10, n_redundant=4, n_classes=4, "
    "n_clusters_per_class=2, class_sep=0.8, flip_y=0.03, random_state=0), standardised",
}
EPOCHS = 27
Y0 = 0.1  # chance level of ten classes

#: The grid the digits curves are recorded on (every combination).
DIGITS_GRID: dict[str, list[Any]] = {
    "optimizer": ["sgd", "momentum", "adam"],
    "learning_rate": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
    "batch_size": [32, 128],
    "width": [32, 128],
    "alpha": [1e-5, 1e-3, 1e-1],
}

FAMILIES = ("digits", "tabular", "crossing", "mild", "no-crossing")
REPORT_FAMILIES = ("digits", "crossing", "no-crossing")
CROSSING = {"crossing": 1.0, "mild": 0.5, "no-crossing": -1.0}
TUNE_FAMILIES = ("tabular", "mild", "crossing:1", "no-crossing:1")
HOLDOUT_FAMILIES = ("crossing:2", "no-crossing:2")

# -- recording the real curves -----------------------------------------------------------------------------------------


def _dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The inputs (scaled) and labels a recorded family trains on."""
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return X / 16.0, y
    # A generated tabular problem, for a second real family to tune on: four classes, ten informative features of
    # twenty, some label noise, so that the MLPs overfit and plateau at different levels.
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=3000, n_features=20, n_informative=10, n_redundant=4, n_classes=4, n_clusters_per_class=2,
        class_sep=0.8, flip_y=0.03, random_state=0,
    )  # fmt: skip
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def record(name: str = "digits") -> None:
    """Train an MLP per configuration of ``DIGITS_GRID`` for ``EPOCHS`` epochs; store the validation accuracies."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    path = RECORDED[name]
    X, y = _dataset(name)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    classes = np.unique(y)
    names = list(DIGITS_GRID)
    curves = []
    begin = time.perf_counter()
    for combo in itertools.product(*DIGITS_GRID.values()):
        p = dict(zip(names, combo, strict=True))
        solver = "adam" if p["optimizer"] == "adam" else "sgd"
        model = MLPClassifier(
            hidden_layer_sizes=(p["width"],),
            solver=solver,
            learning_rate_init=p["learning_rate"],
            batch_size=p["batch_size"],
            alpha=p["alpha"],
            momentum=0.9 if p["optimizer"] == "momentum" else 0.0,
            nesterovs_momentum=False,
            random_state=0,
        )
        curve = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(EPOCHS):
                model.partial_fit(X_tr, y_tr, classes=classes)
                curve.append(round(float(model.score(X_va, y_va)), 4))
        curves.append(curve)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "about": f"validation accuracy per epoch of MLPClassifier.partial_fit on {ABOUT[name]} (70/30 split, "
        "random_state=0), one curve per combination of grid, in itertools.product order",
        "grid": DIGITS_GRID,
        "epochs": EPOCHS,
        "curves": curves,
    }
    with gzip.open(path, "wt") as f:
        json.dump(payload, f, separators=(",", ":"))
    print(f"{len(curves)} curves in {time.perf_counter() - begin:.0f}s -> {path} ({path.stat().st_size} bytes)")


# -- families ----------------------------------------------------------------------------------------------------------


class Family:
    """A search space (suggested through either library's define-by-run trial) and the curve of each configuration."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name in RECORDED:
            with gzip.open(RECORDED[name], "rt") as f:
                data = json.load(f)
            self.grid = data["grid"]
            combos = itertools.product(*self.grid.values())
            self.table = {tuple(c): curve for c, curve in zip(combos, data["curves"], strict=True)}
            return
        base, _, instance = name.partition(":")
        if base not in CROSSING or not (instance == "" or instance.isdigit()):
            raise ValueError(
                f"unknown family {name!r}; choose from {', '.join(FAMILIES)}, or a parametric family with ':N' "
                "(another instance, N >= 1)"
            )
        self.base = base
        self.instance = int(instance or 0)
        # Instance 0 is the family as first defined; instance N >= 1 moves the optimum, the best final value and
        # its spread, and draws other noise, so that settings chosen on one instance can be checked on another.
        if self.instance == 0:
            self.optimum, self.top, self.spread, self.salt = (0.35, 0.6), 0.97, 0.17, ""
        else:
            rng = np.random.default_rng(1000 + self.instance)
            u, r, top, spread = rng.uniform((0.2, 0.2, 0.90, 0.10), (0.8, 0.8, 0.98, 0.25))
            self.optimum, self.top, self.spread, self.salt = (
                (float(u), float(r)),
                float(top),
                float(spread),
                f"{self.instance}/",
            )

    def suggest(self, trial: Any) -> tuple[Any, ...]:
        if self.name in RECORDED:
            return tuple(trial.suggest_categorical(k, v) for k, v in self.grid.items())
        return (trial.suggest_float("learning_rate", 1e-4, 1.0, log=True), trial.suggest_float("reg", 0.0, 1.0))

    def curve(self, config: tuple[Any, ...]) -> list[float]:
        if self.name in RECORDED:
            return self.table[config]
        lr, reg = config
        u = (math.log10(lr) + 4.0) / 4.0
        d = min(1.0, ((u - self.optimum[0]) ** 2 + 0.5 * (reg - self.optimum[1]) ** 2) / 0.45)
        final = self.top - self.spread * d
        k = CROSSING[self.base]
        tau = math.exp(math.log(30.0) * (k * (1.0 - d) + (1.0 - k) / 2.0))
        norm = 1.0 - math.exp(-EPOCHS / tau)
        key = f"{self.salt}{lr!r}/{reg!r}".encode()
        noise = np.random.default_rng(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little"))
        eps = noise.normal(0.0, 0.003, EPOCHS)
        eps[-1] = 0.0  # the final value is exactly A
        return [
            Y0 + (final - Y0) * (1.0 - math.exp(-t / tau)) / norm + e
            for t, e in zip(range(1, EPOCHS + 1), eps, strict=True)
        ]


# -- pruners -----------------------------------------------------------------------------------------------------------


def _hs_pruners() -> dict[str, Callable[[], Any]]:
    import hyperscout as hs

    P = hs.pruners
    hb = {"min_resource": 1, "max_resource": EPOCHS, "reduction_factor": 3}
    out: dict[str, Callable[[], Any]] = {
        "nop": lambda: P.NopPruner(),
        "median": lambda: P.MedianPruner(),
        "hyperband": lambda: P.HyperbandPruner(**hb),
        "hyperband-pause": lambda: P.HyperbandPruner(**hb, pause=True),
    }
    if "rank_check" in P.MedianPruner().__dict__:  # the same pruners as they were before the rank check
        out.update(
            {
                "median-classic": lambda: P.MedianPruner(rank_check=False),
                "hyperband-classic": lambda: P.HyperbandPruner(**hb, rank_check=False),
                "hyperband-pause-classic": lambda: P.HyperbandPruner(**hb, pause=True, rank_check=False),
            }
        )
    return out


def _optuna_pruners() -> dict[str, Callable[[], Any]]:
    import optuna

    P = optuna.pruners
    return {
        "optuna-nop": lambda: P.NopPruner(),
        "optuna-median": lambda: P.MedianPruner(),
        "optuna-hyperband": lambda: P.HyperbandPruner(min_resource=1, max_resource=EPOCHS, reduction_factor=3),
        # hyperscout's stopping pruners under Optuna's sampler (see ``_InOptuna``)
        "optuna-tpe:median": lambda: _InOptuna(_hs_pruners()["median"]()),
        "optuna-tpe:hyperband": lambda: _InOptuna(_hs_pruners()["hyperband"]()),
    }


class _InOptuna:
    """A hyperscout pruner driving an Optuna study, so that both libraries' pruners see the same sampler.

    Which trials a sampler proposes changes how many of them a pruner can stop (a sampler that converges on the
    best region leaves fewer trials below the median), so comparing hyperscout's pruner under hyperscout's TPE with
    Optuna's under Optuna's TPE mixes the two. Under Optuna's sampler only the pruner differs.
    """

    def __init__(self, pruner: Any) -> None:
        self.pruner = pruner

    def prune(self, study: Any, trial: Any) -> bool:
        from hyperscout.trial import FrozenTrial, TrialState

        def convert(t: Any) -> FrozenTrial:
            values = None if t.value is None else (t.value,)
            return FrozenTrial(t.number, TrialState[t.state.name], {}, {}, values, dict(t.intermediate_values))

        others = [convert(t) for t in study.get_trials(deepcopy=False) if t.number != trial.number]
        return bool(self.pruner.prune(convert(trial), others, study.direction.name.lower()))


PRUNERS = (
    "nop", "median", "hyperband", "hyperband-pause", "median-classic", "hyperband-classic",
    "hyperband-pause-classic", "optuna-nop", "optuna-median", "optuna-hyperband", "optuna-tpe:median",
    "optuna-tpe:hyperband",
)  # fmt: skip


def reference(pruner: str) -> str:
    return "optuna-nop" if pruner.startswith("optuna-") else "nop"


def _known_family(name: str) -> bool:
    try:
        Family(name)
    except ValueError:
        return False
    return True


def run_one(family: str, pruner: str, seed: int, trials: int) -> dict[str, Any]:
    """One study; its epochs used and best final value of a complete trial."""
    fam = Family(family)
    progress: dict[int, int] = {}  # trial number -> epochs reported (a resumed trial continues from there)
    tried: dict[int, float] = {}  # trial number -> the final value of its configuration, stopped or not

    if pruner.startswith("optuna-"):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        Pruned: type[Exception] = optuna.TrialPruned
        study: Any = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed), pruner=_optuna_pruners()[pruner]()
        )
    else:
        import hyperscout as hs

        hs.logging.set_verbosity(hs.logging.WARNING)
        Pruned = hs.TrialPruned
        study = hs.create_study(
            direction="maximize", seed=seed, sampler=hs.samplers.TPESampler(seed=seed), pruner=_hs_pruners()[pruner]()
        )

    def objective(trial: Any) -> float:
        curve = fam.curve(fam.suggest(trial))
        tried[trial.number] = curve[-1]
        for epoch in range(progress.get(trial.number, 0) + 1, EPOCHS + 1):
            trial.report(curve[epoch - 1], epoch)
            progress[trial.number] = epoch
            if trial.should_prune():
                raise Pruned()
        return curve[-1]

    kwargs = {"show_progress_bar": False}
    study.optimize(objective, n_trials=trials, **kwargs)
    finals = [t.value for t in study.trials if t.state.name == "COMPLETE"]
    return {
        "family": family,
        "pruner": pruner,
        "seed": seed,
        "trials": trials,
        "epochs": sum(progress.values()),
        "best": max(finals) if finals else None,
        "n_complete": len(finals),
        # The best final value of any configuration the study tried, had it run to the end: the loss splits into
        # the part the sampler never proposed (reference best - this) and the part the pruner stopped (this - best).
        "tried_best": max(tried.values()) if tried else None,
    }


def _task(args: tuple[str, str, int, int]) -> dict[str, Any]:
    os.nice(5) if hasattr(os, "nice") else None
    return run_one(*args)


# -- the report --------------------------------------------------------------------------------------------------------


def summarise(runs: list[dict[str, Any]]) -> tuple[str, list[tuple[str, bool]]]:
    """The table (markdown) and each target with whether it is met."""
    by = {(r["family"], r["pruner"], r["seed"]): r for r in runs}
    families = list(dict.fromkeys(r["family"] for r in runs))
    pruners = [p for p in PRUNERS if any(r["pruner"] == p for r in runs)]
    rows, stats = [], {}
    for f in families:
        for p in pruners:
            ref = reference(p)
            seeds = sorted(s for (ff, pp, s) in by if ff == f and pp == p and (f, ref, s) in by)
            if not seeds or p == ref:
                continue
            frac = [by[(f, p, s)]["epochs"] / by[(f, ref, s)]["epochs"] for s in seeds]
            lost = [
                100 * (by[(f, ref, s)]["best"] - (by[(f, p, s)]["best"] if by[(f, p, s)]["best"] is not None else 0.0))
                for s in seeds
            ]
            stats[(f, p)] = (float(np.median(frac)), float(np.median(lost)))
            rows.append(
                f"| {f} | `{p}` | {np.median(frac):.3f} | {max(frac):.3f} | {np.median(lost):+.2f} | "
                f"{max(lost):+.2f} | {len(seeds)} |"
            )
    head = [
        "| family | pruner | epochs used (median) | epochs used (worst) | points lost (median) | "
        "points lost (worst) | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    targets: list[tuple[str, bool]] = []
    for f in families:
        for p, epochs in (("hyperband", 0.40), ("median", 0.50), ("hyperband-pause", 1 / 3)):
            if (f, p) in stats:
                frac, lost = stats[(f, p)]
                ok_e = frac <= epochs + 1e-12
                ok_l = lost <= 0.5 or p == "hyperband-pause"
                what = f"{f}: `{p}` epochs {frac:.3f} <= {epochs:.2f}" + (
                    "" if p == "hyperband-pause" else f", points lost {lost:+.2f} <= 0.50"
                )
                targets.append((what, ok_e and ok_l))
        # Our median rule against Optuna's: under each library's own TPE, and both under Optuna's.
        for row, where in (("median", f"{f}:"), ("optuna-tpe:median", f"{f}, both under Optuna's TPE:")):
            if (f, row) in stats and (f, "optuna-median") in stats:
                ours, theirs = stats[(f, row)], stats[(f, "optuna-median")]
                targets.append(
                    (
                        f"{where} `median` loses {ours[1]:+.2f} points for {ours[0]:.3f} of the epochs; "
                        f"`optuna-median` {theirs[1]:+.2f} for {theirs[0]:.3f} (not worse: no more points lost)",
                        ours[1] <= theirs[1] + 1e-9,
                    )
                )
    lines = head + rows + ["", "Targets:", ""] + [f"- {'met' if ok else 'MISSED'}: {w}" for w, ok in targets]
    return "\n".join(lines), targets


def split_losses(runs: list[dict[str, Any]]) -> str:
    """Per family and pruner, where the points lost went (medians over seeds; runs saved before 2026-12-08b lack it).

    *Never tried*: the reference study's best minus the best final value of every configuration the pruned study
    tried (had each run to the end): configurations the sampler did not propose, because what it saw of the stopped
    trials changed its path. *Stopped*: that minus the pruned study's best: a better configuration was tried and
    stopped. Their sum is the loss.
    """
    by = {(r["family"], r["pruner"], r["seed"]): r for r in runs}
    out = [
        "| family | pruner | points lost (median) | never tried (median) | stopped (median) | seeds where a better "
        "configuration was stopped |",
        "|---|---|---|---|---|---|",
    ]
    for f, p in dict.fromkeys((r["family"], r["pruner"]) for r in runs):
        ref = reference(p)
        seeds = sorted(s for (ff, pp, s) in by if ff == f and pp == p and (f, ref, s) in by)
        if p == ref or not seeds or any(by[(f, p, s)].get("tried_best") is None for s in seeds):
            continue
        best = [by[(f, ref, s)]["best"] for s in seeds]
        tried = [by[(f, p, s)]["tried_best"] for s in seeds]
        got = [by[(f, p, s)]["best"] for s in seeds]
        lost = [100 * (b - g) for b, g in zip(best, got, strict=True)]
        never = [100 * (b - t) for b, t in zip(best, tried, strict=True)]
        stopped = [100 * (t - g) for t, g in zip(tried, got, strict=True)]
        n_stop = sum(x > 1e-9 for x in stopped)
        out.append(
            f"| {f} | `{p}` | {np.median(lost):+.3f} | {np.median(never):+.3f} | {np.median(stopped):+.3f} | "
            f"{n_stop} of {len(seeds)} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--record",
        nargs="?",
        const="digits",
        choices=sorted(RECORDED),
        help="record a real family's curves (default digits) into benchmarks/data/ and exit",
    )
    parser.add_argument("--families", default=",".join(REPORT_FAMILIES), help=f"subset of {','.join(FAMILIES)}")
    parser.add_argument("--pruners", default=",".join(PRUNERS), help=f"subset of {','.join(PRUNERS)}")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    parser.add_argument("--first-seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--trials", type=int, default=60, help="trials per study (default 60)")
    parser.add_argument(
        "--tune", action="store_true", help=f"the tuning split: {','.join(TUNE_FAMILIES)}, seeds 100-109"
    )
    parser.add_argument("--holdout", action="store_true", help=f"the hold-out instances: {','.join(HOLDOUT_FAMILIES)}")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", default="learning_curves_results.json", help="raw results (JSON)")
    parser.add_argument("--from", dest="from_", metavar="JSON", help="print the table of saved results; run nothing")
    parser.add_argument("--check", action="store_true", help="exit status 1 when a target is missed")
    parser.add_argument(
        "--split", action="store_true", help="also print where the points lost went (never tried / stopped)"
    )
    args = parser.parse_args(argv)
    if args.record:
        record(args.record)
        return 0
    if args.from_:
        with open(args.from_) as f:
            data = json.load(f)
    else:
        families = [f.strip() for f in args.families.split(",") if f.strip()]
        if args.tune or args.holdout:
            families = list(TUNE_FAMILIES if args.tune else HOLDOUT_FAMILIES)
        seeds = range(100, 110) if args.tune else range(args.first_seed, args.first_seed + args.seeds)
        pruners = [p.strip() for p in args.pruners.split(",") if p.strip()]
        available = set(_hs_pruners()) | set(_optuna_pruners())
        bad = [p for p in pruners if p not in available] + [f for f in families if not _known_family(f)]
        if bad:
            raise SystemExit(f"unknown or unavailable: {', '.join(bad)}")
        pruners += [reference(p) for p in pruners if reference(p) not in pruners]
        tasks = [(f, p, s, args.trials) for f in families for s in seeds for p in pruners]
        begin = time.perf_counter()
        with ProcessPoolExecutor(args.jobs) as pool:
            runs = list(pool.map(_task, tasks))
        data = {
            "meta": {
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "argv": sys.argv[1:],
                "platform": f"{platform.platform()}, {os.cpu_count()} CPUs",
                "wall_s": round(time.perf_counter() - begin, 1),
            },
            "runs": runs,
        }
        with open(args.out, "w") as f:
            json.dump(data, f, indent=0)
    report, targets = summarise(data["runs"])
    print(report)
    if args.split:
        print()
        print(split_losses(data["runs"]))
    return 1 if args.check and not all(ok for _, ok in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
