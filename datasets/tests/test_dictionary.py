"""The data dictionary computed from a table."""

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from datasets.dictionary import MAX_LEVELS, carry_annotations, describe


def entry(table, name):
    return next(column for column in describe(table) if column["name"] == name)


def test_each_arrow_type_maps_to_a_dictionary_type():
    table = pa.table(
        {
            "age": [64, 71, None, 58],
            "bmi": [27.5, None, 31.2, 22.8],
            "exact": pa.array([Decimal("1.5"), None, None, Decimal("2.5")], pa.decimal128(2, 1)),
            "smoker": [True, False, None, True],
            "enrolled": [date(2024, 1, 5), None, date(2024, 2, 11), date(2024, 2, 11)],
            "seen": pa.array([datetime(2024, 1, 5, 8), None, None, None], pa.timestamp("us")),
            "stage": ["III", "I", "III", "I"],
            "note": ["first", "second", "third", "fourth"],
        }
    )
    columns = describe(table)
    assert [column["name"] for column in columns] == table.column_names
    assert [column["type"] for column in columns] == [
        "integer",
        "numeric",
        "numeric",
        "boolean",
        "date",
        "date",
        "categorical",
        "text",
    ]
    assert columns[0] == {
        "name": "age",
        "type": "integer",
        "n": 3,
        "missing": 1,
        "distinct": 3,
        "levels": [],
        "label": "",
        "unit": "",
        "description": "",
    }
    assert entry(table, "enrolled")["distinct"] == 2
    stage = entry(table, "stage")
    assert (stage["n"], stage["missing"], stage["distinct"], stage["levels"]) == (4, 0, 2, ["I", "III"])


def test_categorical_needs_few_levels_that_repeat():
    repeated = pa.table({"x": [f"level {i % MAX_LEVELS}" for i in range(2 * MAX_LEVELS)]})
    assert entry(repeated, "x")["type"] == "categorical"
    assert entry(repeated, "x")["levels"] == sorted(f"level {i}" for i in range(MAX_LEVELS))
    too_many = pa.table({"x": [f"level {i % (MAX_LEVELS + 1)}" for i in range(4 * MAX_LEVELS)]})
    assert entry(too_many, "x")["type"] == "text"
    mostly_unique = pa.table({"x": ["a", "b", "c", "a", "d"]})  # 4 distinct of 5 > 50 %
    assert entry(mostly_unique, "x")["type"] == "text"
    all_missing = pa.table({"x": pa.array([None, None], pa.string())})
    described = entry(all_missing, "x")
    assert (described["type"], described["n"], described["missing"], described["distinct"]) == (
        "text",
        0,
        2,
        0,
    )


def test_carry_annotations_keeps_edits_of_same_named_columns():
    old = [
        {"name": "age", "type": "integer", "label": "Age", "unit": "years", "description": "At entry"},
        {"name": "gone", "type": "text", "label": "Dropped", "unit": "", "description": ""},
    ]
    new = describe(pa.table({"age": [1.5, 2.5], "sex": ["F", "M"]}))
    carried = carry_annotations(new, old)
    assert carried[0] == {**new[0], "label": "Age", "unit": "years", "description": "At entry"}
    assert carried[0]["type"] == "numeric"  # computed facts come from the new table
    assert carried[1] == new[1]
    assert carried[1] is not new[1]


@pytest.mark.parametrize(
    "values, arrow_type",
    [
        ([5, -3, 5, None, 0, -3, 12], pa.int64()),  # a narrow span: counted in a bitmap
        ([10**15, -(10**15), 7, 10**15, None], pa.int64()),  # a wide span: sorted
        ([-100, 127, 50, 22] * 8, pa.int8()),  # a bitmap whose offsets from the minimum overflow int8
        ([None, None], pa.int64()),
        ([date(2024, 1, 5), date(1990, 2, 1), None, date(2024, 1, 5)], pa.date32()),
        ([datetime(2024, 1, 5, 8), datetime(2024, 1, 5, 8), datetime(1970, 1, 1)], pa.timestamp("us", "UTC")),
        ([True, None, True], pa.bool_()),
        ([False, None, False, True], pa.bool_()),
        ([None, None], pa.bool_()),
        ([2.5, -1.0, 2.5, None, 1e300], pa.float64()),
        ([float("nan"), 1.0, float("nan"), 1.0], pa.float64()),
        ([float("nan"), -float("nan"), 0.0, -0.0, 1.0, None], pa.float64()),  # NaN's sign; zero's sign
        ([0.25, -0.0, 0.25, 0.0, 3.5], pa.float32()),
        ([1.5, 1.5, 1.5], pa.float64()),
    ],
)
def test_distinct_counts_are_exact(values, arrow_type):
    column = entry(pa.table({"x": pa.array(values, arrow_type)}), "x")
    present = [value for value in values if value is not None]
    nans = sum(1 for value in present if value != value)
    assert column["distinct"] == len({value for value in present if value == value}) + min(nans, 1)
    assert column["n"] == len(present)


def test_distinct_counts_span_chunks():
    table = pa.table({"x": pa.chunked_array([[1, 2, None], [2, 3], [], [40, 1]], pa.int64())})
    assert (entry(table, "x")["distinct"], entry(table, "x")["missing"]) == (4, 1)
