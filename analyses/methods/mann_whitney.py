"""Mann-Whitney U test (Wilcoxon rank-sum) of two independent groups.

``statistic`` is U of the first group (the number of pairs in which its value
is larger, ties counting one half): R's ``W`` from ``wilcox.test(y ~ g)``.
The p-value follows R's rule: exact when both groups have fewer than 50 values
and there are no ties, otherwise the normal approximation with continuity and
tie corrections.
"""

import numpy as np
from scipy import stats

from .. import numerics
from . import common, register
from .base import Method, MethodError

EXACT_BELOW = 50


@register
class MannWhitney(Method):
    name = "mann_whitney"
    label = "Mann-Whitney U test"
    parameters = common.group_comparison_schema("Mann-Whitney U test", "Variable with exactly two groups.")
    variable_types = common.GROUP_COMPARISON_TYPES

    def run(self, table, params, columns):
        variable, group_by = params["variable"], params["group_by"]
        levels, samples, sample, dropped = common.split_by_group(table, variable, group_by, columns)
        if len(levels) != 2:
            raise MethodError(
                f"{group_by!r} has {len(levels)} groups in the rows used; the Mann-Whitney test compares "
                "exactly two (use Kruskal-Wallis for more)."
            )
        common.require_variation(sample, variable)
        x, y = (group.deviations for group in samples)
        ties = len(np.unique(sample.deviations)) < len(sample)
        exact = len(x) < EXACT_BELOW and len(y) < EXACT_BELOW and not ties
        test = stats.mannwhitneyu(
            x, y, alternative="two-sided", use_continuity=True, method="exact" if exact else "asymptotic"
        )
        ranks = stats.rankdata(np.concatenate([x, y]))
        summaries = [numerics.summarize(group) for group in samples]
        groups = [
            {
                "group": level,
                "n": summary.n,
                "median": summary.median,
                "q1": summary.q1,
                "q3": summary.q3,
                "mean_rank": float(np.mean(part)),
            }
            for level, summary, part in zip(levels, summaries, np.split(ranks, [len(x)]), strict=True)
        ]
        summary = {
            "statistic": test.statistic,
            "p_value": test.pvalue,
            "method": "exact" if exact else "asymptotic",
            # Probability of superiority mapped to [-1, 1]: positive when the first group tends higher.
            "rank_biserial": 2 * test.statistic / (len(x) * len(y)) - 1,
            "n": len(sample),
            "missing": dropped,
        }
        notes = [
            f"U is counted for {levels[0]!r} against {levels[1]!r} (R's W).",
            "Exact p-value (no ties, both groups under 50)."
            if exact
            else "Normal approximation with continuity and tie corrections (ties present or a group of 50+).",
            common.dropped_note(dropped, [variable, group_by]),
        ]
        chart = common.box_chart("box", f"{variable} by {group_by}", variable, group_by, levels, summaries)
        return common.result(summary, {"groups": groups}, notes, [chart], columns)
