"""The cohort criteria language.

``parse(text)`` turns text such as
``age >= 65 and sex == "F" and stage in ("III", "IV") and not is_null(bmi)``
into a :class:`Criteria` tree with a hand-written whitelisting tokenizer and
parser; the text is never handed to eval, ``DataFrame.query`` or SQL. The tree
is checked against a data dictionary and evaluated as vectorised pyarrow masks
with SQL's three-valued logic for missing values.
"""

from .criteria import Clause, Criteria, parse
from .errors import CriteriaError
from .lexer import MAX_LENGTH
from .parser import MAX_DEPTH, MAX_NODES
from .typecheck import LITERAL_KIND

COLUMN_TYPES = tuple(LITERAL_KIND)

__all__ = [
    "COLUMN_TYPES",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Clause",
    "Criteria",
    "CriteriaError",
    "parse",
]
