"""Limits on what one operation may ask (depth, aliases, document size, page size), checked
before anything runs; and internal errors never reach the client."""

import pytest

from graphql_api import queries
from graphql_api.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS

from .conftest import error_of

pytestmark = pytest.mark.django_db

DEEPEST = "{ datasets { items { versions { items { columns { name } } } } } }"


def _deeper_than_the_limit():
    # The schema has no cycles (objects refer to each other by id), so no valid query gets this
    # deep today; the limit guards whatever nests later. The depth check runs first regardless.
    tail = "".join(f"{{ level{i} " for i in range(MAX_DEPTH)) + "}" * MAX_DEPTH
    return "{ datasets { items { versions { items { columns { name " + tail + " } } } } } }"


def test_the_deepest_real_question_is_allowed(gql, owner, dataset):
    data = gql(owner).data(DEEPEST)
    assert data["datasets"]["items"][0]["versions"]["items"][0]["columns"]


def test_deeper_than_the_limit_is_refused_before_anything_runs(gql, owner, dataset, monkeypatch):
    ran = []
    monkeypatch.setattr(queries, "paginate", lambda *args: ran.append(args))
    body = gql(owner)(_deeper_than_the_limit())
    assert body.get("data") is None
    messages = [error["message"] for error in body["errors"]]
    assert f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}" in messages
    assert ran == []


def test_too_many_aliases_are_refused(gql, owner, monkeypatch):
    ran = []
    monkeypatch.setattr(queries, "paginate", lambda *args: ran.append(args))
    query = "{ " + " ".join(f"a{i}: datasets {{ totalCount }}" for i in range(MAX_ALIASES + 1)) + " }"
    error = error_of(gql(owner)(query))
    assert error["message"] == f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"
    assert ran == []


def test_a_document_over_the_token_limit_is_refused(gql, owner):
    query = "{ me { " + " ".join(["username"] * MAX_TOKENS) + " } }"
    error = error_of(gql(owner)(query))
    assert f"more than {MAX_TOKENS} tokens" in error["message"]


def test_unexpected_errors_are_masked(gql, owner, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(queries.dataset_selectors, "datasets_visible_to", broken)
    error = error_of(gql(owner)("{ datasets { totalCount } }"))
    assert error["message"] == "Unexpected error."
    assert "secret" not in str(error)


def test_a_body_over_the_request_limit_is_a_413(gql, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    rows = [{"note": "x" * 1000} for _ in range(1100)]
    response = gql(owner).response(
        'mutation ($rows: Rows!) { createDataset(name: "Big", rows: $rows) { id } }', {"rows": rows}
    )
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "REQUEST_TOO_LARGE"}
    assert error["message"].startswith("The request is larger than 1 MB")
