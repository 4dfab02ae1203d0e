"""One encoding of a search space as rows of numbers, shared by the model-based samplers (GP, forest).

Notation: a search space of d parameters, ``names`` and ``dists`` in order; a configuration is a
row x of length d:

* a numeric parameter (``Float``, ``Int``, ``OrNone``) is ``dist.to_unit(value)`` in [0, 1]: log
  scale, steps and integers as the distribution defines them (``space.py``);
* a categorical parameter is the index of its choice, 0 … k − 1 (a GP's Hamming kernel and a
  forest's one-hot features both want the index, not a point in [0, 1]);
* a parameter the trial does not have (a conditional one), or a value outside the distribution,
  is NaN: *inactive*, which each model treats in its own way.

``decode`` inverts ``encode`` on valid rows; ``snap`` maps any row to the nearest row that encodes
a value (integers, steps and ``OrNone``'s share for ``None`` rounded, categories rounded to an
index), so that an optimiser can search a continuous box and still propose valid values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..space import Categorical, Distribution, Float

__all__ = ["SpaceEncoding"]

_MISSING = object()


class SpaceEncoding:
    """Configurations (rows of numbers) ↔ parameter values, for one search space.

    Example:
        >>> from hyperscout.space import Categorical, Float, Int
        >>> enc = SpaceEncoding({"c": Categorical(["a", "b"]), "k": Int(0, 4), "x": Float(0.0, 2.0)})
        >>> row = enc.encode({"c": "b", "k": 2})  # no "x": inactive
        >>> row[0], row[1], math.isnan(row[2])
        (1.0, 0.5, True)
        >>> enc.decode(enc.snap(np.array([[0.8, 0.61, 0.25]]))[0])
        {'c': 'b', 'k': 3, 'x': 0.5}
    """

    def __init__(self, space: Mapping[str, Distribution]) -> None:
        self.names = list(space)
        self.dists = list(space.values())
        self.d = len(self.dists)
        self.is_cat = np.array([isinstance(s, Categorical) for s in self.dists], dtype=bool)
        self.n_choices = np.array([len(s.choices) if isinstance(s, Categorical) else 0 for s in self.dists])
        # Floats without a step are continuous; every other numeric is snapped to its grid.
        self.is_gridded = np.array(
            [not self.is_cat[j] and not (isinstance(s, Float) and s.step is None) for j, s in enumerate(self.dists)],
            dtype=bool,
        )
        self.gridded = [int(j) for j in np.flatnonzero(self.is_gridded)]

    def encode(self, params: Mapping[str, Any]) -> list[float]:
        """One row: see the module docstring."""
        row = []
        for name, dist in zip(self.names, self.dists, strict=True):
            v = params.get(name, _MISSING)
            if v is _MISSING or not dist.contains(v):
                row.append(math.nan)
            elif isinstance(dist, Categorical):
                row.append(float(dist.index(v)))
            else:
                row.append(dist.to_unit(v))
        return row

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """The parameter values of a row with no inactive entry."""
        out = {}
        for name, dist, u in zip(self.names, self.dists, x, strict=True):
            out[name] = dist.choices[int(u)] if isinstance(dist, Categorical) else dist.from_unit(float(u))
        return out

    def snap(self, C: np.ndarray) -> np.ndarray:
        """Rows (m, d) moved, in place, to the values they encode: integers, steps and ``None`` shares rounded,
        categories rounded to an index."""
        for j in self.gridded:
            dist = self.dists[j]
            C[:, j] = [dist.to_unit(dist.from_unit(u)) for u in C[:, j]]
        for c in np.flatnonzero(self.is_cat):
            C[:, c] = np.clip(np.round(C[:, c]), 0, self.n_choices[c] - 1)
        return C

    def random(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` uniformly random valid rows."""
        C = rng.random((m, self.d))
        C[:, self.is_cat] = np.floor(C[:, self.is_cat] * self.n_choices[self.is_cat])
        return self.snap(C)

    def fill(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """X with every inactive entry replaced by a random value, so it can be searched from."""
        X = X.copy()
        holes = np.isnan(X)
        if holes.any():
            X[holes] = self.random(rng, len(X))[holes]
        return X
