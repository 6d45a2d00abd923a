import pytest

from cohorts.criteria import COLUMN_TYPES, CriteriaError, parse

DICTIONARY = {
    "age": "integer",
    "bmi": "numeric",
    "bmi_baseline": "numeric",
    "sex": "categorical",
    "notes": "text",
    "smoker": "boolean",
    "diagnosed": "date",
    "discharged": "date",
    "BMI (kg/m2)": "numeric",
    "empty": None,
}


def error_for(text, columns=DICTIONARY):
    with pytest.raises(CriteriaError) as raised:
        parse(text).validate(columns)
    return raised.value


def test_column_types_are_the_data_dictionary_types():
    assert set(COLUMN_TYPES) == {"numeric", "integer", "boolean", "categorical", "date", "text"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        'age >= 65 and sex == "F" and sex in ("F", "M") and not is_null(bmi)',
        "bmi > 30.5 and between(bmi, 18.5, 25) and 40 > bmi",
        "`BMI (kg/m2)` <= 30",
        "smoker == true or smoker != false or smoker in (true)",
        'diagnosed >= date("2020-01-01") and between(diagnosed, date("2020-01-01"), date("2020-12-31"))',
        "diagnosed <= discharged and age < bmi",
        'notes == "x" and notes != "y" and notes not in ("z")',
        'empty == 1 or empty == "a" or empty > date("2020-01-01") or empty < age',
        "is_null(sex) or is_null(diagnosed) or is_null(empty)",
    ],
)
def test_well_typed_criteria_pass(text):
    parse(text).validate(DICTIONARY)


def test_unknown_column_names_the_closest_columns():
    error = error_for("age > 1 and bmii > 30")
    assert error.position == 12
    assert error.message == "unknown column 'bmii'; did you mean 'bmi'?"
    columns = {"weight_kg": "numeric", "weight_lb": "numeric", "height": "numeric", "sex": "categorical"}
    # Closest first, at most three.
    assert error_for("weight > 1", columns).message == (
        "unknown column 'weight'; did you mean 'height', 'weight_lb' or 'weight_kg'?"
    )


def test_unknown_column_suggestions_ignore_case():
    assert "did you mean 'age'?" in error_for("AGE > 1").message
    assert "'BMI (kg/m2)'" in error_for("`bmi (kg/m2)` > 1").message


def test_unknown_column_without_anything_close():
    assert error_for('zzz == "F"').message == "unknown column 'zzz'"


def test_unknown_columns_anywhere_are_found():
    assert error_for("not is_null(sexx)").message.startswith("unknown column 'sexx'")
    assert error_for("between(agee, 1, 2)").position == 8
    assert error_for("age < agee").position == 6
    assert error_for("1 < agee").position == 4


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        (
            'age >= "65"',
            7,
            "cannot compare integer column 'age' with the string \"65\" (compare it with a number)",
        ),
        ('"65" <= bmi', 0, "cannot compare numeric column 'bmi' with the string \"65\""),
        (
            "sex == 1",
            7,
            "cannot compare categorical column 'sex' with the number 1 (compare it with quoted text)",
        ),
        ("notes in ('a', 2)", 15, "cannot compare text column 'notes' with the number 2"),
        (
            "smoker == 1",
            10,
            "cannot compare boolean column 'smoker' with the number 1 (compare it with true or false)",
        ),
        ("age == true", 7, "cannot compare integer column 'age' with true"),
        ("diagnosed > 2020", 12, "cannot compare date column 'diagnosed' with the number 2020"),
        (
            'diagnosed > "2020-01-01"',
            12,
            "cannot compare date column 'diagnosed' with the string \"2020-01-01\" "
            '(compare it with a date written as date("YYYY-MM-DD"))',
        ),
        ('age < date("2020-01-01")', 6, "cannot compare integer column 'age' with date(\"2020-01-01\")"),
        ("between(bmi, 1, '2')", 16, "cannot compare numeric column 'bmi' with the string \"2\""),
        ("age == sex", 0, "cannot compare integer column 'age' with categorical column 'sex'"),
        ("diagnosed > age", 0, "cannot compare date column 'diagnosed' with integer column 'age'"),
        ('sex > "F"', 0, "'>' needs an ordered column, but 'sex' is categorical; use ==, != or in"),
        ('"a" <= notes', 0, "'<=' needs an ordered column, but 'notes' is text"),
        ("smoker < true", 0, "'<' needs an ordered column, but 'smoker' is boolean"),
        ("between(sex, 'a', 'b')", 0, "between() needs an ordered column, but 'sex' is categorical"),
        ("sex < notes", 0, "'<' needs an ordered column, but 'sex' is categorical"),
        ("empty < notes", 0, "'<' needs an ordered column, but 'notes' is text"),
    ],
)
def test_type_errors_name_both_sides_and_the_position(text, position, message):
    error = error_for(text)
    assert error.position == position
    assert error.message.startswith(message), error.message


def test_first_problem_in_source_order_is_reported():
    assert error_for("sex == 1 and nope > 2").position == 7
    assert error_for("nope > 2 and sex == 1").position == 0


def test_a_type_criteria_cannot_test_is_an_error():
    error = error_for("tags == 'a'", {"tags": "list<item: string>"})
    assert error.message == "column 'tags' has type list<item: string>, which criteria cannot test"
