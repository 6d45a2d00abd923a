"""Rate limits count per client address, and a client cannot pick its own address by sending an
X-Forwarded-For header (behind a proxy, Daphne's --proxy-headers sets the address instead)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

# An address no other test sends from: the counters may live in a Redis that parallel tests share.
CLIENT = "192.0.2.77"


def test_a_forged_x_forwarded_for_does_not_reset_the_login_rate_limit():
    cache.delete(ScopedRateThrottle.cache_format % {"scope": "auth", "ident": CLIENT})
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].split("/")[0])
    client = APIClient()
    statuses = [
        # A different username each time, so django-axes' per-username lockout stays out of it.
        client.post(
            "/api/auth/login/",
            {"username": f"nobody{attempt}", "password": "wrong"},
            format="json",
            REMOTE_ADDR=CLIENT,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        ).status_code
        for attempt in range(allowed + 1)
    ]
    assert statuses == [401] * allowed + [429]
