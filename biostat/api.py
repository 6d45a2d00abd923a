"""Shared REST API pieces: pagination and the error format.

Every error answers JSON with a human-readable ``detail``; validation errors
also carry ``errors`` (field -> messages) and name the fields in ``detail``.
"""

from rest_framework import exceptions, pagination, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        if not page_size or request.query_params.get(self.page_query_param, "1") != "1":
            return super().paginate_queryset(queryset, request, view)
        # The first page is read first: when it is not full it is the whole list, and the
        # COUNT(*), which would run the caller's permission subqueries a second time, is not needed.
        self.request = request
        rows = list(queryset[: page_size + 1])
        paginator = self.django_paginator_class(rows if len(rows) <= page_size else queryset, page_size)
        self.page = paginator.page(1)
        self.page.object_list = rows[:page_size]
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return self.page.object_list


# DRF's rendering of a date and time, for serializers that build their dicts by hand.
DATETIME = serializers.DateTimeField()


def _flatten(errors, prefix=""):
    """Yield ``(field, message)`` pairs from DRF's nested error structure."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = key if key != "non_field_errors" else ""
            yield from _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
    elif isinstance(errors, list):
        for item in errors:
            yield from _flatten(item, prefix)
    else:
        yield prefix, str(errors)


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        messages = [f"{field}: {message}" if field else message for field, message in _flatten(errors)]
        response.data = {"detail": "; ".join(messages) or "Invalid input.", "errors": errors}
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": str(exc)}
    return response
