"""The context registry, and the dataset context messaging registers itself."""

import pyarrow as pa
import pytest

from datasets import permissions
from datasets.services import dataset_create
from messaging import contexts
from messaging.models import Message
from messaging.services import message_send


@pytest.fixture
def dataset(alice):
    return dataset_create(alice, name="Trial", table=pa.table({"age": [61, 70, 55]}))


def test_dataset_context_follows_dataset_permissions(alice, bob, dataset):
    link = {"type": "dataset", "id": dataset.pk, "url": f"/datasets/{dataset.pk}/"}
    assert contexts.link(alice, "dataset", dataset.pk) == link
    assert contexts.link(bob, "dataset", dataset.pk) is None
    assert contexts.link(alice, "dataset", dataset.pk + 1000) is None
    permissions.grant(bob, dataset, ["view"])
    assert contexts.link(bob, "dataset", dataset.pk) == link


def test_message_about_a_dataset(api_as, alice, bob, dataset):
    payload = {"recipient": "bob", "body": "Have a look", "context": {"type": "dataset", "id": dataset.pk}}
    response = api_as(alice).post("/api/messages/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["context"]["url"] == f"/datasets/{dataset.pk}/"
    assert api_as(bob).get(f"/api/messages/{response.json()['id']}/").json()["context"] is None
    # bob cannot send about it either.
    payload = {"recipient": "alice", "body": "This one?", "context": {"type": "dataset", "id": dataset.pk}}
    response = api_as(bob).post("/api/messages/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == f"context: No dataset {dataset.pk} that you may see."


def test_unregistered_type_shows_no_link(api_as, alice, bob, monkeypatch):
    message = message_send(sender=alice, recipient=bob, body="x")
    Message.objects.filter(pk=message.pk).update(context_type="analysis", context_id=1)
    monkeypatch.setattr(contexts, "_registry", {})
    assert api_as(alice).get(f"/api/messages/{message.pk}/").json()["context"] is None


def test_later_registration_replaces_earlier(alice, cohort_context):
    contexts.register_context("cohort", can_see=lambda user, pk: True, url=lambda pk: f"/c/{pk}")
    assert contexts.link(alice, "cohort", 5) == {"type": "cohort", "id": 5, "url": "/c/5"}
