import pytest
from knox.models import AuthToken

URL = "/api/auth/logout/"
pytestmark = pytest.mark.django_db


def test_logout_revokes_the_calling_token_only(api_client, alice, token_for):
    first = token_for("alice")
    second = token_for("alice")

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    response = api_client.post(URL)
    after = api_client.get("/api/auth/me/")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    other = api_client.get("/api/auth/me/")

    assert response.status_code == 204
    assert after.status_code == 401
    assert other.status_code == 200
    assert AuthToken.objects.filter(user=alice).count() == 1


def test_logout_without_a_token_is_401(api_client, db):
    response = api_client.post(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_browser_session_is_not_a_token_to_revoke(client, alice):
    client.force_login(alice)

    response = client.post(URL)

    assert response.status_code == 401
