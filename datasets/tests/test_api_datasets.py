"""/api/datasets/ and /api/datasets/{id}/: create from a file or from rows, list with search and
pagination, read, edit, delete; bad uploads answer 400 naming the line or column (413 when too
large) and store nothing."""

import io
from decimal import Decimal

import pytest
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from audit.models import AuditLog
from datasets import selectors
from datasets.models import Blob, Dataset
from datasets.tests.conftest import TRIAL_CSV, csv_file
from datasets.uploads import MemoryOnlyUploadHandler, upload_too_large

pytestmark = pytest.mark.django_db

DATASET_FIELDS = {
    "id",
    "name",
    "description",
    "creator",
    "version",
    "content_sha256",
    "row_count",
    "columns",
    "permissions",
    "created_at",
    "updated_at",
}


def create(client, **fields):
    return client.post("/api/datasets/", {"name": "Trial", "file": csv_file(), **fields}, format="multipart")


def nothing_stored():
    return not (Dataset.objects.exists() or Blob.objects.exists() or AuditLog.objects.exists())


def test_create_from_a_file(alice, api_as):
    response = create(api_as(alice), description="Six patients", note="first upload")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == DATASET_FIELDS
    assert body["name"] == "Trial" and body["description"] == "Six patients"
    assert (body["creator"], body["version"], body["row_count"]) == ("alice", 1, 6)
    assert body["permissions"] == ["view", "analyze", "export", "change", "share", "delete"]
    assert [c["name"] for c in body["columns"]] == [
        "id",
        "arm",
        "age",
        "bmi",
        "stage",
        "enrolled",
        "smoker",
        "site",
    ]
    bmi = body["columns"][3]
    assert (bmi["type"], bmi["n"], bmi["missing"]) == ("numeric", 5, 1)
    assert set(bmi) == {"name", "type", "n", "missing", "distinct", "levels", "label", "unit", "description"}
    dataset = Dataset.objects.get(pk=body["id"])
    assert selectors.dataset_versions(dataset)[0].version_note == "first upload"


def test_create_from_json_rows_keeps_exact_decimals(alice, api_as):
    rows = [
        {"x": "1000000000000.4", "g": "a"},
        {"x": "1000000000000.2", "g": "b"},
        {"x": "1000000000000.3", "g": "a"},
    ]
    # Sent as JSON numbers, not strings: the parser must not round them through float64.
    body = (
        '{"name": "NIST", "data": ['
        + ", ".join(f'{{"x": {row["x"]}, "g": "{row["g"]}"}}' for row in rows)
        + "]}"
    )

    response = api_as(alice).post("/api/datasets/", body, content_type="application/json")

    assert response.status_code == 201, response.content
    dataset = Dataset.objects.get(pk=response.json()["id"])
    values = selectors.dataset_table(dataset).column("x").to_pylist()
    assert values == [Decimal(row["x"]) for row in rows]


def test_list_is_paginated_and_searchable(alice, api_as, make_dataset):
    for index in range(3):
        make_dataset(alice, name=f"Study {index}", description="lung" if index == 1 else "")
    client = api_as(alice)

    page = client.get("/api/datasets/", {"page_size": 2}).json()
    searched = client.get("/api/datasets/", {"search": "LUNG"}).json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert set(page["results"][0]) == DATASET_FIELDS
    assert [d["name"] for d in searched["results"]] == ["Study 1"]


def test_retrieve_edit_and_delete(alice, dataset, api_as):
    client = api_as(alice)
    url = f"/api/datasets/{dataset.pk}/"

    assert client.get(url).json()["name"] == "Trial"
    edited = client.patch(url, {"name": "Trial (cleaned)", "description": ""}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["description"], edited.json()["version"]) == (
        "Trial (cleaned)",
        "",
        1,
    )
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_edit_refuses_a_blank_name(alice, dataset, api_as):
    response = api_as(alice).patch(f"/api/datasets/{dataset.pk}/", {"name": ""}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "filename", "line", "column", "words"),
    [
        (b"a,b\n1,2\n3\n", "ragged.csv", 3, None, "expected 2 fields, saw 1"),
        (b"", "empty.csv", None, None, "empty"),
        (b"a,a\n1,2\n", "dup.csv", 1, "a", "duplicate column name"),
        (b"a,,c\n1,2,3\n", "blank.csv", 1, 2, "has no name"),
        (b"a,b\n\xe9t\xe9,2\n", "latin1.csv", 2, None, "not UTF-8"),
        (b"a,b\n1,2\n", "data.sav", None, None, "unsupported file type"),
        (b'[{"a": 1}, {"a": {"nested": 2}}]', "rows.json", None, "a", "item 1"),
        (b'{"a": 1}', "object.json", None, None, "array of objects"),
        (b"not a workbook", "book.xlsx", None, None, "xlsx"),
    ],
)
def test_bad_files_are_400_naming_where_and_store_nothing(
    alice, api_as, content, filename, line, column, words
):
    response = create(api_as(alice), file=csv_file(content, filename))

    assert response.status_code == 400
    body = response.json()
    assert words in body["detail"]
    assert (body["line"], body["column"]) == (line, column)
    assert nothing_stored()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], "non-empty list"),
        ({"a": 1}, "non-empty list"),
        ([{"a": 1}, [1]], "item 1 is a list"),
        ([{"a": 1}, {"b": 1}], "lacks the key 'a'"),
        ([{"a": [1, 2]}], "item 0, key 'a'"),
    ],
)
def test_bad_rows_are_400_and_store_nothing(alice, api_as, data, words):
    response = api_as(alice).post("/api/datasets/", {"name": "Rows", "data": data}, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert nothing_stored()


def test_a_file_and_rows_together_or_neither_are_400(alice, api_as):
    client = api_as(alice)

    neither = client.post("/api/datasets/", {"name": "x"}, format="json")
    no_file = client.post("/api/datasets/", {"name": "x", "description": ""}, format="multipart")
    no_name = client.post("/api/datasets/", {"data": [{"a": 1}]}, format="json")

    assert neither.status_code == no_file.status_code == no_name.status_code == 400
    assert "data" in neither.json()["detail"]
    assert "file" in no_file.json()["detail"]
    assert "name" in no_name.json()["detail"]
    assert nothing_stored()


def test_malformed_json_is_400(alice, api_as):
    response = api_as(alice).post(
        "/api/datasets/", '{"name": "x", "data": [', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_malformed_multipart_body_is_400_naming_the_byte(alice, api_as):
    payload = b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nTrial\r\n--B\r\nno colon\r\n\r\n'

    response = api_as(alice).generic(
        "POST", "/api/datasets/", payload, content_type="multipart/form-data; boundary=B"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Multipart form parse error")
    assert "at byte" in response.json()["detail"]
    assert nothing_stored()


def test_an_oversized_body_is_413_before_it_is_read(alice, api_as, settings):
    settings.BIOSTAT_MAX_UPLOAD_MB = 1
    big = TRIAL_CSV + b"7,A,60,24.0,II,2024-04-01,false,Lima\n" * 40_000  # about 1.5 MB

    response = create(api_as(alice), file=csv_file(big))

    assert response.status_code == 413
    assert "1 MB" in response.json()["detail"]
    assert nothing_stored()


def test_a_body_that_understates_its_length_is_stopped_while_reading(settings):
    """The middleware trusts a declared length; the upload handler counts what actually arrives."""
    settings.BIOSTAT_MAX_UPLOAD_MB = 1
    boundary = "BOUNDARY"
    payload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode()
        + b"x" * (1024 * 1024 + 10)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = RequestFactory().post(
        "/api/datasets/", content_type=f"multipart/form-data; boundary={boundary}"
    )
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": "100"}

    _, files = MultiPartParser(meta, io.BytesIO(payload), [MemoryOnlyUploadHandler(request)]).parse()

    assert "file" not in files
    assert upload_too_large(request)


def test_uploads_are_kept_in_memory_not_in_temporary_files(settings):
    assert settings.FILE_UPLOAD_HANDLERS == ["datasets.uploads.MemoryOnlyUploadHandler"]
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= settings.BIOSTAT_MAX_UPLOAD_MB * 1024 * 1024


def test_the_schema_describes_both_request_bodies(alice, api_as):
    schema = api_as(alice).get("/api/schema/", {"format": "json"}).json()

    create_body = schema["paths"]["/api/datasets/"]["post"]["requestBody"]["content"]
    assert set(create_body) == {"multipart/form-data", "application/json"}
    components = schema["components"]["schemas"]
    assert {"name", "description", "file", "note"} <= set(components["FileDatasetRequest"]["properties"])
    assert {"name", "description", "data", "note"} <= set(components["RowsDatasetRequest"]["properties"])
    assert set(components["Dataset"]["properties"]) == DATASET_FIELDS
