"""/api/datasets/{id}/permissions/: read the grants, set one user's or group's set, revoke."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditLog
from datasets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    events = []
    monkeypatch.setattr(
        services.events, "publish", lambda users, event: events.append((sorted(users), event))
    )
    return events


def url(dataset):
    return f"/api/datasets/{dataset.pk}/permissions/"


def test_read_the_grants(alice, bob, dataset, api_as):
    lab = Group.objects.create(name="lab")
    services.dataset_share(alice, dataset, lab, ["analyze"])
    services.dataset_share(alice, dataset, bob, ["export"])

    response = api_as(alice).get(url(dataset))

    assert response.status_code == 200
    assert response.json() == [
        {"user": "alice", "permissions": ["view", "analyze", "export", "change", "share", "delete"]},
        {"user": "bob", "permissions": ["view", "export"]},
        {"group": "lab", "permissions": ["view", "analyze"]},
    ]


def test_put_sets_a_users_permissions_and_notifies_them(alice, bob, dataset, api_as, published):
    response = api_as(alice).put(
        url(dataset), {"user": "bob", "permissions": ["analyze", "export"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"user": "bob", "permissions": ["view", "analyze", "export"]}
    assert api_as(bob).get(f"/api/datasets/{dataset.pk}/").json()["permissions"] == [
        "view",
        "analyze",
        "export",
    ]
    assert published == [
        (
            [bob.pk],
            {
                "type": "dataset.shared",
                "dataset": {"id": dataset.pk, "name": "Trial"},
                "permissions": ["view", "analyze", "export"],
            },
        )
    ]
    assert AuditLog.objects.filter(action="dataset.share", entity_id=str(dataset.pk)).count() == 1


def test_put_an_empty_set_revokes(alice, bob, dataset, api_as):
    services.dataset_share(alice, dataset, bob, ["export"])

    response = api_as(alice).put(url(dataset), {"user": "bob", "permissions": []}, format="json")

    assert response.json() == {"user": "bob", "permissions": []}
    assert api_as(bob).get(f"/api/datasets/{dataset.pk}/").status_code == 404
    assert AuditLog.objects.filter(action="dataset.unshare").exists()


def test_put_for_a_group(alice, bob, dataset, api_as):
    Group.objects.create(name="lab").user_set.add(bob)

    response = api_as(alice).put(url(dataset), {"group": "lab", "permissions": ["view"]}, format="json")

    assert response.json() == {"group": "lab", "permissions": ["view"]}
    assert api_as(bob).get(f"/api/datasets/{dataset.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"user": "nobody", "permissions": ["view"]}, "No user named 'nobody'"),
        ({"group": "nowhere", "permissions": ["view"]}, "No group named 'nowhere'"),
        ({"user": "bob", "group": "lab", "permissions": ["view"]}, "either user"),
        ({"permissions": ["view"]}, "either user"),
        ({"user": "bob", "permissions": ["download"]}, "permissions"),
        ({"user": "bob"}, "permissions"),
    ],
)
def test_bad_grants_are_400(alice, bob, dataset, api_as, body, words):
    response = api_as(alice).put(url(dataset), body, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not AuditLog.objects.filter(action="dataset.share").exists()


@pytest.mark.parametrize(("target", "words"), [("alice", "your own permissions"), ("carol", "creator")])
def test_refused_grants_are_403_with_the_reason(alice, bob, carol, make_dataset, api_as, target, words):
    dataset = make_dataset(carol)
    services.dataset_share(carol, dataset, alice, ["share"])

    response = api_as(alice).put(url(dataset), {"user": target, "permissions": []}, format="json")

    assert response.status_code == 403
    assert words in response.json()["detail"]
