import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import User
from audit import selectors
from audit.services import record


@pytest.fixture
def people(make_user):
    return {
        "alice": make_user("alice"),
        "bob": make_user("bob"),
        "steward": make_user("steward", role=User.Role.STEWARD),
        "admin": make_user("admin", role=User.Role.ADMIN),
        "staff": make_user("staff", is_staff=True),
    }


@pytest.fixture
def log(people):
    """Entries by alice, by bob, by the system about alice, and about a group alice is in."""
    alice, bob = people["alice"], people["bob"]
    team = Group.objects.create(name="team")
    alice.groups.add(team)
    return {
        "alice_login": record("auth.login", actor=alice, entity=alice, summary="alice logged in"),
        "bob_login": record("auth.login", actor=bob, entity=bob, summary="bob logged in"),
        "failed_alice": record("auth.login_failed", entity=alice, summary="failed login as alice"),
        "bob_on_team": record("test.group_change", actor=bob, entity=team, summary="bob renamed the team"),
        "system": record("test.system", summary="nightly job"),
    }


@pytest.fixture
def isolated_lookups(monkeypatch):
    """Registrations made by a test stay in that test."""
    monkeypatch.setattr(
        selectors, "_owner_lookups", {kind: list(found) for kind, found in selectors._owner_lookups.items()}
    )


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_stewards_and_admins_see_every_entry_newest_first(people, log):
    everything = sorted((entry.pk for entry in log.values()), reverse=True)
    for role in ("steward", "admin", "staff"):
        response = _client(people[role]).get("/api/audit/")
        assert _ids(response) == everything
        assert response.json()["count"] == 5


def test_a_researcher_sees_what_they_did_and_entries_about_themselves(people, log):
    response = _client(people["alice"]).get("/api/audit/")
    assert _ids(response) == [log["failed_alice"].pk, log["alice_login"].pk]
    assert response.json()["count"] == 2
    assert _ids(_client(people["bob"]).get("/api/audit/")) == [log["bob_on_team"].pk, log["bob_login"].pk]


def test_owner_lookups_registered_by_apps_widen_what_owners_see(people, log, isolated_lookups):
    # A queryset lookup (compared as text in the database) and a plain list of ids.
    selectors.register_owner_lookup("group", lambda user: user.groups.all())
    selectors.register_owner_lookup("widget", lambda user: [7] if user.username == "alice" else [])
    widget = record("test.widget", entity_type="widget", entity_id=7, summary="widget 7")
    record("test.widget", entity_type="widget", entity_id=8, summary="widget 8")

    assert _ids(_client(people["alice"]).get("/api/audit/")) == [
        widget.pk,
        log["bob_on_team"].pk,
        log["failed_alice"].pk,
        log["alice_login"].pk,
    ]


def test_filters_narrow_the_list(people, log):
    steward = _client(people["steward"])
    alice = people["alice"]
    assert _ids(steward.get("/api/audit/", {"actor": "bob"})) == [log["bob_on_team"].pk, log["bob_login"].pk]
    assert _ids(steward.get("/api/audit/", {"action": "auth.login"})) == [
        log["bob_login"].pk,
        log["alice_login"].pk,
    ]
    assert _ids(steward.get("/api/audit/", {"entity_type": "user", "entity_id": alice.pk})) == [
        log["failed_alice"].pk,
        log["alice_login"].pk,
    ]
    assert _ids(steward.get("/api/audit/", {"action": "auth.login", "actor": "alice"})) == [
        log["alice_login"].pk
    ]
    assert _ids(steward.get("/api/audit/", {"actor": "", "action": ""})) != []
    assert _ids(steward.get("/api/audit/", {"actor": "nobody"})) == []


def test_filters_never_reach_past_what_a_researcher_may_see(people, log):
    alice = _client(people["alice"])
    assert _ids(alice.get("/api/audit/", {"actor": "bob"})) == []
    assert _ids(alice.get("/api/audit/", {"entity_type": "user", "entity_id": people["bob"].pk})) == []


def test_a_too_long_filter_is_a_400_naming_the_field(people, log):
    response = _client(people["steward"]).get("/api/audit/", {"action": "x" * 65})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("action:")


def test_the_list_is_paginated(people, log):
    response = _client(people["steward"]).get("/api/audit/", {"page_size": 2})
    body = response.json()
    assert (body["count"], len(body["results"])) == (5, 2)
    assert "page=2" in body["next"] and body["previous"] is None


def test_entries_carry_the_documented_fields(people, log, rf):
    entry = record(
        "test.fields",
        actor=people["alice"],
        entity=people["alice"],
        summary="s",
        payload={"k": [1, "v"]},
        request=rf.get("/", REMOTE_ADDR="10.0.0.9"),
    )
    row = _client(people["steward"]).get("/api/audit/", {"action": "test.fields"}).json()["results"][0]
    assert set(row) == {
        "id",
        "created_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "summary",
        "payload",
        "ip",
        "prev_hash",
        "hash",
    }
    assert row["actor"] == "alice"
    assert (row["entity_type"], row["entity_id"]) == ("user", str(people["alice"].pk))
    assert (row["payload"], row["ip"]) == ({"k": [1, "v"]}, "10.0.0.9")
    assert (row["prev_hash"], row["hash"]) == (entry.prev_hash, entry.hash)
    system_row = _client(people["steward"]).get("/api/audit/", {"action": "test.system"}).json()["results"][0]
    assert system_row["actor"] is None


def test_verify_is_for_admins_only(people, log):
    for role in ("admin", "staff"):
        response = _client(people[role]).get("/api/audit/verify/")
        assert response.json() == {"ok": True, "entries": 5, "first_bad_id": None}
    for role in ("alice", "steward"):
        assert _client(people[role]).get("/api/audit/verify/").status_code == 404


def test_anonymous_callers_get_nothing(log):
    assert APIClient().get("/api/audit/").status_code == 401
    assert APIClient().get("/api/audit/verify/").status_code == 401
