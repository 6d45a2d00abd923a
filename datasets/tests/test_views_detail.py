"""/datasets/{id}/ and its actions: metadata, dictionary editing, versions, restore, diff,
download, edit and delete, each shown and allowed only with its permission."""

import pytest

from audit.models import AuditLog
from datasets import services
from datasets.models import Dataset
from datasets.tests.conftest import trial_table

pytestmark = pytest.mark.django_db


def page(client, user, dataset):
    client.force_login(user)
    return client.get(f"/datasets/{dataset.pk}/")


def test_owner_sees_everything(client, alice, dataset):
    response = page(client, alice, dataset)

    content = response.content.decode()
    assert response.status_code == 200
    for part in (
        'id="data"',
        'id="dictionary"',
        'id="versions"',
        'id="sharing"',
        "Upload a new version",
        "Delete",
    ):
        assert part in content
    assert "Zanzibar-7731" in content  # the first rows
    assert "2024-01-05" in content  # dates as ISO dates
    assert f'href="/datasets/{dataset.pk}/download/?format=xlsx"' in content
    assert f'action="/datasets/{dataset.pk}/columns/age/"' in content


def test_without_export_no_rows_and_no_downloads(client, alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["analyze"])

    content = page(client, bob, dataset).content.decode()

    assert 'id="data"' not in content and "/download/" not in content
    assert "Oslo" not in content.split('id="dictionary"')[0]  # no rows above the dictionary
    assert 'id="sharing"' not in content and "Upload a new version" not in content
    assert "/columns/" not in content and "Restore" not in content
    assert not AuditLog.objects.filter(action="dataset.export", actor=bob).exists()


def test_the_preview_is_audited(client, alice, dataset):
    page(client, alice, dataset)

    assert AuditLog.objects.filter(action="dataset.export", payload__format="preview").count() == 1


def test_an_invisible_dataset_is_404(client, bob, dataset):
    assert page(client, bob, dataset).status_code == 404


def test_edit_a_column_inline(client, alice, dataset):
    client.force_login(alice)

    response = client.post(
        f"/datasets/{dataset.pk}/columns/bmi/", {"label": "BMI", "unit": "kg/m2", "description": ""}
    )

    assert response.status_code == 302 and response.url.endswith("#dictionary")
    assert Dataset.objects.get(pk=dataset.pk).column("bmi")["unit"] == "kg/m2"


def test_a_bad_column_edit_shows_the_error_in_place(client, alice, dataset):
    client.force_login(alice)

    response = client.post(
        f"/datasets/{dataset.pk}/columns/bmi/", {"label": "", "unit": "u" * 60, "description": ""}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "Ensure this value has at most 50 characters" in content
    assert 'value="' + "u" * 60 + '"' in content  # the entry is kept for correction
    assert Dataset.objects.get(pk=dataset.pk).column("bmi")["unit"] == ""


def test_column_edits_need_change(client, alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["export"])
    client.force_login(bob)

    response = client.post(
        f"/datasets/{dataset.pk}/columns/bmi/", {"label": "x", "unit": "", "description": ""}
    )

    assert response.status_code == 403


def test_restore_from_the_page(client, alice, dataset):
    services.dataset_add_version(alice, dataset, table=trial_table(b"id\n1\n"))
    client.force_login(alice)

    response = client.post(f"/datasets/{dataset.pk}/versions/1/restore/", follow=True)

    assert Dataset.objects.get(pk=dataset.pk).version == 3
    assert "Version 1 restored as version 3." in response.content.decode()


def test_restore_only_by_post(client, alice, dataset):
    client.force_login(alice)

    assert client.get(f"/datasets/{dataset.pk}/versions/1/restore/").status_code == 405


def test_diff_page(client, alice, dataset):
    services.dataset_add_version(alice, dataset, table=trial_table(b"id,weight\n1,80\n"))
    client.force_login(alice)

    response = client.get(f"/datasets/{dataset.pk}/versions/diff/", {"from_version": 1, "to_version": 2})
    missing = client.get(f"/datasets/{dataset.pk}/versions/diff/", {"from_version": 1, "to_version": 9})

    content = response.content.decode()
    assert "<code>weight</code> (integer)" in content
    assert "6 → 1 (-5)" in content
    assert missing.status_code == 400 and "no version 9" in missing.content.decode()


def test_download_from_the_page(client, alice, dataset):
    client.force_login(alice)

    response = client.get(f"/datasets/{dataset.pk}/download/", {"format": "json"})
    bad = client.get(f"/datasets/{dataset.pk}/download/", {"format": "sav"})

    assert response["Content-Disposition"] == f'attachment; filename="dataset-{dataset.pk}-v1.json"'
    assert b"Zanzibar-7731" in b"".join(response.streaming_content)
    assert bad.status_code == 400


def test_download_needs_export(client, alice, bob, dataset):
    services.dataset_share(alice, dataset, bob, ["analyze"])
    client.force_login(bob)

    assert client.get(f"/datasets/{dataset.pk}/download/").status_code == 403


def test_edit_name_and_description(client, alice, dataset):
    client.force_login(alice)

    blank = client.post(f"/datasets/{dataset.pk}/edit/", {"name": "", "description": "x"})
    saved = client.post(f"/datasets/{dataset.pk}/edit/", {"name": "Renamed", "description": "New"})

    assert blank.status_code == 400 and "This field is required" in blank.content.decode()
    assert saved.status_code == 302
    dataset.refresh_from_db()
    assert (dataset.name, dataset.description, dataset.version) == ("Renamed", "New", 1)


def test_delete_asks_then_deletes(client, alice, dataset):
    client.force_login(alice)

    confirm = client.get(f"/datasets/{dataset.pk}/delete/")
    deleted = client.post(f"/datasets/{dataset.pk}/delete/")

    assert "Delete “Trial”?" in confirm.content.decode()
    assert deleted.status_code == 302 and deleted.url == "/datasets/"
    assert not Dataset.objects.filter(pk=dataset.pk).exists()


def test_forms_carry_csrf_protection(alice, dataset):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    page_content = client.get(f"/datasets/{dataset.pk}/").content.decode()
    refused = client.post(
        f"/datasets/{dataset.pk}/columns/bmi/", {"label": "x", "unit": "", "description": ""}
    )

    assert page_content.count('name="csrfmiddlewaretoken"') >= 10
    assert refused.status_code == 403
