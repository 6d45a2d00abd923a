import datetime
from decimal import Decimal

import pytest

from cohorts.criteria import MAX_DEPTH, MAX_LENGTH, MAX_NODES, CriteriaError, parse
from cohorts.criteria.nodes import (
    And,
    Between,
    Column,
    Comparison,
    InList,
    IsNull,
    Literal,
    Not,
    Or,
)


def number(text):
    return Literal("number", Decimal(text))


def string(text):
    return Literal("string", text)


def eq(name, value):
    return Comparison(Column(name), "==", number(str(value)))


@pytest.mark.parametrize("operator", ["==", "!=", "<", "<=", ">", ">="])
def test_every_comparison_operator(operator):
    assert parse(f"age {operator} 65").root == Comparison(Column("age"), operator, number("65"))


def test_literal_may_stand_on_the_left():
    assert parse("65 <= age").root == Comparison(number("65"), "<=", Column("age"))


def test_two_columns_may_be_compared():
    assert parse("systolic > diastolic").root == Comparison(Column("systolic"), ">", Column("diastolic"))


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    root = parse("not a == 1 and b == 2 or c == 3").root
    assert root == Or((And((Not(eq("a", 1)), eq("b", 2))), eq("c", 3)))
    assert parse("a == 1 or b == 2 and c == 3").root == Or((eq("a", 1), And((eq("b", 2), eq("c", 3)))))


def test_parentheses_override_precedence():
    assert parse("not (a == 1 and b == 2)").root == Not(And((eq("a", 1), eq("b", 2))))
    assert parse("(a == 1 or b == 2) and c == 3").root == And((Or((eq("a", 1), eq("b", 2))), eq("c", 3)))


def test_chains_of_and_or_are_flat_and_groups_are_kept():
    assert parse("a == 1 and b == 2 and c == 3").root == And((eq("a", 1), eq("b", 2), eq("c", 3)))
    assert parse("a == 1 or b == 2 or c == 3").root == Or((eq("a", 1), eq("b", 2), eq("c", 3)))
    assert parse("(a == 1 or b == 2) or c == 3").root == Or((Or((eq("a", 1), eq("b", 2))), eq("c", 3)))


def test_not_nests():
    assert parse("not not a == 1").root == Not(Not(eq("a", 1)))


def test_redundant_parentheses_change_nothing():
    assert parse("((a == 1))").root == parse("a == 1").root


def test_backticked_column_names():
    assert parse("`BMI (kg/m2)` > 30").root == Comparison(Column("BMI (kg/m2)"), ">", number("30"))
    assert parse("`and` == 1").root == eq("and", 1)
    assert parse("`__dunder__` == 1").root == eq("__dunder__", 1)
    assert parse("`größe` == 1").root == eq("größe", 1)


def test_function_names_are_columns_unless_called():
    root = parse('date >= date("2020-01-31")').root
    assert root == Comparison(Column("date"), ">=", Literal("date", datetime.date(2020, 1, 31)))
    assert parse("between == 1 and is_null == 2").root == And((eq("between", 1), eq("is_null", 2)))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", "0"),
        ("42", "42"),
        ("-7", "-7"),
        ("3.25", "3.25"),
        ("-0.5", "-0.5"),
        ("1e3", "1000"),
        ("2.5E-2", "0.025"),
        ("1000000000000.4", "1000000000000.4"),
    ],
)
def test_numbers_are_exact_decimals(text, value):
    literal = parse(f"x == {text}").root.right
    assert literal.kind == "number"
    assert literal.value == Decimal(value)
    assert str(literal.value) == str(Decimal(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"F"', "F"),
        ("'F'", "F"),
        ('""', ""),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        (r'"back\\slash"', "back\\slash"),
        (r'"tab\tnew\nline\r"', "tab\tnew\nline\r"),
        ('"it\'s"', "it's"),
        ("'\"{0.__class__}\"'", '"{0.__class__}"'),
        ('"Ünïcødé ✓"', "Ünïcødé ✓"),
    ],
)
def test_strings_in_either_quote_with_escapes(text, value):
    assert parse(f"x == {text}").root.right == string(value)


def test_booleans():
    assert parse("smoker == true or smoker != false").root == Or(
        (
            Comparison(Column("smoker"), "==", Literal("boolean", True)),
            Comparison(Column("smoker"), "!=", Literal("boolean", False)),
        )
    )


def test_in_and_not_in_lists():
    assert parse('stage in ("III", "IV")').root == InList(Column("stage"), (string("III"), string("IV")))
    assert parse("code not in (1, 2, 3,)").root == InList(
        Column("code"), (number("1"), number("2"), number("3")), negated=True
    )
    assert parse("d in (date('2020-01-01'))").root == InList(
        Column("d"), (Literal("date", datetime.date(2020, 1, 1)),)
    )


def test_not_in_differs_from_not_before_in():
    assert parse("not x in (1)").root == Not(InList(Column("x"), (number("1"),)))


def test_between_and_is_null():
    assert parse("between(age, 18, 65.5)").root == Between(Column("age"), number("18"), number("65.5"))
    assert parse("not is_null(`BMI (kg/m2)`)").root == Not(IsNull(Column("BMI (kg/m2)")))


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \r\n"])
def test_empty_criteria_select_everything(text):
    criteria = parse(text)
    assert criteria.root is None
    assert criteria.columns == frozenset()
    assert criteria.clauses == ()


def test_columns_lists_every_referenced_column_once():
    criteria = parse('age >= 65 and (sex == "F" or not is_null(bmi)) and between(age, 1, 2) and 3 < `x y`')
    assert criteria.columns == {"age", "sex", "bmi", "x y"}


def test_clauses_are_top_level_and_operands_as_written():
    criteria = parse('  age >= 65 and (sex == "F"  or x in (1,2)) and not is_null(bmi)  ')
    assert [clause.text for clause in criteria.clauses] == [
        "age >= 65",
        '(sex == "F"  or x in (1,2))',
        "not is_null(bmi)",
    ]
    assert criteria.clauses[2].node == Not(IsNull(Column("bmi")))


def test_a_single_condition_is_one_clause():
    assert [clause.text for clause in parse("(a == 1 or b == 2)").clauses] == ["(a == 1 or b == 2)"]


def test_positions_are_recorded():
    root = parse("x == 1 and   `y z` in ('a')").root
    inlist = root.operands[1]
    assert (inlist.start, inlist.end) == (13, 27)
    assert (inlist.column.start, inlist.column.end) == (13, 18)


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("age >", 5, "unexpected end of the criteria"),
        ("age > 65 sex", 9, "unexpected 'sex'"),
        ("age 65", 4, "expected a comparison"),
        ("(age > 65", 9, "to close the '(' at position 0"),
        ("age > 65)", 8, "unexpected ')'"),
        ("age = 65", 4, "use == to compare"),
        ("!(age > 65)", 0, "use not"),
        ("age > 65 && x == 1", 9, "use and"),
        ("age > 65 || x == 1", 9, "use or"),
        ("age > 65 AND x == 1", 9, "keywords are lowercase"),
        ("x == True", 5, "keywords are lowercase"),
        ("x == null", 5, "is_null(column)"),
        ("x is None", 2, "is_null(column)"),
        ("1 < 2", 0, "needs a column"),
        ("1 < age < 5", 8, "cannot be chained"),
        ("x in ()", 6, "expected a column or a value"),
        ("x in (1, y)", 9, "found the column 'y'"),
        ("x in 1", 5, "'(' to open the list"),
        ("5 in (1, 2)", 0, "left side of 'in' must be a column"),
        ("x not (1)", 2, "expected a comparison"),
        ("between(1, 2, 3)", 8, "expected a column as the first argument"),
        ("between(x, 1)", 12, "after the low bound"),
        ("between(x, y, 3)", 11, "found the column 'y'"),
        ("is_null(x, y)", 9, "after the column in is_null"),
        ("is_null('x')", 8, "expected a column"),
        ("x == is_null(y)", 5, "is a condition, not a value"),
        ("x == max(y)", 5, "unknown function 'max'"),
        ("x == date(2020)", 10, "a date written as a string"),
        ('x == date("2020-02-30")', 10, "day is out of range"),
        ('x == date("31/01/2020")', 10, "YYYY-MM-DD"),
        ('x == date("2020-01-31"', 22, "after the string in date"),
        ("x == 'abc", 5, "unterminated string"),
        ("x == 'ab\nc'", 5, "unterminated string"),
        (r"x == 'a\qb'", 7, "unknown escape"),
        ("`abc == 1", 0, "unterminated column name"),
        ("`` == 1", 0, "empty column name"),
        ("x == 1.", 6, "unexpected '.' after the number 1"),
        ("x == .5", 5, "unexpected '.'"),
        ("x == 1_000", 6, "after the number 1"),
        ("x == 0x1F", 6, "after the number 0"),
        ("x == +1", 5, "unexpected '+'"),
        ("not", 3, "unexpected end"),
        ("and x == 1", 0, "unexpected 'and'"),
        ("x == 1 and", 10, "unexpected end"),
        ("()", 1, "unexpected ')'"),
        ("x == 'a' 'b'", 9, "unexpected string 'b'"),
        ("(x) == 1", 2, "expected a comparison"),
    ],
)
def test_errors_name_the_position(text, position, fragment):
    with pytest.raises(CriteriaError) as raised:
        parse(text)
    assert raised.value.position == position, raised.value
    assert fragment in raised.value.message
    assert str(raised.value) == f"position {position}: {raised.value.message}"


def test_criteria_error_is_a_value_error():
    with pytest.raises(ValueError, match=r"^position 3: unexpected '\.'"):
        parse("age.x")


def test_non_text_is_a_programming_error():
    with pytest.raises(TypeError):
        parse(None)


def test_length_limit():
    at_limit = "x == " + "1" * (MAX_LENGTH - 5)
    assert parse(at_limit).root.right.kind == "number"
    with pytest.raises(CriteriaError) as raised:
        parse(at_limit + " ")
    assert raised.value.position == MAX_LENGTH
    assert "limit" in raised.value.message


def test_depth_limit_for_parentheses_and_not():
    assert parse("(" * MAX_DEPTH + "x == 1" + ")" * MAX_DEPTH).root == eq("x", 1)
    with pytest.raises(CriteriaError, match="nest deeper") as raised:
        parse("(" * (MAX_DEPTH + 1) + "x == 1" + ")" * (MAX_DEPTH + 1))
    assert raised.value.position == MAX_DEPTH
    with pytest.raises(CriteriaError, match="nest deeper") as raised:
        parse("not " * (MAX_DEPTH + 1) + "x == 1")
    assert raised.value.position == 4 * MAX_DEPTH


def test_term_limit():
    # Each `x == 1` holds three nodes (column, literal, comparison); the chain adds one.
    within = " or ".join(["x == 1"] * ((MAX_NODES - 1) // 3))
    assert len(parse(within).root.operands) == (MAX_NODES - 1) // 3
    with pytest.raises(CriteriaError, match="more than"):
        parse(" or ".join(["x==1"] * (MAX_NODES // 3 + 1)))
