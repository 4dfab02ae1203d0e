"""Output transforms: make the observations look Gaussian before the GP sees them.

Notation: y (n,) raw observations, larger is better; every transform is monotone increasing, so
the best point stays the best and expected improvement keeps its meaning in the new scale.

* ``standardize``: (y − mean) / std (std taken as 1 when all values are equal).
* ``power``: standardise, then the Yeo–Johnson power transform (Yeo & Johnson 2000) with λ fitted
  by maximum likelihood, then standardise again, as HEBO does (Cowen-Rivers et al. 2022). A few
  disastrous trials (a diverged loss, Rosenbrock's rim) otherwise squash every good value into
  one flat band that the GP cannot rank.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats


def standardize(y: np.ndarray) -> np.ndarray:
    sd = float(np.std(y))
    return (y - float(np.mean(y))) / (sd if sd > 0 else 1.0)


def power(y: np.ndarray) -> np.ndarray:
    z = standardize(y)
    if len(z) < 3 or float(np.std(z)) == 0.0:
        return z
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t, _ = stats.yeojohnson(z)
        except (ValueError, FloatingPointError, OverflowError):
            return z
    if not np.all(np.isfinite(t)) or np.any(np.diff(t[np.argsort(z)]) < -1e-12):
        return z  # a λ that broke monotonicity or overflowed: keep the plain scale
    return standardize(t)
