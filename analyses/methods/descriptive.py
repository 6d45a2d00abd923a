"""Descriptive statistics: numeric summaries and level counts, one variable at a time.

Missing values are dropped per variable (each variable uses every row where it
has a value), and each row of ``tables.variables`` says how many were missing.
"""

import pyarrow as pa
import pyarrow.compute as pc

from .. import numerics
from . import common, register
from .base import Chart, Method

# Levels listed per categorical variable; the rest are counted together in a note.
MAX_LEVELS = 100


@register
class Descriptive(Method):
    name = "descriptive"
    label = "Descriptive statistics"
    parameters = common.object_schema(
        "Descriptive statistics",
        {"variables": common.variable_list_parameter("Variables to describe.")},
        ["variables"],
    )
    variable_types = {"variables": common.DESCRIBABLE_TYPES}

    def run(self, table, params, columns):
        rows, levels, notes, charts, taken = [], [], [], [], set()
        for name in params["variables"]:
            column = table.column(name)
            values = numerics.present(column)
            common.require_values(len(values), name)
            row = {"variable": name, "n": len(values), "missing": len(column) - len(values)}
            if columns[name]["type"] in common.NUMERIC_TYPES:
                sample = numerics.centred(values)
                stats = numerics.summarize(sample)
                row |= {
                    "mean": stats.mean,
                    "sd": stats.sd,
                    "median": stats.median,
                    "q1": stats.q1,
                    "q3": stats.q3,
                    "min": stats.min,
                    "max": stats.max,
                }
                charts.append(
                    Chart(
                        name=common.chart_name("histogram", name, taken),
                        title=f"Distribution of {name}",
                        kind="histogram",
                        spec=common.histogram_spec(name, sample),
                    )
                )
            else:
                row |= dict.fromkeys(("mean", "sd", "median", "q1", "q3", "min", "max"))
                counted = _level_counts(name, values, columns[name], notes)
                levels.extend(counted)
                charts.append(
                    Chart(
                        name=common.chart_name("bar", name, taken),
                        title=f"Levels of {name}",
                        kind="bar",
                        spec={
                            "x_label": name,
                            "categories": [level["level"] for level in counted],
                            "series": [{"name": "count", "counts": [level["count"] for level in counted]}],
                        },
                    )
                )
            rows.append(row)
        notes.append("Missing values are left out variable by variable; 'missing' counts them.")
        if any(row["sd"] is None and row["mean"] is not None for row in rows):
            notes.append("The standard deviation needs at least two values; it is empty where there is one.")
        notes.append("Quartiles and medians interpolate between order statistics (R's and numpy's default).")
        return common.result(
            {"n": table.num_rows}, {"variables": rows, "levels": levels}, notes, charts, columns
        )


def _level_counts(name, values, entry, notes):
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    counts = pc.value_counts(values)
    found = dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True))
    declared = [level for level in common.declared_levels(entry) if level in found]
    order = declared + sorted(level for level in found if level not in declared)
    if len(order) > MAX_LEVELS:
        shown = set(sorted(order, key=lambda level: -found[level])[:MAX_LEVELS])
        rest = [level for level in order if level not in shown]
        notes.append(
            f"{name!r} has {len(order)} levels; the {MAX_LEVELS} most frequent are listed and "
            f"{len(rest)} others ({sum(found[level] for level in rest)} rows) are not."
        )
        order = [level for level in order if level in shown]
    total = len(values)
    return [
        {"variable": name, "level": level, "count": found[level], "percent": 100.0 * found[level] / total}
        for level in order
    ]
