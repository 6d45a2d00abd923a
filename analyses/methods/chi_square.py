"""Test of independence for two categorical variables.

Pearson's chi-square test, with Yates' continuity correction on 2x2 tables by
default (as R's ``chisq.test`` and ``scipy.stats.chi2_contingency`` do; the
``correction`` parameter turns it off). A 2x2 table with any expected count
below 5 gets Fisher's exact test instead (two-sided: the probability of tables
no more likely than the one observed, as R's ``fisher.test``).

For every 2x2 table the odds ratio is the conditional maximum-likelihood
estimate with its exact confidence interval, the estimate R's ``fisher.test``
reports (not the sample cross-product ratio ad/bc), so the figure does not
change with the test chosen.
"""

import numpy as np
from scipy import stats
from scipy.stats import contingency

from . import common, register
from .base import Chart, Method

SPARSE_EXPECTED = 5


def crosstab(table, row, column, columns):
    """Observed counts over complete cases: (row levels, column levels, counts, rows dropped)."""
    used, dropped = common.complete_rows(table, [row, column])
    common.require_rows(used, [row, column])
    row_levels, row_codes = common.levels_in_order(used.column(row), columns.get(row))
    column_levels, column_codes = common.levels_in_order(used.column(column), columns.get(column))
    common.check_level_count(row_levels, row)
    common.check_level_count(column_levels, column)
    cells = np.bincount(
        row_codes * len(column_levels) + column_codes, minlength=len(row_levels) * len(column_levels)
    )
    return row_levels, column_levels, cells.reshape(len(row_levels), len(column_levels)), dropped


def expected_counts(observed):
    return np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()


def independence_test(observed, *, correction=True, level=0.95):
    """Pearson (Yates on 2x2 when ``correction``) or, for a sparse 2x2, Fisher's exact test."""
    expected = expected_counts(observed)
    two_by_two = observed.shape == (2, 2)
    result = {"odds_ratio": None, "odds_ratio_ci_low": None, "odds_ratio_ci_high": None}
    if two_by_two:
        odds = contingency.odds_ratio(observed, kind="conditional")
        interval = odds.confidence_interval(confidence_level=level)
        result |= {
            "odds_ratio": odds.statistic,
            "odds_ratio_ci_low": interval.low,
            "odds_ratio_ci_high": interval.high,
        }
    if two_by_two and (expected < SPARSE_EXPECTED).any():
        fisher = stats.fisher_exact(observed, alternative="two-sided")
        return result | {
            "statistic": None,
            "df": None,
            "p_value": fisher.pvalue,
            "method": "fisher",
            "continuity_correction": False,
        }
    pearson = stats.chi2_contingency(observed, correction=correction)
    return result | {
        "statistic": pearson.statistic,
        "df": int(pearson.dof),
        "p_value": pearson.pvalue,
        "method": "pearson",
        "continuity_correction": bool(correction and two_by_two),
    }


@register
class ChiSquare(Method):
    name = "chi_square"
    label = "Chi-square test of independence"
    parameters = common.object_schema(
        "Chi-square test of independence",
        {
            "row": common.variable_parameter("Categorical variable for the table's rows."),
            "column": common.variable_parameter("Categorical variable for the table's columns."),
            "correction": {
                "type": "boolean",
                "default": True,
                "description": "Yates' continuity correction on 2x2 tables.",
            },
        },
        ["row", "column"],
    )
    variable_types = {"row": common.GROUPING_TYPES, "column": common.GROUPING_TYPES}

    def run(self, table, params, columns):
        row, column = params["row"], params["column"]
        row_levels, column_levels, observed, dropped = crosstab(table, row, column, columns)
        expected = expected_counts(observed)
        summary = independence_test(observed, correction=params["correction"]) | {
            "n": int(observed.sum()),
            "missing": dropped,
        }
        cells = [(i, j, r, c) for i, r in enumerate(row_levels) for j, c in enumerate(column_levels)]
        tables = {
            "observed": [{"row": r, "column": c, "count": observed[i, j]} for i, j, r, c in cells],
            "expected": [{"row": r, "column": c, "expected": expected[i, j]} for i, j, r, c in cells],
        }
        notes = [_method_note(summary), common.dropped_note(dropped, [row, column])]
        sparse = int((expected < SPARSE_EXPECTED).sum())
        if summary["method"] == "pearson" and sparse:
            notes.append(
                f"{sparse} of {expected.size} cells have an expected count below {SPARSE_EXPECTED}; "
                "the chi-square approximation may be poor."
            )
        if observed.shape == (2, 2):
            odds = [summary[key] for key in ("odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high")]
            if not np.isfinite(odds).all():
                notes.append(
                    "A zero cell makes the odds ratio or a bound of its interval infinite; it is left empty."
                )
            notes.append(
                f"Odds ratio: conditional maximum-likelihood estimate (as R's fisher.test): odds of "
                f"{column_levels[0]!r} vs {column_levels[1]!r} in {row_levels[0]!r} "
                f"over those in {row_levels[1]!r}."
            )
        chart = Chart(
            name="bar",
            title=f"{row} by {column}",
            kind="bar",
            spec={
                "x_label": row,
                "series_label": column,
                "categories": row_levels,
                "series": [
                    {"name": level, "counts": observed[:, j].tolist()}
                    for j, level in enumerate(column_levels)
                ],
            },
        )
        return common.result(summary, tables, notes, [chart], columns)


def _method_note(summary):
    if summary["method"] == "fisher":
        return "Fisher's exact test (two-sided): a 2x2 table with an expected count below 5."
    if summary["continuity_correction"]:
        return "Pearson's chi-square test with Yates' continuity correction (2x2 table)."
    return "Pearson's chi-square test."
