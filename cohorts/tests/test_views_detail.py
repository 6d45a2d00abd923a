"""The cohort page, re-pinning and deleting from the browser."""

import pytest

from audit.models import AuditLog
from cohorts.models import Cohort
from datasets import services as dataset_services

from .conftest import count, trial_rows, trial_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_detail_shows_the_cohort(browser, owner, cohort):
    page = browser(owner).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert "Older women" in page and "Trial" in page
    assert "age &gt;= 60 and sex == &quot;F&quot;" in page
    assert f"<dd data-size>{cohort.size} rows</dd>" in page
    assert f'href="/analyses/new/?cohort={cohort.pk}"' in page
    assert f"/messages/new/?context_type=cohort&amp;context_id={cohort.pk}" in page
    assert "<dd>mia</dd>" in page
    assert f'href="/cohorts/{cohort.pk}/edit/"' in page and f'href="/cohorts/{cohort.pk}/delete/"' in page
    assert "stale" not in page


def test_small_counts_show_as_below_k(browser, analyst, make_cohort):
    cohort = make_cohort(criteria="age >= 60 and age >= 74")
    page = browser(analyst).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert "<dd data-size>&lt;5 rows</dd>" in page
    assert '<td class="num">10</td>' in page and '<td class="num">&lt;5</td>' in page
    # Analysts who are neither creator nor member get no edit or delete links.
    assert "/edit/" not in page and "/delete/" not in page


def test_a_stale_cohort_offers_repin_which_recounts(browser, owner, dataset, cohort):
    rows = trial_rows(30)
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(rows))
    client = browser(owner)
    page = client.get(f"/cohorts/{cohort.pk}/").content.decode()
    assert "stale: the dataset has version 2" in page
    assert "Re-pin to version 2" in page and f'action="/cohorts/{cohort.pk}/repin/"' in page
    response = client.post(f"/cohorts/{cohort.pk}/repin/")
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.dataset_version, cohort.size) == (
        2,
        count(rows, lambda r: r["age"] >= 60 and r["sex"] == "F"),
    )
    assert "re-pinned to version 2" in client.get(f"/cohorts/{cohort.pk}/").content.decode()


def test_a_failed_repin_explains_and_keeps_the_version(browser, owner, dataset, cohort):
    rows = [{key: value for key, value in row.items() if key != "age"} for row in trial_rows()]
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(rows))
    client = browser(owner)
    page = client.post(f"/cohorts/{cohort.pk}/repin/", follow=True).content.decode()
    assert "The cohort stays on version 1" in page and "unknown column &#x27;age&#x27;" in page
    assert Cohort.objects.get(pk=cohort.pk).dataset_version == 1


def test_repin_needs_post_and_edit_rights(browser, owner, analyst, outsider, dataset, cohort):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(6)))
    assert browser(owner).get(f"/cohorts/{cohort.pk}/repin/").status_code == 405
    assert browser(analyst).post(f"/cohorts/{cohort.pk}/repin/").status_code == 403
    assert "Re-pin" not in browser(analyst).get(f"/cohorts/{cohort.pk}/").content.decode()
    assert browser(outsider).post(f"/cohorts/{cohort.pk}/repin/").status_code == 404
    assert Cohort.objects.get(pk=cohort.pk).dataset_version == 1


def test_delete_confirms_then_deletes(browser, owner, cohort):
    client = browser(owner)
    page = client.get(f"/cohorts/{cohort.pk}/delete/").content.decode()
    assert "Delete “Older women”?" in page
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    response = client.post(f"/cohorts/{cohort.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/cohorts/"
    assert not Cohort.objects.filter(pk=cohort.pk).exists()
    assert AuditLog.objects.filter(action="cohort.delete", entity_id=str(cohort.pk)).exists()


def test_delete_is_the_creators(browser, member, viewer, cohort):
    assert browser(member).get(f"/cohorts/{cohort.pk}/delete/").status_code == 403
    assert browser(member).post(f"/cohorts/{cohort.pk}/delete/").status_code == 403
    assert browser(viewer).post(f"/cohorts/{cohort.pk}/delete/").status_code == 404
    assert Cohort.objects.filter(pk=cohort.pk).exists()


def test_invisible_cohorts_are_404(browser, viewer, steward, cohort):
    for user in (viewer, steward):
        assert browser(user).get(f"/cohorts/{cohort.pk}/").status_code == 404
    assert browser(steward).get("/cohorts/999999/").status_code == 404
