"""Dot plot of standardized mean differences (Table 1's balance check).

Spec: {rows: [{variable, group_a, group_b, smd}], reference}, optionally
``labels``. One line per variable; with more than two groups, one dot per
pair of groups, told apart by colour.
"""

from . import style

# Up to this many pairs of groups each gets its own colour, offset and legend entry.
MAX_DISTINCT_PAIRS = 8


def draw(spec, rules):
    rows = spec["rows"]
    variables = list(dict.fromkeys(row["variable"] for row in rows))
    pairs = list(dict.fromkeys((row["group_a"], row["group_b"]) for row in rows))
    fig = style.figure(height=max(2.5, 1.4 + 0.3 * len(variables)))
    axes = fig.add_subplot()
    distinct = len(pairs) <= MAX_DISTINCT_PAIRS
    step = 0.6 / len(pairs) if distinct and len(pairs) > 1 else 0.0
    line = {variable: index for index, variable in enumerate(variables)}
    for index, pair in enumerate(pairs):
        points = [
            (row["smd"], line[row["variable"]] + step * (index - (len(pairs) - 1) / 2))
            for row in rows
            if (row["group_a"], row["group_b"]) == pair and row["smd"] is not None
        ]
        axes.plot(
            [x for x, _ in points],
            [y for _, y in points],
            linestyle="none",
            marker="o",
            markersize=5,
            color=style.colour(index) if distinct else style.colour(0),
            label=f"{style.short(pair[0])} vs {style.short(pair[1])}",
        )
    if any(row["smd"] is None for row in rows):
        rules.footnote("Missing dots: the SMD is undefined (no variation in either group).")
    reference = spec.get("reference")
    if reference is not None:
        axes.axvline(reference, color=style.MUTED, linestyle="--", linewidth=1)
        rules.footnote(f"Dashed line: SMD = {reference:g}, a common threshold for meaningful imbalance.")
    axes.set_yticks(range(len(variables)), [style.short(style.label(spec, name)) for name in variables])
    axes.set_ylim(len(variables) - 0.5, -0.5)  # first variable on top, as in the table
    axes.set_xlim(left=0)
    axes.set_xlabel("Absolute standardized mean difference")
    axes.grid(axis="x")
    if len(pairs) > 1 and distinct:
        axes.legend(loc="best")
    elif len(pairs) > 1:
        rules.footnote("Each dot is one pair of groups.")
    return fig
