import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User

PASSWORD = "Plain-sturdy-horse-42"
# Addresses the tests log in from; their "auth" rate-limit counters are cleared per test.
CLIENT_IPS = ("127.0.0.1", "203.0.113.7", "203.0.113.8", "198.51.100.20")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Argon2 (the production hasher) takes ~0.1 s per hash; test_register_api checks that
    # the real settings use it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_auth_rate_limit():
    """DRF counts API logins and registrations per IP in the cache, which outlives a test.
    Only these keys are removed: clearing a shared Redis would disturb other tests."""
    keys = [ScopedRateThrottle.cache_format % {"scope": "auth", "ident": ip} for ip in CLIENT_IPS]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", "alice@example.org", PASSWORD)


@pytest.fixture
def token_for(api_client):
    """Log in through the API and return the token key."""

    def login(username, password=PASSWORD):
        response = api_client.post(
            "/api/auth/login/", {"username": username, "password": password}, format="json"
        )
        assert response.status_code == 200, response.content
        return response.json()["token"]

    return login
