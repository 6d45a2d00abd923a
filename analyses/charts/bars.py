"""Bar charts of counts: one or more series over categories (``bar``), and the
bar drawing that histograms share.

Spec ``bar``: {x_label, categories: [...], series: [{name, counts: [...]}]},
optionally ``series_label`` (the legend's title: the variable the series are
levels of) and ``labels``.
"""

from . import style

# Printing every count stays readable up to about this many bars.
MAX_LABELLED_BARS = 60


def count_bars(axes, centres, counts, widths, *, rules, colour, label=None):
    """Bars of ``counts``, each printed on top. Under disclosure control a small
    count (1..k-1) is a hatched placeholder of height k printed "<k".
    Returns whether any count was suppressed."""
    shown = rules.counts(counts)
    heights = [0 if value is None else value for value in shown]
    axes.bar(centres, heights, width=widths, color=colour, label=label, linewidth=0)
    hidden = {index for index, value in enumerate(shown) if value is None and counts[index] is not None}
    if hidden:
        axes.bar(
            [centres[index] for index in sorted(hidden)],
            [rules.k] * len(hidden),
            width=[widths[index] for index in sorted(hidden)],
            **style.PLACEHOLDER,
        )
    if len(counts) <= MAX_LABELLED_BARS:
        many = len(counts) > 15
        for index, (centre, count) in enumerate(zip(centres, counts, strict=True)):
            axes.annotate(
                rules.count_text(count),
                (centre, rules.k if index in hidden else heights[index]),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=style.SMALL_SIZE - (1 if many else 0),
                rotation=90 if many else 0,
                color=style.MUTED,
            )
    return bool(hidden)


def draw(spec, rules):
    categories, series = spec["categories"], spec["series"]
    fig = style.figure(width=style.width_for(len(categories) * len(series), 0.3))
    axes = fig.add_subplot()
    step = 0.8 / len(series)
    hidden = False
    for index, item in enumerate(series):
        centres = [i - 0.4 + step * (index + 0.5) for i in range(len(categories))]
        hidden |= count_bars(
            axes,
            centres,
            item["counts"],
            [step * 0.95] * len(categories),
            rules=rules,
            colour=style.colour(index),
            label=style.short(item["name"]),
        )
    labels = [style.short(category) for category in categories]
    axes.set_xticks(range(len(categories)), labels)
    style.rotate_ticks(axes, labels)
    axes.set_xlabel(style.label(spec, spec["x_label"]))
    axes.set_ylabel("Count")
    axes.grid(axis="y")
    axes.margins(y=0.12)
    # A single series needs no legend entry; the placeholders always get one.
    handles = axes.get_legend_handles_labels()[0] if len(series) > 1 else []
    if hidden:
        handles.append(style.placeholder_handle(rules.k))
    if handles:
        title = spec.get("series_label") if len(series) > 1 else None
        axes.legend(handles=handles, title=style.label(spec, title) if title else None, loc="best")
    return fig
