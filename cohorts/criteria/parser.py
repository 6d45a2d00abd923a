"""Recursive-descent parser: tokens -> criteria tree.

Grammar (lowest precedence first; ``not`` binds tighter than ``and``, which
binds tighter than ``or``)::

    criteria   := [ disjunct ]
    disjunct   := conjunct ( "or" conjunct )*
    conjunct   := negation ( "and" negation )*
    negation   := "not" negation | primary
    primary    := "(" disjunct ")" | predicate
    predicate  := "between" "(" column "," literal "," literal ")"
                | "is_null" "(" column ")"
                | operand ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) operand
                | column [ "not" ] "in" "(" literal ( "," literal )* [ "," ] ")"
    operand    := column | literal
    column     := NAME | `QUOTED NAME`
    literal    := NUMBER | STRING | "true" | "false" | "date" "(" STRING ")"

Function names are only functions when followed by "(", so a column may be
called ``date``. Keywords must be written in lowercase; a column whose name is
a keyword or not a plain ASCII identifier is written in backticks.
"""

import dataclasses
import datetime
import re

from . import lexer
from .errors import CriteriaError
from .lexer import Token
from .nodes import (
    BOOLEAN,
    COMPARISON_OPERATORS,
    DATE,
    NUMBER,
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

MAX_DEPTH = 50
MAX_NODES = 2_000

_KEYWORDS = ("and", "or", "not", "in")
_BOOLEANS = {"true": True, "false": False}
_CONDITION_FUNCTIONS = ("between", "is_null")
# Spellings people bring from Python or SQL, refused with a pointer to ours.
_MISSPELLINGS = {
    **{word: f"keywords are lowercase: write {word}" for word in (*_KEYWORDS, *_BOOLEANS)},
    "null": "there is no null value: test missing values with is_null(column)",
    "none": "there is no null value: test missing values with is_null(column)",
    "is": "test missing values with is_null(column)",
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_tree(text: str) -> Node | None:
    """The tree for ``text``, or None for empty criteria (which select every row)."""
    return _Parser(text).criteria()


def _describe_token(token: Token) -> str:
    shown = token.text if len(token.text) <= 40 else token.text[:37] + "..."
    match token.kind:
        case lexer.END:
            return "end of the criteria"
        case lexer.STRING:
            return f"string {shown}"
        case lexer.NUMBER:
            return f"number {shown}"
        case lexer.QUOTED_NAME:
            return f"column {shown}"
    return f"'{shown}'"


class _Parser:
    def __init__(self, text: str):
        self.tokens = lexer.tokenize(text)
        self.index = 0
        self.depth = 0
        self.node_count = 0

    # -- token helpers -------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self) -> Token:
        return self.tokens[min(self.index + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        if token.kind != lexer.END:
            self.index += 1
        return token

    def at_keyword(self, word: str, token: Token | None = None) -> bool:
        token = token or self.token
        return token.kind == lexer.NAME and token.value == word

    def at_operator(self, operator: str, token: Token | None = None) -> bool:
        token = token or self.token
        return token.kind == lexer.OPERATOR and token.value == operator

    def expect_operator(self, operator: str, context: str) -> Token:
        if not self.at_operator(operator):
            raise self.unexpected(f"'{operator}' {context}")
        return self.advance()

    def unexpected(self, expected: str) -> CriteriaError:
        token = self.token
        message = f"unexpected {_describe_token(token)}; expected {expected}"
        if token.kind == lexer.NAME and token.value not in (*_KEYWORDS, *_BOOLEANS):
            hint = _MISSPELLINGS.get(token.value.lower())
            message = f"{message} ({hint})" if hint else message
        return CriteriaError(message, token.start)

    def counted(self, node):
        self.node_count += 1
        if self.node_count > MAX_NODES:
            raise CriteriaError(f"criteria have more than {MAX_NODES:,} terms", node.start)
        return node

    def nested(self, token: Token, parse):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CriteriaError(f"criteria nest deeper than {MAX_DEPTH} levels", token.start)
        try:
            return parse()
        finally:
            self.depth -= 1

    # -- grammar -------------------------------------------------------------
    def criteria(self) -> Node | None:
        if self.token.kind == lexer.END:
            return None
        node = self.disjunct()
        if self.token.kind != lexer.END:
            raise self.unexpected("and, or or the end of the criteria")
        return node

    def disjunct(self) -> Node:
        return self.chain("or", Or, self.conjunct)

    def conjunct(self) -> Node:
        return self.chain("and", And, self.negation)

    def chain(self, keyword, node_type, parse_operand) -> Node:
        operands = [parse_operand()]
        while self.at_keyword(keyword):
            self.advance()
            operands.append(parse_operand())
        if len(operands) == 1:
            return operands[0]
        return self.counted(node_type(tuple(operands), operands[0].start, operands[-1].end))

    def negation(self) -> Node:
        if not self.at_keyword("not"):
            return self.primary()
        keyword = self.advance()
        operand = self.nested(keyword, self.negation)
        return self.counted(Not(operand, keyword.start, operand.end))

    def primary(self) -> Node:
        if not self.at_operator("("):
            return self.predicate()
        opening = self.advance()
        node = self.nested(opening, self.disjunct)
        closing = self.expect_operator(")", f"to close the '(' at position {opening.start}")
        # The span takes in the parentheses so an attrition clause reads as written.
        return dataclasses.replace(node, start=opening.start, end=closing.end)

    def predicate(self) -> Node:
        token = self.token
        if (
            token.kind == lexer.NAME
            and token.value in _CONDITION_FUNCTIONS
            and self.at_operator("(", self.peek())
        ):
            return self.between() if token.value == "between" else self.is_null()
        left = self.operand()
        if self.token.kind == lexer.OPERATOR and self.token.value in COMPARISON_OPERATORS:
            return self.comparison(left)
        if self.at_keyword("in") or (self.at_keyword("not") and self.at_keyword("in", self.peek())):
            return self.in_list(left)
        raise self.unexpected(
            f"a comparison (==, !=, <, <=, >, >=, in or not in) after {_describe_operand(left)}"
        )

    def comparison(self, left) -> Comparison:
        operator = self.advance()
        right = self.operand()
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise CriteriaError("a comparison needs a column on at least one side", left.start)
        if self.token.kind == lexer.OPERATOR and self.token.value in COMPARISON_OPERATORS:
            raise self.unexpected("and, or or the end of the condition (comparisons cannot be chained)")
        return self.counted(Comparison(left, operator.value, right, left.start, right.end))

    def in_list(self, column) -> InList:
        if not isinstance(column, Column):
            raise CriteriaError(
                f"the left side of 'in' must be a column, not {describe_literal(column)}", column.start
            )
        negated = self.at_keyword("not")
        if negated:
            self.advance()
        self.advance()  # "in"
        self.expect_operator("(", "to open the list of values after 'in'")
        values = [self.literal()]
        while self.at_operator(","):
            self.advance()
            if self.at_operator(")"):
                break
            values.append(self.literal())
        closing = self.expect_operator(")", "or ',' in the list of values")
        return self.counted(InList(column, tuple(values), negated, column.start, closing.end))

    def between(self) -> Between:
        name = self.advance()
        self.advance()  # "("
        column = self.column("as the first argument of between()")
        self.expect_operator(",", "after the column in between(column, low, high)")
        low = self.literal()
        self.expect_operator(",", "after the low bound in between(column, low, high)")
        high = self.literal()
        closing = self.expect_operator(")", "after the high bound in between(column, low, high)")
        return self.counted(Between(column, low, high, name.start, closing.end))

    def is_null(self) -> IsNull:
        name = self.advance()
        self.advance()  # "("
        column = self.column("as the argument of is_null()")
        closing = self.expect_operator(")", "after the column in is_null(column)")
        return self.counted(IsNull(column, name.start, closing.end))

    def column(self, context: str) -> Column:
        start = self.token
        operand = self.operand()
        if not isinstance(operand, Column):
            raise CriteriaError(f"expected a column {context}, found {_describe_token(start)}", start.start)
        return operand

    def literal(self) -> Literal:
        start = self.token
        operand = self.operand()
        if not isinstance(operand, Literal):
            raise CriteriaError(
                f"expected a value (a number, a string, true, false or date(...)), found the column "
                f"'{operand.name}'",
                start.start,
            )
        return operand

    def operand(self) -> Column | Literal:
        token = self.token
        if token.kind == lexer.NUMBER:
            return self.counted(Literal(NUMBER, self.advance().value, token.start, token.end))
        if token.kind == lexer.STRING:
            return self.counted(Literal(STRING, self.advance().value, token.start, token.end))
        if token.kind == lexer.QUOTED_NAME:
            return self.counted(Column(self.advance().value, token.start, token.end))
        if token.kind != lexer.NAME:
            raise self.unexpected("a column or a value")
        if self.at_operator("(", self.peek()):
            return self.function_value()
        if token.value in _BOOLEANS:
            return self.counted(Literal(BOOLEAN, _BOOLEANS[self.advance().value], token.start, token.end))
        if token.value in _KEYWORDS or token.value.lower() in _MISSPELLINGS:
            raise self.unexpected("a column or a value")
        return self.counted(Column(self.advance().value, token.start, token.end))

    def function_value(self) -> Literal:
        name = self.token
        if name.value in _CONDITION_FUNCTIONS:
            raise CriteriaError(f"{name.value}() is a condition, not a value to compare", name.start)
        if name.value != "date":
            raise CriteriaError(
                f"unknown function '{name.value}': only between(), is_null() and date() are allowed",
                name.start,
            )
        self.advance()
        self.advance()  # "("
        argument = self.token
        if argument.kind != lexer.STRING:
            raise self.unexpected('a date written as a string, as in date("2020-01-31")')
        self.advance()
        closing = self.expect_operator(")", 'after the string in date("YYYY-MM-DD")')
        if not _ISO_DATE.fullmatch(argument.value):
            raise CriteriaError(f"invalid date {argument.text}: write it as YYYY-MM-DD", argument.start)
        try:
            value = datetime.date.fromisoformat(argument.value)
        except ValueError as error:
            raise CriteriaError(f"invalid date {argument.text}: {error}", argument.start) from None
        return self.counted(Literal(DATE, value, name.start, closing.end))


def _describe_operand(operand: Column | Literal) -> str:
    if isinstance(operand, Column):
        return f"the column '{operand.name}'"
    return describe_literal(operand)
