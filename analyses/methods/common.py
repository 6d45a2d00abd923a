"""What several methods share: parameter schema pieces, the column types each
kind of parameter accepts, complete-case selection, splitting a numeric
variable by a grouping variable, chart specs, and the final result assembly.

Chart specs are plain data for the chart module (nothing is drawn here).
Every spec carries ``labels`` ({column: "Label (unit)"}, from the data
dictionary) for its axes and legends. They are aggregate-only, except
``scatter``, which is marked ``individual_points`` and shown to holders of
export only:

- ``histogram``: {variable, edges: [e0..ek], counts: [c1..ck]}; edges are
  round multiples of the bin width, not the data's own extremes.
- ``box``: {variable, group_label, groups: [{group, n, q1, median, q3, mean,
  min, max, p05, p95}]}; rows follow the table conventions (``n`` a count,
  ``min``/``max`` extremes), so disclosure control withholds whiskers and
  small groups like any row. ``p05``/``p95`` are None in groups too small for
  them to stay clear of the extremes.
- ``bar``: {x_label, categories: [...], series: [{name, counts: [...]}], series_label}.
- ``heatmap``: {variables: [...], matrix: [[r, ...], ...], n: [[rows, ...], ...], method}.
- ``dot``: {rows: [{variable, group_a, group_b, smd}], reference: 0.1}.
- ``scatter``: {x_variable (None: x is the fitted value of y_variable),
  y_variable, points: {x: [...], y: [...]}, line: {x: [...], y: [...], label},
  n, individual_points: true}; at most ``MAX_POINTS`` points, a fixed random
  sample of the ``n`` rows when there are more.
"""

import decimal
import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import numerics
from .base import Chart, MethodError, MethodResult

SCHEMA = "https://json-schema.org/draft/2020-12/schema"

NUMERIC_TYPES = frozenset({"numeric", "integer"})
GROUPING_TYPES = frozenset({"categorical", "boolean", "integer"})
GROUP_COMPARISON_TYPES = {"variable": NUMERIC_TYPES, "group_by": GROUPING_TYPES}
DESCRIBABLE_TYPES = NUMERIC_TYPES | {"categorical", "boolean"}

# More groups than this is almost always an identifier or a continuous variable
# picked by mistake; the tables and charts would be unreadable anyway.
MAX_GROUPS = 50
# A group with one value has no spread of its own: no variance, no test worth reporting.
MIN_GROUP_SIZE = 2
# From 21 values on, the 5th and 95th percentiles (type 7) interpolate between order statistics
# other than the minimum and maximum; below, they would mix in (and with q1/q3 give back) the extremes.
MIN_PERCENTILE_WHISKER_SIZE = 21
# A scatter plot with more rows than this shows a fixed random sample of them: past a few thousand
# points the picture no longer changes, while the chart grows.
MAX_POINTS = 5000
SAMPLE_SEED = 20240601


def object_schema(title, properties, required):
    return {
        "$schema": SCHEMA,
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def variable_parameter(description):
    return {"type": "string", "minLength": 1, "description": description}


def group_comparison_schema(title, groups, **options):
    """Parameters of a method that compares a numeric outcome across the groups of one
    variable (t-test, Mann-Whitney, ANOVA, Kruskal-Wallis); ``groups`` describes how many."""
    return object_schema(
        title,
        {
            "variable": variable_parameter("Numeric outcome to compare."),
            "group_by": variable_parameter(groups),
            **options,
        },
        ["variable", "group_by"],
    )


def variable_list_parameter(description, *, min_items=1, max_items=100):
    return {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "minItems": min_items,
        "maxItems": max_items,
        "uniqueItems": True,
        "description": description,
    }


def complete_rows(table, names):
    """Rows where every named column has a value; returns (table, rows dropped)."""
    keep = np.ones(table.num_rows, dtype=bool)
    for name in dict.fromkeys(names):
        keep &= ~numerics.missing_mask(table.column(name))
    if keep.all():
        return table, 0
    return table.filter(pa.array(keep)), int((~keep).sum())


def require_rows(table, names):
    if table.num_rows == 0:
        listed = ", ".join(repr(name) for name in names)
        raise MethodError(f"No row in this cohort has a value for every one of {listed}.")


def require_values(count, name):
    if count == 0:
        raise MethodError(f"Variable {name!r} has no non-missing values in this cohort.")


def declared_levels(entry):
    """The level order a data-dictionary entry declares (plain values only)."""
    levels = (entry or {}).get("levels") or []
    return [level for level in levels if isinstance(level, str | int | float | bool)]


def levels_in_order(values, entry):
    """Distinct values of a grouping column in display order: the data
    dictionary's ``levels`` first (as the data steward ordered them), then any
    others in natural order. Returns (levels, integer code of each row)."""
    values = numerics.present(values)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    encoded = pc.dictionary_encode(values)
    found = encoded.dictionary.to_pylist()
    declared = [level for level in declared_levels(entry) if level in found]
    ordered = declared + sorted(level for level in found if level not in declared)
    position = {level: index for index, level in enumerate(ordered)}
    remap = np.array([position[level] for level in found], dtype=np.int64)
    return ordered, remap[encoded.indices.to_numpy(zero_copy_only=False)]


def check_level_count(levels, name):
    if len(levels) < 2:
        shown = ", ".join(repr(level) for level in levels) or "none"
        raise MethodError(
            f"Variable {name!r} has {len(levels)} distinct value(s) in the rows used ({shown}); "
            "this analysis needs at least 2."
        )
    if len(levels) > MAX_GROUPS:
        raise MethodError(
            f"Variable {name!r} has {len(levels)} distinct values; at most {MAX_GROUPS} groups are supported."
        )


def split_by_group(table, variable, group_by, columns):
    """Split a numeric variable by a grouping variable, over complete cases.

    Returns (levels, samples, sample, dropped): the group labels, one
    ``numerics.Centred`` per group (all on one exact centre, so differences
    between groups keep every digit), the whole sample, and rows dropped.
    """
    used, dropped = complete_rows(table, [variable, group_by])
    require_rows(used, [variable, group_by])
    levels, codes = levels_in_order(used.column(group_by), columns.get(group_by))
    check_level_count(levels, group_by)
    sample = numerics.centred(used.column(variable))
    samples = [sample.take(codes == index) for index in range(len(levels))]
    for level, group in zip(levels, samples, strict=True):
        if len(group) < MIN_GROUP_SIZE:
            raise MethodError(
                f"Group {level!r} of {group_by!r} has {len(group)} value(s) of {variable!r}; "
                f"each group needs at least {MIN_GROUP_SIZE}."
            )
    return levels, samples, sample, dropped


def require_variation(sample, name):
    if len(sample) and np.all(sample.deviations == sample.deviations[0]):
        raise MethodError(f"Variable {name!r} is constant in the rows used (zero variance); nothing to test.")


def dropped_note(dropped, names):
    listed = ", ".join(repr(name) for name in names)
    if not dropped:
        return f"No rows were missing {listed}."
    return f"{dropped} row(s) with a missing value in {listed} were left out (complete cases)."


def chart_name(prefix, label, taken):
    """A URL-safe chart name, unique among ``taken`` (which it joins)."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(label).lower()).strip("-") or "chart"
    name = f"{prefix}-{slug}"
    suffix = 2
    while name in taken:
        name, suffix = f"{prefix}-{slug}-{suffix}", suffix + 1
    taken.add(name)
    return name


def _nice_step(span, target_bins):
    """The smallest of 1, 2, 2.5, 5, 10 x 10^k at least ``span / target_bins`` (exact Decimal)."""
    raw = span / target_bins
    magnitude = decimal.Decimal(1).scaleb(raw.adjusted())
    return next(step * magnitude for step in (1, 2, decimal.Decimal("2.5"), 5, 10) if step * magnitude >= raw)


def histogram_spec(variable, sample, *, max_bins=30):
    """Bin counts over round-numbered edges (Sturges' number of bins, at most
    ``max_bins``). Edges are exact decimals compared with the centred values,
    so binning stays exact even for values like 1000000000000.4."""
    deviations = sample.deviations
    with decimal.localcontext(numerics.EXACT_CONTEXT):
        center = decimal.Decimal(sample.center)
        low = center + decimal.Decimal(float(deviations.min()))
        high = center + decimal.Decimal(float(deviations.max()))
        if high == low:
            half = decimal.Decimal(1).scaleb(low.adjusted()) / 2 if low else decimal.Decimal("0.5")
            edges = [low - half, low + half]
        else:
            target = min(max_bins, math.ceil(math.log2(len(deviations))) + 1)
            step = _nice_step(high - low, target)
            first = math.floor(low / step)
            last = max(math.ceil(high / step), first + 1)
            edges = [index * step for index in range(first, last + 1)]
        inner = np.array([float(edge - center) for edge in edges[1:-1]])
    # A value on an inner edge belongs to the bin on its right; the last bin is closed.
    counts = np.bincount(np.searchsorted(inner, deviations, side="right"), minlength=len(edges) - 1)
    return {"variable": variable, "edges": [float(edge) for edge in edges], "counts": counts.tolist()}


def box_row(group, summary):
    percentiles = summary.n >= MIN_PERCENTILE_WHISKER_SIZE
    return {
        "group": group,
        "n": summary.n,
        "q1": summary.q1,
        "median": summary.median,
        "q3": summary.q3,
        "mean": summary.mean,
        "min": summary.min,
        "max": summary.max,
        "p05": summary.p05 if percentiles else None,
        "p95": summary.p95 if percentiles else None,
    }


def box_chart(name, title, variable, group_by, levels, summaries):
    """Box plots of ``variable`` by the levels of ``group_by``, one ``numerics.Summary`` each."""
    spec = {
        "variable": variable,
        "group_label": group_by,
        "groups": [box_row(g, s) for g, s in zip(levels, summaries, strict=True)],
    }
    return Chart(name=name, title=title, kind="box", spec=spec)


def scatter_chart(name, title, x, y, line, *, x_variable, y_variable):
    """A scatter plot of the points (x, y) with a ``line`` ({x, y, label}), for holders of export only.
    More than ``MAX_POINTS`` points are sampled at random with a fixed seed (the same chart every run);
    ``n`` keeps the number of rows, so the chart can say it shows a sample."""
    n = len(x)
    if n > MAX_POINTS:
        keep = np.sort(np.random.default_rng(SAMPLE_SEED).choice(n, MAX_POINTS, replace=False))
        x, y = x[keep], y[keep]
    spec = {
        "x_variable": x_variable,
        "y_variable": y_variable,
        "points": {"x": x.tolist(), "y": y.tolist()},
        "line": line,
        "n": n,
        "individual_points": True,
    }
    return Chart(name=name, title=title, kind="scatter", spec=spec)


def column_label(name, entry):
    """How a column reads on a chart: its data-dictionary label (or its name), with the unit."""
    entry = entry or {}
    text = entry.get("label") or str(name)
    return f"{text} ({entry['unit']})" if entry.get("unit") else text


def axis_labels(columns):
    """{column: "Label (unit)"} for every column of a method's data dictionary."""
    return {name: column_label(name, entry) for name, entry in columns.items()}


def result(summary, tables, notes, charts, columns):
    """The MethodResult, made JSON-safe (numpy types and non-finite floats removed); every chart
    spec gets the ``labels`` of ``columns`` (the data dictionary the method ran with)."""
    labels = axis_labels(columns)
    charts = [Chart(c.name, c.title, c.kind, numerics.json_safe(c.spec | {"labels": labels})) for c in charts]
    return MethodResult(
        summary=numerics.json_safe(summary),
        tables=numerics.json_safe(tables),
        notes=list(notes),
        charts=charts,
    )
