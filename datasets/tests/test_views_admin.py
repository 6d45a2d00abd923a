"""The Django admin: datasets with simple-history's history and revert (as a restore, through
the service), guardian's object permissions limited to the six and saved through sharing,
blobs read-only."""

import pytest
from django.contrib.auth.models import Permission

from audit.models import AuditLog
from datasets import selectors, services
from datasets.models import Dataset
from datasets.tests.conftest import trial_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_changelist_change_form_and_history(admin_client, alice, dataset):
    services.dataset_add_version(alice, dataset, table=trial_table(b"id\n1\n"))

    assert "Trial" in admin_client.get("/admin/datasets/dataset/").content.decode()
    assert admin_client.get(f"/admin/datasets/dataset/{dataset.pk}/change/").status_code == 200
    history = admin_client.get(f"/admin/datasets/dataset/{dataset.pk}/history/").content.decode()
    assert history.count("/history/") >= 2


def test_an_admin_edit_goes_through_the_service(admin_client, admin_user, dataset):
    response = admin_client.post(
        f"/admin/datasets/dataset/{dataset.pk}/change/", {"name": "Renamed", "description": "Edited"}
    )

    assert response.status_code == 302
    dataset.refresh_from_db()
    assert (dataset.name, dataset.version) == ("Renamed", 1)
    assert AuditLog.objects.get(action="dataset.update").actor == admin_user


def test_revert_restores_the_old_data_as_a_new_version(admin_client, alice, dataset):
    first_record = dataset.history.earliest()
    services.dataset_add_version(alice, dataset, table=trial_table(b"id\n1\n"))

    response = admin_client.post(
        f"/admin/datasets/dataset/{dataset.pk}/history/{first_record.history_id}/",
        {"name": "Trial", "description": "A small trial"},
    )

    assert response.status_code == 302
    dataset.refresh_from_db()
    assert (dataset.version, dataset.row_count) == (3, 6)
    assert [v.version for v in selectors.dataset_versions(dataset)] == [3, 2, 1]
    assert AuditLog.objects.filter(action="dataset.restore").exists()


def test_object_permissions_are_the_six_and_saved_through_sharing(admin_client, bob, dataset):
    url = f"/admin/datasets/dataset/{dataset.pk}/permissions/user-manage/{bob.pk}/"

    form = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"permissions": ["analyze_dataset"]})

    assert 'value="export_dataset"' in form and 'value="add_dataset"' not in form
    assert response.status_code == 302
    assert selectors.dataset_permissions_for(bob, dataset) == ["view", "analyze"]
    assert AuditLog.objects.get(action="dataset.share").payload["user"] == "bob"


def test_the_admin_cannot_strip_the_creator(admin_client, alice, dataset):
    url = f"/admin/datasets/dataset/{dataset.pk}/permissions/user-manage/{alice.pk}/"

    response = admin_client.post(url, {"permissions": ["view_dataset"]})

    assert response.status_code == 200
    assert "always holds every permission" in response.content.decode()
    assert len(selectors.dataset_permissions_for(alice, dataset)) == 6


def test_datasets_are_not_added_in_the_admin_and_blobs_are_read_only(admin_client, dataset):
    assert admin_client.get("/admin/datasets/dataset/add/").status_code == 403
    blob_page = admin_client.get(f"/admin/datasets/blob/{dataset.blob_id}/change/")
    assert blob_page.status_code == 200
    assert "wrapped_key" not in blob_page.content.decode()
    assert (
        admin_client.post(f"/admin/datasets/blob/{dataset.blob_id}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Permission.objects.filter(codename="share_dataset").exists()
    assert Dataset.objects.filter(pk=dataset.pk).exists()
