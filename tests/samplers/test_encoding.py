"""The one encoding of a search space shared by every model-based sampler and importance: a property test over
random spaces."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyperscout.samplers._encoding import SpaceEncoding
from hyperscout.space import Categorical, Distribution, Float, Int, OrNone

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMERIC = st.one_of(
    st.builds(lambda lo, w: Float(lo, lo + w), st.floats(-100, 100), st.floats(1e-3, 1e3)),
    st.builds(lambda lo, r: Float(lo, lo * r, log=True), st.floats(1e-6, 1e2), st.floats(1.5, 1e6)),
    st.builds(
        lambda lo, n: Float(lo * 0.25, lo * 0.25 + n * 0.25, step=0.25), st.integers(-40, 40), st.integers(1, 30)
    ),
    st.builds(lambda lo, n: Int(lo, lo + n), st.integers(-50, 50), st.integers(1, 200)),
    st.builds(
        lambda lo, n, s: Int(lo, lo + n * s, step=s), st.integers(-50, 50), st.integers(1, 40), st.integers(1, 7)
    ),
    st.builds(lambda lo, n: Int(lo, lo + n, log=True), st.integers(1, 50), st.integers(1, 5000)),
)
CATEGORICAL = st.builds(lambda k: Categorical([f"c{i}" for i in range(k)]), st.integers(2, 6))
DISTRIBUTIONS = st.one_of(
    NUMERIC,
    CATEGORICAL,
    st.builds(OrNone, st.one_of(NUMERIC, CATEGORICAL)),
)
SPACES = st.dictionaries(st.sampled_from([f"p{i}" for i in range(8)]), DISTRIBUTIONS, min_size=1, max_size=6)


def _equal(d: Distribution, a: object, b: object) -> bool:
    inner = d.inner if isinstance(d, OrNone) else d
    if isinstance(inner, Float) and inner.step is None and isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * (inner.high - inner.low))
    return a == b and type(a) is type(b)


def _by_index(d: Distribution, none_as_choice: bool) -> bool:
    return isinstance(d, Categorical) or (none_as_choice and isinstance(d, OrNone) and isinstance(d.inner, Categorical))


@PROPERTY
@given(SPACES, st.booleans(), st.data())
def test_encode_decode_round_trip_bounds_and_inactive(
    space: dict[str, Distribution], none_as_choice: bool, data: st.DataObject
) -> None:
    enc = SpaceEncoding(space, none_as_choice=none_as_choice)
    units = data.draw(st.lists(st.floats(0, 1), min_size=len(space), max_size=len(space)))
    params = {k: d.from_unit(u) for (k, d), u in zip(space.items(), units, strict=True)}
    row = np.array(enc.encode(params))
    for j, (k, d) in enumerate(space.items()):
        assert enc.is_cat[j] == _by_index(d, none_as_choice)
        if enc.is_cat[j]:
            assert row[j] == int(row[j]) and 0 <= row[j] < enc.n_choices[j] == d.size
        else:
            assert 0.0 <= row[j] <= 1.0 and row[j] == d.to_unit(params[k])
    back = enc.decode(row)
    assert all(_equal(d, back[k], params[k]) for k, d in space.items())
    # An encoded row is already valid (a continuous value inside an OrNone up to round-off).
    np.testing.assert_allclose(enc.snap(row[None, :].copy())[0], row, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(enc.units(list(params.values())), row)  # the same row, unchecked
    x, c = enc.split(row[None, :])
    assert x.shape == (1, enc.d - enc.is_cat.sum()) and c.dtype == np.int64
    np.testing.assert_array_equal(enc.join(x[0], c[0]), row)

    dropped = data.draw(st.sampled_from(list(space)))
    partial = np.array(enc.encode({k: v for k, v in params.items() if k != dropped}))
    assert math.isnan(partial[enc.names.index(dropped)])  # absent: inactive
    assert np.count_nonzero(np.isnan(partial)) == 1
    invalid = np.array(enc.encode({**params, dropped: "not a value"}))
    assert math.isnan(invalid[enc.names.index(dropped)])  # not a value of the distribution: inactive
    np.testing.assert_array_equal(
        np.delete(invalid, enc.names.index(dropped)), np.delete(row, enc.names.index(dropped))
    )


@PROPERTY
@given(SPACES, st.data())
def test_unit_cube_is_what_each_distribution_calls_its_unit_encoding(
    space: dict[str, Distribution], data: st.DataObject
) -> None:
    enc = SpaceEncoding(space)
    units = data.draw(st.lists(st.floats(0, 1), min_size=len(space), max_size=len(space)))
    values = [d.from_unit(u) for d, u in zip(space.values(), units, strict=True)]
    U = enc.unit_cube(np.array([enc.encode(dict(zip(space, values, strict=True)))]))
    # bit for bit what importance built from to_unit before it shared the encoding
    assert U[0].tolist() == [d.to_unit(v) for d, v in zip(space.values(), values, strict=True)]


@PROPERTY
@given(SPACES, st.booleans(), st.integers(1, 400))
def test_bin_edges_split_the_unit_interval_where_the_decoding_switches(
    space: dict[str, Distribution], none_as_choice: bool, max_bins: int
) -> None:
    enc = SpaceEncoding(space, none_as_choice=none_as_choice)
    cells = enc.equal_cells()
    for j, (d, e) in enumerate(zip(enc.dists, enc.bin_edges(max_bins), strict=True)):
        size = d.inner.size if isinstance(d, OrNone) else d.size  # the limit counts an OrNone's inner values
        if enc.is_cat[j] or size is None or size > max_bins:
            assert e is None
            continue
        assert e is not None and e[0] == 0.0 and e[-1] == 1.0 and len(e) == d.size + 1
        assert np.all(np.diff(e) > 0)
        centres = 0.5 * (e[:-1] + e[1:])
        assert [d.from_unit(u) for u in centres] == d.grid()  # each bin decodes to its own value, in order
        for v, lo, hi in zip(d.grid(), e[:-1], e[1:], strict=True):
            assert lo - 1e-12 <= d.to_unit(v) <= hi + 1e-12  # and holds that value's encoding
        if cells[j]:
            assert cells[j] == d.size
            np.testing.assert_allclose(np.diff(e), 1.0 / cells[j], rtol=1e-9)  # equal shares
        else:
            assert not np.allclose(np.diff(e), 1.0 / d.size, rtol=1e-6, atol=0) or d.size <= 2
    assert all(cells[j] == 0 for j in np.flatnonzero(enc.is_cat))


def test_bin_edges_of_discrete_distributions_match_their_rounding() -> None:
    space = {"a": Int(0, 4), "b": Int(1, 100, log=True), "c": Float(0.0, 1.0, step=0.25), "d": OrNone(Int(1, 5))}
    for d, e in zip(space.values(), SpaceEncoding(space).bin_edges(), strict=True):
        assert e is not None and e[0] == 0.0 and e[-1] == 1.0
        assert len(e) == d.size + 1
        centres = 0.5 * (e[:-1] + e[1:])
        values = [d.from_unit(u) for u in centres]
        assert values == d.grid(), d  # each bin decodes to its own value, in order
    assert SpaceEncoding({"x": Float(0.0, 1.0)}).bin_edges() == [None]
    assert SpaceEncoding({"k": Int(0, 10**6)}).bin_edges(1000) == [None]  # too many bins: modelled as continuous


@PROPERTY
@given(SPACES, st.booleans(), st.integers(0, 2**32 - 1))
def test_snap_makes_any_point_of_the_box_a_valid_configuration(
    space: dict[str, Distribution], none_as_choice: bool, seed: int
) -> None:
    enc = SpaceEncoding(space, none_as_choice=none_as_choice)
    rng = np.random.default_rng(seed)
    C = rng.random((5, enc.d)) * np.where(enc.is_cat, enc.n_choices, 1.0)
    S = enc.snap(C.copy())
    # Idempotent; a continuous value inside an OrNone moves by round-off of its to_unit/from_unit trip only.
    np.testing.assert_allclose(enc.snap(S.copy()), S, rtol=0, atol=1e-9)
    for row in S:
        values = enc.decode(row)
        assert all(d.contains(values[k]) for k, d in space.items())
        np.testing.assert_allclose(enc.encode(values), row, atol=1e-12)
    R = enc.random(rng, 7)
    assert all(all(d.contains(enc.decode(r)[k]) for k, d in space.items()) for r in R)


def test_units_puts_an_off_range_number_on_the_edge() -> None:
    enc = SpaceEncoding({"a": Float(0.0, 1.0), "k": Int(0, 4)})
    assert enc.units([-3.0, 9]).tolist() == [0.0, 1.0]
    assert [math.isnan(u) for u in enc.encode({"a": -3.0, "k": 9})] == [True, True]  # encode: inactive


def test_none_as_choice_puts_none_first() -> None:
    d = OrNone(Categorical(["x", "y"]))
    assert SpaceEncoding({"o": d}, none_as_choice=True).encode({"o": None}) == [0.0]
    assert SpaceEncoding({"o": d}, none_as_choice=True).encode({"o": "y"}) == [2.0]
    assert SpaceEncoding({"o": d}).encode({"o": "y"}) == [d.to_unit("y")]  # by default: through to_unit


def test_fill_replaces_only_the_inactive_entries() -> None:
    enc = SpaceEncoding({"a": Float(0, 1), "b": Categorical(["x", "y", "z"])})
    X = np.array([[0.25, np.nan], [np.nan, 2.0]])
    F = enc.fill(X, np.random.default_rng(0))
    assert not np.isnan(F).any()
    assert F[0, 0] == 0.25 and F[1, 1] == 2.0
    assert F[0, 1] in (0.0, 1.0, 2.0)


def test_every_model_based_sampler_and_importance_share_it() -> None:
    import hyperscout.importance as importance
    import hyperscout.samplers.cmaes as cmaes
    import hyperscout.samplers.forest as forest
    import hyperscout.samplers.gp as gp
    import hyperscout.samplers.tpe as tpe

    assert issubclass(forest._Encoding, SpaceEncoding)
    assert issubclass(cmaes._Encoding, SpaceEncoding)
    assert gp.SpaceEncoding is tpe.SpaceEncoding is importance.SpaceEncoding is SpaceEncoding
