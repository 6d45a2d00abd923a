"""Refusals as GraphQL errors that say what the REST API says.

A mutation the services refuse answers a GraphQL error (``data`` for that field is
null) whose ``message`` reads like the REST API's ``detail`` and whose
``extensions.code`` says what kind of refusal it is:

- ``BAD_USER_INPUT``: ``extensions.fields`` maps each field to its messages (field
  names as in the REST API), plus ``line``/``column`` for rows the importer refused
  and ``position`` for criteria the parser refused;
- ``FORBIDDEN``: the caller sees the object but lacks the permission this needs (the
  message names it), as REST's 403;
- ``NOT_FOUND``: the object went away meanwhile (deleted concurrently);
- ``THROTTLED``: too many messages sent.

Objects the caller may not see raise no error at all: a lookup answers null, a list
leaves them out. Any other exception is masked as "Unexpected error." (MaskErrors in
schema.py), so no internal detail reaches the client.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from graphql import GraphQLError
from rest_framework.exceptions import ValidationError as DrfValidationError

from analyses.validation import ParameterError
from biostat.api import _flatten
from cohorts.services import CohortInvalid
from datasets.importers import ImportFailed


def bad_input(errors, rename=None, **extensions):
    """A BAD_USER_INPUT error from ``errors`` (field -> message or messages, nested as DRF nests them);
    ``rename`` maps service field names onto GraphQL argument names."""
    rename = rename or {}
    pairs = [(rename.get(field, field), message) for field, message in _flatten(errors)]
    fields = {}
    for field, message in pairs:
        fields.setdefault(field, []).append(message)
    text = "; ".join(f"{field}: {message}" if field else message for field, message in pairs)
    details = {key: value for key, value in extensions.items() if value is not None}
    return GraphQLError(
        text or "Invalid input.", extensions={"code": "BAD_USER_INPUT", "fields": fields, **details}
    )


def forbidden(message):
    return GraphQLError(str(message), extensions={"code": "FORBIDDEN"})


def throttled(message):
    return GraphQLError(message, extensions={"code": "THROTTLED"})


@contextmanager
def refusals_as_errors(rename=None):
    """Turn the services' refusals into GraphQL errors (see the module docstring)."""
    try:
        yield
    except DrfValidationError as exc:
        raise bad_input(exc.detail, rename) from None
    except ImportFailed as exc:
        raise bad_input({"rows": [str(exc)]}, line=exc.line, column=exc.column) from None
    except CohortInvalid as exc:
        raise bad_input({exc.field: [exc.text]}, rename, position=exc.position) from None
    except ParameterError as exc:
        raise bad_input(exc.errors, rename) from None
    except DjangoValidationError as exc:
        raise bad_input(exc.message_dict, rename) from None
    except PermissionDenied as exc:
        raise forbidden(exc) from None
    except Http404 as exc:
        raise GraphQLError(str(exc), extensions={"code": "NOT_FOUND"}) from None


def is_unexpected(error):
    """MaskErrors' test: errors from exceptions that are not GraphQL errors are masked. Parse and
    validation errors (no original error) and the errors raised above pass through."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)
