"""Kaplan-Meier survival curves, median survival, and the log-rank test.

Matches R's survival package: ``survfit`` with its defaults (Greenwood
variance of log S, ``conf.type = "log"``, 95%, upper limit capped at 1),
medians and their limits as ``quantile.survfit`` finds them (including its
averaging rule when S is exactly 0.5 on a flat stretch), and ``survdiff``
with ``rho = 0``. Checked against R on the NCCTG lung data and against an
independent computation on a million heavily tied rows (tests).

Vectorised: one sort, ``np.unique`` with counts, cumulative sums and
products over a (distinct times x groups) count matrix. No Python loop runs
over rows or times.

Chart ``survival`` (aggregate: the step curve and a risk table at a few
times, never individual censoring times):
{time_label, group_label (when grouped), groups: [{group, time: [...],
n_at_risk: [...], survival: [...], ci_low: [...], ci_high: [...]}],
risk_table: {times: [...], rows: [{group, n_at_risk: [...],
cumulative_events: [...]}]}}. ``n_at_risk`` per point lets the chart end a
curve exactly where fewer than k people remain at risk. Curves with more
steps than ``CURVE_POINTS`` are drawn from the step function sampled on a
regular grid.
"""

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from . import common, register
from .base import Chart, Method, MethodError

CONFIDENCE = 0.95
# R's quantile.survfit: values of 1 - S within this of the probability count as equal to it.
QUANTILE_TOLERANCE = math.sqrt(np.finfo(float).eps)
CURVE_POINTS = 1000
RISK_TABLE_TIMES = 6
EVENT_TYPES = frozenset({"boolean", "integer", "numeric"})
ALL = "all"


def survival_outcome(table, time, event):
    """Time (float64) and event (bool) arrays from complete rows, checked."""
    times = np.asarray(pc.cast(table.column(time), pa.float64()).to_numpy(zero_copy_only=False))
    raw = table.column(event)
    if pa.types.is_boolean(raw.type):
        events = np.asarray(raw.to_numpy(zero_copy_only=False), dtype=bool)
    else:
        codes = np.asarray(pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False))
        found = set(np.unique(codes).tolist())
        if not found <= {0.0, 1.0}:
            shown = ", ".join(f"{value:g}" for value in sorted(found)[:5])
            raise MethodError(
                f"The event variable {event!r} must be boolean or coded 0 (censored) / 1 (event); "
                f"found {shown}."
            )
        events = codes == 1.0
    if len(times) and times.min() < 0:
        raise MethodError(f"The time variable {time!r} has negative values; survival times start at 0.")
    if not events.any():
        raise MethodError(
            f"There are no events ({event!r} is never 1) in the rows used; nothing to estimate."
        )
    return times, events


class Counts:
    """Events and censorings per distinct time (rows, ascending) and group (columns)."""

    def __init__(self, times, events, codes, groups):
        self.times, inverse = np.unique(times, return_inverse=True)
        cells = inverse * groups + codes
        size = len(self.times) * groups
        self.events = np.bincount(cells[events], minlength=size).reshape(-1, groups)
        self.exits = np.bincount(cells, minlength=size).reshape(-1, groups)  # events + censorings
        # At risk at t: everyone whose time is >= t (a reversed cumulative sum of exits).
        self.at_risk = np.cumsum(self.exits[::-1], axis=0)[::-1]


def product_limit(at_risk, events):
    """Kaplan-Meier S and the Greenwood standard error of log S (R's ``std.err``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        greenwood = np.cumsum(np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0))
    return survival, np.sqrt(greenwood)


def log_confidence_band(survival, std_error, confidence=CONFIDENCE):
    """R's conf.type = "log": exp(log S -/+ z se), upper capped at 1; undefined where S = 0."""
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.where(survival > 0, np.log(np.where(survival > 0, survival, 1.0)), np.nan)
        lower = np.exp(log_s - z * std_error)
        upper = np.minimum(np.exp(log_s + z * std_error), 1.0)
    return lower, upper


def survival_quantile(times, curve, probability=0.5, tolerance=QUANTILE_TOLERANCE):
    """The time where 1 - curve reaches ``probability``, exactly as R's ``survival:::findq``.

    ``curve`` holds S (or a confidence limit of S, NaN where undefined) at
    ``times``, after (0, S = 1). Where 1 - S equals the probability (within
    ``tolerance``) on a flat stretch, the result is the midpoint of that
    stretch (R's rule for medians); None when the curve never gets there.
    """
    x = np.concatenate([[0.0], times])
    y = np.concatenate([[0.0], 1.0 - curve])
    last_time = x[-1]
    if np.all(np.isnan(y)) or np.nanmax(y) < probability:
        return None
    # R drops repeated values of y (NaN repeats NaN), keeping the first occurrence.
    repeated = (y[1:] == y[:-1]) | (np.isnan(y[1:]) & np.isnan(y[:-1]))
    keep = np.concatenate([[True], ~repeated])
    x, y = x[keep], y[keep]
    ends_on_value = not np.isnan(y[-1])
    x, y = x[~np.isnan(y)], y[~np.isnan(y)]

    def index_reaching(values):
        # approx(values, 1:n, p, method = "constant", f = 1): among the values at or above p,
        # the point with the smallest value (values need not be monotone for a confidence limit).
        above = np.flatnonzero(values >= probability)
        return int(above[np.argmin(values[above])]) if len(above) else None

    low, high = index_reaching(y + tolerance), index_reaching(y - tolerance)
    if ends_on_value and low is not None and abs(probability - y[-1]) < tolerance:
        return (x[low] + last_time) / 2
    if low is None or high is None:
        return None
    return (x[low] + x[high]) / 2


def log_rank(counts):
    """survdiff (rho = 0): chi-square, df, p, observed and expected events per group."""
    d = counts.events.sum(axis=1).astype(float)
    n = counts.at_risk.sum(axis=1).astype(float)
    share = counts.at_risk / n[:, None]
    expected = (d[:, None] * share).sum(axis=0)
    observed = counts.events.sum(axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    # V = sum_t w_t (diag(share_t) - share_t share_t')
    variance = np.diag((weight[:, None] * share).sum(axis=0)) - (share * weight[:, None]).T @ share
    difference = observed - expected
    # A generalised inverse, as survdiff: a group nobody in which is at risk at any event time adds nothing.
    statistic = float(difference[:-1] @ np.linalg.pinv(variance[:-1, :-1]) @ difference[:-1])
    df = counts.events.shape[1] - 1
    return statistic, df, float(stats.chi2.sf(statistic, df)), observed, expected


@register
class KaplanMeier(Method):
    name = "kaplan_meier"
    label = "Kaplan-Meier survival"
    parameters = common.object_schema(
        "Kaplan-Meier survival",
        {
            "time": common.variable_parameter("Follow-up time (numeric, >= 0)."),
            "event": common.variable_parameter("Event indicator: boolean, or 1 = event, 0 = censored."),
            "group_by": common.variable_parameter(
                "Optional grouping variable (log-rank test across groups)."
            ),
        },
        ["time", "event"],
    )
    variable_types = {"time": common.NUMERIC_TYPES, "event": EVENT_TYPES, "group_by": common.GROUPING_TYPES}

    def variables(self, params):
        return list(
            dict.fromkeys(name for name in (params["time"], params["event"], params.get("group_by")) if name)
        )

    def run(self, table, params, columns):
        time, event, group_by = params["time"], params["event"], params.get("group_by")
        used, dropped = common.complete_rows(table, self.variables(params))
        common.require_values(used.num_rows, time)
        times, events = survival_outcome(used, time, event)
        if group_by:
            levels, codes = common.levels_in_order(used.column(group_by), columns.get(group_by))
            if len(levels) < 2:
                raise MethodError(
                    f"{group_by!r} has a single group ({levels[0]!r}) in the rows used; the log-rank test "
                    "compares two or more. Leave group_by out for one curve."
                )
            common.check_level_count(levels, group_by)
        else:
            levels, codes = [ALL], np.zeros(len(times), dtype=np.int64)
        counts = Counts(times, events, codes, len(levels))

        survival_rows, median_rows, curves = [], [], []
        for g, level in enumerate(levels):
            rows, median, curve = _group_results(counts, g, level)
            survival_rows.extend(rows)
            median_rows.append(median)
            curves.append(curve)
        summary = {"n": len(times), "events": int(events.sum())}
        notes = [common.dropped_note(dropped, self.variables(params))]
        tables = {"medians": median_rows}
        if group_by:
            statistic, df, p_value, observed, expected = log_rank(counts)
            summary |= {"logrank_statistic": statistic, "df": df, "p_value": p_value}
            tables["logrank"] = [
                {"group": level, "n": int(counts.exits[:, g].sum()), "events": int(o), "expected": float(e)}
                for g, (level, o, e) in enumerate(zip(levels, observed, expected, strict=True))
            ]
        chart = Chart(
            name="survival",
            title=f"Kaplan-Meier survival{f' by {group_by}' if group_by else ''}",
            kind="survival",
            spec={"time_label": time, "groups": curves, "risk_table": _risk_table(counts, levels)}
            | ({"group_label": group_by} if group_by else {}),
        )
        result = common.result(summary, tables, notes, [chart], columns)
        # Built JSON-ready column by column: on a million rows the survival table has ~10^5 rows,
        # and checking each value one by one would take most of the run time.
        result.tables = {"survival": survival_rows, **result.tables}
        return result


def _group_results(counts, g, level):
    present = counts.exits[:, g] > 0
    times = counts.times[present]
    at_risk, events = counts.at_risk[present, g], counts.events[present, g]
    censored = counts.exits[present, g] - events
    survival, std_error = product_limit(at_risk.astype(float), events.astype(float))
    lower, upper = log_confidence_band(survival, std_error)
    columns = [
        times.tolist(),
        at_risk.tolist(),
        events.tolist(),
        censored.tolist(),
        survival.tolist(),
        _json_numbers(lower),
        _json_numbers(upper),
    ]
    rows = [
        {
            "group": level,
            "time": t,
            "n_at_risk": r,
            "n_event": d,
            "n_censored": c,
            "survival": s,
            "ci_low": lo,
            "ci_high": hi,
        }
        for t, r, d, c, s, lo, hi in zip(*columns, strict=True)
    ]
    median = {
        "group": level,
        "median": survival_quantile(times, survival),
        "ci_low": survival_quantile(times, lower),
        "ci_high": survival_quantile(times, upper),
    }
    return rows, median, _curve(level, times, at_risk, survival, lower, upper)


def _json_numbers(values):
    """Plain floats, None where undefined (the confidence limits once S reaches 0)."""
    return [None if math.isnan(value) else value for value in values.tolist()]


def _curve(level, times, at_risk, survival, lower, upper):
    """The step curve from (0, 1), with the number at risk at each point: everyone in the group
    whose time is at or after the point's time (as in the risk table)."""
    total = at_risk[0]
    if len(times) > CURVE_POINTS:  # sample the step function: same picture at any screen resolution
        grid = np.linspace(0.0, times[-1], CURVE_POINTS)
        index = np.searchsorted(times, grid, side="right") - 1
        keep = index >= 0
        grid, index = grid[keep], index[keep]
        # At a grid time between two steps, those at risk are the ones still there at the next step.
        at_risk = at_risk[np.searchsorted(times, grid, side="left")]
        times, survival, lower, upper = grid, survival[index], lower[index], upper[index]
    return {
        "group": level,
        "time": [0.0, *times.tolist()],
        "n_at_risk": [int(total), *at_risk.tolist()],
        "survival": [1.0, *survival.tolist()],
        "ci_low": [1.0, *_json_numbers(lower)],
        "ci_high": [1.0, *_json_numbers(upper)],
    }


def _risk_table(counts, levels):
    ticks = _nice_ticks(float(counts.times[-1]), RISK_TABLE_TIMES)
    first_at_or_after = np.searchsorted(counts.times, ticks, side="left")
    total_exits = counts.exits.sum(axis=0)
    cumulative_events = np.cumsum(counts.events, axis=0)
    rows = []
    for g, level in enumerate(levels):
        exited_before = np.concatenate([[0], np.cumsum(counts.exits[:, g])])[first_at_or_after]
        events_by = np.concatenate([[0], cumulative_events[:, g]])[
            np.searchsorted(counts.times, ticks, "right")
        ]
        rows.append(
            {
                "group": level,
                "n_at_risk": (total_exits[g] - exited_before).tolist(),
                "cumulative_events": events_by.tolist(),
            }
        )
    return {"times": ticks.tolist(), "rows": rows}


def _nice_ticks(maximum, count):
    """About ``count`` round-numbered times from 0 to at most ``maximum``."""
    if maximum <= 0:
        return np.array([0.0])
    raw = maximum / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return np.arange(0.0, maximum + step * 1e-9, step)
