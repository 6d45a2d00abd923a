"""Every authentication event lands in the audit log exactly once, with actor and IP,
and commits (or rolls back) together with the action it describes."""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from accounts import receivers, services
from accounts.models import User
from audit.models import AuditLog

from .conftest import PASSWORD

IP = "203.0.113.7"
pytestmark = pytest.mark.django_db


def entries():
    return list(AuditLog.objects.order_by("id"))


def only_entry(action):
    log = entries()
    assert [entry.action for entry in log] == [action]
    return log[0]


def test_api_registration(api_client):
    api_client.post(
        "/api/auth/register/",
        {"username": "bob", "email": "bob@example.org", "password": PASSWORD},
        format="json",
        REMOTE_ADDR=IP,
    )

    entry = only_entry("auth.register")
    bob = User.objects.get(username="bob")
    assert (entry.actor, entry.actor_username, entry.ip) == (bob, "bob", IP)
    assert (entry.entity_type, entry.entity_id) == ("user", str(bob.pk))
    assert entry.payload == {"role": "researcher"}


def test_page_signup_records_the_registration_then_the_login(client):
    client.post(
        "/accounts/signup/",
        {"username": "bob", "email": "bob@example.org", "password": PASSWORD, "password_confirm": PASSWORD},
        REMOTE_ADDR=IP,
    )

    bob = User.objects.get(username="bob")
    assert [(e.action, e.actor, e.ip) for e in entries()] == [
        ("auth.register", bob, IP),
        ("auth.login", bob, IP),
    ]


def test_page_login(client, alice):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR=IP)

    entry = only_entry("auth.login")
    assert (entry.actor, entry.ip, entry.entity_id) == (alice, IP, str(alice.pk))
    assert entry.payload == {"method": "session"}


def test_api_login(api_client, alice):
    response = api_client.post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json", REMOTE_ADDR=IP
    )

    entry = only_entry("auth.login")
    token = AuthToken.objects.get()
    assert (entry.actor, entry.ip) == (alice, IP)
    assert set(entry.payload) == {"method", "token", "expiry"}
    assert (entry.payload["method"], entry.payload["token"]) == ("token", token.digest[:16])
    assert abs(parse_datetime(entry.payload["expiry"]) - token.expiry) < timedelta(milliseconds=1)
    assert response.json()["token"] not in str(entry.payload)


@pytest.mark.parametrize("door", ["page", "api"])
def test_failed_login_has_no_actor_and_names_the_attempted_username(client, api_client, alice, door):
    if door == "page":
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR=IP)
    else:
        api_client.post(
            "/api/auth/login/", {"username": "alice", "password": "wrong"}, format="json", REMOTE_ADDR=IP
        )

    entry = only_entry("auth.login_failed")
    assert (entry.actor, entry.actor_username, entry.ip) == (None, "", IP)
    assert entry.payload == {"username": "alice", "locked_out": False}
    assert "wrong" not in entry.canonical()


def test_a_failed_attempt_is_not_pinned_on_whoever_holds_the_session(client, alice, django_user_model):
    bob = django_user_model.objects.create_user("bob", "bob@example.org", PASSWORD)
    client.force_login(bob)  # itself recorded as bob's auth.login
    before = len(entries())

    client.post("/accounts/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR=IP)

    entry = entries()[before]
    assert (entry.action, entry.actor) == ("auth.login_failed", None)


def test_failures_at_the_limit_are_marked_locked_out(api_client, alice):
    for _ in range(6):
        api_client.post("/api/auth/login/", {"username": "alice", "password": "wrong"}, format="json")

    flags = [entry.payload["locked_out"] for entry in entries()]
    assert flags == [False] * 4 + [True] * 2


def test_page_logout(client, alice):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    client.post("/accounts/logout/", REMOTE_ADDR=IP)

    entry = entries()[-1]
    assert [e.action for e in entries()] == ["auth.login", "auth.logout"]
    assert (entry.actor, entry.ip) == (alice, IP)


def test_anonymous_logout_records_nothing(client, db):
    client.post("/accounts/logout/")

    assert entries() == []


def test_api_logout_records_the_revocation_once(api_client, alice, token_for):
    token = token_for("alice")
    digest = AuthToken.objects.get().digest
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    api_client.post("/api/auth/logout/", REMOTE_ADDR=IP)

    assert [e.action for e in entries()] == ["auth.login", "auth.token_revoked"]
    entry = entries()[-1]
    assert (entry.actor, entry.ip, entry.payload) == (alice, IP, {"token": digest[:16]})


def failing_record(*args, **kwargs):
    raise DatabaseError("audit log unavailable")


def test_no_user_without_its_registration_entry(api_client, monkeypatch):
    monkeypatch.setattr(services, "record", failing_record)

    with pytest.raises(DatabaseError):
        api_client.post(
            "/api/auth/register/",
            {"username": "bob", "email": "bob@example.org", "password": PASSWORD},
            format="json",
        )

    assert not User.objects.exists()


def test_no_token_without_its_login_entry(api_client, alice, monkeypatch):
    monkeypatch.setattr(receivers, "record", failing_record)

    with pytest.raises(DatabaseError):
        api_client.post("/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json")

    assert not AuthToken.objects.exists()


def test_a_token_stays_valid_if_its_revocation_cannot_be_recorded(api_client, alice, token_for, monkeypatch):
    token = token_for("alice")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    monkeypatch.setattr(services, "record", failing_record)

    with pytest.raises(DatabaseError):
        api_client.post("/api/auth/logout/")

    assert AuthToken.objects.filter(user=alice).exists()
