"""Table 1: each variable summarised by group, with a test and standardized
mean differences, following the rules of the Python ``tableone`` package.

- Categorical (and boolean) variables: "n (%)" per level and group, percent of
  the group's non-missing values; Pearson's chi-square test (Yates on 2x2), or
  Fisher's exact test for a 2x2 table with an expected count below 5.
- Continuous (numeric, integer) variables: normal ones as "mean (SD)" tested
  by Welch's t-test (two groups) or one-way ANOVA (more); non-normal ones as
  "median [Q1, Q3]" tested by Kruskal-Wallis. A variable is non-normal when
  listed in ``nonnormal``, or when any group of 3 to 5000 values fails the
  Shapiro-Wilk test (p < 0.05), or any larger group has |skewness| > 1 (with
  thousands of values Shapiro-Wilk rejects trivial departures, and its p-value
  is no longer accurate, while the tests on means are robust to mild skew).
- Standardized mean differences for every pair of groups, as absolute values:
  |mean_a - mean_b| / sqrt((var_a + var_b) / 2) for continuous variables; for
  categorical ones the multivariate form of Yang & Dalton (2012), which
  reduces to the usual proportion formula for two levels.

Missing values are left out variable by variable, and rows without a group
are left out altogether. A variable whose test cannot be computed (a group
with fewer than two values, no variation) keeps its rows with an empty p-value
and a note, rather than failing the whole table.
"""

import math
from itertools import combinations

import numpy as np
import pyarrow as pa
from scipy import stats

from .. import numerics
from . import common, register
from .anova import one_way
from .base import Chart, Method, MethodError
from .chi_square import independence_test
from .kruskal import kruskal_wallis
from .ttest import two_sample_t

NORMALITY_ALPHA = 0.05
SHAPIRO_MAX = 5000
SKEW_LIMIT = 1.0


@register
class TableOne(Method):
    name = "table_one"
    label = "Table 1 (characteristics by group)"
    parameters = common.object_schema(
        "Table 1",
        {
            "variables": common.variable_list_parameter("Variables to summarise."),
            "group_by": common.variable_parameter("Variable defining the groups (columns)."),
            "nonnormal": common.variable_list_parameter(
                "Continuous variables to summarise as median [Q1, Q3] whatever their distribution.",
                min_items=0,
            )
            | {"default": []},
        },
        ["variables", "group_by"],
    )
    variable_types = {
        "variables": common.DESCRIBABLE_TYPES,
        "group_by": common.GROUPING_TYPES,
        "nonnormal": common.NUMERIC_TYPES,
    }

    def run(self, table, params, columns):
        group_by, variables = params["group_by"], params["variables"]
        stray = [name for name in params["nonnormal"] if name not in variables]
        if stray:
            raise MethodError(f"'nonnormal' names {stray[0]!r}, which is not among the variables.")
        used, dropped = common.complete_rows(table, [group_by])
        common.require_values(used.num_rows, group_by)
        levels, codes = common.levels_in_order(used.column(group_by), columns.get(group_by))
        common.check_level_count(levels, group_by)
        context = _Context(levels, codes)
        for name in variables:
            if name == group_by:
                raise MethodError(
                    f"{name!r} is the grouping variable; it cannot also be summarised by itself."
                )
            column = used.column(name)
            present = ~numerics.missing_mask(column)
            common.require_values(int(present.sum()), name)
            if columns[name]["type"] in common.NUMERIC_TYPES:
                context.continuous(name, column, present, forced=name in params["nonnormal"])
            else:
                context.categorical(name, column, present, columns[name])
        sizes = np.bincount(codes, minlength=len(levels))
        summary = {"n": used.num_rows, "missing": dropped, "groups": len(levels)}
        notes = [
            common.dropped_note(dropped, [group_by]),
            "Continuous variables: mean (SD) and Welch's t-test (two groups) or one-way ANOVA when normal; "
            "median [Q1, Q3] and Kruskal-Wallis otherwise.",
            f"Normal means: Shapiro-Wilk p >= {NORMALITY_ALPHA} in every group (|skewness| <= {SKEW_LIMIT} "
            f"in groups over {SHAPIRO_MAX}), unless the variable is listed in 'nonnormal'.",
            "Categorical variables: n (%) of the group's non-missing values; chi-square test, or Fisher's "
            "exact test for a 2x2 table with an expected count below 5.",
            "SMD: absolute standardized mean difference for each pair of groups.",
            *context.notes,
        ]
        chart = Chart(
            name="smd",
            title=f"Standardized mean differences by {group_by}",
            kind="dot",
            spec={"rows": context.smd, "reference": 0.1},
        )
        tables = {
            "table_one": context.rows,
            "tests": context.tests,
            "smd": context.smd,
            "groups": [{"group": level, "n": int(size)} for level, size in zip(levels, sizes, strict=True)],
        }
        return common.result(summary, tables, notes, [chart], columns)


class _Context:
    """Accumulates the rows, tests and SMDs as variables are added."""

    def __init__(self, levels, codes):
        self.levels, self.codes = levels, codes
        self.rows, self.tests, self.smd, self.notes = [], [], [], []

    def continuous(self, name, column, present, *, forced):
        sample = numerics.centred(numerics.present(column))
        codes = self.codes[present]
        groups = [sample.take(codes == index) for index in range(len(self.levels))]
        summaries = [numerics.summarize(group) if len(group) else None for group in groups]
        normal = not forced and _looks_normal(groups)
        for level, summary in zip(self.levels, summaries, strict=True):
            self.rows.append(
                {
                    "variable": name,
                    "level": None,
                    "group": level,
                    "value": _format(summary, normal),
                    "n": _n(summary),
                }
            )
        test, p_value = self._continuous_test(name, groups, sample, normal)
        self.tests.append({"variable": name, "test": test, "p_value": p_value})
        for (a, first), (b, second) in combinations(zip(self.levels, summaries, strict=True), 2):
            self.smd.append(
                {"variable": name, "group_a": a, "group_b": b, "smd": _continuous_smd(first, second)}
            )

    def _continuous_test(self, name, groups, sample, normal):
        test = ("welch t-test" if len(groups) == 2 else "one-way anova") if normal else "kruskal-wallis"
        small = [level for level, group in zip(self.levels, groups, strict=True) if len(group) < 2]
        if small:
            self.notes.append(f"No test for {name!r}: group {small[0]!r} has fewer than two values.")
            return test, None
        if np.all(sample.deviations == sample.deviations[0]):
            self.notes.append(f"No test for {name!r}: it is constant.")
            return test, None
        deviations = [group.deviations for group in groups]
        if not normal:
            return test, kruskal_wallis(deviations)[2]
        if len(groups) == 2:
            first, second = (numerics.summarize(group) for group in groups)
            if first.variance == 0 and second.variance == 0:
                self.notes.append(f"No test for {name!r}: it is constant within each group.")
                return test, None
            return test, two_sample_t(first, second, equal_var=False, level=0.95)["p_value"]
        fit = one_way(deviations)
        if fit.p_value is None:
            self.notes.append(f"No test for {name!r}: it is constant within each group.")
        return test, fit.p_value

    def categorical(self, name, column, present, entry):
        values = column.filter(pa.array(present))
        levels, value_codes = common.levels_in_order(values, entry)
        if len(levels) > common.MAX_GROUPS:
            raise MethodError(
                f"{name!r} has {len(levels)} levels; Table 1 lists at most {common.MAX_GROUPS}."
            )
        group_codes = self.codes[present]
        counts = np.bincount(
            value_codes * len(self.levels) + group_codes, minlength=len(levels) * len(self.levels)
        ).reshape(len(levels), len(self.levels))
        totals = counts.sum(axis=0)
        for i, level in enumerate(levels):
            for j, group in enumerate(self.levels):
                share = 100.0 * counts[i, j] / totals[j] if totals[j] else None
                value = f"{counts[i, j]} ({share:.1f}%)" if share is not None else f"{counts[i, j]}"
                self.rows.append(
                    {"variable": name, "level": level, "group": group, "value": value, "n": counts[i, j]}
                )
        observed = counts[counts.sum(axis=1) > 0][:, totals > 0]
        if min(observed.shape) < 2:
            self.notes.append(f"No test for {name!r}: fewer than two levels or groups with values.")
            self.tests.append({"variable": name, "test": "chi-square", "p_value": None})
        else:
            test = independence_test(observed)
            label = "fisher exact" if test["method"] == "fisher" else "chi-square"
            self.tests.append({"variable": name, "test": label, "p_value": test["p_value"]})
        for a, b in combinations(range(len(self.levels)), 2):
            smd = _categorical_smd(counts[:, a], counts[:, b])
            self.smd.append(
                {"variable": name, "group_a": self.levels[a], "group_b": self.levels[b], "smd": smd}
            )


def _looks_normal(groups):
    for group in groups:
        values = group.deviations
        if len(values) < 3 or np.all(values == values[0]):
            continue
        if len(values) <= SHAPIRO_MAX:
            if stats.shapiro(values).pvalue < NORMALITY_ALPHA:
                return False
        elif abs(stats.skew(values)) > SKEW_LIMIT:
            return False
    return True


def _n(summary):
    return summary.n if summary else 0


def _decimals(spread):
    """Three significant digits of the spread, between 0 and 8 decimals."""
    if not spread or not math.isfinite(spread):
        return 2
    return max(0, min(8, 2 - math.floor(math.log10(abs(spread)))))


def _format(summary, normal):
    if summary is None:
        return ""
    if normal:
        places = _decimals(summary.sd)
        sd = f"{summary.sd:.{places}f}" if summary.sd is not None else "-"
        return f"{summary.mean:.{places}f} ({sd})"
    places = _decimals(summary.q3 - summary.q1)
    return f"{summary.median:.{places}f} [{summary.q1:.{places}f}, {summary.q3:.{places}f}]"


def _continuous_smd(first, second):
    if first is None or second is None or first.variance is None or second.variance is None:
        return None
    scale = math.sqrt((first.variance + second.variance) / 2)
    difference = abs(first.mean_deviation - second.mean_deviation)
    if scale == 0:
        return 0.0 if difference == 0 else None
    return difference / scale


def _categorical_smd(first_counts, second_counts):
    """Yang & Dalton's multinomial SMD from two groups' level counts."""
    if not first_counts.sum() or not second_counts.sum():
        return None
    p, q = first_counts / first_counts.sum(), second_counts / second_counts.sum()
    difference = (p - q)[1:]
    covariance = ((np.diag(p) - np.outer(p, p)) + (np.diag(q) - np.outer(q, q)))[1:, 1:] / 2
    if not np.any(covariance):
        return 0.0 if not np.any(difference) else None
    return math.sqrt(max(float(difference @ np.linalg.pinv(covariance) @ difference), 0.0))
