from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from accounts.models import User

from .conftest import PASSWORD

URL = "/api/auth/login/"
pytestmark = pytest.mark.django_db


def test_returns_a_token_its_expiry_and_the_user(api_client, alice, settings):
    response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry", "user"}
    assert body["user"] == {
        "id": alice.pk,
        "username": "alice",
        "email": "alice@example.org",
        "role": "researcher",
        "date_joined": body["user"]["date_joined"],
    }
    expiry = parse_datetime(body["expiry"])
    expected = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    assert abs(expiry - expected) < timedelta(minutes=1)


def test_the_token_authenticates_api_calls(api_client, alice, token_for):
    token = token_for("alice")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get("/api/auth/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_tokens_are_stored_hashed(alice, token_for):
    token = token_for("alice")

    stored = AuthToken.objects.get(user=alice)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128  # SHA-512, hex


def test_an_expired_token_stops_working(api_client, alice, token_for):
    token = token_for("alice")
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_wrong_credentials_answer_401_without_saying_which_part_was_wrong(api_client, alice, username):
    response = api_client.post(URL, {"username": username, "password": "not-the-password"}, format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid username or password."}
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.exists()


def test_an_inactive_user_cannot_log_in(api_client, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)

    response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 401


def test_missing_fields_are_named(api_client, db):
    response = api_client.post(URL, {"username": ""}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {
        "username": ["This field may not be blank."],
        "password": ["This field is required."],
    }
    assert "username: This field may not be blank." in body["detail"]
    assert "password: This field is required." in body["detail"]


def test_malformed_json_is_a_400_with_the_position(api_client, db):
    response = api_client.post(URL, data='{"username": "alice" "password"}', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "JSON parse error - Expecting ',' delimiter: line 1 column 22 (char 21)"
    )


def test_a_stale_token_does_not_block_logging_in_again(api_client, alice):
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

    response = api_client.post(URL, {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 200


def test_me_needs_authentication(api_client, db):
    response = api_client.get("/api/auth/me/")

    assert response.status_code == 401


def test_me_accepts_the_browser_session(client, alice):
    client.force_login(alice)

    response = client.get("/api/auth/me/")

    assert response.status_code == 200
    assert response.json()["id"] == alice.pk


def test_api_logins_are_rate_limited_per_address(api_client, db):
    # The "auth" scope (DEFAULT_THROTTLE_RATES) allows 30 requests a minute per address.
    payload = {"username": "nobody", "password": "x"}
    for _ in range(30):
        api_client.post(URL, payload, format="json", REMOTE_ADDR="198.51.100.20")

    response = api_client.post(URL, payload, format="json", REMOTE_ADDR="198.51.100.20")

    assert response.status_code == 429
    assert "Request was throttled" in response.json()["detail"]
