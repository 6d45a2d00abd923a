import re

import pytest

from accounts.models import User
from audit.models import AuditLog

from .conftest import PASSWORD

URL = "/accounts/signup/"
pytestmark = pytest.mark.django_db


def signup(client, **fields):
    data = {
        "username": "bob",
        "email": "bob@example.org",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    } | fields
    return client.post(URL, data)


def field_group(html, name):
    """The markup Django renders for one field: label, help text, errors and input."""
    match = re.search(rf'<label for="id_{name}".*?<input[^>]*name="{name}"[^>]*>', html, re.S)
    assert match, f"no labelled input for {name}"
    return match.group(0)


def test_every_input_has_a_label(client):
    html = client.get(URL).content.decode()

    for name in ("username", "email", "password", "password_confirm"):
        field_group(html, name)
    assert 'action="/accounts/signup/"' in html


def test_signing_up_creates_a_researcher_and_logs_them_in(client):
    response = signup(client, role="admin")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert (user.username, user.email, user.role) == ("bob", "bob@example.org", "researcher")
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.context["user"] == user
    assert "Your account is ready." in dashboard.content.decode()


def test_a_weak_password_is_shown_at_the_password_field(client):
    response = signup(client, password="20481024", password_confirm="20481024")

    assert response.status_code == 400
    group = field_group(response.content.decode(), "password")
    assert "This password is entirely numeric." in group
    assert 'aria-invalid="true"' in group
    assert not User.objects.exists()
    assert not AuditLog.objects.exists()


def test_mismatched_passwords_are_shown_at_the_confirmation(client):
    response = signup(client, password_confirm=PASSWORD + "x")

    assert response.status_code == 400
    assert "The two passwords do not match." in field_group(response.content.decode(), "password_confirm")
    assert not User.objects.exists()


def test_a_taken_username_is_shown_at_the_username_field(client):
    User.objects.create_user("BOB", "b@example.org", PASSWORD)

    response = signup(client)

    assert response.status_code == 400
    group = field_group(response.content.decode(), "username")
    assert "A user with that username already exists." in group
    assert User.objects.count() == 1


def test_missing_fields_are_each_reported(client):
    response = client.post(URL, {})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"username", "email", "password", "password_confirm"}


def test_closed_registration_refuses_the_page_and_hides_the_link(client, settings):
    settings.BIOSTAT_ALLOW_REGISTRATION = False

    page = client.get(URL)
    posted = signup(client)
    login_page = client.get("/accounts/login/").content.decode()

    assert page.status_code == 403
    assert "Registration is closed" in page.content.decode()
    assert posted.status_code == 403
    assert not User.objects.exists()
    assert URL not in login_page


def test_the_login_page_links_to_signup_while_registration_is_open(client):
    assert f'href="{URL}"' in client.get("/accounts/login/").content.decode()


def test_all_problems_are_reported_together(client):
    response = signup(client, username="bo b", email="not-an-email", password="123", password_confirm="123")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid username." in field_group(html, "username")
    assert "Enter a valid email address." in field_group(html, "email")
    assert "This password is too short." in field_group(html, "password")
