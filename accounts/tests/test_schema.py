"""/api/schema/ documents the auth endpoints with their request and response shapes."""

from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator


def auth_schema():
    patterns = [path("api/auth/", include("accounts.api_urls"))]
    return SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


def properties(schema, name):
    return set(schema["components"]["schemas"][name]["properties"])


def test_every_endpoint_is_documented():
    paths = auth_schema()["paths"]

    assert set(paths) == {"/api/auth/register/", "/api/auth/login/", "/api/auth/logout/", "/api/auth/me/"}
    # 413 and 415 are the standard answers to any request body (biostat.openapi).
    assert set(paths["/api/auth/login/"]["post"]["responses"]) == {"200", "400", "401", "413", "415", "429"}
    assert set(paths["/api/auth/me/"]) == {"get"}


def test_request_and_response_shapes():
    schema = auth_schema()

    assert properties(schema, "RegisterRequest") == {"username", "email", "password"}
    assert properties(schema, "LoginRequest") == {"username", "password"}
    assert properties(schema, "Token") == {"token", "expiry", "user"}
    assert properties(schema, "User") == {"id", "username", "email", "role", "date_joined"}


def test_the_token_scheme_is_described():
    schema = auth_schema()

    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert {"tokenAuth": []} in schema["paths"]["/api/auth/logout/"]["post"]["security"]
