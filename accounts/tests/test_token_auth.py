"""Token authentication reads the database once per request and caches nothing, so a revoked
token, an expired one and a deactivated user are refused on the very next request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken

pytestmark = pytest.mark.django_db
ME = "/api/auth/me/"


def test_an_authenticated_request_reads_the_token_and_its_user_in_one_query(api_client, alice):
    AuthToken.objects.create(alice)  # a second token: knox's own check read every token of the user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(alice)[1]}")
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(ME)
    assert response.status_code == 200 and response.json()["username"] == "alice"
    assert len(captured) == 1


def test_a_revoked_token_stops_working_at_once(api_client, alice):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(alice)[1]}")
    assert api_client.get(ME).status_code == 200
    assert api_client.post("/api/auth/logout/").status_code == 204
    assert api_client.get(ME).status_code == 401


def test_a_token_deleted_elsewhere_stops_working_at_once(api_client, alice):
    token, key = AuthToken.objects.create(alice)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).status_code == 200
    token.delete()  # the admin, or another session's logout-all
    assert api_client.get(ME).status_code == 401


def test_an_expired_token_is_refused_and_deleted(api_client, alice):
    token, key = AuthToken.objects.create(alice)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).status_code == 401
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_a_deactivated_user_is_refused_at_once(api_client, alice):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(alice)[1]}")
    assert api_client.get(ME).status_code == 200
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert api_client.get(ME).status_code == 401


@pytest.mark.parametrize("key", ["0" * 64, "not-hex!", ""])
def test_a_wrong_or_malformed_token_is_refused(api_client, alice, key):
    AuthToken.objects.create(alice)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).status_code == 401
