"""Kruskal-Wallis rank-sum test of two or more groups.

H is corrected for ties (divided by 1 - sum(t^3 - t) / (N^3 - N)) and referred
to the chi-square distribution with (groups - 1) degrees of freedom, as R's
``kruskal.test`` does.
"""

import numpy as np
from scipy import stats

from .. import numerics
from . import common, register
from .base import Method


def kruskal_wallis(samples):
    """(H, df, p-value, mean rank per group) for a list of numeric arrays."""
    test = stats.kruskal(*samples)
    ranks = stats.rankdata(np.concatenate(samples))
    mean_ranks = [float(np.mean(part)) for part in np.split(ranks, np.cumsum([len(s) for s in samples])[:-1])]
    return test.statistic, len(samples) - 1, test.pvalue, mean_ranks


@register
class Kruskal(Method):
    name = "kruskal"
    label = "Kruskal-Wallis test"
    parameters = common.group_comparison_schema(
        "Kruskal-Wallis rank-sum test", "Variable defining two or more groups."
    )
    variable_types = common.GROUP_COMPARISON_TYPES

    def run(self, table, params, columns):
        variable, group_by = params["variable"], params["group_by"]
        levels, samples, sample, dropped = common.split_by_group(table, variable, group_by, columns)
        common.require_variation(sample, variable)
        statistic, df, p_value, mean_ranks = kruskal_wallis([group.deviations for group in samples])
        summaries = [numerics.summarize(group) for group in samples]
        groups = [
            {"group": level, "n": s.n, "median": s.median, "q1": s.q1, "q3": s.q3, "mean_rank": rank}
            for level, s, rank in zip(levels, summaries, mean_ranks, strict=True)
        ]
        summary = {"statistic": statistic, "df": df, "p_value": p_value, "n": len(sample), "missing": dropped}
        notes = [
            "H is corrected for ties; the p-value uses the chi-square approximation.",
            common.dropped_note(dropped, [variable, group_by]),
        ]
        chart = common.box_chart("box", f"{variable} by {group_by}", variable, group_by, levels, summaries)
        return common.result(summary, {"groups": groups}, notes, [chart], columns)
