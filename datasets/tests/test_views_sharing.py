"""The sharing panel on the detail page: grant, change and revoke per user or group; errors in place."""

import pytest
from django.contrib.auth.models import Group

from datasets import selectors, services

pytestmark = pytest.mark.django_db


def share(client, dataset, **data):
    return client.post(f"/datasets/{dataset.pk}/sharing/", data)


def test_grant_then_revoke(client, alice, bob, dataset):
    client.force_login(alice)

    granted = share(client, dataset, kind="user", name="bob", permissions=["analyze", "export"])
    revoked = share(client, dataset, kind="user", name="bob")

    assert granted.status_code == revoked.status_code == 302
    assert granted.url.endswith("#sharing")
    assert selectors.dataset_permissions_for(bob, dataset) == []


def test_the_panel_lists_grants_with_editable_checkboxes(client, alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["export"])
    client.force_login(alice)

    content = client.get(f"/datasets/{dataset.pk}/").content.decode()

    sharing = content.split('id="sharing"')[1]
    assert '<input type="hidden" name="name" value="bob">' in sharing
    assert 'value="export" checked' in sharing and 'value="delete" checked' not in sharing.split("bob")[1]
    assert '<input type="hidden" name="name" value="alice">' not in sharing  # one's own grant is fixed


def test_group_grants(client, alice, bob, dataset):
    Group.objects.create(name="lab").user_set.add(bob)
    client.force_login(alice)

    share(client, dataset, kind="group", name="lab", permissions=["view"])

    assert selectors.dataset_permissions_for(bob, dataset) == ["view"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"kind": "user", "name": "nobody", "permissions": ["view"]}, "No user named &#x27;nobody&#x27;"),
        (
            {"kind": "user", "name": "alice", "permissions": ["view"]},
            "You cannot change your own permissions",
        ),
        ({"kind": "robot", "name": "bob", "permissions": ["view"]}, "Select a valid choice"),
        ({"kind": "user", "name": "bob", "permissions": ["download"]}, "Select a valid choice"),
    ],
)
def test_errors_are_shown_in_place(client, alice, bob, dataset, data, words):
    client.force_login(alice)

    response = share(client, dataset, **data)

    assert response.status_code == 400
    assert words in response.content.decode()
    assert selectors.dataset_permissions_for(bob, dataset) == []


def test_sharing_needs_share(client, alice, bob, carol, dataset):
    services.dataset_share(alice, dataset, bob, ["export", "change"])
    client.force_login(bob)

    response = share(client, dataset, kind="user", name="carol", permissions=["view"])

    assert response.status_code == 403
    assert selectors.dataset_permissions_for(carol, dataset) == []
