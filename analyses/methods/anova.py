"""One-way analysis of variance, with Levene's test of equal variances.

Sums of squares come from exactly centred values (see ``analyses.numerics``)
by two-pass formulas: between = sum n_i (mean_i - grand mean)^2, within = sum of
squared deviations from each group's own mean. That is what lets the results
match NIST's certified values even for SmLs07-09 (1000000000000.4 and the like).

Levene's test is the Brown-Forsythe variant (deviations from each group's
median), the default of R's car::leveneTest and scipy.stats.levene: it keeps
its size when the data are not normal.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .. import numerics
from . import common, register
from .base import Method, MethodError


@dataclass(frozen=True)
class OneWay:
    df_between: int
    df_within: int
    sum_sq_between: float
    sum_sq_within: float
    f: float | None
    p_value: float | None

    @property
    def mean_sq_between(self):
        return self.sum_sq_between / self.df_between

    @property
    def mean_sq_within(self):
        return self.sum_sq_within / self.df_within

    @property
    def r_squared(self):
        total = self.sum_sq_between + self.sum_sq_within
        return self.sum_sq_between / total if total else None


def one_way(samples):
    """One-way ANOVA of a list of arrays sharing one centre; F is None when
    there is no variation within groups."""
    grand_mean, _ = numerics.mean_and_sum_of_squares(np.concatenate(samples))
    between = within = 0.0
    for sample in samples:
        mean, sum_sq = numerics.mean_and_sum_of_squares(sample)
        between += len(sample) * (mean - grand_mean) ** 2
        within += sum_sq
    df_between = len(samples) - 1
    df_within = sum(len(sample) for sample in samples) - len(samples)
    if within == 0:
        return OneWay(df_between, df_within, between, within, None, None)
    f = (between / df_between) / (within / df_within)
    return OneWay(df_between, df_within, between, within, f, stats.f.sf(f, df_between, df_within))


def levene(samples):
    """Brown-Forsythe/Levene test: one-way ANOVA of absolute deviations from group medians."""
    return one_way([np.abs(sample - np.median(sample)) for sample in samples])


@register
class Anova(Method):
    name = "anova"
    label = "One-way ANOVA"
    parameters = common.group_comparison_schema(
        "One-way analysis of variance", "Variable defining two or more groups."
    )
    variable_types = common.GROUP_COMPARISON_TYPES

    def run(self, table, params, columns):
        variable, group_by = params["variable"], params["group_by"]
        levels, samples, sample, dropped = common.split_by_group(table, variable, group_by, columns)
        common.require_variation(sample, variable)
        deviations = [group.deviations for group in samples]
        fit = one_way(deviations)
        if fit.f is None:
            raise MethodError(
                f"{variable!r} does not vary within any group of {group_by!r}; the F statistic is undefined."
            )
        spread = levene(deviations)
        summaries = [numerics.summarize(group) for group in samples]
        summary = {
            "f": fit.f,
            "df_between": fit.df_between,
            "df_within": fit.df_within,
            "p_value": fit.p_value,
            "r_squared": fit.r_squared,
            "residual_sd": fit.mean_sq_within**0.5,
            "n": len(sample),
            "missing": dropped,
        }
        anova_table = [
            {
                "source": "between",
                "df": fit.df_between,
                "sum_sq": fit.sum_sq_between,
                "mean_sq": fit.mean_sq_between,
                "f": fit.f,
                "p_value": fit.p_value,
            },
            {
                "source": "within",
                "df": fit.df_within,
                "sum_sq": fit.sum_sq_within,
                "mean_sq": fit.mean_sq_within,
                "f": None,
                "p_value": None,
            },
        ]
        assumptions = [
            {
                "test": "levene",
                "center": "median",
                "statistic": spread.f,
                "df1": spread.df_between,
                "df2": spread.df_within,
                "p_value": spread.p_value,
            }
        ]
        groups = [
            {"group": level, "n": s.n, "mean": s.mean, "sd": s.sd}
            for level, s in zip(levels, summaries, strict=True)
        ]
        notes = [common.dropped_note(dropped, [variable, group_by])]
        if spread.p_value is not None and spread.p_value < 0.05:
            notes.append(
                "Levene's test suggests unequal variances (p < 0.05): consider Welch's t-test for two "
                "groups or the Kruskal-Wallis test."
            )
        chart = common.box_chart("box", f"{variable} by {group_by}", variable, group_by, levels, summaries)
        tables = {"anova": anova_table, "assumptions": assumptions, "groups": groups}
        return common.result(summary, tables, notes, [chart], columns)
