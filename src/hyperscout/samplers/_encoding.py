"""The one encoding of a search space as rows of numbers: every model-based sampler and importance use it.

Notation: a search space of d parameters, ``names`` and ``dists`` in order; a configuration is a
row x of length d:

* a numeric parameter (``Float``, ``Int``, ``OrNone``) is ``dist.to_unit(value)`` in [0, 1]: log
  scale, steps and integers as the distribution defines them (``space.py``);
* a categorical parameter is the index of its choice, 0 … k − 1 (a GP's Hamming kernel, a forest's
  one-hot features and TPE's categorical kernels all want the index, not a point in [0, 1]); with
  ``none_as_choice``, an ``OrNone`` of a ``Categorical`` is categorical too, ``None`` at index 0;
* a parameter the trial does not have (a conditional one), or a value outside the distribution,
  is NaN: *inactive*, which each model treats in its own way.

``decode`` inverts ``encode`` on valid rows; ``snap`` maps any row to the nearest row that encodes
a value (integers, steps and ``OrNone``'s share for ``None`` rounded, categories rounded to an
index), so that an optimiser can search a continuous box and still propose valid values.

What some models need besides the rows, each derived here from the distributions:

==============  ============  ======================================================================
method          shape         meaning (used by)
==============  ============  ======================================================================
``units``       (d,)          a row of numbers without the validity check: off-range values land on
                              the nearest edge of [0, 1] (CMA-ES, which reads proposals made under
                              an earlier range)
``unit_cube``   (n, d)        rows with each categorical index moved to the centre of its choice's
                              share of [0, 1], ``Categorical.to_unit`` (importance's fANOVA)
``bin_edges``   d × (b + 1,)  where a discrete numeric parameter's decoding switches from one value
                              to the next (TPE scores a discrete value by its bin's mass)
``equal_cells`` (d,)          k where a numeric parameter's k values own equal shares of [0, 1], else
                              0 (CMA-ES with margin keeps each such dimension on its grid)
``split``       (n, dn), (n,  the numeric columns and the categorical indices apart, and ``join`` back
                dc)           (TPE's Parzen estimators take them apart)
==============  ============  ======================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..space import Categorical, Distribution, Float, Int, OrNone

__all__ = ["SpaceEncoding"]

_MISSING = object()


class SpaceEncoding:
    """Configurations (rows of numbers) ↔ parameter values, for one search space.

    Args:
        space: the parameters, in the order of the columns.
        none_as_choice: encode an ``OrNone`` of a ``Categorical`` as a categorical whose choice 0 is
            ``None`` (TPE models it with a categorical kernel), rather than through ``to_unit``.

    Example:
        >>> from hyperscout.space import Categorical, Float, Int
        >>> enc = SpaceEncoding({"c": Categorical(["a", "b"]), "k": Int(0, 4), "x": Float(0.0, 2.0)})
        >>> row = enc.encode({"c": "b", "k": 2})  # no "x": inactive
        >>> row[0], row[1], math.isnan(row[2])
        (1.0, 0.5, True)
        >>> enc.decode(enc.snap(np.array([[0.8, 0.61, 0.25]]))[0])
        {'c': 'b', 'k': 3, 'x': 0.5}
    """

    def __init__(self, space: Mapping[str, Distribution], *, none_as_choice: bool = False) -> None:
        self.names = list(space)
        self.dists = list(space.values())
        self.d = len(self.dists)
        self.none_as_choice = none_as_choice
        self.is_cat = np.array([self._choices(s) is not None for s in self.dists], dtype=bool)
        self.n_choices = np.array([len(self._choices(s) or ()) for s in self.dists])
        # Floats without a step are continuous; every other numeric is snapped to its grid.
        self.is_gridded = np.array(
            [not self.is_cat[j] and not (isinstance(s, Float) and s.step is None) for j, s in enumerate(self.dists)],
            dtype=bool,
        )
        self.gridded = [int(j) for j in np.flatnonzero(self.is_gridded)]

    def _choices(self, dist: Distribution) -> tuple[Any, ...] | None:
        """The choices of a dimension encoded by index, in index order; None for a numeric one."""
        if isinstance(dist, Categorical):
            return tuple(dist.choices)
        if self.none_as_choice and isinstance(dist, OrNone) and isinstance(dist.inner, Categorical):
            return (None, *dist.inner.choices)
        return None

    def _index(self, dist: Distribution, value: Any) -> int:
        if isinstance(dist, OrNone):  # only with none_as_choice: None first, then the inner choices
            return 0 if value is None else 1 + dist.inner.index(value)  # type: ignore[attr-defined]
        return dist.index(value)  # type: ignore[attr-defined]

    def encode(self, params: Mapping[str, Any]) -> list[float]:
        """One row: see the module docstring."""
        row = []
        for j, (name, dist) in enumerate(zip(self.names, self.dists, strict=True)):
            v = params.get(name, _MISSING)
            if v is _MISSING or not dist.contains(v):
                row.append(math.nan)
            elif self.is_cat[j]:
                row.append(float(self._index(dist, v)))
            else:
                row.append(dist.to_unit(v))
        return row

    def units(self, values: Sequence[Any]) -> np.ndarray:
        """The row (d,) of one value per parameter, in order, without checking that each belongs to its distribution.

        A number outside a numeric parameter's range lands on the nearest edge of [0, 1]; a value that
        is not a choice of a categorical one raises ``ValueError``.

        Example:
            >>> SpaceEncoding({"x": Float(0.0, 2.0)}).units([3.0]).tolist()  # off the range: the edge
            [1.0]
        """
        return np.array(
            [
                float(self._index(dist, v)) if self.is_cat[j] else dist.to_unit(v)
                for j, (dist, v) in enumerate(zip(self.dists, values, strict=True))
            ]
        )

    def value(self, j: int, u: float) -> Any:
        """The value that coordinate ``u`` of column ``j`` encodes (a categorical's ``u`` is a valid index)."""
        dist = self.dists[j]
        if not self.is_cat[j]:
            return dist.from_unit(float(u))
        i = int(u)
        if isinstance(dist, OrNone):
            return None if i == 0 else dist.inner.choices[i - 1]  # type: ignore[attr-defined]
        return dist.choices[i]  # type: ignore[attr-defined]

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """The parameter values of a row with no inactive entry."""
        return {name: self.value(j, u) for j, (name, u) in enumerate(zip(self.names, x, strict=True))}

    def snap_value(self, j: int, u: float) -> float:
        """Coordinate ``u`` of numeric column ``j`` moved to the value it encodes."""
        dist = self.dists[j]
        return dist.to_unit(dist.from_unit(u))

    def snap(self, C: np.ndarray) -> np.ndarray:
        """Rows (m, d) moved, in place, to the values they encode: integers, steps and ``None`` shares rounded,
        categories rounded to an index."""
        for j in self.gridded:
            C[:, j] = [self.snap_value(j, u) for u in C[:, j]]
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

    def unit_cube(self, X: np.ndarray) -> np.ndarray:
        """Rows (n, d) with each categorical index ``i`` of ``k`` choices moved to ``(i + ½) / k``.

        That is where ``Categorical.to_unit`` puts a choice, so every column is a point of [0, 1] and
        means what ``Distribution.to_unit`` means (for a space without ``none_as_choice``).

        Example:
            >>> SpaceEncoding({"c": Categorical(["a", "b"])}).unit_cube(np.array([[0.0], [1.0]])).ravel().tolist()
            [0.25, 0.75]
        """
        U = np.array(X, dtype=float, copy=True)
        U[:, self.is_cat] = (U[:, self.is_cat] + 0.5) / self.n_choices[self.is_cat]
        return U

    def bin_edges(self, max_bins: int | None = None) -> list[np.ndarray | None]:
        """Per column, the edges in [0, 1] of the bins in which a discrete numeric parameter decodes to each value.

        ``None`` for a categorical or continuous column, and for one of more than ``max_bins`` values (for an
        ``OrNone``, inner values: ``None`` is one bin more).

        Example:
            >>> [e if e is None else e.tolist() for e in SpaceEncoding({"k": Int(0, 1), "x": Float(0, 1)}).bin_edges()]
            [[0.0, 0.5, 1.0], None]
        """
        return [None if self.is_cat[j] else _edges(d, max_bins) for j, d in enumerate(self.dists)]

    def equal_cells(self) -> np.ndarray:
        """Per column, ``k`` where the parameter's ``k`` values own equal shares of [0, 1], else 0 (int array (d,)).

        Integers and stepped floats on a linear scale; a log scale's cells widen with the value.

        Example:
            >>> SpaceEncoding({"k": Int(0, 4), "n": Int(1, 100, log=True), "x": Float(0, 1)}).equal_cells().tolist()
            [5, 0, 0]
        """
        return np.array([0 if self.is_cat[j] else _equal_cells(d) for j, d in enumerate(self.dists)], dtype=int)

    def split(self, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows (n, d) as their numeric columns (n, dn) and their categorical indices (n, dc), as int64."""
        return A[:, ~self.is_cat], A[:, self.is_cat].astype(np.int64)

    def join(self, x: np.ndarray, c: np.ndarray) -> np.ndarray:
        """The row (d,) of numeric coordinates x (dn,) and categorical indices c (dc,): ``split`` undone."""
        row = np.empty(self.d)
        row[~self.is_cat] = x
        row[self.is_cat] = c
        return row


def _edges(d: Distribution, max_bins: int | None) -> np.ndarray | None:
    if isinstance(d, OrNone):
        inner = _edges(d.inner, max_bins)
        if inner is None:
            return None
        w = d.none_share  # None owns [0, w), the inner values the rest
        return np.concatenate([[0.0], w + (1 - w) * inner])
    size = d.size
    if size is None or (max_bins is not None and size > max_bins):
        return None
    if isinstance(d, Int) and d.log:
        # Rounding happens in value space, so the bins of a log scale widen with the value.
        a, b = math.log(d.low - 0.5), math.log(d.high + 0.5)
        cuts = [(math.log(v + 0.5) - a) / (b - a) for v in range(d.low, d.high)]
        return np.array([0.0, *cuts, 1.0])
    return np.linspace(0.0, 1.0, size + 1)  # Int, stepped Float, a Categorical inside OrNone: equal shares


def _equal_cells(d: Distribution) -> int:
    if isinstance(d, OrNone):
        inner = _equal_cells(d.inner)
        return 0 if inner == 0 else inner + 1  # None's share w = 1/(k + 1) is one more cell of the same width
    if isinstance(d, Categorical) or (isinstance(d, (Float, Int)) and not d.log and d.size is not None):
        return d.size or 0
    return 0  # continuous, or a log scale
