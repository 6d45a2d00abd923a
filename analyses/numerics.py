"""Numerically careful building blocks shared by the analysis methods.

Numeric columns arrive as float64, int64 or exact ``decimal128`` (the importers
keep values such as 1000000000000.4 exactly when float64 could not hold their
digits relative to their spread). Every computation here starts by *centring*:
the values minus an exact centre, subtracted in exact arithmetic (decimal or
integer) before anything becomes a float. Variances, sums of squares, F and
correlation are shift-invariant, so centring loses nothing and leaves float64
all its digits for the spread; means and quantiles get the centre added back
in exact decimal arithmetic. Sums of squares use the corrected two-pass
algorithm (never the naive sum of squares minus squared sum).
"""

import decimal
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Enough digits that centre + offset is exact before the single rounding to float.
EXACT_CONTEXT = decimal.Context(prec=80)


def _combined(column):
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def missing_mask(column):
    """Boolean numpy mask of missing values: nulls, and NaN in floating-point columns."""
    column = _combined(column)
    missing = column.is_null()
    if pa.types.is_floating(column.type):
        missing = pc.or_kleene(missing, pc.is_nan(column))
    return missing.to_numpy(zero_copy_only=False)


def present(column):
    """The column without its missing values, as one Arrow array."""
    column = _combined(column)
    mask = missing_mask(column)
    return column.filter(pa.array(~mask)) if mask.any() else column


def exact_center(values):
    """An exact value to centre on: the minimum for decimal and integer columns
    (representable, no overflow), 0.0 for floats (no exact subtraction exists)."""
    values = _combined(values)
    if len(values) and (pa.types.is_decimal(values.type) or pa.types.is_integer(values.type)):
        return pc.min(values).as_py()
    return 0.0


@dataclass(frozen=True)
class Centred:
    """Float64 deviations ``values - center``; ``center`` is exact (Decimal, int or 0.0)."""

    deviations: np.ndarray
    center: object

    def __len__(self):
        return len(self.deviations)

    def restore(self, offset):
        """``center + offset`` as the float nearest its exact value."""
        offset = float(offset)
        if isinstance(self.center, decimal.Decimal | int) and math.isfinite(offset):
            return float(EXACT_CONTEXT.add(decimal.Decimal(self.center), decimal.Decimal(offset)))
        return float(self.center) + offset

    def take(self, selector):
        return Centred(self.deviations[selector], self.center)


def centred(values):
    """Centre a column without missing values: exact subtraction, then float64."""
    values = _combined(values)
    center = exact_center(values)
    if pa.types.is_decimal(values.type):
        # decimal128(38, s) has no room for the subtraction's extra digit.
        wide = pa.decimal256(values.type.precision, values.type.scale)
        shifted = pc.subtract(values.cast(wide), pa.scalar(decimal.Decimal(center), wide))
        return Centred(pc.cast(shifted, pa.float64()).to_numpy(zero_copy_only=False), center)
    if pa.types.is_integer(values.type):
        shifted = pc.subtract_checked(values.cast(pa.int64()), pa.scalar(int(center), pa.int64()))
        return Centred(shifted.cast(pa.float64()).to_numpy(zero_copy_only=False), center)
    array = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return Centred(array - center if center else array, center)


def mean_and_sum_of_squares(deviations):
    """Mean and sum of squared deviations from it, by the corrected two-pass
    algorithm (Chan, Golub & LeVeque): the second term removes the rounding
    error left in the first-pass mean."""
    n = len(deviations)
    mean = float(np.mean(deviations))
    residuals = deviations - mean
    correction = float(np.sum(residuals))
    sum_sq = float(np.sum(residuals * residuals)) - correction * correction / n
    return mean + correction / n, max(sum_sq, 0.0)


def quantiles(deviations, probabilities):
    """Quantiles by linear interpolation between order statistics (Hyndman &
    Fan type 7: R's and numpy's default), in deviation units."""
    return np.quantile(deviations, probabilities)


@dataclass(frozen=True)
class Summary:
    """Univariate summary of one sample; ``sd`` is None below two values."""

    n: int
    mean: float
    sd: float | None
    median: float
    q1: float
    q3: float
    min: float
    max: float
    p05: float  # 5th and 95th percentiles: whisker ends that are not extremes
    p95: float
    mean_deviation: float  # the mean in centred units, for shift-invariant arithmetic
    variance: float | None


def summarize(sample):
    """Summary of a ``Centred`` sample with at least one value."""
    deviations = sample.deviations
    n = len(deviations)
    mean, sum_sq = mean_and_sum_of_squares(deviations)
    variance = sum_sq / (n - 1) if n > 1 else None
    p05, q1, median, q3, p95 = quantiles(deviations, [0.05, 0.25, 0.5, 0.75, 0.95])
    return Summary(
        n=n,
        mean=sample.restore(mean),
        sd=math.sqrt(variance) if variance is not None else None,
        median=sample.restore(median),
        q1=sample.restore(q1),
        q3=sample.restore(q3),
        min=sample.restore(deviations.min()),
        max=sample.restore(deviations.max()),
        p05=sample.restore(p05),
        p95=sample.restore(p95),
        mean_deviation=mean,
        variance=variance,
    )


def json_safe(value):
    """Plain JSON-ready Python: numpy scalars and Decimals to int/float, non-finite floats to None."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
