import pytest
from django.test import Client

from .conftest import PASSWORD

URL = "/accounts/login/"
pytestmark = pytest.mark.django_db


def test_every_input_has_a_label(client):
    html = client.get(URL).content.decode()

    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_logging_in_opens_a_session(client, alice):
    response = client.post(URL, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == alice
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_next_is_followed_when_it_stays_on_this_site(client, alice):
    inside = client.post(f"{URL}?next=/datasets/", {"username": "alice", "password": PASSWORD})
    client.logout()
    outside = client.post(URL, {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"})

    assert inside["Location"] == "/datasets/"
    assert outside["Location"] == "/"


def test_next_survives_the_form(client):
    html = client.get(f"{URL}?next=/datasets/").content.decode()

    assert '<input type="hidden" name="next" value="/datasets/">' in html


def test_wrong_password_shows_the_error_and_stays_anonymous(client, alice):
    response = client.post(URL, {"username": "alice", "password": "wrong-password"})

    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/").status_code == 302


def test_missing_fields_are_shown_in_place(client, db):
    response = client.post(URL, {"username": "alice"})

    assert response.context["form"].errors == {"password": ["This field is required."]}


def test_logout_is_post_only_and_ends_the_session(client, alice):
    client.force_login(alice)

    refused = client.get("/accounts/logout/")
    response = client.post("/accounts/logout/")

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_logout_requires_the_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)

    forged = browser.post("/accounts/logout/")
    page = browser.get("/")
    token = page.context["csrf_token"]
    genuine = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": str(token)})

    assert forged.status_code == 403
    assert genuine.status_code == 302
    assert browser.get("/").status_code == 302


def test_the_logout_button_is_in_every_page_header(client, alice):
    client.force_login(alice)

    html = client.get("/").content.decode()

    assert 'action="/accounts/logout/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
