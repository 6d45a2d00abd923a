"""Authentication at /graphql/: the REST API's classes, token or session, CSRF for sessions."""

import pytest
from django.test import Client

from .conftest import ENDPOINT, post, token_for

pytestmark = pytest.mark.django_db

ME = "{ me { username } }"


def test_a_token_authenticates_without_csrf(analyst):
    client = Client(enforce_csrf_checks=True)
    response = post(client, ME, HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"username": "andy"}}}


def test_a_bad_token_is_a_401(analyst):
    response = post(Client(), ME, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "errors": [{"message": "Invalid token.", "extensions": {"code": "UNAUTHENTICATED"}}]
    }


def test_a_token_of_a_deactivated_user_is_refused(analyst):
    key = token_for(analyst)
    analyst.is_active = False
    analyst.save()
    assert post(Client(), ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_anonymous_api_clients_get_a_401(db):
    response = post(Client(), ME)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert Client().get(ENDPOINT, HTTP_ACCEPT="application/json").status_code == 401


def test_anonymous_browsers_are_sent_to_log_in(db):
    response = Client().get(ENDPOINT, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/graphql/"


def test_a_session_post_needs_the_csrf_token(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    refused = post(client, ME)
    assert refused.status_code == 403
    error = refused.json()["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN"} and error["message"].startswith("CSRF Failed")

    page = client.get(ENDPOINT, HTTP_ACCEPT="text/html")  # GraphiQL's page hands out the token
    token = client.cookies["csrftoken"].value
    assert f'data-csrf-token="{page.context["csrf_token"]}"' in page.content.decode()
    accepted = post(client, ME, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200 and accepted.json()["data"]["me"]["username"] == "andy"


def test_operations_are_not_run_over_get(analyst):
    client = Client()
    client.force_login(analyst)
    response = client.get(ENDPOINT, {"query": ME}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400


def test_batched_operations_are_refused(analyst):
    client = Client()
    client.force_login(analyst)
    response = client.post(ENDPOINT, [{"query": ME}, {"query": ME}], content_type="application/json")
    assert response.status_code == 400


def test_mutations_are_audited_with_the_token_user(analyst):
    from audit.models import AuditLog

    query = 'mutation { createDataset(name: "Via token", rows: [{a: 1}, {a: 2}]) { id } }'
    response = post(Client(), query, HTTP_AUTHORIZATION=f"Token {token_for(analyst)}", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and "errors" not in response.json()
    entry = AuditLog.objects.get(action="dataset.create")
    assert entry.actor == analyst and entry.ip == "10.1.2.3"


def test_nan_is_not_json(analyst):
    body = (
        '{"query": "mutation ($rows: Rows!) { createDataset(name: \\"N\\", rows: $rows) { id } }", '
        '"variables": {"rows": [{"x": NaN}]}}'
    )
    response = Client().post(
        ENDPOINT, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token_for(analyst)}"
    )
    assert response.status_code == 400
    assert "NaN is not a JSON number" in response.content.decode()
