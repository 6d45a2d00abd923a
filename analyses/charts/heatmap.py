"""Correlation heatmap.

Spec: {variables: [...], matrix: [[r, ...], ...], method}, optionally ``n``
(the matrix of pairwise complete-case counts) and ``labels``. Under disclosure
control a coefficient computed from 1..k-1 rows is not shown, as its row of
the results table is not; without ``n`` in the spec there is nothing to check.
"""

import matplotlib
import numpy as np

from . import style

# Beyond this many variables the cells are too small to print their coefficients in.
MAX_ANNOTATED = 15
SYMBOLS = {"pearson": "Pearson r", "spearman": "Spearman \u03c1"}


def draw(spec, rules):
    names = spec["variables"]
    size = len(names)
    values = np.array([[np.nan if r is None else r for r in row] for row in spec["matrix"]], dtype=float)
    counts = spec.get("n")
    hidden = np.zeros(values.shape, dtype=bool)
    if counts is not None:
        hidden = np.array([[rules.is_small(n) for n in row] for row in counts], dtype=bool)
    if hidden.any():
        rules.suppressed()
        rules.footnote(f"Correlations over fewer than {rules.k} rows are not shown.")
    fig = style.figure(
        width=max(style.WIDTH, 2.5 + 0.45 * size), height=max(style.HEIGHT + 1, 1.8 + 0.42 * size)
    )
    axes = fig.add_subplot()
    shown = np.ma.masked_array(values, mask=hidden | np.isnan(values))
    # A copy of the registered map: undefined and withheld cells are light grey.
    cmap = matplotlib.colormaps[style.DIVERGING].with_extremes(bad="#eeeeee")
    image = axes.imshow(shown, cmap=cmap, vmin=-1, vmax=1)
    labels = [style.short(style.label(spec, name)) for name in names]
    axes.set_xticks(range(size), labels)
    axes.set_yticks(range(size), labels)
    style.rotate_ticks(axes, labels)
    axes.spines[:].set_visible(False)
    fig.colorbar(image, ax=axes, shrink=0.8, label=SYMBOLS.get(spec.get("method"), "Correlation"))
    if size <= MAX_ANNOTATED:
        for i in range(size):
            for j in range(size):
                if hidden[i, j]:
                    text, light = f"n<{rules.k}", False
                elif np.isnan(values[i, j]):
                    text, light = "\u2013", False
                else:
                    text, light = f"{values[i, j]:.2f}", abs(values[i, j]) > 0.6
                colour = "white" if light else "#222222"
                axes.text(j, i, text, ha="center", va="center", fontsize=style.SMALL_SIZE, color=colour)
    if np.isnan(values[~hidden]).any():
        rules.footnote("\u2013: correlation undefined.")
    return fig
