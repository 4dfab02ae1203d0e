"""The one encoding of a search space shared by the GP and the forest: a property test over random spaces."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyperscout.samplers._encoding import SpaceEncoding
from hyperscout.space import Categorical, Distribution, Float, Int, OrNone

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DISTRIBUTIONS = st.one_of(
    st.builds(lambda lo, w: Float(lo, lo + w), st.floats(-100, 100), st.floats(1e-3, 1e3)),
    st.builds(lambda lo, r: Float(lo, lo * r, log=True), st.floats(1e-6, 1e2), st.floats(1.5, 1e6)),
    st.builds(
        lambda lo, n: Float(lo * 0.25, lo * 0.25 + n * 0.25, step=0.25), st.integers(-40, 40), st.integers(1, 30)
    ),
    st.builds(lambda lo, n: Int(lo, lo + n), st.integers(-50, 50), st.integers(1, 200)),
    st.builds(lambda lo, n: Int(lo, lo + n, log=True), st.integers(1, 50), st.integers(1, 5000)),
    st.builds(lambda k: Categorical([f"c{i}" for i in range(k)]), st.integers(2, 6)),
    st.builds(lambda lo, n: OrNone(Int(lo, lo + n)), st.integers(0, 10), st.integers(1, 20)),
)
SPACES = st.dictionaries(st.sampled_from([f"p{i}" for i in range(8)]), DISTRIBUTIONS, min_size=1, max_size=6)


def _equal(d: Distribution, a: object, b: object) -> bool:
    if isinstance(d, Float) and d.step is None and isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * (d.high - d.low))
    return a == b and type(a) is type(b)


@PROPERTY
@given(SPACES, st.data())
def test_encode_decode_round_trip_bounds_and_inactive(space: dict[str, Distribution], data: st.DataObject) -> None:
    enc = SpaceEncoding(space)
    units = data.draw(st.lists(st.floats(0, 1), min_size=len(space), max_size=len(space)))
    params = {k: d.from_unit(u) for (k, d), u in zip(space.items(), units, strict=True)}
    row = np.array(enc.encode(params))
    for j, (k, d) in enumerate(space.items()):
        if isinstance(d, Categorical):
            assert row[j] == d.index(params[k]) and 0 <= row[j] < len(d.choices)
        else:
            assert 0.0 <= row[j] <= 1.0
    back = enc.decode(row)
    assert all(_equal(d, back[k], params[k]) for k, d in space.items())
    np.testing.assert_array_equal(enc.snap(row[None, :].copy())[0], row)  # an encoded row is already valid

    dropped = data.draw(st.sampled_from(list(space)))
    partial = np.array(enc.encode({k: v for k, v in params.items() if k != dropped}))
    assert math.isnan(partial[enc.names.index(dropped)])  # absent: inactive
    assert np.count_nonzero(np.isnan(partial)) == 1


@PROPERTY
@given(SPACES, st.integers(0, 2**32 - 1))
def test_snap_makes_any_point_of_the_box_a_valid_configuration(space: dict[str, Distribution], seed: int) -> None:
    enc = SpaceEncoding(space)
    rng = np.random.default_rng(seed)
    C = rng.random((5, enc.d)) * np.where(enc.is_cat, enc.n_choices, 1.0)
    S = enc.snap(C.copy())
    np.testing.assert_array_equal(enc.snap(S.copy()), S)  # idempotent
    for row in S:
        values = enc.decode(row)
        assert all(d.contains(values[k]) for k, d in space.items())
        np.testing.assert_allclose(enc.encode(values), row, atol=1e-12)
    R = enc.random(rng, 7)
    assert all(all(d.contains(enc.decode(r)[k]) for k, d in space.items()) for r in R)


def test_fill_replaces_only_the_inactive_entries() -> None:
    enc = SpaceEncoding({"a": Float(0, 1), "b": Categorical(["x", "y", "z"])})
    X = np.array([[0.25, np.nan], [np.nan, 2.0]])
    F = enc.fill(X, np.random.default_rng(0))
    assert not np.isnan(F).any()
    assert F[0, 0] == 0.25 and F[1, 1] == 2.0
    assert F[0, 1] in (0.0, 1.0, 2.0)


def test_the_gp_and_the_forest_share_it() -> None:
    import hyperscout.samplers.forest as forest
    import hyperscout.samplers.gp as gp

    assert issubclass(forest._Encoding, SpaceEncoding)
    assert gp.SpaceEncoding is SpaceEncoding
