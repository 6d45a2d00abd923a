"""django-axes: after BIOSTAT_LOGIN_FAILURE_LIMIT failures for a username from one address,
the login page and the API answer 429 until the cool-off has passed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from knox.models import AuthToken

from .conftest import PASSWORD

API = "/api/auth/login/"
PAGE = "/accounts/login/"
MESSAGE = "Too many failed login attempts; try again in 15 minutes."
pytestmark = pytest.mark.django_db


def api_login(api_client, password, username="alice", ip="127.0.0.1"):
    return api_client.post(API, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def page_login(client, password, username="alice", ip="127.0.0.1"):
    return client.post(PAGE, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_limit_is_five_failures(settings):
    assert settings.AXES_FAILURE_LIMIT == 5


def test_the_api_answers_429_json_at_the_limit_even_for_the_right_password(api_client, alice):
    answers = [api_login(api_client, "wrong").status_code for _ in range(4)]
    fifth = api_login(api_client, "wrong")
    right = api_login(api_client, PASSWORD)

    assert answers == [401] * 4
    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": MESSAGE}
        assert response["Retry-After"] == "900"
    assert not AuthToken.objects.exists()


def test_the_page_answers_429_with_the_login_form_and_the_message(client, alice):
    for _ in range(4):
        assert page_login(client, "wrong").status_code == 200
    fifth = page_login(client, "wrong")
    right = page_login(client, PASSWORD)

    for response in (fifth, right):
        assert response.status_code == 429
        assert response.templates[0].name == "accounts/login.html"
        html = response.content.decode()
        assert MESSAGE in html
        assert 'role="alert"' in html
        assert 'value="alice"' in html  # the form is ready for the next try
    assert not client.session.get("_auth_user_id")


def test_page_and_api_failures_count_together(client, api_client, alice):
    for _ in range(3):
        page_login(client, "wrong")
    api_login(api_client, "wrong")

    assert api_login(api_client, "wrong").status_code == 429
    assert page_login(client, PASSWORD).status_code == 429


def test_the_lockout_is_per_username_and_address(api_client, alice, django_user_model):
    django_user_model.objects.create_user("bob", "bob@example.org", PASSWORD)
    for _ in range(5):
        api_login(api_client, "wrong")

    assert api_login(api_client, PASSWORD).status_code == 429
    assert api_login(api_client, PASSWORD, ip="203.0.113.7").status_code == 200
    assert api_login(api_client, PASSWORD, username="bob").status_code == 200


def test_a_successful_login_resets_the_count(api_client, alice):
    for _ in range(4):
        api_login(api_client, "wrong")
    assert api_login(api_client, PASSWORD).status_code == 200

    answers = [api_login(api_client, "wrong").status_code for _ in range(4)]

    assert answers == [401] * 4


def test_the_lockout_ends_after_the_cool_off(api_client, client, alice):
    for _ in range(5):
        api_login(api_client, "wrong")
    assert api_login(api_client, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert api_login(api_client, PASSWORD).status_code == 200
    assert page_login(client, PASSWORD).status_code == 302


def test_the_message_follows_the_configured_limit_and_cool_off(api_client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)

    first = api_login(api_client, "wrong")
    second = api_login(api_client, "wrong")

    assert first.status_code == 401
    assert second.status_code == 429
    assert second.json() == {"detail": "Too many failed login attempts; try again in 1 minute."}
    assert second["Retry-After"] == "60"


def test_the_admin_login_is_throttled_too(client, alice):
    for _ in range(5):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 429
    assert MESSAGE in response.content.decode()
