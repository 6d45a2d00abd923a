"""Checks a criteria tree against a dataset's columns and their data-dictionary types."""

import difflib
from collections.abc import Mapping

from .errors import CriteriaError
from .nodes import (
    BOOLEAN,
    DATE,
    NUMBER,
    ORDERING_OPERATORS,
    STRING,
    And,
    Between,
    Column,
    Comparison,
    InList,
    IsNull,
    Literal,
    Node,
    Not,
    Or,
    describe_literal,
)

# Data-dictionary type -> the kind of literal its values compare with.
LITERAL_KIND = {
    "numeric": NUMBER,
    "integer": NUMBER,
    "boolean": BOOLEAN,
    "date": DATE,
    "categorical": STRING,
    "text": STRING,
}
_ORDERED = {NUMBER, DATE}
_HINTS = {
    NUMBER: "compare it with a number",
    DATE: 'compare it with a date written as date("YYYY-MM-DD")',
    BOOLEAN: "compare it with true or false",
    STRING: "compare it with quoted text",
}


def check(node: Node | None, columns: Mapping[str, str | None]) -> None:
    """Raise CriteriaError for the first unknown column or type mismatch in source order.

    ``columns`` maps each column name to its data-dictionary type; None means the
    type is unknown (a column with no values at all), which compares with anything.
    """
    if node is not None:
        _check(node, columns)


def _check(node, columns):
    match node:
        case Not(operand=operand):
            _check(operand, columns)
        case And(operands=operands) | Or(operands=operands):
            for operand in operands:
                _check(operand, columns)
        case IsNull(column=column):
            _kind(column, columns)
        case Comparison(left=Column() as left, right=Column() as right):
            _check_columns(node, left, right, columns)
        case Comparison(left=left, operator=operator, right=right):
            column, literal = (left, right) if isinstance(left, Column) else (right, left)
            kind = _kind(column, columns)
            _check_literal(column, kind, literal, columns)
            if operator in ORDERING_OPERATORS:
                _check_ordered(node, column, kind, columns, f"'{operator}'")
        case InList(column=column, values=values):
            kind = _kind(column, columns)
            for literal in values:
                _check_literal(column, kind, literal, columns)
        case Between(column=column, low=low, high=high):
            kind = _kind(column, columns)
            _check_literal(column, kind, low, columns)
            _check_literal(column, kind, high, columns)
            _check_ordered(node, column, kind, columns, "between()")
        case _:
            raise TypeError(f"not a criteria node: {node!r}")


def _kind(column: Column, columns) -> str | None:
    """The literal kind the column compares with; unknown columns and types are errors."""
    if column.name not in columns:
        raise CriteriaError(_unknown_column_message(column.name, columns), column.start)
    column_type = columns[column.name]
    if column_type is None:
        return None
    if column_type not in LITERAL_KIND:
        raise CriteriaError(
            f"column '{column.name}' has type {column_type}, which criteria cannot test", column.start
        )
    return LITERAL_KIND[column_type]


def _unknown_column_message(name: str, columns) -> str:
    # Compare case-insensitively so `BMI` still finds `bmi`.
    by_lowercase = {}
    for existing in columns:
        by_lowercase.setdefault(existing.lower(), []).append(existing)
    close = difflib.get_close_matches(name.lower(), by_lowercase, n=3, cutoff=0.6)
    suggestions = [existing for lowered in close for existing in by_lowercase[lowered]][:3]
    if not suggestions:
        return f"unknown column '{name}'"
    return f"unknown column '{name}'; did you mean {_or_list(suggestions)}?"


def _or_list(names):
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _check_literal(column: Column, kind: str | None, literal: Literal, columns) -> None:
    if kind is None or literal.kind == kind:
        return
    raise CriteriaError(
        f"cannot compare {columns[column.name]} column '{column.name}' with {describe_literal(literal)} "
        f"({_HINTS[kind]})",
        literal.start,
    )


def _check_ordered(node, column: Column, kind: str | None, columns, what: str) -> None:
    if kind is None or kind in _ORDERED:
        return
    raise CriteriaError(
        f"{what} needs an ordered column, but '{column.name}' is {columns[column.name]}; use ==, != or in",
        node.start,
    )


def _check_columns(node: Comparison, left: Column, right: Column, columns) -> None:
    left_kind, right_kind = _kind(left, columns), _kind(right, columns)
    if left_kind is not None and right_kind is not None and left_kind != right_kind:
        raise CriteriaError(
            f"cannot compare {columns[left.name]} column '{left.name}' with "
            f"{columns[right.name]} column '{right.name}'",
            node.start,
        )
    if node.operator in ORDERING_OPERATORS:
        typed = left if left_kind is not None else right
        _check_ordered(node, typed, left_kind or right_kind, columns, f"'{node.operator}'")
