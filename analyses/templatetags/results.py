"""Formatting results for reading: p-values, numbers, suppressed cells."""

import math

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def pvalue(value):
    if value is None:
        return "—"
    if value < 0.001:
        return "<0.001"
    return f"{value:.3f}"


@register.filter
def cell(value, column=""):
    """A table cell: suppressed counts as "<k", p-values as p-values, numbers to 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "p_value" or column.endswith("p_value"):
        return pvalue(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return str(value)
        return (
            f"{value:.4g}"
            if abs(value) < 1e-3 or abs(value) >= 1e6
            else f"{value:,.4f}".rstrip("0").rstrip(".")
        )
    return value


@register.filter
def suppressed_marker(row, column):
    """``<k`` for a count withheld by disclosure control, else the formatted cell."""
    value = row.get(column)
    if value is None and row.get("suppressed"):
        return f"<{settings.BIOSTAT_MIN_CELL_COUNT}"
    return cell(value, column)


@register.filter
def columns_of(rows):
    """The column names of a list of row objects, in first-seen order, without the suppression flag."""
    names = []
    for row in rows:
        for name in row:
            if name != "suppressed" and name not in names:
                names.append(name)
    return names


@register.filter
def label(name):
    return name.replace("_", " ")


@register.filter
def parameter(value):
    """A parameter as chosen: lists joined by commas, booleans as yes/no, nothing as a dash."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else value
