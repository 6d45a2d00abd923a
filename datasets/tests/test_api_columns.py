"""PATCH /api/datasets/{id}/columns/{name}/: annotate the data dictionary without a new version."""

import pytest

from audit.models import AuditLog
from datasets.tests.conftest import csv_file

pytestmark = pytest.mark.django_db


def test_annotate_a_column(alice, dataset, api_as):
    client = api_as(alice)

    response = client.patch(
        f"/api/datasets/{dataset.pk}/columns/bmi/",
        {"label": "Body-mass index", "unit": "kg/m²", "description": "At enrolment"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() | {"levels": None} == {
        "name": "bmi", "type": "numeric", "n": 5, "missing": 1, "distinct": 5, "levels": None,
        "label": "Body-mass index", "unit": "kg/m²", "description": "At enrolment",
    }  # fmt: skip
    detail = client.get(f"/api/datasets/{dataset.pk}/").json()
    assert detail["version"] == 1
    assert detail["columns"][3]["unit"] == "kg/m²"
    assert client.get(f"/api/datasets/{dataset.pk}/versions/").json()["count"] == 1
    assert AuditLog.objects.filter(action="dataset.column_edit").count() == 1


def test_names_with_slashes_and_spaces(alice, api_as):
    client = api_as(alice)
    created = client.post(
        "/api/datasets/", {"name": "x", "file": csv_file(b"dose mg/kg,id\n1.5,1\n2.5,2\n")}
    ).json()

    response = client.patch(
        f"/api/datasets/{created['id']}/columns/dose%20mg/kg/", {"unit": "mg/kg"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "dose mg/kg"


def test_annotations_carry_over_to_new_versions(alice, dataset, api_as):
    client = api_as(alice)
    client.patch(f"/api/datasets/{dataset.pk}/columns/age/", {"label": "Age"}, format="json")

    client.post(f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(b"id,age\n1,50\n")})

    columns = client.get(f"/api/datasets/{dataset.pk}/").json()["columns"]
    assert [c["label"] for c in columns] == ["", "Age"]


def test_unknown_column_is_404(alice, dataset, api_as):
    response = api_as(alice).patch(
        f"/api/datasets/{dataset.pk}/columns/weight/", {"label": "W"}, format="json"
    )

    assert response.status_code == 404
    assert "weight" in response.json()["detail"]


def test_too_long_annotations_are_400(alice, dataset, api_as):
    response = api_as(alice).patch(
        f"/api/datasets/{dataset.pk}/columns/age/", {"unit": "u" * 51}, format="json"
    )

    assert response.status_code == 400
    assert "unit" in response.json()["detail"]
    assert not AuditLog.objects.filter(action="dataset.column_edit").exists()
