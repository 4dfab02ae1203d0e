"""Optuna's distribution names, as aliases of hyperscout's own (``hs.Float``, ``hs.Int``, ``hs.Categorical``).

They take the same arguments in the same order as Optuna's (``FloatDistribution(low, high, log=False,
step=None)``, ``IntDistribution(low, high, log=False, step=1)``, ``CategoricalDistribution(choices)``)
and are the very same classes as hyperscout's, so ``create_trial(distributions=...)`` and
``trial.distributions`` mean the same thing whichever name a script uses.

Example:
    >>> import hyperscout as hs
    >>> hs.distributions.FloatDistribution(0.0, 1.0, log=False) == hs.Float(0.0, 1.0)
    True
    >>> hs.distributions.IntDistribution(1, 9, step=2).grid()
    [1, 3, 5, 7, 9]
"""

from __future__ import annotations

from .space import Categorical, Distribution, Float, Int

__all__ = ["BaseDistribution", "CategoricalDistribution", "FloatDistribution", "IntDistribution"]

#: Optuna's ``BaseDistribution``: what every distribution is an instance of.
BaseDistribution = Distribution
#: Optuna's ``FloatDistribution(low, high, log=False, step=None)``: ``hs.Float``.
FloatDistribution = Float
#: Optuna's ``IntDistribution(low, high, log=False, step=1)``: ``hs.Int``.
IntDistribution = Int
#: Optuna's ``CategoricalDistribution(choices)``: ``hs.Categorical``.
CategoricalDistribution = Categorical
