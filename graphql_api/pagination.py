"""Offset pagination for every list, with the REST API's page sizes."""

from typing import Generic, TypeVar

import strawberry

from biostat.api import Pagination

from .errors import bad_input

DEFAULT_LIMIT = Pagination.page_size
MAX_LIMIT = Pagination.max_page_size

T = TypeVar("T")


@strawberry.type(description="One page of a list.")
class Page(Generic[T]):
    total_count: int = strawberry.field(description="How many items the whole list holds.")
    offset: int = strawberry.field(description="How many items come before this page.")
    limit: int = strawberry.field(description="The page size asked for (at most the list's maximum).")
    items: list[T]


def check_window(offset, limit):
    errors = {}
    if offset < 0:
        errors["offset"] = ["Must be at least 0."]
    if not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [f"Must be between 1 and {MAX_LIMIT}."]
    if errors:
        raise bad_input(errors)


def paginate(queryset, offset, limit):
    """The page of ``queryset`` at ``offset``: a count and a slice, two queries whatever the size."""
    check_window(offset, limit)
    return Page(
        total_count=queryset.count(),
        offset=offset,
        limit=limit,
        items=list(queryset[offset : offset + limit]),
    )


def paginate_list(items, offset, limit):
    """The same for a list already in memory."""
    check_window(offset, limit)
    return Page(total_count=len(items), offset=offset, limit=limit, items=items[offset : offset + limit])
