"""The JSON scalars.

The endpoint decodes request bodies with every fractional number as ``Decimal``
(views.decode_json), as the REST API does for dataset rows: a float would already
have rounded away digits that the importer keeps (Arrow decimal columns). Only
``Rows`` keeps them; ``JSON`` hands plain floats on, as REST's parser does for
every other field.
"""

from decimal import Decimal
from typing import NewType

import strawberry
from graphql import (
    BooleanValueNode,
    FloatValueNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    VariableNode,
)
from strawberry.scalars import JSON

Rows = NewType("Rows", object)


def _with_floats(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _with_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_floats(item) for item in value]
    return value


def _exact_literal(node, variables=None):
    """A literal written in the query itself, fractional numbers as Decimal."""
    if isinstance(node, VariableNode):
        return (variables or {}).get(node.name.value)
    if isinstance(node, NullValueNode):
        return None
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, FloatValueNode):
        return Decimal(node.value)
    if isinstance(node, StringValueNode | BooleanValueNode):
        return node.value
    if isinstance(node, ListValueNode):
        return [_exact_literal(item, variables) for item in node.values]
    if isinstance(node, ObjectValueNode):
        return {field.name.value: _exact_literal(field.value, variables) for field in node.fields}
    raise ValueError(f"Unexpected literal {node.kind}.")


def _json_literal(node, variables=None):
    return _with_floats(_exact_literal(node, variables))


SCALARS = {
    JSON: strawberry.scalar(
        name="JSON",
        description="Any JSON value.",
        serialize=lambda value: value,
        parse_value=_with_floats,
        parse_literal=_json_literal,
    ),
    Rows: strawberry.scalar(
        name="Rows",
        description="Dataset rows: a non-empty list of flat JSON objects, all with the same keys. "
        "Numbers keep every digit sent. Pass them in a variable: a document is limited in size.",
        serialize=lambda value: value,
        parse_value=lambda value: value,
        parse_literal=_exact_literal,
    ),
}
