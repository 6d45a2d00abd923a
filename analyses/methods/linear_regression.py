"""Ordinary least-squares linear regression.

Fitted by ``least_squares`` in the centred, scaled basis of ``design`` and
reported in the user's parameterisation; reproduces the NIST StRD certified
values (analyses/tests/test_linear_regression.py). R^2, the F test and the
standard errors follow R's ``lm``: without an intercept the total sum of
squares is taken about zero, not about the mean.

Charts:

- ``forest``: {rows: [{term, estimate, ci_low, ci_high}], reference: 0, log_scale: false, x_label}
- ``residuals``: {bins: [{n, fitted, residual_mean, residual_q1, residual_median,
  residual_q3}]}, the residuals summarised over bins of roughly equal size (at least
  ``MIN_BIN_ROWS`` rows each) by fitted value.
- ``scatter`` (individual points: holders of export only): the outcome against its one
  numeric predictor with the fitted line (or polynomial curve), or, when the model has other
  predictors, observed against fitted values with the line where they are equal.
"""

import math
from fractions import Fraction

import numpy as np
from scipy import stats

from . import common, design, least_squares, register
from . import double_double as dd
from .base import Chart, Method, MethodError

CONFIDENCE = 0.95
RESIDUAL_BINS = 20
# A residual bin summarises at least this many rows (all of them in one bin below that).
MIN_BIN_ROWS = 10
# The fitted curve of a polynomial is drawn through this many fitted values, evenly spread over x.
LINE_POINTS = 200


@register
class LinearRegression(Method):
    name = "linear_regression"
    label = "Linear regression"
    parameters = common.object_schema(
        "Linear regression",
        {
            "outcome": common.variable_parameter("The numeric outcome."),
            "predictors": common.variable_list_parameter(
                "Predictor terms: column names, or powers such as x^2 (2..10) of a numeric column."
            ),
            "intercept": {"type": "boolean", "default": True, "description": "Fit a constant term."},
        },
        ["outcome", "predictors"],
    )
    variable_types = {"outcome": common.NUMERIC_TYPES, "predictors": design.PREDICTOR_TYPES}

    def variables(self, params):
        return list(dict.fromkeys([params["outcome"], *design.term_columns(params["predictors"])]))

    def run(self, table, params, columns):
        outcome, terms, intercept = params["outcome"], params["predictors"], params.get("intercept", True)
        if outcome in design.term_columns(terms):
            raise MethodError(f"The outcome {outcome!r} is also a predictor.")
        used, dropped = common.complete_rows(table, self.variables(params))
        common.require_values(used.num_rows, outcome)
        model = design.build(used, columns, terms, constant="intercept" if intercept else "none")
        model.check_rank()
        y = design.centred(used.column(outcome), centre=intercept, scale=False)
        fit = least_squares.fit(model, y.hi, y.lo)
        internal = list(fit.coefficients)
        if intercept:
            internal[0] += y.centre  # the outcome was centred: the constant takes the centre back
        estimates = model.coefficients(internal)
        covariance = model.covariance(fit.unscaled_covariance)

        n, p = model.n, model.p
        df_resid = n - p
        df_model = p - (1 if intercept else 0)
        rss = fit.residual_sum_of_squares()
        tss = _total_sum_of_squares(y, about_mean=intercept)
        if tss == 0:
            raise MethodError(f"The outcome {outcome!r} has no variation in the rows used.")
        sigma2 = rss / df_resid
        r_squared = 1 - rss / tss
        summary = {
            "r_squared": float(r_squared),
            "adj_r_squared": float(1 - (1 - r_squared) * (n - (1 if intercept else 0)) / df_resid),
            "residual_std_error": math.sqrt(sigma2),
            "f": None,
            "p_value": None,
            "df_model": df_model,
            "df_residual": df_resid,
            "n": n,
        }
        notes = [common.dropped_note(dropped, self.variables(params))]
        if df_model > 0:
            f_value = _as_float(((tss - rss) / df_model) / sigma2) if rss > 0 else None
            if f_value is not None:
                summary |= {"f": f_value, "p_value": float(stats.f.sf(f_value, df_model, df_resid))}
            else:
                summary["p_value"] = 0.0
                notes.append("The model fits the data exactly (residual sum of squares 0): F is infinite.")

        critical = float(stats.t.ppf((1 + CONFIDENCE) / 2, df_resid))
        rows = []
        for j, term in enumerate(model.names):
            estimate = estimates[j]
            std_error = math.sqrt(float(sigma2 * Fraction(covariance[j, j])))
            statistic = estimate / std_error if std_error > 0 else None
            rows.append(
                {
                    "term": term,
                    "estimate": estimate,
                    "std_error": std_error,
                    "statistic": statistic,
                    "p_value": float(2 * stats.t.sf(abs(statistic), df_resid))
                    if statistic is not None
                    else 0.0,
                    "ci_low": estimate - critical * std_error,
                    "ci_high": estimate + critical * std_error,
                }
            )
        fitted = (y.hi + y.lo) - fit.residuals + float(y.centre)
        charts = [
            forest_chart("forest-coefficients", f"Coefficients for {outcome}", rows, reference=0.0),
            Chart(
                name="residuals",
                title=f"Residuals by fitted value ({outcome})",
                kind="residuals",
                spec={"outcome": outcome, "bins": residual_bins(fitted, fit.residuals)},
            ),
            scatter_chart(used, columns, outcome, terms, fitted),
        ]
        return common.result(summary, {"coefficients": rows}, notes, charts, columns)


def _as_float(value):
    """A Fraction as a float, or None beyond float range (an exact fit's F)."""
    try:
        return float(value)
    except OverflowError:
        return None


def _total_sum_of_squares(y, *, about_mean):
    """Total sum of squares of the outcome, exactly enough: about its mean (``y`` may then be
    centred on anything), or about zero (``y`` not centred), as R's ``lm`` does without an intercept."""
    hi, lo = y.hi, y.lo
    if about_mean:
        total_hi, total_lo = dd.total(hi, lo)
        mean = (Fraction(float(total_hi)) + Fraction(float(total_lo))) / len(hi)
        mean_hi = float(mean)
        hi, lo = dd.add(hi, lo, -mean_hi, -float(mean - Fraction(mean_hi)))
    square_hi, square_lo = dd.multiply(hi, lo, hi, lo)
    total_hi, total_lo = dd.total(square_hi, square_lo)
    return Fraction(float(total_hi)) + Fraction(float(total_lo))


def forest_chart(name, title, rows, *, reference, log_scale=False, value="estimate", x_label="Estimate"):
    """A forest plot spec of coefficient rows (the constant left out)."""
    spec_rows = [
        {"term": row["term"], "estimate": row[value], "ci_low": row["ci_low"], "ci_high": row["ci_high"]}
        for row in rows
        if row["term"] != design.CONSTANT
    ]
    spec = {"rows": spec_rows, "reference": reference, "log_scale": log_scale, "x_label": x_label}
    return Chart(name=name, title=title, kind="forest", spec=spec)


def scatter_chart(used, columns, outcome, terms, fitted):
    """The outcome against its single numeric predictor (every term a power of that column) with
    the fitted curve; otherwise observed against fitted values with the identity line."""
    observed = design.float_values(used.column(outcome))
    predictors = design.term_columns(terms)
    if len(predictors) == 1 and columns[predictors[0]]["type"] in common.NUMERIC_TYPES:
        x = design.float_values(used.column(predictors[0]))
        order = np.argsort(x, kind="stable")
        along = order[np.unique(np.linspace(0, len(order) - 1, LINE_POINTS).round().astype(int))]
        line = {"x": x[along].tolist(), "y": fitted[along].tolist(), "label": "Fitted"}
        return common.scatter_chart(
            "scatter",
            f"{outcome} against {predictors[0]}",
            x,
            observed,
            line,
            x_variable=predictors[0],
            y_variable=outcome,
        )
    ends = [float(min(fitted.min(), observed.min())), float(max(fitted.max(), observed.max()))]
    line = {"x": ends, "y": ends, "label": "Observed = fitted"}
    return common.scatter_chart(
        "scatter",
        f"Observed against fitted {outcome}",
        fitted,
        observed,
        line,
        x_variable=None,
        y_variable=outcome,
    )


def residual_bins(fitted, residuals, bins=RESIDUAL_BINS):
    """Residual quartiles and mean over bins of (nearly) equal size, ordered by fitted value:
    ``bins`` of them, fewer when that would leave a bin with under ``MIN_BIN_ROWS`` rows."""
    order = np.argsort(fitted, kind="stable")
    result = []
    for chunk in np.array_split(order, min(bins, max(1, len(order) // MIN_BIN_ROWS))):
        q1, median, q3 = np.quantile(residuals[chunk], [0.25, 0.5, 0.75])
        result.append(
            {
                "n": len(chunk),
                "fitted": float(np.mean(fitted[chunk])),
                "residual_mean": float(np.mean(residuals[chunk])),
                "residual_q1": float(q1),
                "residual_median": float(median),
                "residual_q3": float(q3),
            }
        )
    return result
