"""Pearson or Spearman correlation of every pair of variables.

Each pair uses the rows where both variables have a value (pairwise complete
cases), so ``n`` can differ between pairs. The p-value tests r = 0 with
t = r sqrt((n - 2) / (1 - r^2)) on n - 2 degrees of freedom, as R's
``cor.test`` does for Pearson; for Spearman this is the usual large-sample
approximation (scipy's), which R replaces by an exact permutation p-value for
small samples without ties. Pearson's r also gets a Fisher-z confidence
interval (four or more pairs). r is computed from exactly centred values, so
columns such as 1000000000000.4 keep their digits.

Charts: a ``heatmap`` of the coefficients with the pairwise row counts ``n``,
and a ``scatter`` of the first pair with its least-squares line (individual
points: holders of export only).
"""

import math

import numpy as np
from scipy import stats

from .. import numerics
from . import common, design, register
from .base import Chart, Method, MethodError

MAX_VARIABLES = 30


def pearson_r(x, y):
    """Pearson's r by centred sums (two-pass); None if either variable is constant."""
    x = x - numerics.mean_and_sum_of_squares(x)[0]
    y = y - numerics.mean_and_sum_of_squares(y)[0]
    sxx, syy = float(np.sum(x * x)), float(np.sum(y * y))
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, float(np.sum(x * y)) / math.sqrt(sxx * syy)))


def r_test(r, n, *, interval, level=0.95):
    """(p-value, ci_low, ci_high) for a correlation r from n pairs."""
    if abs(r) == 1:
        p_value = 0.0
    else:
        t = r * math.sqrt((n - 2) / (1 - r * r))
        p_value = 2 * stats.t.sf(abs(t), n - 2)
    if not interval or n < 4:
        return p_value, None, None
    z, margin = math.atanh(r) if abs(r) < 1 else math.copysign(math.inf, r), stats.norm.ppf(0.5 + level / 2)
    return p_value, math.tanh(z - margin / math.sqrt(n - 3)), math.tanh(z + margin / math.sqrt(n - 3))


def _aligned(table, name):
    """The column's centred values at every row, NaN where missing."""
    column = table.column(name)
    missing = numerics.missing_mask(column)
    values = np.full(len(missing), np.nan)
    values[~missing] = numerics.centred(numerics.present(column)).deviations
    return values


@register
class Correlation(Method):
    name = "correlation"
    label = "Correlation matrix"
    parameters = common.object_schema(
        "Correlation matrix",
        {
            "variables": common.variable_list_parameter(
                "Numeric variables to correlate pairwise.", min_items=2, max_items=MAX_VARIABLES
            ),
            "method": {"type": "string", "enum": ["pearson", "spearman"], "default": "pearson"},
        },
        ["variables"],
    )
    variable_types = {"variables": common.NUMERIC_TYPES}

    def run(self, table, params, columns):
        names, method = params["variables"], params["method"]
        values = {name: _aligned(table, name) for name in names}
        matrix = np.eye(len(names))
        counts = np.diag([int((~np.isnan(values[name])).sum()) for name in names])
        pairs = []
        for i, x_name in enumerate(names):
            for j in range(i + 1, len(names)):
                y_name = names[j]
                both = ~np.isnan(values[x_name]) & ~np.isnan(values[y_name])
                n = int(both.sum())
                if n < 3:
                    raise MethodError(
                        f"{x_name!r} and {y_name!r} have {n} row(s) with both values; a correlation needs 3."
                    )
                x, y = values[x_name][both], values[y_name][both]
                if method == "spearman":
                    x, y = stats.rankdata(x), stats.rankdata(y)
                r = pearson_r(x, y)
                if r is None:
                    constant = x_name if np.all(x == x[0]) else y_name
                    raise MethodError(
                        f"Variable {constant!r} is constant in the rows shared with "
                        f"{(y_name if constant == x_name else x_name)!r}; its correlation is undefined."
                    )
                p_value, low, high = r_test(r, n, interval=method == "pearson")
                matrix[i, j] = matrix[j, i] = r
                counts[i, j] = counts[j, i] = n
                pairs.append(
                    {
                        "x": x_name,
                        "y": y_name,
                        "r": r,
                        "p_value": p_value,
                        "n": n,
                        "ci_low": low,
                        "ci_high": high,
                    }
                )
        notes = [
            "Pairwise complete cases: each pair uses the rows where both variables have a value.",
            "Pearson's r with a t-test of r = 0 and a Fisher-z 95% interval."
            if method == "pearson"
            else "Spearman's rank correlation (average ranks for ties); p-values use the t approximation.",
        ]
        heatmap = Chart(
            name="heatmap",
            title=f"{method.capitalize()} correlations",
            kind="heatmap",
            spec={"variables": names, "matrix": matrix.tolist(), "n": counts.tolist(), "method": method},
        )
        charts = [heatmap, _scatter_chart(table, values, names[0], names[1])]
        summary = {"method": method, "n": table.num_rows}
        return common.result(summary, {"pairs": pairs}, notes, charts, columns)


def _scatter_chart(table, values, x_name, y_name):
    """The first pair's points (rows with both values) and their least-squares line of y on x.
    The slope comes from the exactly centred ``values``, as r does; the points need no such care."""
    both = ~np.isnan(values[x_name]) & ~np.isnan(values[y_name])
    dx, dy = values[x_name][both], values[y_name][both]
    dx, dy = dx - np.mean(dx), dy - np.mean(dy)
    slope = float(np.sum(dx * dy) / np.sum(dx * dx))
    x, y = design.float_values(table.column(x_name))[both], design.float_values(table.column(y_name))[both]
    x_mean, y_mean = float(np.mean(x)), float(np.mean(y))
    ends = np.array([x.min(), x.max()])
    line = {
        "x": ends.tolist(),
        "y": (y_mean + slope * (ends - x_mean)).tolist(),
        "label": "Least-squares line",
    }
    return common.scatter_chart(
        "scatter", f"{y_name} against {x_name}", x, y, line, x_variable=x_name, y_variable=y_name
    )
