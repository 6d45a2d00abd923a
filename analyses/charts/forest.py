"""Forest plot of model coefficients with their confidence intervals.

Spec: {rows: [{term, estimate, ci_low, ci_high}], reference, log_scale,
x_label}, optionally ``labels``. The estimate and interval are also printed
in a column to the right, as forest plots in papers do.
"""

from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from . import style


def _drawable(value, log_scale):
    return value is not None and not (log_scale and value <= 0)


def _number(value):
    if value is None:
        return "\u2013"
    return f"{value:.2f}" if 0.01 <= abs(value) < 1e4 else f"{value:.3g}"


def _interval_text(row):
    if row["estimate"] is None:
        return "not estimable"
    return f"{_number(row['estimate'])} ({_number(row['ci_low'])}, {_number(row['ci_high'])})"


def draw(spec, rules):
    rows = spec["rows"]
    log_scale = spec.get("log_scale", False)
    fig = style.figure(height=max(2.4, 1.4 + 0.32 * len(rows)))
    axes, column = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1.2])
    for y, row in enumerate(rows):
        estimate, low, high = row["estimate"], row["ci_low"], row["ci_high"]
        if _drawable(low, log_scale) and _drawable(high, log_scale):
            axes.plot([low, high], [y, y], color=style.colour(0), linewidth=1.5, solid_capstyle="butt")
        if _drawable(estimate, log_scale):
            axes.plot([estimate], [y], marker="s", markersize=6, color=style.colour(0))
        column.text(0, y, _interval_text(row), va="center", ha="left", fontsize=style.SMALL_SIZE + 0.5)
    if any(not _drawable(row[key], log_scale) for row in rows for key in ("estimate", "ci_low", "ci_high")):
        rules.footnote("Estimates and interval bounds that are infinite or undefined are not drawn.")
    if log_scale:
        axes.set_xscale("log")
        # Ratios read as plain numbers (0.5, 1, 2), not powers of ten; matplotlib's default
        # log labels are mathtext, which the style turns off for user-supplied labels anyway.
        axes.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axes.xaxis.set_minor_formatter(NullFormatter())
        rules.footnote("Log scale.")
    reference = spec.get("reference")
    if _drawable(reference, log_scale):
        axes.axvline(reference, color=style.MUTED, linestyle="--", linewidth=1)
    axes.set_yticks(range(len(rows)), [style.short(style.term_label(spec, row["term"])) for row in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)  # first term on top, as in the table
    axes.set_xlabel(spec.get("x_label") or "Estimate")
    axes.grid(axis="x")
    column.set_axis_off()
    column.set_xlim(0, 1)
    column.set_title("Estimate (95% CI)", loc="left", fontsize=style.SMALL_SIZE + 0.5)
    if not rows:
        style.nothing_to_draw(axes, "No coefficients besides the constant.")
    return fig
