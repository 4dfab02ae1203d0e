"""Pruning for PyTorch training loops: report a validation metric each epoch and stop when told.

A plain loop that also continues where it left off when a promoting pruner resumes it (or a
retry re-runs it after its worker died)::

    reporter = PruningReporter(trial)  # checkpoints in trial.checkpoint_dir
    state = reporter.load()  # None on a trial's first run
    if state is not None:
        model.load_state_dict(state["model"]), optimizer.load_state_dict(state["optimizer"])
    for epoch in range(1 if state is None else state["epoch"] + 1, n_epochs + 1):
        train_one_epoch(model, optimizer)
        # Reports (step = epoch); raises hs.TrialPruned when told, saving `state` first if it will pause.
        reporter.step(evaluate(model), epoch=epoch,
                      state=lambda: {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch})

PyTorch Lightning: ``Trainer(callbacks=[LightningPruningCallback(trial, monitor="val_acc")])``.

The reporting itself needs nothing but hyperscout; ``save``/``load`` need torch
(``pip install -e ".[torch]"``) and the callback needs ``lightning`` or ``pytorch_lightning``
(``pip install -e ".[lightning]"``).

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study(direction="maximize")
    >>> trial = study.ask()
    >>> reporter = PruningReporter(trial)
    >>> for accuracy in (0.5, 0.7, 0.8):
    ...     reporter.step(accuracy)
    >>> study.tell(trial, 0.8).intermediate_values
    {1: 0.5, 2: 0.7, 3: 0.8}
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..trial import Trial, TrialPruned

__all__ = ["PruningReporter", "report_and_prune", "LightningPruningCallback"]  # noqa: F822 (built lazily)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "hyperscout.integrations.torch checkpoints need PyTorch (hyperscout[torch]): pip install torch"
        ) from None
    return torch


def _number(value: Any, what: str) -> float:
    """A plain float from a Python number or a one-element tensor (``.item()``, which syncs a GPU once)."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            value = item()
        except (RuntimeError, ValueError):  # torch and numpy refuse .item() on several elements
            raise TypeError(f"{what} must be a number or a one-element tensor, got {value!r}") from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number or a one-element tensor, got {value!r}") from None


def report_and_prune(trial: Trial, value: Any, step: int) -> None:
    """Report ``value`` at ``step`` and raise ``hs.TrialPruned`` if the study's pruner says to stop.

    Args:
        trial: the running trial.
        value: the validation metric (a number or a one-element tensor).
        step: the resource spent so far, usually the number of epochs completed (1, 2, ...).

    Raises:
        TrialPruned: when the pruner decides to stop the trial; let it propagate out of the objective.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study()
        >>> trial = study.ask()
        >>> report_and_prune(trial, 0.25, step=1)
    """
    trial.report(_number(value, "the reported value"), step)
    if trial.should_prune():
        raise TrialPruned(f"trial {trial.number} pruned at step {step}")


class PruningReporter:
    """Report a metric per epoch, stop the trial when pruned, and keep a checkpoint per trial.

    ``step(value)`` reports at step 1, 2, 3, ... (epochs completed: the resource the ASHA and
    Hyperband rungs count); pass ``epoch=`` to number steps yourself. ``save``/``load`` keep a state
    dict in the trial's ``checkpoint_dir``, which a paused-then-resumed trial and a retried trial
    find again; or, with ``checkpoint_dir``, in ``checkpoint_dir/trial-<number>/``.

    For a plain training loop, ``resume(model, optimizer)`` and ``step(value, model=model,
    optimizer=optimizer)`` do the checkpointing of pause-and-promote: the model, the optimiser,
    torch's random state (CPU, and CUDA when in use) and the epoch are saved when the trial is
    paused, and loaded when it is resumed, so it continues exactly where it stopped::

        reporter = PruningReporter(trial)
        for epoch in range(reporter.resume(model, opt), epochs + 1):
            train_one_epoch(model, opt)
            reporter.step(evaluate(model), model=model, optimizer=opt)

    Args:
        trial: the running trial.
        checkpoint_dir: a folder under which each trial gets its own directory, or None for
            ``trial.checkpoint_dir``.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study()
        >>> reporter = PruningReporter(study.ask(), checkpoint_dir="ckpt")
        >>> reporter.directory.as_posix()
        'ckpt/trial-0'
    """

    def __init__(self, trial: Trial, *, checkpoint_dir: str | os.PathLike[str] | None = None) -> None:
        if not isinstance(trial, Trial):
            raise TypeError(f"trial must be a hyperscout Trial, got {trial!r}")
        self.trial = trial
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.last_step: int | None = None

    @property
    def directory(self) -> Path:
        """This trial's checkpoint directory (under an explicit ``checkpoint_dir``, created on the first ``save``)."""
        if self.checkpoint_dir is None:
            return self.trial.checkpoint_dir
        return self.checkpoint_dir / f"trial-{self.trial.number}"

    def step(
        self,
        value: Any,
        *,
        epoch: int | None = None,
        state: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
        model: Any = None,
        optimizer: Any = None,
    ) -> None:
        """Report ``value`` for the next step (or for ``epoch``) and raise ``hs.TrialPruned`` when told.

        When the trial will be paused (``trial.will_pause()``), what it needs to continue is saved
        first: ``model`` and ``optimizer`` (as ``resume`` loads them), or ``state``, a state dict of
        your own or a function returning one (called only then).

        Raises:
            TrialPruned: when the pruner stops the trial; let it propagate out of the objective.
            ValueError: on a negative ``epoch``, ``state`` given with ``model``, or ``optimizer`` without it.
        """
        if epoch is None:
            epoch = 1 if self.last_step is None else self.last_step + 1
        elif isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative int, got {epoch!r}")
        if state is not None and model is not None:
            raise ValueError("pass either state= (a state dict of your own) or model= (and optimizer=), not both")
        if optimizer is not None and model is None:
            raise ValueError("optimizer= needs model=: the checkpoint holds both")
        self.last_step = epoch
        self.trial.report(_number(value, "the reported value"), epoch)
        if self.trial.should_prune():
            if self.trial.will_pause():
                if model is not None:
                    self.save(_training_state(model, optimizer, epoch))
                elif state is not None:
                    self.save(state() if callable(state) else state)
            raise TrialPruned(f"trial {self.trial.number} stopped at step {epoch}")

    def resume(self, model: Any, optimizer: Any = None) -> int:
        """Load the state ``step(..., model=, optimizer=)`` saved when this trial paused; the first epoch to train.

        Returns 1 when the trial has no checkpoint (a new trial). Otherwise the model, the optimiser
        and torch's random state are as they were after the epoch the trial paused at, and the
        next ``step()`` without ``epoch=`` reports the epoch after it.
        """
        state = self.load()
        if state is None:
            return 1
        if "model" not in state or "epoch" not in state:
            raise ValueError(
                f"{self._path('checkpoint.pt')} was not written by step(model=...); load it with load() instead"
            )
        torch = _torch()
        model.load_state_dict(state["model"])
        if optimizer is not None and state.get("optimizer") is not None:
            optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        if state.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.last_step = int(state["epoch"])
        return self.last_step + 1

    def _path(self, name: str) -> Path:
        directory = self.directory
        if not name or Path(name).name != name:
            raise ValueError(f"checkpoint name must be a plain file name, got {name!r}")
        return directory / name

    def save(self, state: Mapping[str, Any], name: str = "checkpoint.pt") -> Path:
        """Write ``state`` (state dicts, numbers, tensors) to this trial's directory; returns the path.

        The file is written beside its final name and then renamed over it, so a crash mid-write
        leaves the previous checkpoint intact.
        """
        torch = _torch()
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                torch.save(dict(state), f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def load(self, name: str = "checkpoint.pt", *, map_location: Any = "cpu") -> dict[str, Any] | None:
        """The state last saved under ``name`` by this trial, or None if there is none.

        Loads with ``weights_only=True``: tensors, numbers, strings and containers only, so opening a
        checkpoint never runs code stored in it.
        """
        torch = _torch()
        path = self._path(name)
        if not path.exists():
            return None
        state = torch.load(path, map_location=map_location, weights_only=True)
        return dict(state)


def _training_state(model: Any, optimizer: Any, epoch: int) -> dict[str, Any]:
    torch = _torch()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    return {
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "rng": torch.get_rng_state(),
        "cuda_rng": cuda,
        "epoch": epoch,
    }


_LIGHTNING_CLASS: type | None = None


def _lightning_callback_class() -> type:
    """Build ``LightningPruningCallback`` on first use, subclassing whichever Lightning is installed."""
    global _LIGHTNING_CLASS
    if _LIGHTNING_CLASS is not None:
        return _LIGHTNING_CLASS
    try:
        from lightning.pytorch import Callback
    except ImportError:
        try:
            from pytorch_lightning import Callback  # type: ignore[assignment]  # the older package name
        except ImportError:
            raise ImportError(
                "LightningPruningCallback needs PyTorch Lightning: pip install lightning (or pytorch_lightning)"
            ) from None

    class LightningPruningCallback(Callback):  # type: ignore[misc,valid-type]
        """Report ``monitor`` after each validation and raise ``hs.TrialPruned`` when the pruner says so.

        The step is ``trainer.current_epoch + 1`` (epochs completed), as ``PruningReporter`` counts;
        a second validation in the same epoch is not reported again. The sanity check before
        training is skipped. ``TrialPruned`` propagates out of ``trainer.fit`` and then out of the
        objective, which records the trial as PRUNED.

        Args:
            trial: the running trial.
            monitor: the name of a logged metric (``self.log("val_acc", ...)`` in the module).
        """

        def __init__(self, trial: Trial, monitor: str) -> None:
            super().__init__()
            if not isinstance(trial, Trial):
                raise TypeError(f"trial must be a hyperscout Trial, got {trial!r}")
            self.trial = trial
            self.monitor = monitor
            self._last_step: int | None = None

        def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
            if getattr(trainer, "sanity_checking", False):
                return
            step = int(trainer.current_epoch) + 1
            if step == self._last_step:
                return
            metrics = trainer.callback_metrics
            if self.monitor not in metrics:
                warnings.warn(
                    f"LightningPruningCallback: metric {self.monitor!r} was not logged at epoch {step}; "
                    f"logged: {sorted(metrics)}. Nothing reported for this epoch.",
                    stacklevel=2,
                )
                return
            self._last_step = step
            report_and_prune(self.trial, metrics[self.monitor], step)

    _LIGHTNING_CLASS = LightningPruningCallback
    return LightningPruningCallback


def __getattr__(name: str) -> Any:
    # The callback class must subclass Lightning's Callback, which only exists once Lightning is
    # imported; building it on first access keeps this module importable without Lightning.
    if name == "LightningPruningCallback":
        return _lightning_callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
