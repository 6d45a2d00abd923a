"""Ordinary least squares that reproduces the NIST StRD certified values.

Householder QR (LAPACK, float64) of the well-conditioned internal basis gives
the first solution and the triangular factor R. The solution is then refined
with the corrected semi-normal equations: the residual ``y - Z a`` and the
gradient ``Z' r`` are computed in double-double precision from the exact
basis, and the correction solves ``R'R d = Z' r``. Unlike refining with
``Q' r``, this converges to the exact least-squares solution of the stored
data even when the residuals are large (NIST Wampler4/5), for any basis with
condition number well below 1e8, which centring and scaling provide.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.linalg import solve_triangular

from . import double_double as dd

_MAX_REFINEMENTS = 10


@dataclass
class LeastSquaresFit:
    coefficients: list  # internal basis, exact (Fractions of the double-double solution)
    residual_hi: np.ndarray
    residual_lo: np.ndarray
    unscaled_covariance: np.ndarray  # (Z'Z)^-1 in the internal basis

    @property
    def residuals(self):
        return self.residual_hi + self.residual_lo

    def residual_sum_of_squares(self):
        """Sum of squared residuals as an exact Fraction of its double-double value."""
        hi, lo = dd.multiply(self.residual_hi, self.residual_lo, self.residual_hi, self.residual_lo)
        total_hi, total_lo = dd.total(hi, lo)
        return Fraction(float(total_hi)) + Fraction(float(total_lo))


def _residual(design, y_hi, y_lo, a_hi, a_lo):
    r_hi, r_lo = y_hi, y_lo
    for j in range(design.p):
        p_hi, p_lo = dd.multiply(design.hi[:, j], design.lo[:, j], a_hi[j], a_lo[j])
        r_hi, r_lo = dd.add(r_hi, r_lo, -p_hi, -p_lo)
    return r_hi, r_lo


def _gradient(design, r_hi, r_lo):
    p_hi, p_lo = dd.multiply(design.hi, design.lo, r_hi[:, None], r_lo[:, None])
    g_hi, _ = dd.total(p_hi, p_lo)
    return g_hi


def fit(design, y_hi, y_lo):
    """Least-squares fit of ``y`` (double-double) on ``design`` (already checked for rank)."""
    q, r = np.linalg.qr(design.hi)
    a_hi = solve_triangular(r, q.T @ (y_hi + y_lo))
    a_lo = np.zeros_like(a_hi)
    previous = np.inf
    for _ in range(_MAX_REFINEMENTS):
        r_hi, r_lo = _residual(design, y_hi, y_lo, a_hi, a_lo)
        gradient = _gradient(design, r_hi, r_lo)
        step = solve_triangular(r, solve_triangular(r, gradient, trans="T"))
        size = float(np.max(np.abs(step)))
        if not size < previous:  # exact, or no longer improving: at the limit of the arithmetic
            break
        a_hi, a_lo = dd.add(a_hi, a_lo, step, np.zeros_like(step))
        previous = size
    r_hi, r_lo = _residual(design, y_hi, y_lo, a_hi, a_lo)
    r_inverse = solve_triangular(r, np.eye(design.p))
    return LeastSquaresFit(
        coefficients=[Fraction(float(h)) + Fraction(float(lo)) for h, lo in zip(a_hi, a_lo, strict=True)],
        residual_hi=r_hi,
        residual_lo=r_lo,
        unscaled_covariance=r_inverse @ r_inverse.T,
    )
