import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from cohorts.criteria import CriteriaError, parse

D = datetime.date
NaN = float("nan")


@pytest.fixture
def table():
    return pa.table(
        {
            "age": pa.array([70, 64, None, 65, 18], pa.int64()),
            "bmi": pa.array([31.5, None, 22.0, NaN, 30.0], pa.float64()),
            "sex": pa.array(["F", "M", "F", None, "F"]),
            "stage": pa.array(["III", "I", None, "IV", "II"]).dictionary_encode(),
            "smoker": pa.array([True, False, None, True, False]),
            "diagnosed": pa.array([D(2020, 1, 31), D(2019, 12, 31), D(2021, 6, 1), None, D(2020, 12, 31)]),
            "BMI (kg/m2)": pa.array([1, 2, 3, 4, 5]),
        }
    )


def selected(criteria, table):
    return parse(criteria).mask(table).to_pylist()


def truth(criteria, table):
    return parse(criteria).evaluate(table).to_pylist()


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("age == 65", [False, False, None, True, False]),
        ("age != 65", [True, True, None, False, True]),
        ("age < 65", [False, True, None, False, True]),
        ("age <= 65", [False, True, None, True, True]),
        ("age > 65", [True, False, None, False, False]),
        ("age >= 65", [True, False, None, True, False]),
        ("65 <= age", [True, False, None, True, False]),
        ("65 > age", [False, True, None, False, True]),
        ("between(age, 64, 65)", [False, True, None, True, False]),
        ("age in (18, 70)", [True, False, None, False, True]),
        ("age not in (18, 70)", [False, True, None, True, False]),
        ("is_null(age)", [False, False, True, False, False]),
        ("not is_null(age)", [True, True, False, True, True]),
    ],
)
def test_integer_operators_with_unknown_for_missing(table, criteria, expected):
    assert truth(criteria, table) == expected
    assert selected(criteria, table) == [value is True for value in expected]


def test_missing_values_match_neither_a_comparison_nor_its_negation(table):
    # Row 1 has no BMI and row 3 has NaN, which counts as missing too.
    assert selected("bmi > 30", table) == [True, False, False, False, False]
    assert selected("not bmi > 30", table) == [False, False, True, False, True]
    assert selected("bmi <= 30", table) == [False, False, True, False, True]
    assert selected("is_null(bmi)", table) == [False, True, False, True, False]
    assert selected("bmi > 30 or not bmi > 30 or is_null(bmi)", table) == [True] * 5


def test_kleene_logic(table):
    # Row 2: age is missing, so `age > 1` is unknown there.
    assert truth("age > 1", table)[2] is None
    assert truth("not age > 1", table)[2] is None
    assert truth("age > 1 and sex == 'M'", table)[2] is False  # unknown and false
    assert truth("age > 1 and sex == 'F'", table)[2] is None  # unknown and true
    assert truth("age > 1 or sex == 'F'", table)[2] is True  # unknown or true
    assert truth("age > 1 or sex == 'M'", table)[2] is None  # unknown or false
    assert truth("age > 1 or smoker == true", table)[2] is None  # unknown or unknown


def test_precedence_in_evaluation(table):
    # not > and > or: (not sex == "F") or (age > 60 and smoker == true)
    assert selected('not sex == "F" or age > 60 and smoker == true', table) == [
        True,
        True,
        False,
        True,
        False,
    ]
    assert selected('not (sex == "F" or age > 60) and smoker == false', table) == [False] * 5


def test_strings_and_dictionary_columns(table):
    assert selected('sex == "F"', table) == [True, False, True, False, True]
    assert selected("sex != 'F'", table) == [False, True, False, False, False]
    assert selected('stage in ("III", "IV")', table) == [True, False, False, True, False]
    assert truth('stage not in ("III", "IV")', table) == [False, True, None, False, True]
    assert selected("stage == 'II'", table) == [False, False, False, False, True]
    assert selected("is_null(stage)", table) == [False, False, True, False, False]
    assert selected("stage in ('none of these')", table) == [False] * 5


def test_dictionary_column_spread_over_chunks():
    first = pa.table({"stage": pa.array(["I", None, "II"]).dictionary_encode()})
    second = pa.table({"stage": pa.array(["II", "III"]).dictionary_encode()})
    table = pa.concat_tables([first, second])
    assert table.column("stage").num_chunks == 2
    assert truth("stage in ('II', 'III')", table) == [False, None, True, True, True]
    assert selected("is_null(stage) or stage == 'I'", table) == [True, True, False, False, False]


def test_booleans(table):
    assert selected("smoker == true", table) == [True, False, False, True, False]
    assert truth("smoker != true", table) == [False, True, None, False, True]
    assert selected("smoker in (false)", table) == [False, True, False, False, True]


def test_dates(table):
    assert selected('diagnosed >= date("2020-01-31")', table) == [True, False, True, False, True]
    assert selected('between(diagnosed, date("2020-01-01"), date("2020-12-31"))', table) == [
        True,
        False,
        False,
        False,
        True,
    ]
    assert selected('diagnosed in (date("2019-12-31"), date("2021-06-01"))', table) == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_timestamps_compare_by_calendar_date_in_their_own_zone():
    moments = [datetime.datetime(2020, 1, 31, 0, 0), datetime.datetime(2020, 1, 31, 23, 59), None]
    naive = pa.table({"seen": pa.array(moments, pa.timestamp("us"))})
    assert truth('seen == date("2020-01-31")', naive) == [True, True, None]
    assert selected('seen < date("2020-01-31")', naive) == [False, False, False]
    # 2020-02-01 03:00 UTC is still 31 January in New York.
    utc = pa.array([datetime.datetime(2020, 2, 1, 3, 0)], pa.timestamp("s", tz="UTC"))
    zoned = pa.table({"seen": utc.cast(pa.timestamp("s", tz="America/New_York"))})
    assert selected('seen == date("2020-01-31")', zoned) == [True]


def test_between_is_inclusive(table):
    assert selected("between(bmi, 22, 31.5)", table) == [True, False, True, False, True]
    assert selected("between(bmi, 31.5, 22)", table) == [False] * 5


def test_backticked_column(table):
    assert selected("`BMI (kg/m2)` > 3", table) == [False, False, False, True, True]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("age > 64.5", [True, False, None, True, False]),
        ("age >= 64.5", [True, False, None, True, False]),
        ("age < 64.5", [False, True, None, False, True]),
        ("age <= 64.5", [False, True, None, False, True]),
        ("age == 64.5", [False, False, None, False, False]),
        ("age != 64.5", [True, True, None, True, True]),
        ("age == 65.000", [False, False, None, True, False]),
        ("age == 6.5e1", [False, False, None, True, False]),
        ("age in (64.5, 6.4e1, 1e30)", [False, True, None, False, False]),
        ("age < 1e30", [True, True, None, True, True]),
        ("age > 1e30", [False, False, None, False, False]),
        ("age != -1e30", [True, True, None, True, True]),
        ("age > -1e30", [True, True, None, True, True]),
        ("age == -1e30", [False, False, None, False, False]),
        ("age >= 9223372036854775807.5", [False, False, None, False, False]),
        ("age > -9223372036854775808.5", [True, True, None, True, True]),
        ("age > 0.000000000000000000000000000000000000000000000000001", [True, True, None, True, True]),
    ],
)
def test_integer_columns_compare_exactly_with_fractional_and_huge_literals(table, criteria, expected):
    assert truth(criteria, table) == expected


def test_small_integer_types_and_literals_beyond_their_range():
    table = pa.table({"code": pa.array([0, 127, -128, None], pa.int8())})
    assert truth("code < 200", table) == [True, True, True, None]
    assert truth("code >= -200", table) == [True, True, True, None]
    assert truth("code == 127", table) == [False, True, False, None]
    assert truth("code in (127, 300)", table) == [False, True, False, None]
    table = pa.table({"n": pa.array([0, 255], pa.uint8())})
    assert truth("n > -1", table) == [True, True]
    assert truth("n >= 255", table) == [False, True]


def test_decimal_columns_compare_exactly():
    values = [Decimal("1000000000000.4"), Decimal("1000000000000.3"), Decimal("-0.1"), None]
    table = pa.table({"x": pa.array(values, pa.decimal128(14, 1))})
    assert truth("x == 1000000000000.4", table) == [True, False, False, None]
    assert truth("x > 1000000000000.35", table) == [True, False, False, None]
    assert truth("x < 1000000000000.40000000000001", table) == [True, True, True, None]
    assert truth("x == 1000000000000.40000000000001", table) == [False, False, False, None]
    assert truth("x != 1000000000000.40000000000001", table) == [True, True, True, None]
    assert truth("x >= 1000000000000.30000000000001", table) == [True, False, False, None]
    assert truth("x <= -0.1", table) == [False, False, True, None]
    assert truth("x > 1e20", table) == [False, False, False, None]
    assert truth("x in (1000000000000.4, 1000000000000.30000000000001, -0.10)", table) == [
        True,
        False,
        True,
        None,
    ]
    assert truth("between(x, 1000000000000.31, 1000000000000.4)", table) == [True, False, False, None]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("x < 999.995", [True, True, True, None]),
        ("x <= 999.99", [True, True, True, None]),
        ("x > 999.985", [False, False, True, None]),
        ("x == 999.990", [False, False, True, None]),
        ("x >= 999.991", [False, False, False, None]),
        ("x > -999.999", [True, True, True, None]),
        ("x >= -999.99", [True, True, True, None]),
        ("x < -999.985", [True, False, False, None]),
        ("x in (999.99, -999.99, 999.999)", [True, False, True, None]),
        ("x == 1e-999999999", [False, False, False, None]),
        ("x > -1e-999999999", [False, True, True, None]),
        ("x < 1e999999999", [True, True, True, None]),
    ],
)
def test_decimal_literals_at_and_beyond_the_edge_of_the_column_type(criteria, expected):
    values = [Decimal("-999.99"), Decimal("0.00"), Decimal("999.99"), None]
    table = pa.table({"x": pa.array(values, pa.decimal128(5, 2))})
    assert truth(criteria, table) == expected


def test_decimal_beyond_float_precision_differs_from_its_float_neighbour():
    # As floats, 1000000000000.4 and 1000000000000.4000001 are the same number.
    assert float("1000000000000.4") == float("1000000000000.4000001")
    table = pa.table({"x": pa.array([Decimal("1000000000000.4000001")], pa.decimal128(20, 7))})
    assert truth("x > 1000000000000.4", table) == [True]
    assert truth("x == 1000000000000.4", table) == [False]


def test_wide_decimals():
    table = pa.table({"x": pa.array([Decimal("1" * 50 + ".5"), None], pa.decimal256(60, 1))})
    assert truth("x > " + "1" * 50, table) == [True, None]
    assert truth("x == " + "1" * 50 + ".50", table) == [True, None]


def test_column_against_column(table):
    two = pa.table(
        {
            "low": pa.array([1, 5, None, 3]),
            "high": pa.array([2.5, 4.0, 1.0, 3.0]),
            "exact": pa.array([Decimal("2.5"), Decimal("4.1"), Decimal(1), None], pa.decimal128(5, 2)),
            "start": pa.array([D(2020, 1, 1), D(2020, 1, 2), D(2020, 1, 3), D(2020, 1, 4)]),
            "end": pa.array([D(2020, 1, 1), D(2020, 1, 1), None, D(2020, 1, 5)]),
            "label": pa.array(["a", "b", "c", "d"]).dictionary_encode(),
            "other": pa.array(["a", "x", None, "d"]),
        }
    )
    assert truth("low < high", two) == [True, False, None, False]
    assert truth("high == exact", two) == [True, False, True, None]
    assert truth("low <= exact", two) == [True, False, None, None]
    assert truth("end >= start", two) == [True, False, None, True]
    assert truth("label == other", two) == [True, False, None, True]


def test_empty_criteria_select_every_row(table):
    criteria = parse("  ")
    assert criteria.mask(table).to_pylist() == [True] * 5
    assert criteria.count(table) == 5
    assert criteria.attrition(table) == []


def test_mask_is_a_boolean_array_without_nulls(table):
    mask = parse("bmi > 25").mask(table)
    assert isinstance(mask, pa.BooleanArray)
    assert mask.null_count == 0
    assert len(mask) == table.num_rows


def test_count(table):
    assert parse('sex == "F" and not is_null(bmi)').count(table) == 3
    assert parse("age > 200").count(table) == 0


def test_attrition_counts_rows_after_each_cumulative_clause(table):
    criteria = parse('age >= 18 and sex == "F" and (stage in ("III", "IV") or smoker == false) and bmi > 30')
    assert criteria.attrition(table) == [
        {"clause": "age >= 18", "remaining": 4},
        {"clause": 'sex == "F"', "remaining": 2},
        {"clause": '(stage in ("III", "IV") or smoker == false)', "remaining": 2},
        {"clause": "bmi > 30", "remaining": 1},
    ]
    assert criteria.attrition(table)[-1]["remaining"] == criteria.count(table)


def test_attrition_of_a_single_clause(table):
    assert parse("age > 60 or is_null(age)").attrition(table) == [
        {"clause": "age > 60 or is_null(age)", "remaining": 4}
    ]


def test_columns_chunked_differently():
    table = pa.table({"a": pa.chunked_array([[1], [2, 3]]), "b": pa.chunked_array([[1, 1], [None]])})
    assert truth("a >= 2 and b == 1", table) == [False, True, None]


def test_column_without_any_value_is_unknown_everywhere():
    table = pa.table({"x": pa.nulls(2)})
    assert truth("x == 1", table) == [None, None]
    assert truth("x in ('a')", table) == [None, None]
    assert truth("is_null(x)", table) == [True, True]


def test_table_is_checked_before_evaluation(table):
    with pytest.raises(CriteriaError, match="unknown column 'ag'; did you mean 'age'") as raised:
        parse("sex == 'F' and ag > 1").mask(table)
    assert raised.value.position == 15
    with pytest.raises(CriteriaError, match="cannot compare categorical column 'stage' with the number 3"):
        parse("stage == 3").count(table)
    with pytest.raises(CriteriaError, match="cannot compare integer column 'age'"):
        parse("age > '3'").attrition(table)
    with pytest.raises(CriteriaError, match="which criteria cannot test"):
        parse("x == 1").mask(pa.table({"x": pa.array([[1]])}))


def test_empty_table(table):
    assert parse("age > 1").mask(table.slice(0, 0)).to_pylist() == []
    assert parse("age > 1").attrition(table.slice(0, 0)) == [{"clause": "age > 1", "remaining": 0}]
