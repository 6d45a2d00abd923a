"""The criteria tree: small immutable nodes.

Source offsets (``start``, ``end``) are kept for error messages and attrition
text but do not take part in equality, so two spellings of the same criteria
compare equal.
"""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal

NUMBER = "number"
STRING = "string"
BOOLEAN = "boolean"
DATE = "date"

COMPARISON_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING_OPERATORS = ("<", "<=", ">", ">=")
# What `65 <= age` means when read from the column's side: `age >= 65`.
MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _offset():
    return field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class Literal:
    kind: str  # NUMBER, STRING, BOOLEAN or DATE
    value: Decimal | str | bool | datetime.date
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class Comparison:
    left: Column | Literal
    operator: str
    right: Column | Literal
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class InList:
    column: Column
    values: tuple[Literal, ...]
    negated: bool = False
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class Between:
    column: Column
    low: Literal
    high: Literal
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class IsNull:
    column: Column
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class Not:
    operand: "Node"
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple["Node", ...]
    start: int = _offset()
    end: int = _offset()


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple["Node", ...]
    start: int = _offset()
    end: int = _offset()


Predicate = Comparison | InList | Between | IsNull
Node = Predicate | Not | And | Or


def columns_of(node: Node) -> list[Column]:
    """Every column reference under ``node``, in source order."""
    match node:
        case Comparison(left=left, right=right):
            return [side for side in (left, right) if isinstance(side, Column)]
        case InList(column=column) | Between(column=column) | IsNull(column=column):
            return [column]
        case Not(operand=operand):
            return columns_of(operand)
        case And(operands=operands) | Or(operands=operands):
            return [column for operand in operands for column in columns_of(operand)]
    raise TypeError(f"not a criteria node: {node!r}")


def describe_literal(literal: Literal) -> str:
    """A literal as an error message shows it."""
    if literal.kind == STRING:
        return f"the string {json.dumps(literal.value, ensure_ascii=False)}"
    if literal.kind == NUMBER:
        return f"the number {literal.value}"
    if literal.kind == BOOLEAN:
        return "true" if literal.value else "false"
    return f'date("{literal.value.isoformat()}")'
