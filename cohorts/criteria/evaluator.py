"""Evaluates a criteria tree over an Arrow table as vectorised Kleene masks.

Every predicate yields a boolean array where null means "unknown" (SQL's
three-valued logic): a comparison with a missing value is unknown, ``not``
keeps it unknown, and ``and``/``or`` follow Kleene's tables. Only the final
selection turns unknown into "not selected".
"""

import decimal
import functools
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .nodes import (
    MIRRORED,
    NUMBER,
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
)

_COMPARE = {
    "==": pc.equal,
    "!=": pc.not_equal,
    "<": pc.less,
    "<=": pc.less_equal,
    ">": pc.greater,
    ">=": pc.greater_equal,
}
_UNKNOWN = pa.scalar(None, pa.bool_())


def column_types(schema: pa.Schema) -> dict[str, str | None]:
    """Data-dictionary types read off an Arrow schema, for checking criteria against a table."""
    return {field.name: _column_type(field.type) for field in schema}


def _column_type(arrow_type: pa.DataType) -> str | None:
    if pa.types.is_dictionary(arrow_type):
        value_type = _column_type(arrow_type.value_type)
        return "categorical" if value_type == "text" else value_type
    if pa.types.is_null(arrow_type):
        return None
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "numeric"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "date"
    if (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
    ):
        return "text"
    return str(arrow_type)


class TableEvaluator:
    """Evaluates nodes over one table, preparing each referenced column once.

    The tree must already have been checked against the table's column types.
    """

    def __init__(self, table: pa.Table):
        self.table = table
        self._columns = {}

    def truth(self, node: Node) -> pa.ChunkedArray:
        """The three-valued truth of ``node`` for every row (null = unknown)."""
        match node:
            case And(operands=operands):
                return functools.reduce(pc.and_kleene, (self.truth(operand) for operand in operands))
            case Or(operands=operands):
                return functools.reduce(pc.or_kleene, (self.truth(operand) for operand in operands))
            case Not(operand=operand):
                return pc.invert(self.truth(operand))
            case IsNull(column=column):
                # A null dictionary index and a null dictionary value are both missing.
                return pc.fill_null(_per_value(self.column(column), pc.is_null), True)
            case Comparison(left=Column() as left, operator=operator, right=Column() as right):
                return _compare_columns(self.column(left), operator, self.column(right))
            case Comparison(left=Column() as column, operator=operator, right=literal):
                return _per_value(self.column(column), lambda values: _compare(values, operator, literal))
            case Comparison(left=literal, operator=operator, right=column):
                return self.truth(Comparison(column, MIRRORED[operator], literal))
            case InList(column=column, values=literals, negated=negated):
                truth = _per_value(self.column(column), lambda values: _is_in(values, literals))
                return pc.invert(truth) if negated else truth
            case Between(column=column, low=low, high=high):
                return pc.and_kleene(
                    self.truth(Comparison(column, ">=", low)), self.truth(Comparison(column, "<=", high))
                )
        raise TypeError(f"not a criteria node: {node!r}")

    def column(self, column: Column) -> pa.ChunkedArray:
        if column.name not in self._columns:
            self._columns[column.name] = _prepared(self.table.column(column.name))
        return self._columns[column.name]


def _prepared(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Bring a column to the form predicates compare: NaN is missing, timestamps are dates."""
    arrow_type = values.type
    if pa.types.is_floating(arrow_type) and pc.any(pc.is_nan(values)).as_py():
        return pc.if_else(pc.is_nan(values), pa.scalar(None, arrow_type), values)
    if pa.types.is_timestamp(arrow_type):
        # A timestamp is compared by its calendar date, in its own time zone when it has one.
        local = pc.local_timestamp(values) if arrow_type.tz else values
        return pc.cast(local, pa.date32())
    if pa.types.is_date64(arrow_type):
        return pc.cast(values, pa.date32())
    return values


def _per_value(values: pa.ChunkedArray, predicate) -> pa.ChunkedArray:
    """Apply ``predicate`` to the values; for dictionary columns, to each distinct value once."""
    if not pa.types.is_dictionary(values.type):
        return predicate(values)
    chunks = [pc.take(predicate(chunk.dictionary), chunk.indices) for chunk in values.chunks]
    return pa.chunked_array(chunks, pa.bool_())


def _value_type(values) -> pa.DataType:
    return values.type.value_type if pa.types.is_dictionary(values.type) else values.type


def _compare(values, operator: str, literal: Literal):
    arrow_type = values.type
    if pa.types.is_null(arrow_type):
        return _when_present(values, _UNKNOWN)
    if literal.kind == NUMBER and (pa.types.is_integer(arrow_type) or pa.types.is_decimal(arrow_type)):
        return _compare_exact(values, operator, literal.value)
    return _COMPARE[operator](values, _scalar(literal, arrow_type))


def _scalar(literal: Literal, arrow_type: pa.DataType) -> pa.Scalar:
    if literal.kind == NUMBER:
        return pa.scalar(float(literal.value), pa.float64())
    return pa.scalar(literal.value, arrow_type)


def _compare_exact(values, operator: str, value: Decimal):
    """Compare an integer or decimal column with a decimal literal without rounding either.

    The literal is moved to the column's grid (its scale) in the direction that
    keeps the comparison's meaning, e.g. ``x < 64.5`` on integers is ``x < 65``;
    a literal beyond the column's range decides the comparison for every value.
    """
    lowest, highest, quantum = _exact_range(values.type)
    if value > highest or value < lowest:
        if operator in ("==", "!="):
            holds = operator == "!="
        else:
            holds = (operator in ("<", "<=")) == (value > highest)
        return _when_present(values, pa.scalar(holds))
    with decimal.localcontext() as context:
        context.prec = 100  # enough for any decimal256 or int64 value
        floor = value.quantize(quantum, rounding=decimal.ROUND_FLOOR)
        ceiling = value.quantize(quantum, rounding=decimal.ROUND_CEILING)
    if operator in ("==", "!=") and floor != value:
        return _when_present(values, pa.scalar(operator == "!="))
    bound = {"<": ceiling, ">=": ceiling}.get(operator, floor)
    scalar = pa.scalar(int(bound) if pa.types.is_integer(values.type) else bound, values.type)
    return _COMPARE[operator](values, scalar)


def _exact_range(arrow_type: pa.DataType) -> tuple[Decimal, Decimal, Decimal]:
    """Smallest and largest value the integer or decimal type holds, and its step."""
    if pa.types.is_integer(arrow_type):
        info = np.iinfo(arrow_type.to_pandas_dtype())
        return Decimal(int(info.min)), Decimal(int(info.max)), Decimal(1)
    quantum = Decimal(1).scaleb(-arrow_type.scale)
    highest = Decimal(1).scaleb(arrow_type.precision - arrow_type.scale) - quantum
    return -highest, highest, quantum


def _when_present(values, truth: pa.Scalar):
    """``truth`` for every present value, unknown for every missing one."""
    return pc.if_else(pc.is_valid(values), truth, _UNKNOWN)


def _is_in(values, literals: tuple[Literal, ...]):
    arrow_type = values.type
    if pa.types.is_null(arrow_type):
        return _when_present(values, _UNKNOWN)
    value_set = pa.array(_members(literals, arrow_type), arrow_type)
    found = pc.is_in(values, value_set=value_set)
    # is_in answers false for a missing value; in SQL it is unknown.
    return pc.if_else(pc.is_valid(values), found, _UNKNOWN) if values.null_count else found


def _members(literals, arrow_type) -> list:
    if not (pa.types.is_integer(arrow_type) or pa.types.is_decimal(arrow_type)):
        return [float(literal.value) if literal.kind == NUMBER else literal.value for literal in literals]
    # Only literals the column can hold exactly can ever equal one of its values.
    lowest, highest, quantum = _exact_range(arrow_type)
    members = []
    for literal in literals:
        value = literal.value
        if lowest <= value <= highest and value == value.quantize(quantum, context=decimal.Context(prec=100)):
            members.append(int(value) if pa.types.is_integer(arrow_type) else value)
    return members


def _compare_columns(left, operator: str, right):
    left, right = _decoded(left), _decoded(right)
    # Arrow has no exact decimal-to-float comparison; compare such pairs as floats.
    if pa.types.is_decimal(left.type) and pa.types.is_floating(right.type):
        left = pc.cast(left, pa.float64())
    if pa.types.is_decimal(right.type) and pa.types.is_floating(left.type):
        right = pc.cast(right, pa.float64())
    return _COMPARE[operator](left, right)


def _decoded(values):
    return pc.cast(values, values.type.value_type) if pa.types.is_dictionary(values.type) else values
