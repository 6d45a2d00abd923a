"""Histogram of a numeric variable from bin counts.

Spec: {variable, edges: [e0..ek], counts: [c1..ck]} (edges are round numbers,
not the data's extremes), optionally ``labels``.
"""

import itertools

from . import style
from .bars import count_bars


def draw(spec, rules):
    edges, counts = spec["edges"], spec["counts"]
    fig = style.figure()
    axes = fig.add_subplot()
    widths = [right - left for left, right in itertools.pairwise(edges)]
    centres = [left + width / 2 for left, width in zip(edges, widths, strict=False)]
    # Bars fill their bins; a thin white edge keeps neighbours apart.
    hidden = count_bars(
        axes, centres, counts, [width * 0.98 for width in widths], rules=rules, colour=style.colour(0)
    )
    axes.set_xlabel(style.label(spec, spec["variable"]))
    axes.set_ylabel("Count")
    axes.grid(axis="y")
    axes.margins(y=0.12)
    if hidden:
        axes.legend(handles=[style.placeholder_handle(rules.k)], loc="best")
    return fig
