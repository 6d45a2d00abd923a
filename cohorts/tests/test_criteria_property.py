"""Random tables and random criteria trees: mask() must equal an independent reference.

The reference below works on plain Python values with Python's own (exact)
comparisons and pandas' nullable boolean arrays for Kleene logic; it shares no
code with the criteria package beyond the text it is given.
"""

import datetime
import math
from decimal import Decimal

import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts.criteria import parse

ORDERED_OPERATORS = ["==", "!=", "<", "<=", ">", ">="]
MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
TEXT_VALUES = ["F", "M", "", "it's", 'say "hi"', "back\\slash", "III", "ünï"]

# name -> (kind, arrow type, strategy for one value, None meaning missing)
COLUMNS = {
    "age": ("integer", pa.int64(), st.integers(-3, 100)),
    "bmi": (
        "float",
        pa.float64(),
        st.one_of(st.sampled_from([18.5, 25.0, 30.0, 0.1, math.nan]), st.floats(-50, 50, allow_nan=False)),
    ),
    "amount": (
        "decimal",
        pa.decimal128(5, 2),  # narrow, so literals reach past the edges of the type
        st.one_of(
            st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False),
            st.sampled_from([Decimal("999.99"), Decimal("-999.99")]),
        ),
    ),
    "sex": ("text", pa.string(), st.sampled_from(TEXT_VALUES)),
    "stage (TNM)": ("text", pa.string(), st.sampled_from(["I", "II", "III", "IV"])),
    "smoker": ("boolean", pa.bool_(), st.booleans()),
    "visit": ("date", pa.date32(), st.dates(datetime.date(2019, 12, 25), datetime.date(2020, 1, 10))),
}
NUMERIC = [name for name, (kind, *_) in COLUMNS.items() if kind in ("integer", "float", "decimal")]


# -- generated data ----------------------------------------------------------
@st.composite
def tables(draw):
    rows = draw(st.integers(0, 25))
    data = {
        name: draw(st.lists(st.none() | values, min_size=rows, max_size=rows))
        for name, (_, _, values) in COLUMNS.items()
    }
    arrays = {name: pa.array(data[name], COLUMNS[name][1]) for name in COLUMNS}
    if draw(st.booleans()):
        arrays["sex"] = arrays["sex"].dictionary_encode()
    table = pa.table(arrays)
    split = draw(st.integers(0, rows))
    if draw(st.booleans()):  # several chunks, as a multi-row-group Parquet file gives
        table = pa.concat_tables([table.slice(0, split), table.slice(split)])
    return table, data


def literals_for(name):
    kind = COLUMNS[name][0]
    if kind in ("integer", "float", "decimal"):
        # Half the time a value where rounding or range would show: halfway between integers,
        # just off the decimal column's cents, at and past the edges of its type.
        edges = st.one_of(
            st.integers(-5, 105).map(lambda whole: whole + Decimal("0.5")),
            st.decimals(min_value=-100, max_value=100, places=2).map(lambda cents: cents + Decimal("0.001")),
            st.sampled_from(
                [Decimal(text) for text in ("0.1", "1e30", "-1e30", "999.99", "999.995", "-999.991", "1000")]
            ),
        )
        ordinary = st.one_of(
            st.integers(-5, 105).map(Decimal),
            st.decimals(min_value=-110, max_value=110, places=3, allow_nan=False, allow_infinity=False),
        )
        return edges | ordinary
    if kind == "text":
        return st.sampled_from([*TEXT_VALUES, "IV", "nope"]) | st.text("ab'\"\\ é", max_size=4)
    if kind == "boolean":
        return st.booleans()
    return st.dates(datetime.date(2019, 12, 20), datetime.date(2020, 1, 15))


def operators_for(name):
    return ORDERED_OPERATORS if COLUMNS[name][0] in ("integer", "float", "decimal", "date") else ["==", "!="]


@st.composite
def predicates(draw):
    name = draw(st.sampled_from(list(COLUMNS)))
    shape = draw(st.sampled_from(["compare", "compare", "in", "between", "is_null", "columns"]))
    ordered = COLUMNS[name][0] in ("integer", "float", "decimal", "date")
    if shape == "compare" or (shape == "between" and not ordered):
        operator = draw(st.sampled_from(operators_for(name)))
        return ("compare", name, operator, draw(literals_for(name)), draw(st.booleans()))
    if shape == "in":
        values = draw(st.lists(literals_for(name), min_size=1, max_size=4))
        return ("in", name, tuple(values), draw(st.booleans()))
    if shape == "between":
        return ("between", name, draw(literals_for(name)), draw(literals_for(name)))
    if shape == "columns":
        left, right = draw(st.lists(st.sampled_from(NUMERIC), min_size=2, max_size=2))
        return ("columns", left, draw(st.sampled_from(ORDERED_OPERATORS)), right)
    return ("is_null", name)


criteria_trees = st.recursive(
    predicates(),
    lambda children: st.one_of(
        children.map(lambda child: ("not", child)),
        st.lists(children, min_size=2, max_size=3).map(lambda kids: ("and", *kids)),
        st.lists(children, min_size=2, max_size=3).map(lambda kids: ("or", *kids)),
    ),
    max_leaves=8,
)


# -- rendering to criteria text ---------------------------------------------
def render_column(name):
    return name if name.isidentifier() else f"`{name}`"


def render_literal(value, quote):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "e") if value == value.to_integral() and abs(value) > 50 else str(value)
    if isinstance(value, datetime.date):
        return f'date("{value.isoformat()}")'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


PRECEDENCE = {"or": 1, "and": 2, "not": 3}


def render(tree, minimal, quote):
    kind = tree[0]
    if kind == "compare":
        _, name, operator, value, literal_first = tree
        literal = render_literal(value, quote)
        if literal_first:
            return f"{literal} {MIRROR[operator]} {render_column(name)}"
        return f"{render_column(name)} {operator} {literal}"
    if kind == "in":
        _, name, values, negated = tree
        listed = ", ".join(render_literal(value, quote) for value in values)
        return f"{render_column(name)} {'not in' if negated else 'in'} ({listed})"
    if kind == "between":
        _, name, low, high = tree
        return f"between({render_column(name)}, {render_literal(low, quote)}, {render_literal(high, quote)})"
    if kind == "is_null":
        return f"is_null({render_column(tree[1])})"
    if kind == "columns":
        return f"{render_column(tree[1])} {tree[2]} {render_column(tree[3])}"

    def child_text(child):
        text = render(child, minimal, quote)
        needs_parentheses = child[0] in PRECEDENCE and (
            not minimal or PRECEDENCE[child[0]] < PRECEDENCE[kind] or (kind == "not" and child[0] != "not")
        )
        return f"({text})" if needs_parentheses else text

    if kind == "not":
        return f"not {child_text(tree[1])}"
    return f" {kind} ".join(child_text(child) for child in tree[1:])


# -- the reference -----------------------------------------------------------
def missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_column_value(name, literal):
    # A float column holds doubles; the literal is read as the nearest double.
    return float(literal) if COLUMNS[name][0] == "float" else literal


def compare(operator, left, right):
    return {
        "==": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]


def truth(values):
    return pd.array(values, dtype="boolean")


def reference(tree, data):
    kind = tree[0]
    if kind == "not":
        return ~reference(tree[1], data)
    if kind == "and":
        result = reference(tree[1], data)
        for child in tree[2:]:
            result = result & reference(child, data)
        return result
    if kind == "or":
        result = reference(tree[1], data)
        for child in tree[2:]:
            result = result | reference(child, data)
        return result
    if kind == "is_null":
        return truth([missing(value) for value in data[tree[1]]])
    if kind == "columns":
        _, left, operator, right = tree
        pairs = zip(data[left], data[right], strict=True)
        return truth(
            [
                None if missing(a) or missing(b) else compare(operator, *_comparable(left, a, right, b))
                for a, b in pairs
            ]
        )
    name = tree[1]
    values = data[name]
    if kind == "compare":
        _, _, operator, literal, _ = tree
        literal = as_column_value(name, literal)
        return truth([None if missing(value) else compare(operator, value, literal) for value in values])
    if kind == "in":
        _, _, literals, negated = tree
        members = [as_column_value(name, literal) for literal in literals]
        return truth([None if missing(value) else (value in members) != negated for value in values])
    _, _, low, high = tree
    low, high = as_column_value(name, low), as_column_value(name, high)
    return truth([None if missing(value) else low <= value <= high for value in values])


def _comparable(left, a, right, b):
    # Documented: a decimal column meets a float column as floats.
    if {COLUMNS[left][0], COLUMNS[right][0]} == {"decimal", "float"}:
        return float(a), float(b)
    return a, b


# -- the properties ----------------------------------------------------------
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), criteria_trees, st.booleans(), st.sampled_from(["'", '"']))
def test_mask_equals_the_reference(table_and_data, tree, minimal, quote):
    table, data = table_and_data
    text = render(tree, minimal, quote)
    criteria = parse(text)
    expected = reference(tree, data)
    assert criteria.evaluate(table).to_pylist() == [
        None if value is pd.NA else bool(value) for value in expected
    ]
    assert criteria.mask(table).to_pylist() == expected.fillna(False).tolist()
    assert criteria.count(table) == int(expected.fillna(False).sum())


@settings(max_examples=80, deadline=None)
@given(tables(), st.lists(criteria_trees, min_size=2, max_size=4))
def test_attrition_is_the_running_conjunction(table_and_data, trees):
    table, data = table_and_data
    clauses = [render(tree, minimal=False, quote='"') for tree in trees]
    wrapped = [
        f"({clause})" if tree[0] in ("and", "or") else clause
        for clause, tree in zip(clauses, trees, strict=True)
    ]
    steps = parse(" and ".join(wrapped)).attrition(table)
    assert [step["clause"] for step in steps] == wrapped
    selected = truth([True] * table.num_rows)
    for step, tree in zip(steps, trees, strict=True):
        selected = selected & reference(tree, data).fillna(False)
        assert step["remaining"] == int(selected.sum())
