"""Distributions: unit encoding, grids, JSON round trips, validation, and ``parse_space``."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hyperscout as hs
from hyperscout.space import Categorical, Distribution, Float, Int, OrNone, distribution_from_json, parse_space

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------------
# strategies


def _key(c):
    """Two choices collide exactly when ``Categorical`` says they are the same value (True != 1 == 1.0)."""
    if c is None:
        return ("none",)
    if isinstance(c, bool):
        return ("bool", c)
    if isinstance(c, str):
        return ("str", c)
    return ("num", float(c))


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)


@st.composite
def floats(draw) -> Float:
    kind = draw(st.sampled_from(["plain", "log", "step"]))
    if kind == "plain":
        low = draw(st.floats(-1e6, 1e6))
        high = low + draw(st.sampled_from([0.0, 1e-3, 1.0, 37.5, 1e4]))
        return Float(low, high)
    if kind == "log":
        low = 10 ** draw(st.floats(-8, 4))
        return Float(low, low * 10 ** draw(st.floats(0, 6)), log=True)
    step = draw(st.sampled_from([1e-3, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]))
    low = draw(st.integers(-1000, 1000)) * step
    return Float(low, low + draw(st.integers(0, 40)) * step, step=step)


@st.composite
def ints(draw) -> Int:
    if draw(st.booleans()):
        low = draw(st.integers(1, 1000))
        return Int(low, low + draw(st.integers(0, 5000)), log=True)
    low, step = draw(st.integers(-1000, 1000)), draw(st.integers(1, 10))
    return Int(low, low + draw(st.integers(0, 60)) * step, step=step)


@st.composite
def categoricals(draw, allow_none: bool = True) -> Categorical:
    scalars = SCALARS if allow_none else SCALARS.filter(lambda c: c is not None)
    choices = draw(st.lists(scalars, min_size=1, max_size=8, unique_by=_key))
    return Categorical(tuple(choices))


def or_nones() -> st.SearchStrategy[OrNone]:
    return st.one_of(floats(), ints(), categoricals(allow_none=False)).map(OrNone)


DISTRIBUTIONS = st.one_of(floats(), ints(), categoricals(), or_nones())
UNIT = st.floats(0.0, 1.0)


def _finite(d: Distribution) -> bool:
    return not (isinstance(d, Float) and d.step is None) and not (isinstance(d, OrNone) and not d.inner.is_finite)


def _same(a, b) -> bool:
    """Equal and of the same kind (True is not 1, 1 is not 1.0 for a categorical)."""
    return type(a) is type(b) and (a == b or (a is None and b is None))


def _expected_type_ok(d: Distribution, v) -> bool:
    if isinstance(d, OrNone):
        return v is None or _expected_type_ok(d.inner, v)
    if isinstance(d, Float):
        return type(v) is float
    if isinstance(d, Int):
        return type(v) is int
    return any(_same(v, c) for c in d.choices)


# ---------------------------------------------------------------------------------------------------
# unit encoding


@PROPERTY
@given(DISTRIBUTIONS, UNIT)
def test_from_unit_gives_a_contained_value_of_the_right_type(d, u):
    v = d.from_unit(u)
    assert d.contains(v), (d, u, v)
    assert _expected_type_ok(d, v), (d, u, v)
    assert 0.0 <= d.to_unit(v) <= 1.0


@PROPERTY
@given(DISTRIBUTIONS, UNIT)
def test_to_unit_of_from_unit_stays_in_the_same_cell(d, u):
    v = d.from_unit(u)
    back = d.from_unit(d.to_unit(v))
    if _finite(d) or v is None:
        assert _same(back, v), (d, u, v, back)
    else:
        assert type(back) is float
        span = d.inner.high - d.inner.low if isinstance(d, OrNone) else d.high - d.low
        assert math.isclose(back, v, rel_tol=1e-9, abs_tol=1e-9 * span), (d, u, v, back)


@PROPERTY
@given(st.one_of(floats(), or_nones()), UNIT)
def test_continuous_to_unit_inverts_from_unit(d, u):
    inner = d.inner if isinstance(d, OrNone) else d
    if _finite(d) or inner.low == inner.high:
        return  # cells, not points: covered by the cell test
    if inner.log and math.log(inner.low) == math.log(inner.high):
        return  # e.g. [10, 10.000000000000004]: one point on the log scale, which to_unit maps to 0.5
    v = d.from_unit(u)
    w = d.none_share if isinstance(d, OrNone) else 0.0
    if v is None:
        assert u < w
        return
    # what the bounds' own float precision allows, in units of the interval
    if inner.log:  # a value's relative precision, in units of the log interval
        slack = 8 * math.ulp(inner.high) / inner.high / (math.log(inner.high) - math.log(inner.low))
    else:
        slack = 8 * math.ulp(max(abs(inner.low), abs(inner.high))) / (inner.high - inner.low)
    assert d.to_unit(v) == pytest.approx(u, abs=1e-9 + slack)


@PROPERTY
@given(DISTRIBUTIONS.filter(_finite))
def test_every_grid_value_round_trips_exactly(d):
    for v in d.grid():
        u = d.to_unit(v)
        assert 0.0 <= u <= 1.0
        assert _same(d.from_unit(u), v), (d, v, u)


@PROPERTY
@given(st.one_of(floats(), ints(), or_nones()), UNIT, UNIT)
def test_from_unit_is_monotone_for_numbers(d, u1, u2):
    u1, u2 = sorted((u1, u2))
    a, b = d.from_unit(u1), d.from_unit(u2)
    if isinstance(d, OrNone):
        if a is None or b is None:
            assert a is None  # None owns the bottom of the interval
            return
        if isinstance(d.inner, Categorical):
            return
    assert a <= b, (d, u1, u2, a, b)


def test_from_unit_is_monotone_on_a_range_a_few_ulps_wide():
    # Found by the property above: a * (1 - u) + b * u went down between these two u.
    d = Float(1.003360177563097e-08, 1.0033601775631202e-08, log=True)
    assert d.from_unit(0.6015625) <= d.from_unit(0.607421875)
    us = np.linspace(0.0, 1.0, 2001)
    xs = [d.from_unit(u) for u in us]
    assert all(x <= y for x, y in zip(xs, xs[1:], strict=False)) and xs[0] == d.low and xs[-1] == d.high
    wide = Float(-1e308, 1e308)
    assert [wide.from_unit(u) for u in (0.0, 0.5, 1.0)] == [-1e308, 0.0, 1e308]


@PROPERTY
@given(st.one_of(floats(), ints(), categoricals(), or_nones()).filter(_finite))
def test_each_value_owns_an_equal_share_of_the_unit_interval(d):
    inner = d.inner if isinstance(d, OrNone) else d
    if getattr(inner, "log", False):
        return  # log-scaled integers own equal shares in log space, not in u
    values = d.grid()
    n = len(values)
    for i, v in enumerate(values):
        assert _same(d.from_unit((i + 0.5) / n), v), (d, i, v)
        assert d.to_unit(v) == pytest.approx((i + 0.5) / n, abs=1e-9)


def test_mixed_categorical_keeps_types_apart():
    choices = (None, True, False, 0, 1, 1.5, "1", "")
    d = Categorical(choices)
    assert d.choices == choices
    units = [d.to_unit(c) for c in choices]
    assert units == sorted(units) and len(set(units)) == len(choices)
    for c in choices:
        assert _same(d.from_unit(d.to_unit(c)), c)
        assert _same(d.cast(c), c)
    assert d.index(True) == 1 and d.index(1) == 4 and d.index(1.0) == 4 and d.index(0) == 3
    assert not d.contains("x") and not d.contains(2) and not d.contains([1])
    with pytest.raises(ValueError, match="not one of the choices"):
        d.to_unit("x")
    assert Categorical((True,)).contains(True) and not Categorical((True,)).contains(1)
    assert not Categorical((1,)).contains(True)


def test_categorical_numpy_choices_become_python_scalars():
    d = Categorical((np.int64(3), np.float64(0.5), "a"))
    assert [type(c) for c in d.choices] == [int, float, str]
    assert json.loads(json.dumps(d.to_json()))["choices"] == [3, 0.5, "a"]


def test_or_none_gives_none_the_share_of_one_value():
    d = OrNone(Int(1, 3))
    assert d.none_share == pytest.approx(0.25)
    assert [d.from_unit(u) for u in (0.1, 0.3, 0.6, 0.9)] == [None, 1, 2, 3]
    assert OrNone(Float(0.0, 1.0)).none_share == 0.5
    assert OrNone(Float(0.0, 1.0)).from_unit(0.49) is None
    assert OrNone(Float(0.0, 1.0)).from_unit(0.5) == 0.0
    assert OrNone(Float(0.0, 1.0)).from_unit(1.0) == 1.0


def test_log_float_is_geometric():
    d = Float(1e-4, 1.0, log=True)
    assert d.from_unit(0.0) == pytest.approx(1e-4)
    assert d.from_unit(0.5) == pytest.approx(1e-2)
    assert d.from_unit(0.75) == pytest.approx(1e-1)
    assert d.from_unit(1.0) == 1.0


def test_extreme_but_finite_bounds_are_encoded_linearly():
    d = Float(-1e308, 1e308)
    assert d.to_unit(0.0) == pytest.approx(0.5)
    assert d.to_unit(5e307) == pytest.approx(0.75)
    assert d.from_unit(0.5) == pytest.approx(0.0, abs=1e292)
    assert d.from_unit(0.75) == pytest.approx(5e307)


def test_huge_integer_ranges_are_not_enumerated_to_be_described():
    # is_finite / is_single / none_share must not build the list of 10**18 values.
    d = Int(0, 10**18)
    assert d.is_finite
    assert not d.is_single
    assert d.contains(d.from_unit(0.3))
    o = OrNone(Int(1, 10**18))
    assert o.none_share == pytest.approx(1e-18)
    assert o.contains(o.from_unit(0.5))


def test_single_valued_distributions():
    assert Int(3, 3).is_single and Int(3, 3).grid() == [3]
    assert Float(0.5, 0.5, step=0.1).is_single
    assert Categorical(("only",)).is_single
    assert not Float(0.5, 0.5).is_single  # continuous: nothing to enumerate
    assert Float(0.5, 0.5).from_unit(0.7) == 0.5
    assert not OrNone(Int(3, 3)).is_single


# ---------------------------------------------------------------------------------------------------
# grids


@PROPERTY
@given(DISTRIBUTIONS.filter(_finite))
def test_grid_values_are_contained_and_distinct(d):
    values = d.grid()
    assert values
    assert all(d.contains(v) for v in values)
    assert len({_key(v) for v in values}) == len(values), d
    assert d.is_finite


@PROPERTY
@given(floats())
def test_float_grid(d):
    if d.step is None:
        assert not d.is_finite
        with pytest.raises(ValueError, match="continuous"):
            d.grid()
        return
    values = d.grid()
    assert len(values) == round((d.high - d.low) / d.step) + 1
    assert values[0] == d.low and values[-1] == d.high
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    assert all(b - a == pytest.approx(d.step) for a, b in zip(values, values[1:], strict=False))


@PROPERTY
@given(ints())
def test_int_grid(d):
    values = d.grid()
    assert len(values) == (d.high - d.low) // d.step + 1
    assert values[0] == d.low and values[-1] == d.high
    assert all(type(v) is int for v in values)
    assert all(b - a == d.step for a, b in zip(values, values[1:], strict=False))


@PROPERTY
@given(categoricals())
def test_categorical_grid_is_the_choices_in_order(d):
    assert d.grid() == list(d.choices)
    assert all(_same(a, b) for a, b in zip(d.grid(), d.choices, strict=True))


@PROPERTY
@given(or_nones())
def test_or_none_grid(d):
    if not d.inner.is_finite:
        assert not d.is_finite
        with pytest.raises(ValueError):
            d.grid()
        return
    values = d.grid()
    assert values[0] is None and values[1:] == d.inner.grid()
    assert len(values) == len(d.inner.grid()) + 1


def test_grid_examples():
    assert Int(1, 10, step=3).grid() == [1, 4, 7, 10]
    assert Float(0.0, 1.0, step=0.25).grid() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert len(Float(0.1, 0.7, step=0.2).grid()) == 4
    assert Int(1, 5, log=True).grid() == [1, 2, 3, 4, 5]
    assert OrNone(Categorical(("a", "b"))).grid() == [None, "a", "b"]


# ---------------------------------------------------------------------------------------------------
# JSON


@PROPERTY
@given(DISTRIBUTIONS)
def test_json_round_trip(d):
    payload = d.to_json()
    text = json.dumps(payload, allow_nan=False)  # strict JSON, as every database stores it
    back = distribution_from_json(json.loads(text))
    assert back == d
    assert type(back) is type(d)
    assert hash(back) == hash(d)
    assert back.to_json() == payload
    assert payload["type"] == {Float: "float", Int: "int", Categorical: "categorical", OrNone: "or_none"}[type(d)]
    cats = [d, back] if isinstance(d, Categorical) else [d.inner, back.inner] if isinstance(d, OrNone) else []
    if cats and isinstance(cats[0], Categorical):
        assert [type(c) for c in cats[0].choices] == [type(c) for c in cats[1].choices]


def test_json_examples():
    assert Float(1e-5, 0.1, log=True).to_json() == {
        "type": "float",
        "low": 1e-05,
        "high": 0.1,
        "log": True,
        "step": None,
    }
    assert Int(1, 9, step=2).to_json() == {"type": "int", "low": 1, "high": 9, "log": False, "step": 2}
    assert OrNone(Categorical(("a",))).to_json() == {
        "type": "or_none",
        "inner": {"type": "categorical", "choices": ["a"]},
    }
    with pytest.raises(ValueError, match="unknown distribution type 'normal'"):
        distribution_from_json({"type": "normal", "mu": 0})


def test_categoricals_of_different_kinds_are_not_equal():
    # Categorical keeps True and 1 apart; equality (used to check that a parameter keeps its
    # distribution within a study) must too.
    assert Categorical((True, False)) != Categorical((1, 0))
    assert Categorical(("1",)) != Categorical((1,))


# ---------------------------------------------------------------------------------------------------
# validation


INVALID = [
    ("Float(2.0, 1.0)", r"low <= high"),
    ("Float(0.0, 1.0, log=True)", r"log=True needs low > 0"),
    ("Float(-1.0, 1.0, log=True)", r"log=True needs low > 0"),
    ("Float(0.0, 1.0, step=0.3)", r"not a multiple of step"),
    ("Float(0.0, 1.0, step=0.0)", r"step must be a positive"),
    ("Float(0.0, 1.0, step=-0.5)", r"step must be a positive"),
    ("Float(1.0, 10.0, step=1.0, log=True)", r"both log=True and a step"),
    ("Float(math.nan, 1.0)", r"finite"),
    ("Float(0.0, math.inf)", r"finite"),
    ("Float(-math.inf, 0.0)", r"finite"),
    ('Float("0", 1.0)', r"must be numbers"),
    ("Float(True, 2.0)", r"must be numbers"),
    ("Float(0.0, 1.0, step=True)", r"step must be a positive"),
    ("Int(5, 1)", r"low <= high"),
    ("Int(0, 10, log=True)", r"log=True needs low >= 1"),
    ("Int(0, 10, step=3)", r"not a multiple of step"),
    ("Int(0, 10, step=0)", r"step must be >= 1"),
    ("Int(1, 10, step=3, log=True)", r"both log=True and step > 1"),
    ("Int(True, 5)", r"low must be an integer"),
    ("Int(0, False)", r"high must be an integer"),
    ("Int(0, 4, step=True)", r"step must be an integer"),
    ("Int(1.5, 3)", r"low must be an integer"),
    ("Int(math.nan, 3)", r"low must be an integer"),
    ("Int(0, math.inf)", r"high must be an integer"),
    ('Int("1", 3)', r"low must be an integer"),
    ("Categorical(())", r"at least one choice"),
    ('Categorical(("a", "b", "a"))', r"distinct.*'a' appears twice"),
    ("Categorical((1, 1.0))", r"distinct"),
    ("Categorical((0.0, -0.0))", r"distinct"),
    ("Categorical((None, None))", r"distinct"),
    ("Categorical((object(),))", r"JSON.*object"),
    ("Categorical(([1, 2],))", r"JSON.*list"),
    ('Categorical(({"a": 1},))', r"JSON.*dict"),
    ('Categorical("abc")', r"list or tuple"),
    ("Categorical((math.nan,))", r"(?i)nan|finite|json"),
    ("Categorical((math.inf, 1.0))", r"(?i)inf|finite|json"),
    ("OrNone(OrNone(Int(1, 3)))", r"OrNone wraps a Float, Int or Categorical"),
    ("OrNone(Categorical((None, 1)))", r"already contains None"),
]


@pytest.mark.parametrize("expr, message", INVALID, ids=[e for e, _ in INVALID])
def test_invalid_distributions_raise_value_error_naming_the_problem(expr, message):
    namespace = {"Float": Float, "Int": Int, "Categorical": Categorical, "OrNone": OrNone, "math": math}
    with pytest.raises(ValueError, match=message):
        eval(expr, namespace)


def test_step_error_suggests_a_fix():
    with pytest.raises(ValueError, match=r"use high=9\b"):
        Int(0, 10, step=3)
    with pytest.raises(ValueError, match=r"use high=") as info:
        Float(0.0, 1.0, step=0.3)
    suggested = float(str(info.value).rsplit("use high=", 1)[1])
    assert suggested == pytest.approx(0.9)
    assert Float(0.0, suggested, step=0.3).grid()[-1] == pytest.approx(0.9)


def test_valid_edge_cases_are_accepted():
    assert Int(1.0, 3.0) == Int(1, 3) and type(Int(1.0, 3.0).low) is int
    assert Int(np.int64(1), np.int64(3)).grid() == [1, 2, 3]
    assert Float(1, 2).low == 1.0 and type(Float(1, 2).low) is float
    assert Float(0.1, 0.7, step=0.2).contains(0.5)
    assert not Float(0.1, 0.7, step=0.2).contains(0.6)
    assert not Float(0.0, 1.0).contains(math.nan) and not Float(0.0, 1.0).contains(True)
    assert not Int(0, 5).contains(2.5) and not Int(0, 5).contains(True) and Int(0, 5).contains(2.0)
    assert not Int(0, 6, step=2).contains(3)


# ---------------------------------------------------------------------------------------------------
# parse_space


def test_parse_space_lists_are_categorical():
    space = parse_space({"C": [0.1, 1, 10], "kernel": ["rbf", "linear"], "flag": [True, False, None]})
    assert space == {
        "C": Categorical((0.1, 1, 10)),
        "kernel": Categorical(("rbf", "linear")),
        "flag": Categorical((True, False, None)),
    }
    assert [type(c) for c in space["C"].choices] == [float, int, int]
    arr = parse_space({"alpha": np.logspace(-2, 0, 3), "n": np.array([1, 2])})
    assert arr["alpha"].choices == pytest.approx((0.01, 0.1, 1.0))
    assert [type(c) for c in arr["alpha"].choices + arr["n"].choices] == [float, float, float, int, int]
    assert parse_space({"fixed": ["x"]})["fixed"].is_single


def test_parse_space_keeps_distributions_and_order():
    d = {"b": Float(0.0, 1.0), "a": OrNone(Int(1, 3)), "c": Categorical(("x",))}
    out = parse_space(d)
    assert out == d and list(out) == ["b", "a", "c"]


@pytest.mark.parametrize(
    "spec, expected",
    [
        ((10, 200), Int(10, 200)),
        ((-5, 5), Int(-5, 5)),
        ((1, 1000), Int(1, 1000)),  # integers stay integers, even across decades
        ((0.0, 1.0), Float(0.0, 1.0)),
        ((1e-4, 1.0), Float(1e-4, 1.0, log=True)),
        ((1e-3, 1e3), Float(1e-3, 1e3, log=True)),
        ((1, 1e3), Float(1.0, 1e3, log=True)),
        ((0.5, 100.0), Float(0.5, 100.0)),
        ((1.0, 999.0), Float(1.0, 999.0)),
        ((0.0, 1e6), Float(0.0, 1e6)),
        ((-1e3, -1e-3), Float(-1e3, -1e-3)),
        ((2.5, 2.5), Float(2.5, 2.5)),
        ((None, 30), OrNone(Int(1, 30))),
        ((None, 1), OrNone(Int(1, 1))),
        ((None, 0.5), OrNone(Float(0.0, 0.5))),
        ((np.int64(2), np.int64(8)), Int(2, 8)),
    ],
)
def test_parse_space_tuples(spec, expected):
    got = parse_space({"p": spec})["p"]
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("k", range(-8, 5))
def test_parse_space_three_decades_exactly_is_log(k):
    low, high = float(f"1e{k}"), float(f"1e{k + 3}")
    assert parse_space({"p": (low, high)})["p"] == Float(low, high, log=True)
    assert parse_space({"p": (low, high * 0.99)})["p"] == Float(low, high * 0.99, log=False)


@settings(max_examples=100, deadline=None)
@given(st.floats(1e-12, 1e12), st.floats(1.0, 1e8))
def test_parse_space_log_rule(low, ratio):
    high = low * ratio
    d = parse_space({"p": (low, high)})["p"]
    assert isinstance(d, Float) and d.low == low and d.high == high
    if ratio >= 1.001e3:
        assert d.log
    elif ratio <= 0.999e3:
        assert not d.log


def _support(frozen) -> tuple[float, float]:
    lo, hi = frozen.support()
    return float(lo), float(hi)


@pytest.mark.parametrize(
    "frozen, kind, log",
    [
        (scipy.stats.uniform(2, 3), Float, False),
        (scipy.stats.uniform(loc=-1, scale=2), Float, False),
        (scipy.stats.uniform(), Float, False),
        (scipy.stats.uniform(0.5), Float, False),
        (scipy.stats.loguniform(1e-3, 1e3), Float, True),
        (scipy.stats.loguniform(a=1e-5, b=1e-1), Float, True),
        (scipy.stats.reciprocal(0.01, 1.0), Float, True),
        (scipy.stats.randint(1, 5), Int, False),
        (scipy.stats.randint(low=0, high=10), Int, False),
        (scipy.stats.randint(1, 5, loc=10), Int, False),
        (scipy.stats.randint(-3, 4), Int, False),
    ],
)
def test_parse_space_scipy_keeps_the_support(frozen, kind, log):
    d = parse_space({"p": frozen})["p"]
    assert type(d) is kind and d.log == log
    assert (d.low, d.high) == pytest.approx(_support(frozen))
    if kind is Int:
        # every value scipy can draw is a value of the distribution, and no other
        lo, hi = map(int, _support(frozen))
        assert d.grid() == list(range(lo, hi + 1))
        assert all(d.contains(int(x)) for x in frozen.rvs(size=200, random_state=0))


def test_parse_space_scipy_randint_example():
    assert parse_space({"n": scipy.stats.randint(1, 5)})["n"] == Int(1, 4)


@pytest.mark.parametrize(
    "frozen, name",
    [
        (scipy.stats.norm(0, 1), "norm"),
        (scipy.stats.expon(), "expon"),
        (scipy.stats.poisson(3), "poisson"),
        (scipy.stats.beta(2, 3), "beta"),
    ],
)
def test_parse_space_unsupported_scipy_names_parameter_and_distribution(frozen, name):
    with pytest.raises(ValueError, match=rf"parameter 'lr': scipy\.stats\.{name} is not supported"):
        parse_space({"ok": [1], "lr": frozen})


def test_parse_space_loguniform_with_loc_is_refused():
    with pytest.raises(ValueError, match=r"parameter 'g': loguniform with loc/scale"):
        parse_space({"g": scipy.stats.loguniform(1e-3, 1.0, scale=2.0)})


@pytest.mark.parametrize(
    "spec, message",
    [
        ("abc", r"cannot read 'abc' as a search range"),
        (5, r"cannot read 5"),
        (None, r"cannot read None"),
        ({"low": 1, "high": 2}, r"cannot read"),
        (scipy.stats.uniform, r"cannot read"),  # the distribution itself, not a frozen one
        ((1, None), r"has no upper bound"),
        ((None, None), r"has no range"),
        ((None, 0), r"needs high >= 1"),
        ((None, -1.5), r"needs high > 0"),
        ((5, 1), r"low <= high"),
        ((2.0, 1.0), r"low <= high"),
        ((math.nan, 1.0), r"finite"),
        ((0.0, math.inf), r"finite"),
        ([], r"at least one choice"),
        ([1, 2, 1], r"distinct"),
        ([object()], r"JSON"),
        (np.array([[1, 2], [3, 4]]), r"JSON"),
    ],
)
def test_parse_space_bad_specs_name_the_parameter(spec, message):
    with pytest.raises(ValueError, match=rf"^parameter 'max_depth': .*{message}"):
        parse_space({"alpha": [1.0], "max_depth": spec})


def test_parse_space_bad_containers_and_names():
    with pytest.raises(ValueError, match="must be a dict"):
        parse_space([("x", [1, 2])])
    with pytest.raises(ValueError, match="non-empty strings, got 1"):
        parse_space({1: [1, 2]})
    with pytest.raises(ValueError, match="non-empty strings, got ''"):
        parse_space({"": [1, 2]})


def test_parse_space_is_exported_at_top_level():
    assert hs.parse_space is parse_space
    assert hs.parse_space({"C": (1e-3, 1e3)})["C"] == Float(0.001, 1000.0, log=True)


@pytest.mark.parametrize("spec", [(1,), (0.0, 1, 2), (-1.0, "a"), ("rbf", "linear"), (), (1, 2, 3, 4)])
def test_parse_space_tuples_are_ranges_only(spec):
    # These once became lists of choices, silently; a tuple is a range (docs/search-spaces.md).
    message = rf"^parameter 'p': {re.escape(repr(spec))} is not a range: a tuple is \(low, high\).*\(None, high\)"
    with pytest.raises(ValueError, match=message + r".*write " + re.escape(repr(list(spec)))):
        parse_space({"p": spec})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ((1e-3, 0.0), r"needs low <= high, got low=0.001 > high=0.0"),  # was "math domain error"
        ((1e-3, -5.0), r"needs low <= high"),
        ((0, 10**400), r"Int high must be an integer within about ±1.8e308 .*got high=an integer of about 401 digits"),
        ((1e-3, 10**400), r"Float high must be a finite number within about ±1.8e308"),
        ((-(10**400), 1.0), r"Float low must be a finite number"),
    ],
)
def test_parse_space_bad_ranges_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=rf"^parameter 'p': .*{message}"):
        parse_space({"p": spec})


def test_huge_integer_bounds_are_refused_clearly():
    for make in (lambda: Int(0, 10**400), lambda: Int(-(10**5000), 0), lambda: Float(0, 10**400)):
        with pytest.raises(
            ValueError, match=r"(low|high) must be .*within about ±1.8e308.*an integer of about \d+ digits"
        ):
            make()
    assert Int(0, 10**300).high == 10**300  # what a float holds is still fine


@pytest.mark.parametrize("kind", [Float, Int])
@pytest.mark.parametrize("log", ["no", "False", 1, 0, None])
def test_log_must_be_a_bool(kind, log):
    with pytest.raises(TypeError, match=rf"{kind.__name__} log must be True or False, got log={re.escape(repr(log))}"):
        kind(1, 10, log=log)
    assert kind(1, 10, log=np.bool_(True)).log is True
    with pytest.raises(TypeError, match=r"parameter 'lr': Float log must be True or False, got log='no'"):
        hs.create_study().ask().suggest_float("lr", 1e-3, 1.0, log="no")
