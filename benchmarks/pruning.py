"""What pruning saves: the CNN example (``examples/pytorch_cnn_digits.py``) tuned with and without a pruner.

Every (pruner, seed) is one study of ``--trials`` trials of the example's objective (a small CNN on scikit-learn's
8x8 digits, up to ``--epochs`` epochs, validation accuracy reported after each) with the same sampler, seeded with
the seed; the seed also picks the example's train/validation split, so the pruners of one seed face the same data and
the same first proposals. The table shows, per pruner, the best validation accuracy of a complete trial (mean over
seeds, with the range), the epochs trained (the robust measure of cost), the wall time, and both costs as ratios to
``nop`` side by side; a second table shows every seed. Raw results (every trial's curve, state and time) are saved as
JSON after each run, so the tables can be printed again and an interrupted run resumed.

Run it on demand (not part of the test suite; needs torch and scikit-learn, ``pip install -e '.[torch,sklearn]'``)::

    python benchmarks/pruning.py                  # nop, median, hyperband, hyperband-pause: 5 seeds x 30 trials
                                                  # x 27 epochs (1-2 hours on a 2-core machine shared with others)
    python benchmarks/pruning.py --quick          # 2 seeds x 6 trials x 9 epochs: a smoke check (1-2 min)
    python benchmarks/pruning.py --pruners nop,hyperband,hyperband-eta2 --seeds 3
    python benchmarks/pruning.py --sampler auto   # the default sampler instead of TPE
    python benchmarks/pruning.py --from pruning_results.json          # re-print the tables of a saved run
    python benchmarks/pruning.py --reuse pruning_results.json         # resume an interrupted run
    python benchmarks/pruning.py --replay pruning_results.json --pruners hyperband,asha  # estimates from nop curves
    python benchmarks/pruning.py --check          # exit status 1 when no Hyperband variant meets the target below

Pruners (``PRUNER_NAMES``, built by ``_pruners``; ``max_resource`` is always ``--epochs``, the length of a full run):

* ``nop``: ``NopPruner()``, every trial trains all its epochs: the reference.
* ``median``: ``MedianPruner()`` with its defaults (5 startup trials, no warm-up steps), as a user would write it.
* ``hyperband``: ``HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3)``: trials stopped for good.
* ``hyperband-pause``: the same with ``pause=True``, the example's own: trials pause at rungs and the ones that turn
  out to be in the top third of their rung later resume from their checkpoints (ASHA's promotion variant).
* ``hyperband-eta2``, ``hyperband-eta4``, ``hyperband-min3``: Hyperband with ``reduction_factor`` 2 or 4, or
  ``min_resource`` 3; ``asha``: ``SuccessiveHalvingPruner(min_resource=1, reduction_factor=3,
  max_resource=epochs)``, and ``asha-pause`` the same with ``pause=True``. Not run by default; there to compare
  settings.

Sampler: ``TPESampler(seed=seed)`` by default (``--sampler``: ``tpe``, ``auto``, ``random``), the same one under
every pruner. TPE rather than ``sampler="auto"`` (the GP on this mostly numeric space, with or without pruning)
because the table's first runs were made when the auto sampler still switched to TPE once a trial was pruned, which
would have compared samplers as much as pruners; TPE keeps the runs of every date comparable.

Cost: ``epochs`` counts the epochs every trial trained (the example's ``epochs_trained`` attribute, over all the runs
of a paused and resumed trial), summed over the study; ``nop`` spends
exactly ``trials x epochs``. Wall time covers the whole ``optimize`` call (sampler and pruner included). Runs go to
``--jobs`` worker processes with one torch thread each; on a shared machine wall times are noisy, so the report gives
the 1-minute load average seen by the runs and the seconds per epoch. Accuracy: the best final validation accuracy
of a complete trial; a pruned trial's curve does not count, since it never finished (the column "any epoch" shows
the best accuracy reported at any epoch of any trial, for reference).

Replay (``--replay``): the saved ``nop`` studies hold every trial's full curve, so any pruner can be asked, cheaply,
what it would have cut from them: each trial reports its curve epoch by epoch, in trial order, and stops where the
pruner says. An estimate for choosing settings, not a result: in a real run the sampler sees the pruned trials and
proposes differently.

Target (printed under the tables, and checked by ``--check``, for each of ``hyperband`` and ``hyperband-pause`` run
with ``nop``): its best accuracy, averaged over the seeds, is within 0.5 points (0.005) of ``nop``'s, while its
epochs summed over the seeds are at most a third of ``nop``'s.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pytorch_cnn_digits.py"
DEFAULT_OUT = "pruning_results.json"
TARGET_POINTS = 0.005  # accuracy may drop by at most half a point ...
TARGET_EPOCH_RATIO = 1 / 3  # ... while spending at most a third of the epochs

# -- pruners and samplers ----------------------------------------------------------------------------------------------


def _pruners() -> dict[str, Callable[[int], Any]]:
    """Each pruner by name, as a factory of ``max_resource`` (the epochs of a full run)."""
    import hyperscout as hs

    P = hs.pruners
    return {
        "nop": lambda epochs: P.NopPruner(),
        "median": lambda epochs: P.MedianPruner(),
        "hyperband": lambda epochs: P.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3),
        "hyperband-eta2": lambda epochs: P.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=2),
        "hyperband-eta4": lambda epochs: P.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=4),
        "hyperband-min3": lambda epochs: P.HyperbandPruner(min_resource=3, max_resource=epochs, reduction_factor=3),
        "asha": lambda epochs: P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, max_resource=epochs),
        "hyperband-pause": lambda epochs: P.HyperbandPruner(
            min_resource=1, max_resource=epochs, reduction_factor=3, pause=True
        ),
        "asha-pause": lambda epochs: P.SuccessiveHalvingPruner(
            min_resource=1, reduction_factor=3, max_resource=epochs, pause=True
        ),
    }


PRUNER_NAMES = (
    "nop", "median", "hyperband", "hyperband-pause", "hyperband-eta2", "hyperband-eta4", "hyperband-min3", "asha",
    "asha-pause",
)  # fmt: skip
DEFAULT_PRUNERS = ("nop", "median", "hyperband", "hyperband-pause")
SAMPLERS = ("tpe", "auto", "random")
REFERENCE, SUBJECTS = "nop", ("hyperband", "hyperband-pause")


def _sampler(name: str, seed: int) -> Any:
    import hyperscout as hs

    if name == "tpe":
        return hs.samplers.TPESampler(seed=seed)
    if name == "random":
        return hs.samplers.RandomSampler(seed=seed)
    if name == "auto":
        return "auto"
    raise ValueError(f"unknown sampler {name!r}; choose from {', '.join(SAMPLERS)}")


# -- running one study -------------------------------------------------------------------------------------------------

_EXAMPLE: ModuleType | None = None


def _example() -> ModuleType:
    """The CNN example as a module (it lives outside the package, so it is loaded from its file)."""
    global _EXAMPLE
    if _EXAMPLE is None:
        spec = importlib.util.spec_from_file_location("pytorch_cnn_digits", EXAMPLE)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the CNN example from {EXAMPLE}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # as an import would: dataclasses and pickling look modules up there
        spec.loader.exec_module(module)
        _EXAMPLE = module
    return _EXAMPLE


def _load() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def run_one(pruner: str, seed: int, trials: int, epochs: int, sampler: str) -> dict[str, Any]:
    """One study of ``trials`` trials of the CNN example under ``pruner``; its costs and every trial's record."""
    import hyperscout as hs

    cnn = _example()
    data = cnn.load_data(seed)
    study = hs.create_study(
        direction="maximize", seed=seed, sampler=_sampler(sampler, seed), pruner=_pruners()[pruner](epochs)
    )
    load_before = _load()
    begin = time.perf_counter()
    study.optimize(cnn.make_objective(data, epochs, seed), n_trials=trials, show_progress_bar=False)
    wall = time.perf_counter() - begin
    records = [
        {
            "number": t.number,
            "state": t.state.value,
            # What the objective trained, over all its runs (a resumed trial continues from its checkpoint).
            "epochs": int(t.user_attrs.get("epochs_trained", t.last_step or 0)),
            "value": t.value,
            "curve": [t.intermediate_values[s] for s in sorted(t.intermediate_values)],
            "params": dict(t.params),
            "seconds": (t.finished_at - t.started_at) if t.started_at and t.finished_at else None,
        }
        for t in study.trials
    ]
    complete = [r["value"] for r in records if r["state"] == hs.TrialState.COMPLETE.value and r["value"] is not None]
    return {
        "pruner": pruner,
        "pruner_repr": repr(_pruners()[pruner](epochs)),
        "sampler": sampler,
        "seed": seed,
        "trials": trials,
        "max_epochs": epochs,
        "epochs": sum(r["epochs"] for r in records),
        "wall_s": wall,
        "best": max(complete) if complete else None,
        "best_any_epoch": max((v for r in records for v in r["curve"]), default=None),
        "n_complete": len(complete),
        "n_pruned": sum(r["state"] in (hs.TrialState.PRUNED.value, hs.TrialState.PAUSED.value) for r in records),
        "n_resumed": sum(bool(t.system_attrs.get("resumed_at")) for t in study.trials),
        "load_average": [load_before, _load()],
        "records": records,
    }


#: Environment for the workers, set before they import numpy or torch: one thread each.
_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _init_worker() -> None:
    for key, value in _THREAD_ENV.items():
        os.environ.setdefault(key, value)
    import torch

    # One thread: the example's batches are too small to split, and extra threads on a shared machine spin.
    torch.set_num_threads(1)


def _run_task(task: dict[str, Any]) -> dict[str, Any]:
    return run_one(task["pruner"], task["seed"], task["trials"], task["max_epochs"], task["sampler"])


# -- summarising -------------------------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _points(x: float) -> str:
    """A difference in accuracy points, signed; rounding noise of equal means shows as +0.00, not -0.00."""
    return f"{round(x, 2) + 0.0:+.2f}"


def _mean(xs: list[float]) -> float:
    return float(np.mean(xs)) if xs else math.nan


def summarise(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The markdown report of saved results, and the facts the target is judged on."""
    meta, runs = data["meta"], data["runs"]
    pruners = [p for p in meta["pruners"] if any(r["pruner"] == p for r in runs)]
    seeds = sorted({r["seed"] for r in runs})
    by = {(r["pruner"], r["seed"]): r for r in runs}
    out: list[str] = []
    loads = [x for r in runs for x in r.get("load_average", []) if x is not None]
    out.append(
        f"The CNN example (`examples/pytorch_cnn_digits.py`) tuned by {meta['sampler']} with each pruner: "
        f"{len(seeds)} seeds x {meta['trials']} trials of up to {meta['epochs']} epochs, {meta['jobs']} worker "
        "processes of one thread. Best accuracy: the best final validation accuracy of a complete trial, mean "
        "[min-max] over seeds; epochs and wall time: per study, mean over seeds, and as a ratio of the totals to "
        f"`{REFERENCE}`'s.\n"
    )
    out.append(
        f"Run {meta.get('created', '?')}; hyperscout {meta.get('versions', {}).get('hyperscout', '?')} at git "
        f"{meta.get('hyperscout_git') or '?'}; torch {meta.get('versions', {}).get('torch', '?')}; "
        f"{meta.get('platform', '')}; 1-minute load average during the runs "
        + (f"{min(loads):.1f}-{max(loads):.1f} (mean {np.mean(loads):.1f})" if loads else "unknown")
        + (f"; {meta['reused']['runs']} runs taken from {meta['reused']['from']}" if meta.get("reused") else "")
        + (
            f"; {'the other runs' if meta.get('reused') else 'all'} in {meta['wall_s'] / 60:.0f} min"
            if meta.get("wall_s")
            else ""
        )
        + ".\n"
    )
    facts: dict[str, Any] = {"best": {}, "epochs": {}, "wall": {}}
    for p in pruners:
        group = [by[(p, s)] for s in seeds if (p, s) in by]
        facts["best"][p] = _mean([r["best"] for r in group if r["best"] is not None])
        facts["epochs"][p] = sum(r["epochs"] for r in group)
        facts["wall"][p] = sum(r["wall_s"] for r in group)
    ref = REFERENCE if REFERENCE in pruners else None
    complete_ref = ref is not None and all((ref, s) in by for s in seeds)
    rows = []
    for p in pruners:
        group = [by[(p, s)] for s in seeds if (p, s) in by]
        bests = [r["best"] for r in group if r["best"] is not None]
        same_seeds = complete_ref and len(group) == len(seeds)
        delta = (facts["best"][p] - facts["best"][REFERENCE]) * 100 if same_seeds else math.nan
        e_ratio = facts["epochs"][p] / facts["epochs"][REFERENCE] if same_seeds else math.nan
        w_ratio = facts["wall"][p] / facts["wall"][REFERENCE] if same_seeds else math.nan
        rows.append(
            [
                f"`{p}`" + (f" ({len(group)} of {len(seeds)} seeds)" if len(group) != len(seeds) else ""),
                (f"{np.mean(bests):.4f} [{min(bests):.4f}-{max(bests):.4f}]" if bests else "none complete")
                + (f" ({len(group) - len(bests)} seeds with none)" if bests and len(bests) != len(group) else ""),
                "n/a" if math.isnan(delta) else _points(delta),
                f"{_mean([float(np.max([v for x in r['records'] for v in x['curve']])) for r in group]):.4f}",
                f"{_mean([r['epochs'] for r in group]):.0f}",
                "n/a" if math.isnan(e_ratio) else f"{e_ratio:.3f}",
                f"{_mean([r['wall_s'] for r in group]):.0f}",
                "n/a" if math.isnan(w_ratio) else f"{w_ratio:.2f}",
                f"{facts['wall'][p] / max(1, facts['epochs'][p]):.2f}",
                f"{_mean([r['n_pruned'] for r in group]):.1f}",
                f"{_mean([r['n_complete'] for r in group]):.1f}",
            ]
        )
    out.append(
        _table(
            [
                "pruner",
                "best accuracy",
                "vs nop (points)",
                "any epoch",
                "epochs",
                "epochs / nop",
                "wall s",
                "wall / nop",
                "s / epoch",
                "pruned",
                "complete",
            ],
            rows,
        )
    )
    out.append("\nEvery seed: best accuracy of a complete trial / epochs trained.\n")
    seed_rows = []
    for s in seeds:
        cells = []
        for p in pruners:
            r = by.get((p, s))
            if r is None:
                cells.append("not run")
            else:
                cells.append(f"{r['best']:.4f} / {r['epochs']}" if r["best"] is not None else f"none / {r['epochs']}")
        seed_rows.append([str(s), *cells])
    out.append(_table(["seed", *(f"`{p}`" for p in pruners)], seed_rows))
    out.append(
        "\nPruners as run: "
        + "; ".join(f"`{p}` = `{by[(p, seeds[0])]['pruner_repr']}`" for p in pruners if (p, seeds[0]) in by)
        + "."
    )

    targets = _targets(pruners, seeds, by, facts)
    if targets:
        out.append("\nTarget:\n")
        for text, met in targets:
            out.append(f"- {'MET' if met else 'NOT MET'}: {text}")
    facts["targets"] = targets
    versions = sorted({r.get("hyperscout_git") for r in runs if r.get("hyperscout_git")})
    if len(versions) > 1:
        out.append(f"\nNote: the runs used several versions of hyperscout ({', '.join(versions)}).")
    return "\n".join(out), facts


def _targets(
    pruners: list[str], seeds: list[int], by: dict[tuple[str, int], dict[str, Any]], facts: dict[str, Any]
) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for subject in SUBJECTS:
        if REFERENCE not in pruners or subject not in pruners:
            continue
        if not all((p, s) in by for p in (REFERENCE, subject) for s in seeds):
            out.append((f"`{subject}` and `{REFERENCE}` were not both run on every seed: no verdict", False))
            continue
        ours, theirs = facts["best"][subject], facts["best"][REFERENCE]
        ratio = facts["epochs"][subject] / facts["epochs"][REFERENCE]
        # The target is one sentence with two conditions; each gets its own line, and both must hold.
        accuracy = (
            f"`{subject}`'s mean best accuracy is within {TARGET_POINTS * 100:.1f} points of `{REFERENCE}`'s "
            f"({ours:.4f} vs {theirs:.4f}: {_points((ours - theirs) * 100)} points)"
        )
        epochs = (
            f"... while spending at most a third of its epochs ({facts['epochs'][subject]} of "
            f"{facts['epochs'][REFERENCE]}: {ratio:.3f})"
        )
        out += [(accuracy, ours >= theirs - TARGET_POINTS - 1e-12), (epochs, ratio <= TARGET_EPOCH_RATIO + 1e-12)]
    return out


# -- replaying saved curves --------------------------------------------------------------------------------------------


def replay(run: dict[str, Any], pruner: Any) -> tuple[int, float | None]:
    """Epochs and best complete accuracy had ``pruner`` judged the saved trials of ``run``, in trial order.

    Each trial reports its saved curve one epoch at a time and stops at the first report the pruner
    prunes (the last one included, as in the example), with the trials before it as the evidence. An
    estimate: a real study's sampler would have proposed other trials after the pruned ones.
    """
    from hyperscout.trial import FrozenTrial, TrialState

    done: list[FrozenTrial] = []
    epochs, best = 0, None
    for rec in sorted(run["records"], key=lambda r: r["number"]):
        curve, state = {}, TrialState.COMPLETE
        for step, value in enumerate(rec["curve"], 1):
            curve[step] = value
            me = FrozenTrial(rec["number"], TrialState.RUNNING, {}, {}, intermediate_values=dict(curve))
            if pruner.prune(me, done, "maximize"):
                state = TrialState.PRUNED
                break
        epochs += len(curve)
        value = rec["curve"][-1] if state is TrialState.COMPLETE and len(curve) == len(rec["curve"]) else None
        if value is not None:
            best = value if best is None else max(best, value)
        done.append(FrozenTrial(rec["number"], state, {}, {}, None if value is None else (value,), dict(curve)))
    return epochs, best


def replay_report(data: dict[str, Any], pruners: list[str]) -> str:
    """A table of ``replay`` over every saved ``nop`` run (every trial ran all its epochs), per pruner."""
    runs = [r for r in data["runs"] if r["pruner"] == REFERENCE]
    if not runs:
        raise SystemExit(f"--replay needs saved `{REFERENCE}` runs: their curves are complete")
    full = sum(r["epochs"] for r in runs)
    ref_best = _mean([r["best"] for r in runs])
    rows = []
    for p in pruners:
        results = [replay(r, _pruners()[p](r["max_epochs"])) for r in runs]
        epochs = sum(e for e, _ in results)
        bests = [b for _, b in results if b is not None]
        rows.append(
            [
                f"`{p}`",
                f"{epochs / full:.3f}",
                f"{_mean(bests):.4f}"
                + (f" ({len(runs) - len(bests)} seeds with none)" if len(bests) < len(runs) else ""),
                _points((_mean(bests) - ref_best) * 100),
            ]
        )
    head = (
        f"Replay of the {len(runs)} saved `{REFERENCE}` runs ({data['meta']['sampler']}, "
        f"{data['meta']['trials']} trials of {data['meta']['epochs']} epochs): each pruner judges the same curves in "
        "trial order. An estimate of what each pruner would cut; a real run differs, since its sampler sees the "
        f"pruned trials. `{REFERENCE}`'s mean best accuracy: {ref_best:.4f}.\n\n"
    )
    return head + _table(["pruner", "epochs / nop", "best accuracy", "vs nop (points)"], rows)


# -- the command line --------------------------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("hyperscout", "torch", "scikit-learn", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _git() -> str | None:
    """The commit of this checkout, "+dirty" when the package source or the example has uncommitted changes."""
    root = EXAMPLE.parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src", str(EXAMPLE)], cwd=root, capture_output=True, text=True
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _save(data: dict[str, Any], path: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seeds", type=int, help="seeds 0..N-1 per pruner (default 5; --quick 2)")
    parser.add_argument("--trials", type=int, help="trials per study (default 30; --quick 6)")
    parser.add_argument("--epochs", type=int, help="epochs of a full run (default 27; --quick 9)")
    parser.add_argument(
        "--pruners",
        default=",".join(DEFAULT_PRUNERS),
        help=f"comma-separated subset of {','.join(PRUNER_NAMES)} (default {','.join(DEFAULT_PRUNERS)})",
    )
    parser.add_argument("--sampler", default="tpe", choices=SAMPLERS, help="the sampler of every study (default tpe)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke check: 2 seeds x 6 trials x 9 epochs")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"where to save raw results (default {DEFAULT_OUT})")
    parser.add_argument("--from", dest="from_", metavar="JSON", help="print the tables of saved results; run nothing")
    parser.add_argument(
        "--replay",
        metavar="JSON",
        help="re-judge the saved nop runs' curves with each of --pruners and print what each would have cut; "
        "run nothing",
    )
    parser.add_argument("--reuse", metavar="JSON", help="take the runs already in these results instead of rerunning")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when no Hyperband variant meets the target"
    )
    args = parser.parse_args(argv)

    if args.replay:
        with open(args.replay) as f:
            print(replay_report(json.load(f), _pruner_names(args.pruners)))
        return 0
    if args.from_:
        with open(args.from_) as f:
            data = json.load(f)
    else:
        data = _run(args)
    report, facts = summarise(data)
    print(report)
    # Each Hyperband variant's verdict is a pair of lines (accuracy, epochs); one variant meeting both suffices.
    pairs = [facts["targets"][i : i + 2] for i in range(0, len(facts["targets"]), 2)]
    if args.check and not any(all(met for _, met in pair) for pair in pairs):
        return 1
    return 0


def _pruner_names(text: str) -> list[str]:
    pruners = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [p for p in pruners if p not in PRUNER_NAMES]
    if unknown or not pruners:
        raise SystemExit(f"unknown or no pruners: {', '.join(unknown)}; choose from {', '.join(PRUNER_NAMES)}")
    return pruners


def _key(r: dict[str, Any]) -> tuple[str, int, int, int, str]:
    """What identifies a run (a task or its result): the same key means the same study."""
    return r["pruner"], r["seed"], r["trials"], r["max_epochs"], r["sampler"]


def _run(args: argparse.Namespace) -> dict[str, Any]:
    seeds = args.seeds if args.seeds is not None else (2 if args.quick else 5)
    trials = args.trials if args.trials is not None else (6 if args.quick else 30)
    epochs = args.epochs if args.epochs is not None else (9 if args.quick else 27)
    pruners = _pruner_names(args.pruners)
    if min(seeds, trials, epochs, args.jobs) < 1:
        raise SystemExit("--seeds, --trials, --epochs and --jobs must be positive")
    # Pruners interleaved per seed, so that the machine's load (other processes) falls on all of them alike.
    tasks = [
        {"pruner": p, "seed": s, "trials": trials, "max_epochs": epochs, "sampler": args.sampler}
        for s in range(seeds)
        for p in pruners
    ]
    data: dict[str, Any] = {
        "meta": {
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "argv": sys.argv[1:],
            "seeds": seeds,
            "trials": trials,
            "epochs": epochs,
            "pruners": pruners,
            "sampler": args.sampler,
            "jobs": args.jobs,
            "versions": _versions(),
            "hyperscout_git": _git(),
            "platform": f"{platform.platform()}, {os.cpu_count()} CPUs",
        },
        "runs": [],
    }
    if args.reuse:
        with open(args.reuse) as f:
            old = {_key(r): r for r in json.load(f)["runs"]}
        wanted = {_key(t) for t in tasks}
        data["runs"] = [r for k, r in old.items() if k in wanted]
        data["meta"]["reused"] = {"from": args.reuse, "runs": len(data["runs"])}
        done_keys = {_key(r) for r in data["runs"]}
        tasks = [t for t in tasks if _key(t) not in done_keys]
        _log(f"{len(data['runs'])} runs taken from {args.reuse}")
    total = len(data["runs"]) + len(tasks)
    _log(f"{len(tasks)} studies on {args.jobs} workers; results -> {args.out}")
    begin = time.perf_counter()
    git = data["meta"]["hyperscout_git"]

    def done(result: dict[str, Any]) -> None:
        result["hyperscout_git"] = git
        data["runs"].append(result)
        _save(data, args.out)
        best = "none" if result["best"] is None else f"{result['best']:.4f}"
        _log(
            f"[{len(data['runs'])}/{total} {time.perf_counter() - begin:6.0f}s] {result['pruner']:15} "
            f"seed={result['seed']:<2} best={best} epochs={result['epochs']:4} wall={result['wall_s']:5.0f}s "
            f"pruned={result['n_pruned']}"
        )

    for key, value in _THREAD_ENV.items():  # inherited by the workers before they import numpy or torch
        os.environ.setdefault(key, value)
    if args.jobs == 1:
        _init_worker()
        for task in tasks:
            done(_run_task(task))
    elif tasks:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_init_worker) as pool:
            for future in as_completed([pool.submit(_run_task, t) for t in tasks]):
                done(future.result())
    data["runs"].sort(key=lambda r: (r["seed"], pruners.index(r["pruner"])))
    data["meta"]["wall_s"] = time.perf_counter() - begin
    _save(data, args.out)
    _log(f"done in {data['meta']['wall_s']:.0f}s; results saved to {args.out}")
    return data


if __name__ == "__main__":
    sys.exit(main())
