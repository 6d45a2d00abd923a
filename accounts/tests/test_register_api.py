import pytest
from django.contrib.auth.hashers import check_password

from accounts.models import User
from audit.models import AuditLog
from biostat import settings as project_settings

from .conftest import PASSWORD

URL = "/api/auth/register/"
pytestmark = pytest.mark.django_db


def register(client, **fields):
    data = {"username": "bob", "email": "bob@example.org", "password": PASSWORD} | fields
    return client.post(URL, data, format="json")


def test_creates_a_researcher_and_returns_the_user(api_client):
    response = register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "role", "date_joined"}
    user = User.objects.get()
    assert body == {
        "id": user.pk,
        "username": "bob",
        "email": "bob@example.org",
        "role": "researcher",
        "date_joined": body["date_joined"],
    }
    assert body["date_joined"].startswith(str(user.date_joined.date()))
    assert check_password(PASSWORD, user.password)


def test_the_registrant_cannot_choose_a_role(api_client):
    response = register(api_client, role="admin", is_staff=True, is_superuser=True)

    assert response.status_code == 201
    assert response.json()["role"] == "researcher"
    user = User.objects.get()
    assert (user.role, user.is_staff, user.is_superuser) == ("researcher", False, False)


def test_passwords_are_stored_with_argon2(api_client, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    register(api_client)

    assert User.objects.get().password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Xy7!", "This password is too short. It must contain at least 8 characters."),
        ("password", "This password is too common."),
        ("20481024", "This password is entirely numeric."),
        ("bob@example.org", "The password is too similar to the email address."),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(api_client, password, message):
    response = register(api_client, password=password)

    assert response.status_code == 400
    body = response.json()
    assert message in body["errors"]["password"]
    assert f"password: {message}" in body["detail"]
    assert not User.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_taken_username_is_refused_whatever_its_case(api_client):
    User.objects.create_user("Bob", "other@example.org", PASSWORD)

    response = register(api_client, username="bob")

    assert response.status_code == 400
    assert response.json()["errors"] == {"username": ["A user with that username already exists."]}
    assert User.objects.count() == 1
    assert not AuditLog.objects.exists()


def test_every_bad_field_is_reported_at_once(api_client):
    response = register(api_client, username="no spaces!", email="not-an-email", password="123")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"username", "email", "password"}
    assert not User.objects.exists()


def test_username_rules_come_from_the_model(api_client):
    response = register(api_client, username="x" * 151)

    assert response.status_code == 400
    assert "at most 150 characters" in response.json()["errors"]["username"][0]


def test_missing_fields_are_named(api_client):
    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"username", "email", "password"}
    for field in ("username", "email", "password"):
        assert f"{field}: This field is required." in body["detail"]


def test_malformed_json_is_a_400_not_a_500(api_client):
    response = api_client.post(URL, data='{"username": "bob",', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not User.objects.exists()


def test_a_json_body_that_is_not_an_object_is_refused(api_client):
    response = api_client.post(URL, data="[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert "Expected a dictionary" in response.json()["detail"]


def test_closed_registration_is_refused_clearly(api_client, settings):
    settings.BIOSTAT_ALLOW_REGISTRATION = False

    response = register(api_client)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Registration is closed on this server; ask an administrator for an account."
    }
    assert not User.objects.exists()
    assert not AuditLog.objects.exists()
