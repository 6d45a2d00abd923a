"""Residuals against fitted values, summarised over bins (never one dot per row).

Spec: {outcome, bins: [{n, fitted, residual_mean, residual_q1,
residual_median, residual_q3}]}, bins of roughly equal size ordered by fitted
value; optionally ``labels``. Under disclosure control a bin of 1..k-1 rows is
not drawn.
"""

from . import style


def draw(spec, rules):
    bins = spec["bins"]
    shown = [item for item in bins if not rules.is_small(item["n"])]
    if len(shown) < len(bins):
        rules.suppressed()
        rules.footnote(f"Bins of fewer than {rules.k} rows are not drawn.")
    fig = style.figure()
    axes = fig.add_subplot()
    axes.axhline(0, color=style.MUTED, linewidth=1, linestyle="--")
    fitted = [item["fitted"] for item in shown]
    medians = [item["residual_median"] for item in shown]
    axes.errorbar(
        fitted,
        medians,
        yerr=[
            [median - item["residual_q1"] for median, item in zip(medians, shown, strict=True)],
            [item["residual_q3"] - median for median, item in zip(medians, shown, strict=True)],
        ],
        fmt="o",
        markersize=4,
        color=style.colour(0),
        ecolor=style.colour(0),
        elinewidth=1.2,
        label="median and quartiles",
    )
    axes.plot(
        fitted,
        [item["residual_mean"] for item in shown],
        linestyle="none",
        marker="x",
        color=style.colour(1),
        label="mean",
    )
    outcome = style.label(spec, spec["outcome"])
    axes.set_xlabel(f"Fitted value of {outcome}")
    axes.set_ylabel("Residual")
    axes.grid(axis="y")
    if shown:
        axes.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2)
    else:
        style.nothing_to_draw(axes, f"Every bin has fewer than {rules.k} rows: nothing to draw.")
    sizes = sorted({item["n"] for item in shown})
    if sizes:
        size = f"{sizes[0]:,}" if len(sizes) == 1 else f"{sizes[0]:,}\u2013{sizes[-1]:,}"
        rules.footnote(f"Residuals summarised in bins of {size} rows each, ordered by fitted value.")
    return fig
