"""The data dictionary: one entry per column, computed from the table, annotated by people.

Column types map from Arrow: int64 -> integer, float64 and decimal -> numeric,
bool -> boolean, date32 and timestamp -> date, string -> categorical or text.
A string column is *categorical* when it has at most 50 distinct values and
they number at most half its non-missing values (so each level repeats on
average): sex, stage, site. Otherwise it is free *text*: names, notes, ids.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columnwise import map_columns

MAX_LEVELS = 50
MAX_LEVEL_SHARE = 0.5
ANNOTATIONS = ("label", "unit", "description")
# Whole numbers whose range is below this many times their count are counted in a bitmap of the range.
DENSE_SPAN = 8


def describe(table, threads=None):
    """``[{name, type, n, missing, distinct, levels, label, unit, description}]`` in column order.

    A large table's columns are described on ``threads`` threads (default: one per CPU) at once.
    """
    return map_columns(_describe_column, table, threads)


def carry_annotations(new_columns, old_columns):
    """The new dictionary with the label, unit and description of same-named old columns."""
    old = {column["name"]: column for column in old_columns or ()}
    return [
        {**column, **{key: old[column["name"]].get(key, "") for key in ANNOTATIONS}}
        if column["name"] in old
        else dict(column)
        for column in new_columns
    ]


def column_type(arrow_type, distinct, n):
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "numeric"
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "date"
    if 0 < distinct <= MAX_LEVELS and distinct <= MAX_LEVEL_SHARE * n:
        return "categorical"
    return "text"


def _describe_column(name, column):
    n = len(column) - column.null_count
    uniques = None
    if pa.types.is_string(column.type):
        uniques = pc.unique(column).drop_null()
        distinct = len(uniques)
    else:
        distinct = _count_distinct(column.drop_null())
    kind = column_type(column.type, distinct, n)
    return {
        "name": name,
        "type": kind,
        "n": n,
        "missing": column.null_count,
        "distinct": distinct,
        "levels": sorted(uniques.to_pylist()) if kind == "categorical" else [],
        "label": "",
        "unit": "",
        "description": "",
    }


def _count_distinct(values):
    """Distinct non-missing values, exactly. Booleans are counted; whole numbers over a narrow range
    mark a bitmap and other whole numbers are sorted (hashing a million distinct ones is several
    times slower). Other numbers are hashed: measurements repeat, and then hashing is 5-10 times
    faster than sorting (a third slower when every value differs)."""
    kind = values.type
    if pa.types.is_boolean(kind):
        trues = pc.sum(values).as_py() or 0
        return int(trues > 0) + int(trues < len(values))
    if pa.types.is_floating(kind):
        # Hashing tells -0.0 from 0.0 and NaNs by their bits: adding 0.0 turns -0.0 into 0.0, and
        # every NaN counts as one value.
        nan = pc.is_nan(values)
        has_nan = bool(pc.any(nan).as_py())
        if has_nan:
            values = values.filter(pc.invert(nan))
        return len(pc.unique(pc.add(values, 0.0))) + has_nan
    if not (pa.types.is_integer(kind) or pa.types.is_temporal(kind)) or not len(values):
        return pc.count_distinct(values).as_py()
    if pa.types.is_temporal(kind):
        values = values.cast(pa.int32() if kind == pa.date32() else pa.int64())  # plain numbers
    numbers = values.to_numpy()
    if numbers.dtype.kind == "i":
        numbers = numbers.astype(np.int64, copy=False)  # offsets from the minimum must not overflow
        low, high = int(numbers.min()), int(numbers.max())
        if high - low < DENSE_SPAN * len(numbers):
            seen = np.zeros(high - low + 1, dtype=bool)
            seen[numbers - low] = True
            return int(np.count_nonzero(seen))
    ordered = np.sort(numbers)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1
