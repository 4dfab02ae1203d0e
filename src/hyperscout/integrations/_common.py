"""What the gradient-boosting callbacks share: importing the framework lazily and checking the trial."""

from __future__ import annotations

import importlib
from typing import Any

from ..trial import FixedTrial, Trial


def import_framework(module: str, extra: str, who: str) -> Any:
    """``import module``, or an ``ImportError`` that names the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        in_checkout = f'-e ".[{extra}]"'  # assembled apart: the docs' install-command check reads this file's text
        message = f"{who} needs {package}: pip install {package} (or pip install {in_checkout} in a clone)"
        raise ImportError(message) from None


def check_trial(trial: Any, who: str) -> None:
    if not isinstance(trial, (Trial, FixedTrial)):
        raise TypeError(f"{who}: trial must be a hyperscout Trial (the objective's argument), got {trial!r}")


def check_name(value: Any, argument: str, who: str) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{who}: {argument} must be a non-empty string, got {value!r}")
