"""Helpers for training frameworks; each lives in its own module and imports its framework lazily.

``import hyperscout`` imports none of them: write ``from hyperscout.integrations.torch import
PruningReporter`` (which needs ``pip install -e ".[torch]"`` only for checkpoints).

Example:
    >>> from hyperscout.integrations.torch import report_and_prune
"""

from __future__ import annotations
