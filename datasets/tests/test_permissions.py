"""The permission matrix: each of the six permissions allows exactly what DESIGN.md says and
nothing more; without view a dataset does not exist (404, not in lists, counts or search);
stewards and admins see every dataset's metadata but cannot read rows without a grant."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from datasets import selectors, services
from datasets.tests.conftest import csv_file

pytestmark = pytest.mark.django_db

# Each API action, the permission it needs, and the status a permitted caller gets.
ACTIONS = {
    "retrieve": ("view", 200),
    "list versions": ("view", 200),
    "diff": ("view", 200),
    "preview": ("export", 200),
    "download": ("export", 200),
    "edit": ("change", 200),
    "new version": ("change", 201),
    "restore": ("change", 200),
    "edit column": ("change", 200),
    "read grants": ("share", 200),
    "grant": ("share", 200),
    "delete": ("delete", 204),
}


def perform(client, action, pk, carol):
    base = f"/api/datasets/{pk}/"
    calls = {
        "retrieve": lambda: client.get(base),
        "list versions": lambda: client.get(base + "versions/"),
        "diff": lambda: client.get(base + "versions/diff/?from=1&to=1"),
        "preview": lambda: client.get(base + "preview/"),
        "download": lambda: client.get(base + "data/?format=csv"),
        "edit": lambda: client.patch(base, {"description": "edited"}, format="json"),
        "new version": lambda: client.post(
            base + "versions/", {"file": csv_file(b"id\n1\n2\n")}, format="multipart"
        ),
        "restore": lambda: client.post(base + "versions/1/restore/"),
        "edit column": lambda: client.patch(base + "columns/age/", {"label": "Age"}, format="json"),
        "read grants": lambda: client.get(base + "permissions/"),
        "grant": lambda: client.put(base + "permissions/", {"user": carol.username, "permissions": ["view"]}),
        "delete": lambda: client.delete(base),
    }
    return calls[action]()


@pytest.mark.parametrize("granted", ["view", "analyze", "export", "change", "share", "delete"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_permission_allows_exactly_its_actions(alice, bob, carol, dataset, api_as, granted, action):
    services.dataset_share(alice, dataset, bob, [granted])
    needed, success = ACTIONS[action]

    response = perform(api_as(bob), action, dataset.pk, carol)

    if needed in {granted, "view"}:
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        assert needed in response.json()["detail"]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_without_view_the_dataset_does_not_exist(bob, carol, dataset, api_as, action):
    response = perform(api_as(bob), action, dataset.pk, carol)

    assert response.status_code == 404
    assert response.json()["detail"] == "No dataset found with this id."


def test_analyze_is_what_cohorts_and_analyses_ask_for(alice, bob, carol, dataset):
    services.dataset_share(alice, dataset, bob, ["analyze"])
    services.dataset_share(alice, dataset, carol, ["export"])

    assert selectors.dataset_get(bob, dataset.pk, "analyze") == dataset
    with pytest.raises(PermissionDenied, match="analyze"):
        selectors.dataset_get(carol, dataset.pk, "analyze")


def test_revoking_view_hides_the_dataset_again(alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["export"])
    services.dataset_share(alice, dataset, bob, [])

    with pytest.raises(Http404):
        selectors.dataset_get(bob, dataset.pk)


def test_lists_counts_and_search_show_only_visible_datasets(alice, bob, make_dataset, api_as):
    shared = make_dataset(alice, name="Shared cohort study")
    make_dataset(alice, name="Private cohort study")
    make_dataset(bob, name="Bob's own")
    services.dataset_share(alice, shared, bob, ["view"])
    client = api_as(bob)

    listed = client.get("/api/datasets/").json()
    searched = client.get("/api/datasets/", {"search": "cohort"}).json()
    private = client.get("/api/datasets/", {"search": "Private"}).json()

    assert listed["count"] == 2
    assert {d["name"] for d in listed["results"]} == {"Shared cohort study", "Bob's own"}
    assert [d["name"] for d in searched["results"]] == ["Shared cohort study"]
    assert private == {"count": 0, "next": None, "previous": None, "results": []}


def test_group_grants_count(alice, bob, dataset, api_as):
    lab = Group.objects.create(name="lab")
    lab.user_set.add(bob)
    services.dataset_share(alice, dataset, lab, ["export"])

    response = api_as(bob).get(f"/api/datasets/{dataset.pk}/preview/")

    assert response.status_code == 200
    assert api_as(bob).get("/api/datasets/").json()["results"][0]["permissions"] == ["view", "export"]


@pytest.mark.parametrize("role_user", ["steward", "admin_user"])
def test_stewards_and_admins_see_metadata_but_not_rows(
    request, dataset, api_as, role_user, bob, make_dataset
):
    make_dataset(bob, name="Bob's own")
    client = api_as(request.getfixturevalue(role_user))

    assert client.get("/api/datasets/").json()["count"] == 2
    assert client.get(f"/api/datasets/{dataset.pk}/").status_code == 200
    assert client.get(f"/api/datasets/{dataset.pk}/permissions/").status_code == 200
    assert client.get(f"/api/datasets/{dataset.pk}/preview/").status_code == 403
    assert client.get(f"/api/datasets/{dataset.pk}/data/").status_code == 403


def test_admins_may_also_edit_and_delete_but_stewards_may_not(steward, admin_user, dataset, api_as):
    assert (
        api_as(steward).patch(f"/api/datasets/{dataset.pk}/", {"name": "x"}, format="json").status_code == 403
    )
    assert api_as(steward).delete(f"/api/datasets/{dataset.pk}/").status_code == 403

    assert (
        api_as(admin_user).patch(f"/api/datasets/{dataset.pk}/", {"name": "x"}, format="json").status_code
        == 200
    )
    assert api_as(admin_user).delete(f"/api/datasets/{dataset.pk}/").status_code == 204


def test_anonymous_callers_are_refused(client, dataset):
    assert client.get("/api/datasets/").status_code in (401, 403)
    assert client.get(f"/api/datasets/{dataset.pk}/").status_code in (401, 403)


def test_inactive_users_see_nothing(alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["view"])
    bob.is_active = False
    bob.save()

    assert not selectors.datasets_visible_to(bob).exists()


def test_the_list_costs_the_same_queries_for_many_datasets(alice, make_dataset, api_as):
    client = api_as(alice)
    make_dataset(alice, name="one")

    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/datasets/").status_code == 200
    for index in range(5):
        make_dataset(alice, name=f"more {index}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/datasets/").json()["count"] == 6

    assert len(many.captured_queries) == len(few.captured_queries)
