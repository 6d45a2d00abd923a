"""Helpers for the method tests: run a method the way the engine does, and
build tables the way the importers do."""

import io
import json
import math
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from analyses import methods
from analyses.validation import validate
from datasets.dictionary import describe
from datasets.importers import read_file

DATA = Path(__file__).parent / "data"

# R's datasets::mtcars (Motor Trend 1974), the columns the tests use, row by row.
MTCARS = {
    "mpg": [
        *(21.0, 21.0, 22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3, 15.2, 10.4, 10.4),
        *(14.7, 32.4, 30.4, 33.9, 21.5, 15.5, 15.2, 13.3, 19.2, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4),
    ],
    "am": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
    "cyl": [6, 6, 4, 6, 8, 6, 8, 4, 4, 6, 6, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 8, 8, 8, 8, 4, 4, 4, 8, 6, 8, 4],
    "vs": [0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1],
}


def run(name, table, columns, **params):
    """Validate ``params`` against the method's schema and the data dictionary,
    hand the method only the columns it names, and check the result is strict JSON."""
    method = methods.get(name)
    params = validate(method, params, columns)
    result = method.run(table.select(method.variables(params)), params, columns)
    json.dumps(result.as_results(), allow_nan=False)
    json.dumps([chart.spec for chart in result.charts], allow_nan=False)
    return result


def long_table(groups, value="y", group="g"):
    """A two-column table from {group label: [values]} (long format, groups in the given order)."""
    values = [item for items in groups.values() for item in items]
    labels = [label for label, items in groups.items() for _ in items]
    return pa.table({value: pa.array(values, pa.float64()), group: labels})


def dictionary(**types):
    """A minimal data dictionary: {name: {"type": type}}."""
    return {name: {"type": kind} for name, kind in types.items()}


def imported(header, rows):
    """A table and data dictionary through the production importer (CSV text)."""
    text = ",".join(header) + "\n" + "\n".join(",".join(str(cell) for cell in row) for row in rows) + "\n"
    return imported_file(io.BytesIO(text.encode()), "data.csv")


def imported_file(handle, filename):
    table = read_file(handle, filename)
    return table, {entry["name"]: entry for entry in describe(table)}


def exact_decimals(texts):
    """An Arrow decimal128 array holding decimal texts exactly, at their largest scale."""
    values = [Decimal(text) for text in texts]
    scale = max(max(-value.as_tuple().exponent for value in values), 0)
    return pa.array(values, pa.decimal128(38, scale))


def digits(value, certified):
    """NIST's log relative error: how many significant digits agree (15 when equal)."""
    if value == certified:
        return 15.0
    if certified == 0:
        return -math.log10(abs(value))
    return min(15.0, -math.log10(abs(value - certified) / abs(certified)))


def airquality():
    """R's datasets::airquality (New York, May-September 1973), through the importer.

    ``data/airquality.csv`` is R's data set as CSV (NA as an empty cell); the
    tests' agreement with R's documented outputs on it checks the copy."""
    with open(DATA / "airquality.csv", "rb") as handle:
        return imported_file(handle, "airquality.csv")
