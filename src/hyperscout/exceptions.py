"""Every exception hyperscout raises on purpose, in one place.

The hierarchy::

    Exception
    ├── TrialPruned            raise it from an objective to stop a trial early (PRUNED, or PAUSED)
    ├── TrialCrashed           an isolated trial's process died or overran trial_timeout (the trial FAILs)
    ├── ClaimTaken             a storage append refused: one of its claims is in the log already
    ├── CLIError               a command-line mistake of the user's; one line, exit code 2
    ├── CommandFailed          ``hyperscout run``: the tuned command failed (the trial FAILs)
    ├── SearchSpaceExhausted   the sampler has nothing left to propose (``hs.SearchSpaceExhausted``)
    ├── RuntimeError
    │   └── StorageError       a storage cannot be opened or used; the message says what to do
    └── ValueError
        └── DuplicatedStudyError   a study of that name exists and ``load_if_exists=False``

Each is also importable from where it was first defined (``hs.TrialPruned``,
``hs.storages.StorageError``, ``hyperscout.cli.CommandFailed`` ...). This module imports nothing,
so that every layer may import it.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.exceptions import StorageError
    >>> issubclass(hs.storages.StorageError, RuntimeError), StorageError is hs.StorageError
    (True, True)
"""

from __future__ import annotations

__all__ = [
    "CLIError",
    "ClaimTaken",
    "CommandFailed",
    "DuplicatedStudyError",
    "SearchSpaceExhausted",
    "StorageError",
    "TrialCrashed",
    "TrialPruned",
]


class TrialPruned(Exception):
    """Raise from an objective to stop a trial early; it is recorded as PRUNED, not FAIL.

    Example:
        >>> import hyperscout as hs
        >>> def objective(trial):
        ...     raise hs.TrialPruned()
    """


class TrialCrashed(Exception):
    """An isolated trial's process died or overran ``trial_timeout``; the message says which."""


class StorageError(RuntimeError):
    """The storage cannot be opened or used; the message says why and what to do."""


class ClaimTaken(Exception):
    """An append was refused because one of its claims is already in the log."""


class DuplicatedStudyError(ValueError):
    """A study of that name already exists (pass ``load_if_exists=True`` to continue it)."""


class CLIError(Exception):
    """A mistake of the user's (bad option, unknown study, ...): reported as one line, exit code 2."""


class CommandFailed(Exception):
    """The tuned command failed (non-zero exit, timeout, no objective value); the trial is FAIL."""


# Recorded trial errors have read "hyperscout.cli.CommandFailed: ..." since the command line shipped;
# keep that text (hyperscout.cli re-exports the class, so pickles resolve there too).
CommandFailed.__module__ = "hyperscout.cli"


class SearchSpaceExhausted(Exception):
    """The sampler has nothing left to propose (e.g. every grid point was claimed); the run stops cleanly."""
