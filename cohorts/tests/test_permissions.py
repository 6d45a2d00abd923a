"""Who sees and who may change a cohort (DESIGN.md "Roles and permissions").

Creator, members and holders of analyze see a cohort, and all of them need analyze now; the
creator and members edit and re-pin; only the creator changes members and deletes. Everyone
else gets a 404, and never finds the cohort in a list or a count.
"""

import pytest

from audit.models import AuditLog
from cohorts import selectors
from cohorts.models import Cohort
from datasets import permissions
from datasets import services as dataset_services
from messaging import contexts

from .conftest import trial_rows, trial_table

pytestmark = pytest.mark.django_db

# actor -> (GET, PATCH name, PATCH members, re-pin, DELETE)
MATRIX = {
    "owner": (200, 200, 200, 200, 204),
    "member": (200, 200, 403, 200, 403),
    "analyst": (200, 403, 403, 403, 403),
    "viewer": (404, 404, 404, 404, 404),
    "outsider": (404, 404, 404, 404, 404),
    "steward": (404, 404, 404, 404, 404),
}


@pytest.fixture
def stale_cohort(owner, dataset, cohort):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(24)))
    return cohort


@pytest.mark.parametrize("actor", MATRIX)
def test_matrix(request, api_as, actor, stale_cohort, analyst):
    user = request.getfixturevalue(actor)
    client = api_as(user)
    url = f"/api/cohorts/{stale_cohort.pk}/"
    get, rename, members, repin, delete = MATRIX[actor]
    assert client.get(url).status_code == get
    assert client.patch(url, {"name": f"by {actor}"}, format="json").status_code == rename
    assert client.patch(url, {"members": ["mia", analyst.username]}, format="json").status_code == members
    assert client.post(f"{url}repin/").status_code == repin
    assert client.delete(url).status_code == delete
    listed = client.get("/api/cohorts/").json()
    filtered = client.get("/api/cohorts/", {"dataset": stale_cohort.dataset_id}).json()
    if get == 404:
        assert listed["count"] == filtered["count"] == 0
        assert client.get(url).json() == {"detail": "No cohort found with this id."}
        assert Cohort.objects.filter(pk=stale_cohort.pk, name="Older women").exists()


def test_a_refused_change_says_who_may(api_as, analyst, member, cohort):
    response = api_as(analyst).patch(f"/api/cohorts/{cohort.pk}/", {"name": "x"}, format="json")
    assert "creator and its members" in response.json()["detail"]
    response = api_as(member).delete(f"/api/cohorts/{cohort.pk}/")
    assert "Only the cohort's creator" in response.json()["detail"]


@pytest.mark.parametrize(
    ("actor", "status"),
    [("owner", 201), ("member", 201), ("analyst", 201), ("viewer", 403), ("steward", 403), ("outsider", 400)],
)
def test_who_may_create(request, api_as, dataset, actor, status):
    client = api_as(request.getfixturevalue(actor))
    response = client.post(
        "/api/cohorts/", {"dataset": dataset.pk, "name": "x", "criteria": ""}, format="json"
    )
    assert response.status_code == status
    if status == 400:
        assert response.json()["errors"] == {"dataset": ["No dataset found with this id."]}


def test_losing_analyze_hides_the_cohort_even_from_its_creator_and_members(
    api_as, owner, member, dataset, cohort
):
    url = f"/api/cohorts/{cohort.pk}/"
    for user in (owner, member):
        permissions.set_explicit_permissions(user, dataset, ["view"])
        assert api_as(user).get(url).status_code == 404
        assert api_as(user).get("/api/cohorts/").json()["count"] == 0


def test_analyze_through_a_group_is_enough(api_as, outsider, dataset, cohort):
    from django.contrib.auth.models import Group

    team = Group.objects.create(name="team")
    outsider.groups.add(team)
    permissions.grant(team, dataset, ["view", "analyze"])
    assert api_as(outsider).get(f"/api/cohorts/{cohort.pk}/").status_code == 200


def test_lists_hold_only_visible_cohorts(api_as, owner, outsider, analyst, make_cohort, cohort):
    private = dataset_services.dataset_create(owner, name="Private", table=trial_table(trial_rows(6)))
    make_cohort(name="hidden", on=private, criteria="")
    own = dataset_services.dataset_create(outsider, name="Oscar's", table=trial_table(trial_rows(6)))
    make_cohort(name="oscar's", on=own, criteria="", user=outsider)
    assert {item["name"] for item in api_as(analyst).get("/api/cohorts/").json()["results"]} == {
        "Older women"
    }
    assert {item["name"] for item in api_as(outsider).get("/api/cohorts/").json()["results"]} == {"oscar's"}
    assert api_as(analyst).get("/api/cohorts/", {"dataset": private.pk}).json()["count"] == 0
    assert api_as(owner).get("/api/cohorts/").json()["count"] == 2


def test_message_context_follows_visibility(analyst, viewer, cohort):
    assert contexts.can_see(analyst, "cohort", cohort.pk)
    assert not contexts.can_see(viewer, "cohort", cohort.pk)
    assert not contexts.can_see(analyst, "cohort", cohort.pk + 100)
    assert contexts.link(analyst, "cohort", cohort.pk) == {
        "type": "cohort",
        "id": cohort.pk,
        "url": f"/cohorts/{cohort.pk}/",
    }
    assert contexts.link(viewer, "cohort", cohort.pk) is None


def test_creators_read_the_audit_entries_about_their_cohorts(api_as, owner, analyst, member, cohort):
    from cohorts import services

    services.cohort_update(member, cohort, name="Renamed by a member")
    entries = api_as(owner).get("/api/audit/", {"entity_type": "cohort"}).json()["results"]
    assert {entry["action"] for entry in entries} == {"cohort.create", "cohort.update"}
    # Others see what they did themselves, not the rest.
    assert api_as(analyst).get("/api/audit/", {"entity_type": "cohort"}).json()["count"] == 0
    assert [
        e["action"] for e in api_as(member).get("/api/audit/", {"entity_type": "cohort"}).json()["results"]
    ] == ["cohort.update"]
    assert AuditLog.objects.filter(entity_type="cohort").count() == 2


def test_cohort_is_visible_matches_cohort_get(analyst, outsider, cohort):
    assert selectors.cohort_is_visible(analyst, cohort.pk)
    assert not selectors.cohort_is_visible(outsider, cohort.pk)
    assert not selectors.cohort_is_visible(analyst, "not-a-number")
