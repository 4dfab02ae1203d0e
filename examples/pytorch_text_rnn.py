"""Tune a small GRU that tells balanced bracket strings from unbalanced ones, with Hyperband pruning.

The data is generated: strings of ``( ) [ ]`` with filler letters ``a b c d`` sprinkled in, such as
``a([b]c)[]`` (balanced: label 1) or ``a([b)c][]`` (two symbols swapped: label 0). Both kinds hold the
same symbols in the same numbers, so only their order tells them apart: a bag-of-words model is at
chance (the script prints its accuracy), while a recurrent network, which reads the string in order
and can keep a stack of open brackets in its state, gets close to 100%.

Searches the learning rate, the GRU's width (hidden units) and depth (layers), dropout, batch size
and weight decay. Each trial trains for up to ``--epochs`` epochs and reports its validation accuracy
after every epoch; the Hyperband pruner pauses the unpromising ones at its rungs and resumes a
paused one from its checkpoint when it turns out to be among the best of its rung (``--stop``: stop
them for good instead). At the end it prints the
best parameters, the best validation accuracy and how many epochs pruning saved.

    python examples/pytorch_text_rnn.py             # 30 trials, a few minutes on 2 cores
    python examples/pytorch_text_rnn.py --quick     # a seconds-long smoke run
    python examples/pytorch_text_rnn.py --storage sqlite:///rnn.db   # resumable; run it in 2
                                                                      # terminals to use 2 cores

Needs ``pip install -e ".[torch]"``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

import hyperscout as hs
from hyperscout.integrations.torch import PruningReporter

VOCAB = ("<pad>", "(", ")", "[", "]", "a", "b", "c", "d")
PAD, OPENERS, CLOSERS, FILLERS = 0, (1, 3), (2, 4), (5, 6, 7, 8)
LENGTH = 32  # every string is left-padded to this many tokens


def balanced(rng: np.random.Generator, pairs: int) -> list[int]:
    """A random balanced string of ``pairs`` bracket pairs of two kinds, as token ids."""
    out: list[int] = []
    stack: list[int] = []
    to_open = pairs
    while to_open or stack:
        if to_open and (not stack or rng.random() < 0.5):
            kind = int(rng.integers(2))
            out.append(OPENERS[kind])
            stack.append(kind)
            to_open -= 1
        else:
            out.append(CLOSERS[stack.pop()])
    return out


def is_balanced(tokens: list[int]) -> bool:
    """Whether every bracket closes the latest open bracket of its kind, and none is left open."""
    stack: list[int] = []
    for t in tokens:
        if t in OPENERS:
            stack.append(OPENERS.index(t))
        elif t in CLOSERS and (not stack or stack.pop() != CLOSERS.index(t)):
            return False
    return not stack


def swap_until_unbalanced(rng: np.random.Generator, tokens: list[int]) -> list[int]:
    """``tokens`` with two symbols swapped so that the string is no longer balanced.

    A swap keeps the count of every symbol, so the two classes differ in order alone.
    """
    while True:
        out = list(tokens)
        a, b = rng.choice(len(out), size=2, replace=False)
        out[a], out[b] = out[b], out[a]
        if not is_balanced(out):
            return out


def make_strings(rng: np.random.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` strings as (n, LENGTH) token ids, left-padded, and their labels (1 = balanced), about half of each."""
    X = np.full((n, LENGTH), PAD, dtype=np.int64)
    y = np.zeros(n, dtype=np.int64)
    for i in range(n):
        tokens = balanced(rng, int(rng.integers(4, 11)))
        y[i] = int(rng.random() < 0.5)
        if not y[i]:
            tokens = swap_until_unbalanced(rng, tokens)
        for _ in range(int(rng.integers(0, LENGTH - len(tokens) + 1))):
            tokens.insert(int(rng.integers(len(tokens) + 1)), FILLERS[int(rng.integers(len(FILLERS)))])
        X[i, LENGTH - len(tokens) :] = tokens
    return torch.from_numpy(X), torch.from_numpy(y)


def load_data(seed: int, n_train: int = 3000, n_valid: int = 1000) -> tuple[torch.Tensor, ...]:
    """Generated training and validation strings: (X_train, y_train, X_valid, y_valid)."""
    rng = np.random.default_rng(seed)
    return (*make_strings(rng, n_train), *make_strings(rng, n_valid))


def bag_of_words_accuracy(data: tuple[torch.Tensor, ...]) -> float:
    """Validation accuracy of a logistic regression on token counts: what ignoring the order gets."""
    X_tr, y_tr, X_va, y_va = data

    C_tr, C_va = (nn.functional.one_hot(X, len(VOCAB)).sum(dim=1).float() for X in (X_tr, X_va))
    torch.manual_seed(0)
    model = nn.Linear(len(VOCAB), 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):  # full batch: 9 features, a few thousand rows
        opt.zero_grad()
        nn.functional.cross_entropy(model(C_tr), y_tr).backward()
        opt.step()
    with torch.no_grad():
        return (model(C_va).argmax(dim=1) == y_va).float().mean().item()


class GRUClassifier(nn.Module):
    """Embeddings, a GRU of ``depth`` layers of ``width`` units, and a linear head on its last state."""

    def __init__(self, depth: int, width: int, dropout: float, embedding: int = 16) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), embedding, padding_idx=PAD)
        # PyTorch applies a GRU's dropout between layers only, so one layer gets dropout in the head alone.
        self.rnn = nn.GRU(embedding, width, num_layers=depth, batch_first=True, dropout=dropout if depth > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, last = self.rnn(self.embed(x))  # strings are left-padded: the last state follows the last symbol
        return self.head(last[-1])


def make_objective(data: tuple[torch.Tensor, ...], epochs: int, seed: int) -> Callable[[hs.Trial], float]:
    """The objective: train a GRU for up to ``epochs`` epochs, report validation accuracy after each."""
    X_tr, y_tr, X_va, y_va = data

    def objective(trial: hs.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 3e-2, log=True)
        depth = trial.suggest_int("depth", 1, 2)
        width = trial.suggest_int("width", 16, 128, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        batch_size = trial.suggest_categorical("batch_size", [32, 64, 128, 256])
        weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)

        # The initial weights and batch order depend only on (seed, trial number): reruns agree.
        torch.manual_seed(seed * 100_003 + trial.number)
        model = GRUClassifier(depth, width, dropout)
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        loss_fn = nn.CrossEntropyLoss()
        reporter = PruningReporter(trial)  # checkpoints go to trial.checkpoint_dir
        accuracy = 0.0
        # A trial paused by Hyperband and promoted later continues from the epoch it paused at.
        for _epoch in range(reporter.resume(model, opt), epochs + 1):
            model.train()
            for idx in torch.randperm(len(X_tr)).split(batch_size):
                opt.zero_grad()
                loss_fn(model(X_tr[idx]), y_tr[idx]).backward()
                # Recurrent nets can take one huge gradient step at a high learning rate and never recover.
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(X_va).argmax(dim=1) == y_va).float().mean().item()
            # Reports (step = epochs completed) and raises hs.TrialPruned when told, saving the model,
            # optimiser and random state first when the trial is paused rather than stopped.
            reporter.step(accuracy, model=model, optimizer=opt)
        return accuracy

    return objective


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=27, help="epochs of a full run (Hyperband's max_resource)")
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///rnn.db (default: in memory)")
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

    # One thread: a GRU step on a small batch leaves little to split, and on a busy machine extra
    # threads spin waiting for each other. To use more cores, run more processes on one --storage.
    torch.set_num_threads(max(1, args.threads))
    data = load_data(args.seed)
    study = hs.create_study(
        "text-rnn", args.storage, direction="maximize", seed=args.seed,
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
    run = sum(t.last_step or 0 for t in trials)  # a resumed trial continued from its checkpoint
    full = len(trials) * args.epochs
    print(f"{len(trials)} trials in {seconds:.0f} s ({stopped} stopped early, {resumed} resumed after a pause)")
    print(f"best validation accuracy: {study.best_value:.4f} (trial {study.best_trial.number})")
    print(f"bag-of-words baseline: {bag_of_words_accuracy(data):.4f} (token counts alone; 0.5 is chance)")
    print(f"best parameters: {study.best_params}")
    print(f"epochs trained: {run} of {full} without pruning ({1 - run / full:.0%} saved)")


if __name__ == "__main__":
    main()
