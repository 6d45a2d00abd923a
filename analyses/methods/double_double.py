"""Double-double arithmetic on numpy arrays: a value is an unevaluated sum
``hi + lo`` of two float64 arrays, good to about 32 significant digits.

Used where float64 alone loses the answer: the residuals of a least-squares
fit (y minus nearly equal fitted values) and the powers of a centred column.
Built on the error-free transformations of Knuth (two-sum) and Dekker (split
and two-product), so it is portable (no reliance on ``long double``, which is
plain float64 on some platforms) and fully vectorised.
"""

import numpy as np

_SPLITTER = 134217729.0  # 2**27 + 1: splits a float64 into two 26-bit halves


def two_sum(a, b):
    """``a + b`` as ``(s, e)`` with ``s + e`` exactly equal to the sum."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _split(a):
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_product(a, b):
    """``a * b`` as ``(p, e)`` with ``p + e`` exactly equal to the product."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _normalise(hi, lo):
    s = hi + lo
    return s, lo - (s - hi)


def add(x_hi, x_lo, y_hi, y_lo):
    s, e = two_sum(x_hi, y_hi)
    return _normalise(s, e + (x_lo + y_lo))


def multiply(x_hi, x_lo, y_hi, y_lo):
    p, e = two_product(x_hi, y_hi)
    return _normalise(p, e + (x_hi * y_lo + x_lo * y_hi))


def total(hi, lo):
    """Sum along the first axis, by pairwise reduction (log2(n) vectorised steps)."""
    hi, lo = np.asarray(hi, dtype=float), np.asarray(lo, dtype=float)
    while hi.shape[0] > 1:
        if hi.shape[0] % 2:
            pad = np.zeros((1, *hi.shape[1:]))
            hi, lo = np.concatenate([hi, pad]), np.concatenate([lo, pad])
        half = hi.shape[0] // 2
        hi, lo = add(hi[:half], lo[:half], hi[half:], lo[half:])
    if hi.shape[0] == 0:
        return np.zeros(hi.shape[1:]), np.zeros(hi.shape[1:])
    return hi[0], lo[0]
