"""The cohort admin: listed, searchable, members editable under the same rule, counts read-only."""

import pytest

from accounts.models import User
from audit.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_user("root", password="x", is_staff=True, is_superuser=True))
    return client


def test_changelist_and_search(admin_client, cohort, make_cohort):
    make_cohort(name="Another")
    page = admin_client.get("/admin/cohorts/cohort/", {"q": "older"}).content.decode()
    assert "Older women" in page and "Another" not in page
    assert admin_client.get("/admin/cohorts/cohort/add/").status_code == 403


def test_change_form_edits_name_and_members_only(admin_client, cohort, analyst, viewer):
    url = f"/admin/cohorts/cohort/{cohort.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="members"' in page and 'name="criteria"' not in page and 'name="size"' not in page
    refused = admin_client.post(url, {"name": "Renamed", "members": [viewer.pk]})
    assert refused.status_code == 200 and "vera" in refused.content.decode()
    accepted = admin_client.post(url, {"name": "Renamed", "members": [analyst.pk]})
    assert accepted.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Renamed" and list(cohort.members.all()) == [analyst]
    assert AuditLog.objects.filter(
        action="admin.change", entity_type="cohort", entity_id=str(cohort.pk)
    ).exists()
