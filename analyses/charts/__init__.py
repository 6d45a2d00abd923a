"""Charts of analysis results, drawn on the server on request.

``render(chart, fmt, min_cell_count=k or None)`` draws one stored chart
({name, title, kind, spec}) as PNG or SVG for one caller. The spec is what the
method produced (bins, quartiles, curves, coefficients; rows only in a scatter); the
caller's disclosure rules are applied while drawing (``rules``), so holders of
export see exact values and everyone else sees no count of 1..k-1, no minimum
or maximum and no survival curve below k at risk, with a footnote saying what
changed. One module per kind; ``style`` gives every chart the same look.

A spec marked ``individual_points`` (a scatter plot of rows) is for holders
of export only: ``render`` refuses it under disclosure control, and
``listed`` leaves it out of what other callers are shown.

Besides what each module documents, any spec may carry ``labels``: {column:
"Label (unit)"} from the data dictionary, used for axes and legends.
"""

from . import bars, box, dot, forest, heatmap, histogram, residuals, scatter, style, survival
from .rules import ChartRules


class ChartWithheld(Exception):
    """The chart plots individual points, which a caller under disclosure control may not see
    (the API answers 404, as for a chart that does not exist)."""


def plots_individual_points(chart):
    return bool(chart["spec"].get("individual_points"))


def listed(charts, *, exact):
    """The stored charts a caller may see listed: all for holders of export (``exact``),
    none that plots individual points for anyone else."""
    return [chart for chart in charts if exact or not plots_individual_points(chart)]


KINDS = {
    "bar": bars.draw,
    "box": box.draw,
    "dot": dot.draw,
    "forest": forest.draw,
    "heatmap": heatmap.draw,
    "histogram": histogram.draw,
    "residuals": residuals.draw,
    "scatter": scatter.draw,
    "survival": survival.draw,
}
FORMATS = tuple(style.CONTENT_TYPES)


def render(chart, fmt, *, min_cell_count):
    """The chart as (bytes, content type); ``min_cell_count`` is k for callers under
    disclosure control and None for holders of export."""
    if fmt not in style.CONTENT_TYPES:
        raise ValueError(f"Unknown chart format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    draw = KINDS.get(chart["kind"])
    if draw is None:
        raise ValueError(f"No renderer for chart kind {chart['kind']!r}.")
    if min_cell_count is not None and plots_individual_points(chart):
        raise ChartWithheld(f"Chart {chart['name']!r} plots individual points: holders of export only.")
    rules = ChartRules(min_cell_count)
    fig = draw(chart["spec"], rules)
    style.title(fig, chart["title"])
    style.add_footnotes(fig, rules.footnotes)
    return style.save(fig, fmt)
