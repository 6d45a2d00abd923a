"""Query counts of the dataset API as the REST clients drive it: a knox token per request, a list
whose query count does not grow with its length, a lookup by id in constant queries, and the
owner-only visibility the counts must not trade away."""

import json

import pyarrow as pa
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from datasets import permissions, services
from datasets.models import DatasetUserObjectPermission

pytestmark = pytest.mark.django_db

ROWS = [{"subject": i, "group": "AB"[i % 2], "value": i / 4} for i in range(50)]


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def make_datasets(user, count):
    for number in range(count):
        table = pa.table({"subject": [number, number + 1], "value": [0.5, 1.5]})
        services.dataset_create(user, name=f"Dataset {number}", table=table)


def queries(client, method, path, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, **kwargs)
    return response, len(captured)


def test_the_list_takes_the_same_queries_for_5_and_50_datasets(alice):
    client = token_client(alice)
    make_datasets(alice, 5)
    few_response, few = queries(client, "get", "/api/datasets/?page_size=100")
    make_datasets(alice, 45)
    many_response, many = queries(client, "get", "/api/datasets/?page_size=100")
    assert few_response.json()["count"] == 5 and len(many_response.json()["results"]) == 50
    assert all(
        item["permissions"] == list(permissions.SHORT_NAMES) for item in many_response.json()["results"]
    )
    # token + page + the caller's permissions on the page; no COUNT(*) while the first page holds all
    assert few == many == 3
    paged_response, paged = queries(client, "get", "/api/datasets/?page_size=20")
    assert paged_response.json()["count"] == 50 and len(paged_response.json()["results"]) == 20
    assert paged == 4  # and the count, once there is more than a page


def test_a_dataset_by_id_takes_three_queries(alice):
    make_datasets(alice, 1)
    dataset = alice.datasets.get()
    response, count = queries(token_client(alice), "get", f"/api/datasets/{dataset.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == dataset.pk and body["creator"] == "alice" and body["row_count"] == 2
    assert body["permissions"] == list(permissions.SHORT_NAMES)
    assert [column["name"] for column in body["columns"]] == ["subject", "value"]
    assert count == 3  # token, the caller's permissions on it, the dataset


def test_an_invisible_dataset_is_refused_before_it_is_read(alice, bob):
    make_datasets(alice, 1)
    dataset = alice.datasets.get()
    response, count = queries(token_client(bob), "get", f"/api/datasets/{dataset.pk}/")
    assert response.status_code == 404
    assert count == 2  # token, permissions: the dataset row is never fetched


def test_json_rows_create_a_dataset_whose_creator_holds_everything(alice):
    client = token_client(alice)
    make_datasets(alice, 1)  # the audit chain's head row exists from now on
    response, count = queries(
        client,
        "post",
        "/api/datasets/",
        data=json.dumps({"name": "Bench", "description": "rows", "data": ROWS}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    # token; the transaction's savepoint (the test's own transaction is outside it) and release;
    # blob lookup, savepoint, insert, release; dataset, history; permission ids, grants; chain
    # head, audit entry, new head. The answer's permissions are the ones just granted.
    assert count == 14
    body = response.json()
    assert body["row_count"] == 50 and body["permissions"] == list(permissions.SHORT_NAMES)
    granted = DatasetUserObjectPermission.objects.filter(user=alice, content_object_id=body["id"])
    assert sorted(granted.values_list("permission__codename", flat=True)) == sorted(
        permissions.codename(short) for short in permissions.SHORT_NAMES
    )


def test_granting_six_permissions_takes_two_queries_and_keeps_existing_grants(alice, bob):
    make_datasets(alice, 1)
    dataset = alice.datasets.get()
    permissions.grant(bob, dataset, ["view"])
    with CaptureQueriesContext(connection) as captured:
        permissions.grant(bob, dataset, permissions.SHORT_NAMES)
    assert len(captured) == 2
    assert permissions.permissions_for(bob, dataset) == list(permissions.SHORT_NAMES)


def test_another_user_sees_nothing_and_gets_404_on_every_method(alice, bob):
    make_datasets(alice, 3)
    dataset = alice.datasets.first()
    client = token_client(bob)
    assert client.get("/api/datasets/").json()["count"] == 0
    path = f"/api/datasets/{dataset.pk}/"
    assert client.get(path).status_code == 404
    assert client.patch(path, {"name": "hijack"}, format="json").status_code == 404
    assert client.delete(path).status_code == 404
    name = dataset.name
    dataset.refresh_from_db()
    assert dataset.name == name


def test_a_revoked_permission_takes_effect_on_the_next_request(alice, bob):
    make_datasets(alice, 1)
    dataset = alice.datasets.get()
    services.dataset_share(alice, dataset, bob, ["view"])
    client = token_client(bob)
    assert client.get(f"/api/datasets/{dataset.pk}/").status_code == 200
    assert client.get("/api/datasets/").json()["count"] == 1
    services.dataset_share(alice, dataset, bob, [])
    assert client.get(f"/api/datasets/{dataset.pk}/").status_code == 404
    assert client.get("/api/datasets/").json()["count"] == 0


def test_an_id_past_the_column_range_is_a_404(alice):
    assert token_client(alice).get(f"/api/datasets/{2**70}/").status_code == 404
