"""The numerical building blocks: exact centring, stable sums of squares, JSON safety."""

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from analyses import numerics


def test_decimal_columns_are_centred_exactly_even_at_full_precision():
    values = pa.array([Decimal("1000000000000.4"), Decimal("1000000000000.3"), Decimal("1000000000000.5")])
    for arrow_type in (pa.decimal128(14, 1), pa.decimal128(38, 1)):  # 38 digits leave no room to subtract
        sample = numerics.centred(values.cast(arrow_type))
        assert sample.center == Decimal("1000000000000.3")
        assert sample.deviations.tolist() == [0.1, 0.0, 0.2]
        assert sample.restore(0.05) == 1000000000000.35


def test_integers_beyond_float_precision_keep_their_spread():
    big = 2**62
    sample = numerics.centred(pa.array([big, big + 1, big + 3], pa.int64()))
    assert sample.deviations.tolist() == [0.0, 1.0, 3.0]
    assert numerics.summarize(sample).variance == pytest.approx(7 / 3, rel=1e-15)
    assert numerics.summarize(sample).mean == float(big) + 4 / 3


def test_two_pass_sum_of_squares_survives_a_large_offset():
    """1e9 + (4, 7, 13, 16): the textbook case where sum(x^2) - n mean^2 loses every digit."""
    x = 1e9 + np.array([4.0, 7.0, 13.0, 16.0])
    naive = (np.sum(x * x) - len(x) * np.mean(x) ** 2) / (len(x) - 1)
    assert naive != 30.0
    mean, sum_sq = numerics.mean_and_sum_of_squares(x)
    assert mean == 1e9 + 10 and sum_sq / 3 == 30.0


def test_quantiles_are_type_7():
    deviations = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    assert numerics.quantiles(deviations, [0.25, 0.5, 0.75]).tolist() == [2.0, 3.0, 4.0]
    summary = numerics.summarize(numerics.centred(pa.array([1.0, 2.0, 3.0, 4.0])))
    assert (summary.q1, summary.median, summary.q3) == (1.75, 2.5, 3.25)
    # R: quantile(c(1, 2, 3, 4), c(0.05, 0.95)) -> 1.15, 3.85
    assert (summary.p05, summary.p95) == pytest.approx((1.15, 3.85), abs=1e-15)


def test_missing_means_null_or_nan():
    column = pa.chunked_array([[1.0, None], [float("nan"), 4.0]])
    assert numerics.missing_mask(column).tolist() == [False, True, True, False]
    assert numerics.present(column).to_pylist() == [1.0, 4.0]


def test_json_safe_converts_numpy_and_drops_non_finite_numbers():
    value = {
        "a": np.float64(1.5),
        "b": [np.int64(3), float("nan"), float("inf")],
        "c": Decimal("0.1"),
        "d": None,
    }
    assert numerics.json_safe(value) == {"a": 1.5, "b": [3, None, None], "c": 0.1, "d": None}
    assert type(numerics.json_safe(np.int64(3))) is int
