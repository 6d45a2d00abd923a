"""Who may open /ws/notifications/: session cookie from an allowed Origin, or a valid
API token without Origin; nobody else."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from knox.models import AuthToken

from .sockets import try_connect

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "http://testserver"


@pytest.fixture
def session_of(client):
    def login(user):
        client.force_login(user)
        return client.cookies["sessionid"].value

    return login


def connect(**credentials):
    return async_to_sync(try_connect)(**credentials)


def test_cookie_from_an_allowed_origin_is_accepted(alice, session_of):
    assert connect(session=session_of(alice), origin=ALLOWED) == (True, None)


def test_cookie_without_origin_is_refused(alice, session_of):
    assert connect(session=session_of(alice))[0] is False


def test_cookie_from_another_site_is_refused(alice, session_of):
    assert connect(session=session_of(alice), origin="https://evil.example")[0] is False


def test_trusted_origin_and_same_origin_behind_a_wildcard(alice, session_of, settings):
    session = session_of(alice)
    settings.CSRF_TRUSTED_ORIGINS = ["https://biostat.example.org"]
    assert connect(session=session, origin="https://biostat.example.org")[0] is True
    settings.ALLOWED_HOSTS = ["*"]
    # A wildcard host list admits only the handshake's own host, never any site.
    assert connect(session=session, origin="http://app.internal:8000", host="app.internal:8000")[0] is True
    assert connect(session=session, origin="https://evil.example", host="app.internal:8000")[0] is False
    assert connect(session=session, host="app.internal:8000")[0] is False


def test_logged_out_session_is_refused(alice, client, session_of):
    session = session_of(alice)
    client.logout()
    assert connect(session=session, origin=ALLOWED) == (False, 4401)


def test_anonymous_is_refused(db):
    assert connect(origin=ALLOWED) == (False, 4401)
    assert connect()[0] is False


def test_token_header_is_accepted_without_origin(alice, token_for):
    assert connect(token=token_for(alice)) == (True, None)


def test_revoked_token_is_refused(alice, token_for):
    key = token_for(alice)
    AuthToken.objects.filter(user=alice).delete()  # what logout does
    assert connect(token=key) == (False, 4401)


def test_expired_token_is_refused(alice, token_for):
    assert connect(token=token_for(alice, expiry=timedelta(seconds=-1))) == (False, 4401)


def test_token_of_an_inactive_user_is_refused(alice, token_for):
    key = token_for(alice)
    alice.is_active = False
    alice.save()
    assert connect(token=key) == (False, 4401)


def test_bad_token_is_refused_even_with_a_valid_cookie(alice, session_of):
    """A handshake with an Authorization header is judged by the token alone."""
    assert connect(token="not-a-token", session=session_of(alice), origin=ALLOWED) == (False, 4401)
