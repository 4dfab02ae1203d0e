"""Tune a matrix-factorisation recommender on generated implicit feedback, with Hyperband pruning.

The data is generated from a hidden low-rank model: every user and item has a vector of taste, and
items have a popularity; each user picks 15 to 40 items, each pick (without replacement) with
probability proportional to ``exp(taste match + popularity)``. Only the picks are seen (implicit
feedback: no ratings, no explicit dislikes). One pick per user is held out; the model ranks every item
the user has not picked in training, and the metric is the hit rate at 10: the share of users whose
held-out item is among their top 10. The script also prints the hit rate of recommending the most
popular items and of the hidden model itself (the best any model could expect).

The model has two towers: a user embedding and an item embedding of ``width`` dimensions, each
followed by ``depth`` ReLU layers (depth 0 is plain matrix factorisation), scored by their dot
product plus an item bias, and trained with the BPR loss (Rendle et al. 2009): a user's picked item
should score above an item drawn at random. Searches the learning rate, width and depth, dropout,
batch size and weight decay. Each trial trains for up to ``--epochs`` epochs and reports its hit rate
after every epoch; the Hyperband pruner pauses the unpromising ones at its rungs and resumes a
paused one from its checkpoint when it turns out to be among the best of its rung (``--stop``: stop
them for good instead). At the end it prints the
best parameters, the best hit rate and how many epochs pruning saved.

    python examples/pytorch_recommender.py             # 30 trials, a few minutes on 2 cores
    python examples/pytorch_recommender.py --quick     # a seconds-long smoke run
    python examples/pytorch_recommender.py --storage sqlite:///rec.db   # resumable; run it in 2
                                                                         # terminals to use 2 cores

Needs ``pip install -e ".[torch]"``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

import hyperscout as hs
from hyperscout.integrations.torch import PruningReporter


@dataclass(frozen=True)
class Feedback:
    """Generated implicit feedback: training pairs, one held-out item per user, and the hidden scores."""

    n_users: int
    n_items: int
    users: torch.Tensor  # (n,) user of each training pick
    items: torch.Tensor  # (n,) item of each training pick
    held_out: torch.Tensor  # (n_users,) the held-out item of each user
    seen: torch.Tensor  # (n_users, n_items) bool: picked in training, so never recommended
    hidden: torch.Tensor  # (n_users, n_items) the generating model's log-odds, for reference


def load_data(seed: int, n_users: int = 1000, n_items: int = 500, rank: int = 8) -> Feedback:
    """Picks of ``n_users`` users among ``n_items`` items from a hidden rank-``rank`` model."""
    rng = np.random.default_rng(seed)
    taste = rng.normal(size=(n_users, rank)) @ rng.normal(size=(rank, n_items)) * (2 / np.sqrt(rank))
    logits = taste + rng.normal(size=n_items)  # plus each item's popularity
    # Gumbel top-k: the k largest of logits + Gumbel noise are k draws without replacement, each
    # with probability proportional to exp(logit), in the order drawn.
    order = np.argsort(-(logits + rng.gumbel(size=logits.shape)), axis=1)
    users, items, held_out = [], [], np.empty(n_users, dtype=np.int64)
    for u, k in enumerate(rng.integers(15, 41, size=n_users)):
        picks = order[u, :k]
        keep = rng.integers(k)
        held_out[u] = picks[keep]
        train = np.delete(picks, keep)
        users.append(np.full(len(train), u))
        items.append(train)
    u_t, i_t = torch.from_numpy(np.concatenate(users)), torch.from_numpy(np.concatenate(items))
    seen = torch.zeros(n_users, n_items, dtype=torch.bool)
    seen[u_t, i_t] = True
    hidden = torch.from_numpy(logits.astype(np.float32))
    return Feedback(n_users, n_items, u_t, i_t, torch.from_numpy(held_out), seen, hidden)


def hit_rate(scores: torch.Tensor, data: Feedback, k: int = 10) -> float:
    """Share of users whose held-out item is among the ``k`` best-scored items they did not pick in training."""
    top = scores.masked_fill(data.seen, -torch.inf).topk(k, dim=1).indices
    return (top == data.held_out[:, None]).any(dim=1).float().mean().item()


def popularity_scores(data: Feedback) -> torch.Tensor:
    """Every user's scores when recommending the items picked most often in training."""
    counts = torch.bincount(data.items, minlength=data.n_items).float()
    return counts.expand(data.n_users, -1)


class Tower(nn.Module):
    """An embedding of ``width`` dimensions followed by ``depth`` ReLU layers, with dropout."""

    def __init__(self, n: int, width: int, depth: int, dropout: float) -> None:
        super().__init__()
        self.embed = nn.Embedding(n, width)
        nn.init.normal_(self.embed.weight, std=0.1)  # the default N(0, 1) makes the first dot products huge
        layers: list[nn.Module] = [nn.Dropout(dropout)]
        for _ in range(depth):
            layers += [nn.Linear(width, width), nn.ReLU(), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers)

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        return self.layers(self.embed(index))


class TwoTower(nn.Module):
    """Score of (user, item): the dot product of the two towers' vectors plus an item bias."""

    def __init__(self, n_users: int, n_items: int, width: int, depth: int, dropout: float) -> None:
        super().__init__()
        self.user = Tower(n_users, width, depth, dropout)
        self.item = Tower(n_items, width, depth, dropout)
        self.bias = nn.Embedding(n_items, 1)
        nn.init.zeros_(self.bias.weight)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return (self.user(users) * self.item(items)).sum(dim=-1) + self.bias(items).squeeze(-1)

    def all_scores(self, n_users: int, n_items: int) -> torch.Tensor:
        """(n_users, n_items) scores of every pair."""
        return self.user(torch.arange(n_users)) @ self.item(torch.arange(n_items)).T + self.bias.weight.T


def make_objective(data: Feedback, epochs: int, seed: int) -> Callable[[hs.Trial], float]:
    """The objective: train with BPR for up to ``epochs`` epochs, report the hit rate at 10 after each."""

    def objective(trial: hs.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        depth = trial.suggest_int("depth", 0, 2)
        width = trial.suggest_int("width", 8, 128, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        batch_size = trial.suggest_categorical("batch_size", [128, 256, 512, 1024])
        weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)

        # The initial weights, batch order and negatives depend only on (seed, trial number): reruns agree.
        torch.manual_seed(seed * 100_003 + trial.number)
        model = TwoTower(data.n_users, data.n_items, width, depth, dropout)
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        reporter = PruningReporter(trial)  # checkpoints go to trial.checkpoint_dir
        hits = 0.0
        # A trial paused by Hyperband and promoted later continues from the epoch it paused at.
        for _epoch in range(reporter.resume(model, opt), epochs + 1):
            model.train()
            for idx in torch.randperm(len(data.users)).split(batch_size):
                users = data.users[idx]
                # One negative per pick, uniform over items: occasionally an item the user did pick,
                # which only adds a little noise (the usual BPR sampling).
                negatives = torch.randint(data.n_items, (len(idx),))
                margin = model(users, data.items[idx]) - model(users, negatives)
                loss = -nn.functional.logsigmoid(margin).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                hits = hit_rate(model.all_scores(data.n_users, data.n_items), data)
            # Reports (step = epochs completed) and raises hs.TrialPruned when told, saving the model,
            # optimiser and random state first when the trial is paused rather than stopped.
            reporter.step(hits, model=model, optimizer=opt)
        return hits

    return objective


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=27, help="epochs of a full run (Hyperband's max_resource)")
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///rec.db (default: in memory)")
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

    # One thread: these batches leave little to split, and on a busy machine extra threads spin
    # waiting for each other. To use more cores, run more processes on one --storage.
    torch.set_num_threads(max(1, args.threads))
    data = load_data(args.seed)
    study = hs.create_study(
        "recommender", args.storage, direction="maximize", seed=args.seed,
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
    print(f"best validation hit rate@10: {study.best_value:.4f} (trial {study.best_trial.number})")
    print(
        f"most popular items: {hit_rate(popularity_scores(data), data):.4f}; "
        f"the hidden model itself: {hit_rate(data.hidden, data):.4f}"
    )
    print(f"best parameters: {study.best_params}")
    print(f"epochs trained: {run} of {full} without pruning ({1 - run / full:.0%} saved)")


if __name__ == "__main__":
    main()
