"""Box plots of a numeric variable by group, drawn from per-group summaries.

Spec: {variable, groups: [{group, n, q1, median, q3, mean, min, max}]},
optionally ``group_label`` (the grouping variable), ``labels``, and per group
``p05``/``p95`` (whiskers that disclosure control allows).

Holders of export see whiskers from the minimum to the maximum. Everyone else
never sees an extreme: whiskers reach the 5th and 95th percentiles when the
spec has them, and there are none otherwise; groups smaller than k are not
drawn at all.
"""

from . import style


def _whiskers(group, rules):
    """(low, high) whisker ends, or None for no whiskers."""
    low, high = ("min", "max") if rules.exact else ("p05", "p95")
    if group.get(low) is None or group.get(high) is None:
        return None
    return group[low], group[high]


def _size_text(n, rules):
    text = rules.count_text(n)
    return f"n {text}" if text.startswith("<") else f"n = {text}"


def draw(spec, rules):
    groups = spec["groups"]
    fig = style.figure(width=style.width_for(len(groups), 0.45))
    axes = fig.add_subplot()
    stats, positions, whiskers = [], [], set()
    for position, group in enumerate(groups):
        if rules.is_small(group["n"]):
            rules.suppressed()
            rules.footnote(f"Groups with fewer than {rules.k} values are not drawn.")
            continue
        ends = _whiskers(group, rules)
        whiskers.add(ends is not None)
        low, high = ends or (group["q1"], group["q3"])
        stats.append(
            {
                "q1": group["q1"],
                "med": group["median"],
                "q3": group["q3"],
                "mean": group["mean"],
                "whislo": low,
                "whishi": high,
                "fliers": [],
            }
        )
        positions.append(position)
    if not stats:
        style.nothing_to_draw(axes, f"Every group has fewer than {rules.k} values: nothing to draw.")
    else:
        axes.bxp(
            stats,
            positions=positions,
            widths=0.5,
            patch_artist=True,
            showmeans=True,
            showcaps=True in whiskers,
            showfliers=False,
            manage_ticks=False,
            boxprops={"facecolor": "#cfe3f1", "edgecolor": style.colour(0)},
            medianprops={"color": style.colour(1), "linewidth": 1.8},
            meanprops={
                "marker": "D",
                "markerfacecolor": "white",
                "markeredgecolor": "#333333",
                "markersize": 5,
            },
            whiskerprops={"color": style.colour(0)},
            capprops={"color": style.colour(0)},
        )
    labels = [f"{style.short(group['group'])}\n{_size_text(group['n'], rules)}" for group in groups]
    axes.set_xticks(range(len(groups)), labels)
    axes.set_xlim(-0.6, len(groups) - 0.4)
    style.rotate_ticks(axes, [group["group"] for group in groups])
    axes.set_ylabel(style.label(spec, spec["variable"]))
    if spec.get("group_label"):
        axes.set_xlabel(style.label(spec, spec["group_label"]))
    axes.grid(axis="y")
    axes.margins(y=0.08)
    explained = "Box: quartiles; line: median; diamond: mean"
    if True in whiskers:
        reach = (
            "minimum to maximum" if rules.exact else "5th to 95th percentile (minimum and maximum withheld)"
        )
        rules.footnote(f"{explained}; whiskers: {reach}.")
    else:
        rules.footnote(
            f"{explained}." + ("" if rules.exact else " Minimum and maximum withheld: no whiskers.")
        )
    return fig
