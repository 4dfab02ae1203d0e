"""An iterative objective that reports each epoch and stops when the pruner says so."""

import math

import optuna


def objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    depth = trial.suggest_int("depth", 1, 8)
    loss = 1.0
    for epoch in range(10):
        loss = abs(math.log10(lr) + 2) + 0.1 * depth + 1 / (epoch + 1)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return loss


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1), pruner=pruner)
    study.optimize(objective, n_trials=30)
    pruned = study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.PRUNED])
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    print(f"{len(pruned)} pruned, {len(complete)} complete")
    assert pruned and complete
    assert all(t.intermediate_values for t in pruned)
