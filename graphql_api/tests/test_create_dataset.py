"""createDataset: rows through the same importer and service as REST's JSON upload."""

import json

import pytest

from audit.models import AuditLog
from datasets.models import Dataset
from datasets.selectors import dataset_table

from .conftest import error_of

pytestmark = pytest.mark.django_db

CREATE = """
mutation ($name: String!, $rows: Rows!, $description: String! = "", $note: String! = "") {
  createDataset(name: $name, rows: $rows, description: $description, note: $note) {
    id name description creator version rowCount contentSha256 permissions
    columns { name type }
    versions { items { version note } }
  }
}
"""
ROWS = [
    {"id": 1, "arm": "A", "bmi": 27.5},
    {"id": 2, "arm": "B", "bmi": None},
    {"id": 3, "arm": "A", "bmi": 31.25},
]


def test_creates_a_dataset_owned_by_the_caller(gql, analyst):
    created = gql(analyst).data(CREATE, {"name": "Pilot", "rows": ROWS, "description": "d", "note": "first"})
    created = created["createDataset"]
    dataset = Dataset.objects.get(pk=created["id"])
    assert created["name"] == "Pilot" and created["description"] == "d" and created["creator"] == "andy"
    assert created["version"] == 1 and created["rowCount"] == 3
    assert created["permissions"] == ["VIEW", "ANALYZE", "EXPORT", "CHANGE", "SHARE", "DELETE"]
    assert created["columns"] == [
        {"name": "id", "type": "integer"},
        {"name": "arm", "type": "text"},
        {"name": "bmi", "type": "numeric"},
    ]
    assert created["versions"]["items"] == [{"version": 1, "note": "first"}]
    assert created["contentSha256"] == dataset.content_sha256
    entry = AuditLog.objects.get(action="dataset.create")
    assert entry.actor == analyst and entry.entity_id == created["id"]


def test_the_same_rows_make_the_same_content_as_over_rest(gql, rest, owner):
    # Digits that float64 cannot hold (NIST SmLs07): both doors must keep them exactly, so the
    # request bodies are written by hand rather than from Python floats.
    digits = ["1000000000000.4", "1000000000000.3", "1000000000000.5"]
    rows = "[" + ", ".join(f'{{"x": {value}}}' for value in digits) + "]"
    over_rest = rest(owner).post(
        "/api/datasets/", f'{{"name": "REST", "data": {rows}}}', content_type="application/json"
    )
    assert over_rest.status_code == 201, over_rest.json()
    query = json.dumps(
        'mutation ($rows: Rows!) { createDataset(name: "GraphQL", rows: $rows) { id contentSha256 } }'
    )
    body = f'{{"query": {query}, "variables": {{"rows": {rows}}}}}'
    response = gql(owner).client.post("/graphql/", body, content_type="application/json")
    created = response.json()["data"]["createDataset"]
    assert created["contentSha256"] == over_rest.json()["content_sha256"]
    column = dataset_table(Dataset.objects.get(pk=created["id"])).column("x")
    assert [str(value) for value in column.to_pylist()] == digits


def test_rows_written_in_the_query_keep_their_digits_too(gql, owner):
    query = """
      mutation { createDataset(name: "Inline", rows: [{x: 1000000000000.4}, {x: 1000000000000.5}]) { id } }
    """
    created = gql(owner).data(query)["createDataset"]
    column = dataset_table(Dataset.objects.get(pk=created["id"])).column("x")
    assert [str(value) for value in column.to_pylist()] == ["1000000000000.4", "1000000000000.5"]


@pytest.mark.parametrize(
    ("rows", "message", "column"),
    [
        ([{"a": 1}, {"b": 2}], "item 1 lacks the key 'a'; every object needs the same keys as item 0", "a"),
        ([], "data must be a non-empty list of objects", None),
        (
            [{"a": {"nested": 1}}],
            "item 0, key 'a': the value is an object; values must be strings, numbers, booleans or null",
            "a",
        ),
    ],
)
def test_bad_rows_name_the_item_and_key_and_store_nothing(gql, owner, rows, message, column):
    error = error_of(gql(owner)(CREATE, {"name": "Bad", "rows": rows}))
    assert error["message"] == f"rows: {message}"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == {"rows": [message]}
    assert error["extensions"].get("column") == column
    assert not Dataset.objects.exists()
    assert not AuditLog.objects.filter(action="dataset.create").exists()


def test_a_name_over_the_limit_is_refused(gql, owner):
    error = error_of(gql(owner)(CREATE, {"name": "x" * 201, "rows": ROWS}))
    assert error["extensions"]["fields"] == {"name": ["Ensure this field has no more than 200 characters."]}
    assert not Dataset.objects.exists()
