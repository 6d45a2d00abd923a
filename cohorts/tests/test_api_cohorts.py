"""/api/cohorts/ end to end: create, list, read, edit, re-pin, delete."""

import pytest

from audit.models import AuditLog
from cohorts.models import Cohort
from datasets import services as dataset_services

from .conftest import count, trial_rows, trial_table

pytestmark = pytest.mark.django_db
ROWS = trial_rows()
OLDER_WOMEN = 'age >= 60 and sex == "F"'


def create(client, on, **fields):
    body = {"dataset": on.pk, "name": "Older women", "criteria": OLDER_WOMEN, **fields}
    return client.post("/api/cohorts/", body, format="json")


def test_create_returns_the_cohort(api_as, owner, member, dataset):
    response = create(api_as(owner), dataset, members=[member.username])
    assert response.status_code == 201, response.json()
    body = response.json()
    older = count(ROWS, lambda r: r["age"] >= 60)
    size = count(ROWS, lambda r: r["age"] >= 60 and r["sex"] == "F")
    assert {key: body[key] for key in body if key not in ("id", "created_at", "updated_at")} == {
        "dataset": dataset.pk,
        "dataset_version": 1,
        "name": "Older women",
        "criteria": OLDER_WOMEN,
        "size": size,
        "attrition": [
            {"clause": "age >= 60", "remaining": older},
            {"clause": 'sex == "F"', "remaining": size},
        ],
        "suppressed": False,
        "notes": [],
        "members": ["mia"],
        "stale": False,
        "created_by": "olivia",
    }
    cohort = Cohort.objects.get(pk=body["id"])
    assert AuditLog.objects.filter(
        action="cohort.create", entity_type="cohort", entity_id=str(cohort.pk)
    ).exists()


def test_criteria_default_to_every_row(api_as, owner, dataset):
    response = api_as(owner).post("/api/cohorts/", {"dataset": dataset.pk, "name": "All"}, format="json")
    assert response.status_code == 201
    assert (response.json()["size"], response.json()["attrition"], response.json()["criteria"]) == (
        len(ROWS),
        [],
        "",
    )


def test_create_errors_name_the_field_and_write_nothing(api_as, owner, viewer, dataset):
    client = api_as(owner)
    before = AuditLog.objects.count()
    bad_criteria = create(client, dataset, criteria="age >= 60 and sexx == 'F'")
    assert bad_criteria.status_code == 400
    assert bad_criteria.json()["position"] == len("age >= 60 and ")
    assert "did you mean 'sex'?" in bad_criteria.json()["errors"]["criteria"][0]
    bad_members = create(client, dataset, members=[viewer.username, "ghost"])
    assert bad_members.status_code == 400
    assert "vera, ghost" in bad_members.json()["errors"]["members"][0]
    assert "position" not in bad_members.json()
    no_name = create(client, dataset, name="")
    assert no_name.status_code == 400 and "name" in no_name.json()["errors"]
    bad_dataset = create(client, dataset, dataset="seven")
    assert bad_dataset.status_code == 400 and "dataset" in bad_dataset.json()["errors"]
    assert (Cohort.objects.count(), AuditLog.objects.count()) == (0, before)


def test_list_is_paginated_and_filtered_by_dataset(api_as, owner, make_cohort, dataset):
    other = dataset_services.dataset_create(owner, name="Other", table=trial_table(trial_rows(6)))
    make_cohort(name="first")
    make_cohort(name="second")
    make_cohort(name="elsewhere", on=other, criteria="")
    client = api_as(owner)
    everything = client.get("/api/cohorts/").json()
    assert everything["count"] == 3
    assert {"count", "next", "previous", "results"} == set(everything)
    mine = client.get("/api/cohorts/", {"dataset": dataset.pk}).json()
    assert sorted(item["name"] for item in mine["results"]) == ["first", "second"]
    paged = client.get("/api/cohorts/", {"page_size": 2}).json()
    assert (len(paged["results"]), paged["next"] is not None) == (2, True)
    assert client.get("/api/cohorts/", {"dataset": "x"}).status_code == 400
    assert client.get("/api/cohorts/", {"dataset": other.pk + 100}).json()["count"] == 0


def test_get_patch_delete(api_as, owner, cohort):
    client = api_as(owner)
    url = f"/api/cohorts/{cohort.pk}/"
    assert client.get(url).json()["name"] == "Older women"
    patched = client.patch(url, {"name": "Older men", "criteria": 'age >= 60 and sex == "M"'}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["size"] == count(ROWS, lambda r: r["age"] >= 60 and r["sex"] == "M")
    assert patched.json()["name"] == "Older men"
    refused = client.patch(url, {"criteria": "age >"}, format="json")
    assert refused.status_code == 400 and refused.json()["position"] == 5
    assert Cohort.objects.get(pk=cohort.pk).name == "Older men"
    moved = client.patch(url, {"dataset": 99}, format="json")
    assert moved.status_code == 400 and "dataset" in moved.json()["errors"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert [entry.action for entry in AuditLog.objects.filter(entity_type="cohort").order_by("id")] == [
        "cohort.create",
        "cohort.update",
        "cohort.delete",
    ]


def test_pinned_version_stays_after_an_upload_until_repinned(api_as, owner, cohort, dataset):
    client = api_as(owner)
    url = f"/api/cohorts/{cohort.pk}/"
    rows = trial_rows(30)
    upload = client.post(
        f"/api/datasets/{dataset.pk}/versions/",
        {"data": [{**row, "enrolled": row["enrolled"].isoformat()} for row in rows]},
        format="json",
    )
    assert upload.status_code == 201, upload.json()
    stale = client.get(url).json()
    assert (stale["dataset_version"], stale["stale"], stale["size"]) == (1, True, cohort.size)
    repinned = client.post(f"/api/cohorts/{cohort.pk}/repin/")
    assert repinned.status_code == 200
    expected = count(rows, lambda r: r["age"] >= 60 and r["sex"] == "F")
    assert (repinned.json()["dataset_version"], repinned.json()["stale"], repinned.json()["size"]) == (
        2,
        False,
        expected,
    )
    assert AuditLog.objects.filter(action="cohort.repin", entity_id=str(cohort.pk)).count() == 1
    # Already current: nothing changes, nothing is recorded.
    assert client.post(f"/api/cohorts/{cohort.pk}/repin/").json()["dataset_version"] == 2
    assert AuditLog.objects.filter(action="cohort.repin").count() == 1


def test_repin_that_no_longer_fits_is_a_400_naming_the_column(api_as, owner, cohort, dataset):
    rows = [{key: value for key, value in row.items() if key != "sex"} for row in trial_rows()]
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(rows))
    response = api_as(owner).post(f"/api/cohorts/{cohort.pk}/repin/")
    assert response.status_code == 400
    assert "unknown column 'sex'" in response.json()["detail"]
    assert response.json()["position"] == len("age >= 60 and ")
    assert Cohort.objects.get(pk=cohort.pk).dataset_version == 1


def test_sizes_and_attrition_obey_disclosure_control(api_as, owner, analyst, make_cohort):
    small = make_cohort(name="Oldest", criteria="age >= 60 and age >= 74")
    url = f"/api/cohorts/{small.pk}/"
    exact = api_as(owner).get(url).json()
    assert (exact["size"], exact["suppressed"]) == (3, False)
    hidden = api_as(analyst).get(url).json()
    assert (hidden["size"], hidden["suppressed"]) == (None, True)
    assert hidden["attrition"] == [
        {"clause": "age >= 60", "remaining": 10},
        {"clause": "age >= 74", "remaining": None, "suppressed": True},
    ]
    listed = api_as(analyst).get("/api/cohorts/").json()["results"]
    assert [(item["size"], item["suppressed"]) for item in listed] == [(None, True)]


def test_operation_ids_are_unique(api_as, owner):
    schema = api_as(owner).get("/api/schema/", {"format": "json"}).json()
    operations = [
        operation["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/cohorts/")
        for operation in item.values()
    ]
    assert sorted(operations) == [
        "cohorts_create",
        "cohorts_destroy",
        "cohorts_list",
        "cohorts_partial_update",
        "cohorts_preview",
        "cohorts_repin",
        "cohorts_retrieve",
    ]


def test_a_dataset_in_use_by_a_cohort_cannot_be_deleted(api_as, owner, cohort):
    from datasets.models import Dataset

    response = api_as(owner).delete(f"/api/datasets/{cohort.dataset_id}/")
    assert response.status_code == 409
    assert "cohort" in response.json()["detail"].lower()
    assert Dataset.objects.filter(pk=cohort.dataset_id).exists()
