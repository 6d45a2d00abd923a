"""Kaplan-Meier curves with a number-at-risk table under the time axis.

Spec: {time_label, groups: [{group, time: [...], survival: [...], ci_low:
[...], ci_high: [...]}], risk_table: {times: [...], rows: [{group,
n_at_risk: [...], cumulative_events: [...]}]}}, optionally ``group_label``,
``labels``, and per curve ``n_at_risk`` (the number at risk at each point).

Under disclosure control a curve is drawn only while at least k people are at
risk. With ``n_at_risk`` per point the curve stops at its last such point;
without it, at the last risk-table time with k or more at risk (everyone at
risk there was at risk at every earlier time, so the curve up to it is safe).
Risk-table cells of 1..k-1 print as "<k".
"""

import math

from . import style

PLOT_HEIGHT = 3.8
ROW_HEIGHT = 0.24


def _values(items):
    return [math.nan if value is None else value for value in items]


def _visible(curve, at_risk, ticks, rules):
    """The part of a curve the caller may see: (points, truncated). ``points`` is
    (time, survival, ci_low, ci_high), each a list, or None when nothing may be drawn."""
    columns = [curve[key] for key in ("time", "survival", "ci_low", "ci_high")]
    if rules.exact:
        return columns, False
    if "n_at_risk" in curve:
        keep = next((i for i, n in enumerate(curve["n_at_risk"]) if n < rules.k), len(columns[0]))
        return ([column[:keep] for column in columns] if keep else None), keep < len(columns[0])
    safe = [tick for tick, n in zip(ticks, at_risk, strict=True) if n >= rules.k]
    if not safe:
        return None, True
    end = safe[-1]
    keep = sum(1 for time in columns[0] if time <= end)
    points = [column[:keep] for column in columns]
    if points[0][-1] < end:  # the curve is flat from its last step up to the safe time
        points = [[*column, column[-1]] for column in points]
        points[0][-1] = end
    return points, keep < len(columns[0])


def draw(spec, rules):
    curves, table = spec["groups"], spec["risk_table"]
    ticks, risk_rows = table["times"], {row["group"]: row for row in table["rows"]}
    grouped = len(curves) > 1
    fig = style.figure(height=PLOT_HEIGHT + ROW_HEIGHT * (len(curves) + 2))
    axes, below = fig.subplots(
        2, 1, sharex=True, height_ratios=[PLOT_HEIGHT, ROW_HEIGHT * (len(curves) + 1.5)]
    )
    truncated = False
    right = ticks[-1] if ticks else 0
    for index, curve in enumerate(curves):
        risk = risk_rows[curve["group"]]
        points, cut = _visible(curve, risk["n_at_risk"], ticks, rules)
        truncated |= cut
        name = style.short(curve["group"])
        if points is None:
            axes.plot([], [], color=style.colour(index), label=f"{name} (fewer than {rules.k} at risk)")
            continue
        times, survival, low, high = (_values(column) for column in points)
        line_style = style.line_style(index)
        axes.step(times, survival, where="post", color=style.colour(index), linestyle=line_style, label=name)
        axes.fill_between(times, low, high, step="post", color=style.colour(index), alpha=0.15, linewidth=0)
        right = max(right, times[-1])
    axes.set_ylim(0, 1.03)
    right = right if right > 0 else 1
    # A little room left of time 0, so the risk table's first column clears its row labels.
    axes.set_xlim(-0.05 * right, right * 1.02)
    axes.set_xticks(ticks)
    axes.tick_params(labelbottom=True)
    axes.set_xlabel(style.label(spec, spec["time_label"]))
    axes.set_ylabel("Survival probability")
    axes.grid(axis="y")
    if grouped:
        title = spec.get("group_label")
        axes.legend(title=style.label(spec, title) if title else None, loc="best")
    _risk_table(below, curves, risk_rows, ticks, rules, grouped)
    rules.footnote("Shaded: 95% confidence interval.")
    if truncated:
        rules.footnote(f"Curves end where fewer than {rules.k} people remain at risk (disclosure control).")
    return fig


def _risk_table(axes, curves, risk_rows, ticks, rules, grouped):
    """One row per group under the time axis: number at risk (cumulative events) at each tick.
    The group names are the row labels, in the group's colour."""
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(bottom=False, labelbottom=False, left=False)
    axes.set_ylim(len(curves) - 0.5, -0.5)
    axes.set_yticks(
        range(len(curves)), [style.short(curve["group"]) if grouped else "All" for curve in curves]
    )
    for y, tick_label in enumerate(axes.get_yticklabels()):
        tick_label.set_color(style.colour(y))
    axes.set_title("Number at risk (cumulative events)", loc="left", fontsize=style.SMALL_SIZE + 0.5)
    for y, curve in enumerate(curves):
        row = risk_rows[curve["group"]]
        for tick, n, events in zip(ticks, row["n_at_risk"], row["cumulative_events"], strict=True):
            axes.text(
                tick,
                y,
                f"{rules.count_text(n)} ({rules.count_text(events)})",
                ha="center",
                va="center",
                fontsize=style.SMALL_SIZE,
            )
