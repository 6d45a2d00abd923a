"""Two-sample t-test: Welch's (default) or Student's pooled-variance test,
with the mean difference's confidence interval and Cohen's d.

The difference is first group minus second, groups in level order (R's
``t.test(y ~ g)`` convention). Cohen's d uses the pooled standard deviation
(as R's effectsize::cohens_d does by default) whichever test is chosen; its
confidence interval inverts the noncentral t distribution (Steiger & Fouladi),
which is exact under normality, instead of the large-sample normal formula.
"""

import math

from scipy import optimize, stats

from .. import numerics
from . import common, register
from .base import Method, MethodError


@register
class TTest(Method):
    name = "ttest"
    label = "t-test (two groups)"
    parameters = common.group_comparison_schema(
        "Two-sample t-test",
        "Variable with exactly two groups.",
        equal_var={
            "type": "boolean",
            "default": False,
            "description": "Assume equal variances (Student's t-test) instead of Welch's.",
        },
        confidence_level={
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.95,
        },
    )
    variable_types = common.GROUP_COMPARISON_TYPES

    def run(self, table, params, columns):
        variable, group_by = params["variable"], params["group_by"]
        levels, samples, sample, dropped = common.split_by_group(table, variable, group_by, columns)
        if len(levels) != 2:
            raise MethodError(
                f"{group_by!r} has {len(levels)} groups in the rows used; a t-test compares exactly two "
                "(use one-way ANOVA or Kruskal-Wallis for more)."
            )
        common.require_variation(sample, variable)
        first, second = (numerics.summarize(group) for group in samples)
        if first.variance == 0 and second.variance == 0:
            raise MethodError(
                f"{variable!r} is constant within each group of {group_by!r}; the t statistic is undefined."
            )
        test = two_sample_t(first, second, equal_var=params["equal_var"], level=params["confidence_level"])
        d, d_low, d_high = cohens_d(first, second, params["confidence_level"])
        summary = test | {
            "cohens_d": d,
            "cohens_d_ci_low": d_low,
            "cohens_d_ci_high": d_high,
            "confidence_level": params["confidence_level"],
            "n": first.n + second.n,
            "missing": dropped,
        }
        groups = [
            {"group": level, "n": stats_.n, "mean": stats_.mean, "sd": stats_.sd}
            for level, stats_ in zip(levels, (first, second), strict=True)
        ]
        notes = [
            f"Mean difference = mean of {levels[0]!r} minus mean of {levels[1]!r}.",
            "Welch's t-test (unequal variances)."
            if not params["equal_var"]
            else "Student's t-test (pooled variance).",
            "Cohen's d uses the pooled SD; its interval inverts the noncentral t distribution.",
            common.dropped_note(dropped, [variable, group_by]),
        ]
        chart = common.box_chart(
            "box", f"{variable} by {group_by}", variable, group_by, levels, [first, second]
        )
        return common.result(summary, {"groups": groups}, notes, [chart], columns)


def two_sample_t(first, second, *, equal_var, level):
    """Welch or Student t-test of two ``numerics.Summary`` samples (mean difference first - second)."""
    n1, n2, v1, v2 = first.n, second.n, first.variance, second.variance
    difference = first.mean_deviation - second.mean_deviation  # same exact centre: it cancels
    if equal_var:
        df = n1 + n2 - 2
        pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
        se = math.sqrt(pooled * (1 / n1 + 1 / n2))
    else:
        a, b = v1 / n1, v2 / n2
        se = math.sqrt(a + b)
        df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    statistic = difference / se
    margin = stats.t.ppf(0.5 + level / 2, df) * se
    return {
        "statistic": statistic,
        "df": df,
        "p_value": 2 * stats.t.sf(abs(statistic), df),
        "mean_difference": difference,
        "ci_low": difference - margin,
        "ci_high": difference + margin,
        "method": "student" if equal_var else "welch",
    }


def cohens_d(first, second, level):
    """Cohen's d (pooled SD) and its noncentral-t confidence interval; None where undefined."""
    n1, n2 = first.n, second.n
    df = n1 + n2 - 2
    pooled_sd = math.sqrt(((n1 - 1) * first.variance + (n2 - 1) * second.variance) / df)
    if pooled_sd == 0:
        return None, None, None
    d = (first.mean_deviation - second.mean_deviation) / pooled_sd
    scale = math.sqrt(n1 * n2 / (n1 + n2))
    t = d * scale
    low = _noncentrality(t, df, 0.5 + level / 2)
    high = _noncentrality(t, df, 0.5 - level / 2)
    return d, low / scale, high / scale


def _noncentrality(t, df, probability):
    """The noncentrality at which the observed t is the ``probability`` quantile."""

    def gap(ncp):
        return stats.nct.cdf(t, df, ncp) - probability

    # Widen from a narrow bracket: far out in the tails the noncentral t CDF underflows.
    width = 1.0
    while not (gap(t - width) > 0 > gap(t + width)):
        width *= 2
        if width > 1e4:
            return math.nan  # no bracket (the CDF failed numerically): the bound is left empty
    return optimize.brentq(gap, t - width, t + width, xtol=1e-12)
