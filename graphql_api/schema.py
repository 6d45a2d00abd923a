"""The GraphQL schema at /graphql/ and the limits every operation must stay within.

``docs/schema.graphql`` is this schema printed; a test fails when the two differ.
Regenerate it with ``manage.py graphql_schema``.
"""

from functools import partial

import strawberry
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig

from .errors import is_unexpected
from .mutations import Mutation
from .queries import Query
from .scalars import SCALARS

# Objects refer to each other by id, so the schema has no cycles and its deepest question (a page
# of datasets, their versions, each version's columns) is 5 levels; the limit guards whatever
# nests later against the self-nesting a denial of service needs.
MAX_DEPTH = 8
# Aliases let one document ask the same costly field many times over.
MAX_ALIASES = 15
# Large enough for GraphiQL's introspection query (under 200 tokens); rows go in variables.
MAX_TOKENS = 2000

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(scalar_map=SCALARS),
    # Factories: a fresh extension for each operation.
    extensions=[
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(MaskErrors, should_mask_error=is_unexpected),
    ],
)


def printed_schema():
    """The schema in GraphQL's schema language, as docs/schema.graphql holds it."""
    return print_schema(schema) + "\n"
