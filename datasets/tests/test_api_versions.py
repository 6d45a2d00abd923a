"""/api/datasets/{id}/versions/: list, upload (file or rows), dedup, restore and diff."""

import pytest

from datasets.tests.conftest import TRIAL_CSV, csv_file

pytestmark = pytest.mark.django_db

VERSION_FIELDS = {"version", "created_at", "created_by", "note", "content_sha256", "row_count", "columns"}


def test_upload_a_version_and_list_the_versions(alice, dataset, api_as):
    client = api_as(alice)
    url = f"/api/datasets/{dataset.pk}/versions/"

    created = client.post(
        url, {"file": csv_file(b"id,arm\n1,A\n2,B\n", "v2.csv"), "note": "trimmed"}, format="multipart"
    )
    listed = client.get(url).json()

    assert created.status_code == 201
    assert created.json()["version"] == 2 and created.json()["created"] is True
    assert listed["count"] == 2
    newest = listed["results"][0]
    assert set(newest) == VERSION_FIELDS
    assert (newest["version"], newest["created_by"], newest["note"], newest["row_count"]) == (
        2,
        "alice",
        "trimmed",
        2,
    )
    assert newest["columns"] == [{"name": "id", "type": "integer"}, {"name": "arm", "type": "text"}]
    assert listed["results"][1]["version"] == 1


def test_upload_a_version_as_rows(alice, dataset, api_as):
    response = api_as(alice).post(
        f"/api/datasets/{dataset.pk}/versions/",
        {"data": [{"id": 1}, {"id": 2}], "note": "rows"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["row_count"] == 2


def test_identical_content_is_not_a_new_version(alice, dataset, api_as):
    response = api_as(alice).post(f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(TRIAL_CSV)})

    assert response.status_code == 200
    body = response.json()
    assert body["created"] is False and body["version"] == 1
    assert "no new version" in body["message"]


def test_a_bad_version_file_is_400_and_changes_nothing(alice, dataset, api_as):
    response = api_as(alice).post(f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(b"a,b\n1\n")})

    assert response.status_code == 400
    assert response.json()["line"] == 2
    assert api_as(alice).get(f"/api/datasets/{dataset.pk}/").json()["version"] == 1


def test_restore(alice, dataset, api_as):
    client = api_as(alice)
    client.post(f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(b"id\n1\n")})

    restored = client.post(f"/api/datasets/{dataset.pk}/versions/1/restore/")
    again = client.post(f"/api/datasets/{dataset.pk}/versions/1/restore/")
    missing = client.post(f"/api/datasets/{dataset.pk}/versions/7/restore/")

    assert restored.status_code == 201
    assert (restored.json()["version"], restored.json()["row_count"]) == (3, 6)
    assert again.status_code == 200 and again.json()["created"] is False
    assert missing.status_code == 404


def test_diff(alice, dataset, api_as):
    client = api_as(alice)
    client.post(f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(b"id,arm,weight\n1,A,80\n")})

    diff = client.get(f"/api/datasets/{dataset.pk}/versions/diff/", {"from": 1, "to": 2}).json()

    assert diff["added"] == [{"name": "weight", "type": "integer"}]
    assert {c["name"] for c in diff["removed"]} == {"age", "bmi", "stage", "enrolled", "smoker", "site"}
    assert diff["retyped"] == [{"name": "arm", "from": "categorical", "to": "text"}]
    assert (diff["rows_from"], diff["rows_to"], diff["row_change"]) == (6, 1, -5)
    assert diff["same_content"] is False


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ({"to": 1}, 400, "from"),
        ({"from": "one", "to": 1}, 400, "whole number"),
        ({"from": 1, "to": 5}, 404, "version 5"),
    ],
)
def test_diff_needs_two_existing_versions(alice, dataset, api_as, query, status, words):
    response = api_as(alice).get(f"/api/datasets/{dataset.pk}/versions/diff/", query)

    assert response.status_code == status
    assert words in response.json()["detail"]
