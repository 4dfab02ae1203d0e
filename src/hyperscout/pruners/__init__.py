"""Pruners: stop unpromising trials early from their intermediate values.

Example:
    >>> import hyperscout as hs
    >>> hs.pruners.NopPruner().prune  # doctest: +ELLIPSIS
    <bound method NopPruner.prune of ...>
"""

from __future__ import annotations

from ._base import BasePruner, NopPruner

__all__ = ["BasePruner", "NopPruner"]
