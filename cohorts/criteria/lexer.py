"""Tokenizer: turns criteria text into a flat list of whitelisted tokens.

Anything that is not one of the token kinds below is rejected here, with the
offset of the offending character, before the parser ever sees it.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .errors import CriteriaError

MAX_LENGTH = 10_000

NAME = "name"  # bare identifier: a column, a keyword or a function name
QUOTED_NAME = "quoted_name"  # `any characters but a backtick`: always a column
STRING = "string"
NUMBER = "number"
OPERATOR = "operator"
END = "end"

_WHITESPACE = " \t\r\n"
_PUNCTUATION = "(),"
_TWO_CHAR_OPERATORS = ("==", "!=", "<=", ">=")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
# Control, invisible-format (bidi overrides, zero-width) and surrogate code points
# have no business in a criterion and are how "Trojan Source" text hides intent.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs"}
_HINTS = {
    "=": "use == to compare",
    "!": "use not to negate",
    "&": "use and",
    "|": "use or",
    "#": "comments are not supported",
    "@": "references are not supported",
    "[": "subscripts are not supported",
    ".": "attribute access is not supported",
    "-": "only a number may start with a minus sign; comments are not supported",
    "\\": "a backslash may only appear inside a quoted string",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # exactly as written
    value: object  # decoded: str for names and strings, Decimal for numbers
    start: int
    end: int


def describe_character(char: str) -> str:
    """A readable name for a character, safe to show even when it is invisible."""
    code = f"U+{ord(char):04X}"
    if char.isprintable() and not char.isspace() and char.isascii():
        return f"'{char}'"
    name = unicodedata.name(char, "")
    if char.isprintable() and not char.isspace():
        return f"'{char}' ({code})"
    return f"{code} ({name})" if name else code


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise CriteriaError(
            f"criteria are {len(text):,} characters long; the limit is {MAX_LENGTH:,}", MAX_LENGTH
        )
    tokens = []
    position = 0
    while position < len(text):
        char = text[position]
        if char in _WHITESPACE:
            position += 1
        elif text.startswith(_TWO_CHAR_OPERATORS, position):
            tokens.append(_token(OPERATOR, text, position, position + 2, text[position : position + 2]))
            position += 2
        elif char in "<>" or char in _PUNCTUATION:
            tokens.append(_token(OPERATOR, text, position, position + 1, char))
            position += 1
        elif char in "\"'":
            tokens.append(_string(text, position))
            position = tokens[-1].end
        elif char == "`":
            tokens.append(_quoted_name(text, position))
            position = tokens[-1].end
        elif number := _NUMBER_RE.match(text, position):
            tokens.append(_number(text, number))
            position = number.end()
        elif name := _NAME_RE.match(text, position):
            if name.group().startswith("__"):
                raise CriteriaError(f"names starting with '__' are not allowed ('{name.group()}')", position)
            tokens.append(_token(NAME, text, position, name.end(), name.group()))
            position = name.end()
        else:
            raise _unexpected(char, position)
    tokens.append(Token(END, "", None, len(text), len(text)))
    return tokens


def _token(kind, text, start, end, value):
    return Token(kind, text[start:end], value, start, end)


def _unexpected(char, position):
    hint = _HINTS.get(char)
    if hint is None and not char.isascii() and char.isalnum():
        hint = "put a column name with such characters in backticks"
    message = f"unexpected {describe_character(char)}"
    return CriteriaError(f"{message}: {hint}" if hint else message, position)


def _check_visible(char, position, where):
    if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
        raise CriteriaError(f"{describe_character(char)} is not allowed in {where}", position)


def _string(text, start):
    quote = text[start]
    chars = []
    position = start + 1
    while True:
        if position >= len(text) or text[position] in "\r\n":
            raise CriteriaError(f"unterminated string: the {quote} opened here is never closed", start)
        char = text[position]
        if char == quote:
            return _token(STRING, text, start, position + 1, "".join(chars))
        if char == "\\":
            escaped = text[position + 1 : position + 2]
            if escaped not in _ESCAPES:
                shown = describe_character(escaped) if escaped else "the end of the text"
                raise CriteriaError(
                    f"unknown escape: a backslash may only precede \\, ', \", n, t or r, not {shown}",
                    position,
                )
            chars.append(_ESCAPES[escaped])
            position += 2
            continue
        _check_visible(char, position, "a string")
        chars.append(char)
        position += 1


def _quoted_name(text, start):
    position = start + 1
    while position < len(text) and text[position] not in "`\r\n":
        _check_visible(text[position], position, "a column name")
        position += 1
    if position >= len(text) or text[position] != "`":
        raise CriteriaError("unterminated column name: the ` opened here is never closed", start)
    if position == start + 1:
        raise CriteriaError("empty column name ``", start)
    return _token(QUOTED_NAME, text, start, position + 1, text[start + 1 : position])


def _number(text, match):
    tail = _NUMBER_TAIL.match(text, match.end())
    if tail:
        raise CriteriaError(
            f"unexpected {describe_character(tail.group())} after the number {match.group()}", match.end()
        )
    return _token(NUMBER, text, match.start(), match.end(), Decimal(match.group()))
