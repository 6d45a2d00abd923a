"""The create and new-version pages: plain form posts without JavaScript, JSON answers for
upload.js (progress bar), errors in place, 413 for oversized uploads, nothing stored on error."""

import pytest

from audit.models import AuditLog
from datasets.models import Blob, Dataset
from datasets.tests.conftest import TRIAL_CSV, csv_file

pytestmark = pytest.mark.django_db
SCRIPT = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


def nothing_stored():
    dataset_entries = AuditLog.objects.filter(action__startswith="dataset.")
    return not (Dataset.objects.exists() or Blob.objects.exists() or dataset_entries.exists())


def test_the_create_page_has_an_enhanced_upload_form(client, alice):
    client.force_login(alice)

    content = client.get("/datasets/new/").content.decode()

    assert 'enctype="multipart/form-data"' in content and "data-upload" in content
    assert "<progress" in content and 'src="/static/js/upload.js"' in content
    assert "<script>" not in content  # no inline script (CSP)
    assert 'name="csrfmiddlewaretoken"' in content


def test_create_without_javascript_redirects_to_the_dataset(client, alice):
    client.force_login(alice)

    response = client.post(
        "/datasets/new/", {"name": "Trial", "description": "", "file": csv_file()}, follow=True
    )

    dataset = Dataset.objects.get()
    assert response.redirect_chain == [(f"/datasets/{dataset.pk}/", 302)]
    assert "Dataset “Trial” created: 6 rows, 8 columns." in response.content.decode()


def test_create_from_the_script_answers_json(client, alice):
    client.force_login(alice)

    response = client.post("/datasets/new/", {"name": "Trial", "file": csv_file()}, **SCRIPT)

    assert response.json() == {"redirect": f"/datasets/{Dataset.objects.get().pk}/"}


def test_a_bad_file_shows_the_line_in_place(client, alice):
    client.force_login(alice)

    response = client.post("/datasets/new/", {"name": "Trial", "file": csv_file(b"a,b\n1,2\n3\n")})

    assert response.status_code == 400
    assert "line 3: expected 2 fields, saw 1" in response.content.decode()
    assert response.context["form"]["name"].value() == "Trial"  # the rest of the entry is kept
    assert nothing_stored()


def test_a_bad_file_from_the_script_gets_field_errors(client, alice):
    client.force_login(alice)

    response = client.post("/datasets/new/", {"name": "", "file": csv_file(b"a,a\n1,2\n")}, **SCRIPT)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["name"] == ["This field is required."]
    assert nothing_stored()


def test_a_malformed_multipart_body_is_400(client, alice):
    client.force_login(alice)
    payload = b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nTrial'  # no closing boundary
    content_type = "multipart/form-data; boundary=B"

    response = client.generic("POST", "/datasets/new/", payload, content_type=content_type)

    assert response.status_code == 400
    assert nothing_stored()


def test_an_oversized_upload_is_413(client, alice, settings):
    settings.BIOSTAT_MAX_UPLOAD_MB = 1
    big = TRIAL_CSV + b"7,A,60,24.0,II,2024-04-01,false,Lima\n" * 40_000
    client.force_login(alice)

    page = client.post("/datasets/new/", {"name": "Big", "file": csv_file(big)})
    script = client.post("/datasets/new/", {"name": "Big", "file": csv_file(big)}, **SCRIPT)

    assert page.status_code == 413 and "larger than the limit of 1 MB" in page.content.decode()
    assert script.status_code == 413 and "1 MB" in script.json()["detail"]
    assert nothing_stored()


def test_a_new_version_from_the_page(client, alice, dataset):
    client.force_login(alice)

    form = client.get(f"/datasets/{dataset.pk}/versions/new/")
    created = client.post(
        f"/datasets/{dataset.pk}/versions/new/", {"file": csv_file(b"id\n1\n"), "note": "ids"}
    )
    same = client.post(f"/datasets/{dataset.pk}/versions/new/", {"file": csv_file(b"id\n1\n")}, follow=True)

    assert "data-upload" in form.content.decode()
    assert created.status_code == 302 and created.url.endswith("#versions")
    assert Dataset.objects.get(pk=dataset.pk).version == 2
    assert "no new version was created" in same.content.decode()


def test_a_new_version_needs_change(client, alice, bob, dataset):
    from datasets import services

    services.dataset_share(alice, dataset, bob, ["export"])
    client.force_login(bob)

    assert client.get(f"/datasets/{dataset.pk}/versions/new/").status_code == 403
    assert (
        client.post(f"/datasets/{dataset.pk}/versions/new/", {"file": csv_file(b"id\n1\n")}).status_code
        == 403
    )
