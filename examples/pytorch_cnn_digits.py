"""Tune a small CNN on scikit-learn's 8x8 digits with Hyperband pruning, on a couple of CPU cores.

Searches the learning rate, width and depth, dropout, batch size and weight decay. Each trial trains
for up to ``--epochs`` epochs and reports its validation accuracy after every epoch; the Hyperband
pruner pauses the unpromising ones at its rungs and resumes a paused one from its checkpoint when it
turns out to be among the best of its rung (``--stop``: stop them for good instead). At the end it
prints the best parameters, the best validation accuracy and how many epochs pruning saved.

    python examples/pytorch_cnn_digits.py             # ~40 trials, a few minutes on 2 cores
    python examples/pytorch_cnn_digits.py --quick     # a seconds-long smoke run
    python examples/pytorch_cnn_digits.py --storage sqlite:///cnn.db   # resumable; run it in 2
                                                                        # terminals to use 2 cores

Needs ``pip install -e ".[torch,sklearn]"``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import hyperscout as hs
from hyperscout.integrations.torch import PruningReporter


def load_data(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits as (N, 1, 8, 8) float images in [0, 1], split 70/30 into train and validation."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    return torch.from_numpy(X_tr), torch.from_numpy(y_tr), torch.from_numpy(X_va), torch.from_numpy(y_va)


def build_cnn(depth: int, width: int, dropout: float) -> nn.Module:
    """``depth`` 3x3 conv blocks of ``width`` channels; the first two halve the 8x8 image."""
    layers: list[nn.Module] = []
    channels, size = 1, 8
    for i in range(depth):
        layers += [nn.Conv2d(channels, width, kernel_size=3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
        if i < 2:
            layers.append(nn.MaxPool2d(2))
            size //= 2
        channels = width
    layers += [nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels * size * size, 10)]
    return nn.Sequential(*layers)


def make_objective(data: tuple[torch.Tensor, ...], epochs: int, seed: int):
    X_tr, y_tr, X_va, y_va = data

    def objective(trial: hs.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 3e-2, log=True)
        depth = trial.suggest_int("depth", 1, 3)
        width = trial.suggest_int("width", 8, 64, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        batch_size = trial.suggest_categorical("batch_size", [16, 32, 64, 128])
        weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)

        # The initial weights and batch order depend only on (seed, trial number): reruns agree.
        torch.manual_seed(seed * 100_003 + trial.number)
        model = build_cnn(depth, width, dropout)
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        loss_fn = nn.CrossEntropyLoss()
        reporter = PruningReporter(trial)  # checkpoints go to trial.checkpoint_dir
        # A trial paused by Hyperband (pause=True) and promoted later continues from its checkpoint:
        # model, optimiser and torch's random state as they were after the epoch it paused at.
        first = reporter.resume(model, opt)
        accuracy = 0.0
        trained = 0
        try:
            for epoch in range(first, epochs + 1):
                model.train()
                for idx in torch.randperm(len(X_tr)).split(batch_size):
                    opt.zero_grad()
                    loss_fn(model(X_tr[idx]), y_tr[idx]).backward()
                    opt.step()
                trained += 1
                model.eval()
                with torch.no_grad():
                    accuracy = (model(X_va).argmax(dim=1) == y_va).float().mean().item()
                # Reports (step = epochs completed) and raises hs.TrialPruned when told; the state is
                # saved first when the trial is paused rather than stopped for good.
                reporter.step(accuracy, epoch=epoch, model=model, optimizer=opt)
        finally:
            # The epochs this trial really trained, over all its runs: what pruning is measured by.
            trial.set_user_attr("epochs_trained", int(trial.user_attrs.get("epochs_trained", 0)) + trained)
        return accuracy

    return objective


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=27, help="epochs of a full run (Hyperband's max_resource)")
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///cnn.db (default: in memory)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (default 1)")
    parser.add_argument("--quick", action="store_true", help="6 trials of 3 epochs: a smoke run")
    parser.add_argument(
        "--stop", action="store_true",
        help="stop trials for good at Hyperband's rungs instead of pausing them and promoting the best later",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.n_trials, args.epochs = 6, 3

    # One thread: batches this small leave nothing to split, and on a busy machine extra threads spin
    # waiting for each other (measured 10x slower with 2 threads on 2 loaded cores). To use more
    # cores, run more processes on one --storage: each takes the next trial.
    torch.set_num_threads(max(1, args.threads))
    data = load_data(args.seed)
    study = hs.create_study(
        "cnn-digits", args.storage, direction="maximize", seed=args.seed,
        pruner=hs.pruners.HyperbandPruner(
            min_resource=1, max_resource=args.epochs, reduction_factor=3, pause=not args.stop
        ),
    )  # fmt: skip
    start = time.perf_counter()
    study.optimize(make_objective(data, args.epochs, args.seed), n_trials=args.n_trials, show_progress_bar=False)
    seconds = time.perf_counter() - start

    trials = study.trials
    stopped = sum(t.state.stopped_early for t in trials)
    resumed = sum(bool(t.system_attrs.get("resumed_at")) for t in trials)
    run = sum(int(t.user_attrs.get("epochs_trained", 0)) for t in trials)
    full = len(trials) * args.epochs
    print(f"{len(trials)} trials in {seconds:.0f} s ({stopped} stopped early, {resumed} resumed after a pause)")
    print(f"best validation accuracy: {study.best_value:.4f} (trial {study.best_trial.number})")
    print(f"best parameters: {study.best_params}")
    print(f"epochs trained: {run} of {full} without pruning ({1 - run / full:.0%} saved)")


if __name__ == "__main__":
    main()
