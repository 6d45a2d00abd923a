"""The rate limit on sending messages, shared by the API and the pages."""

from types import SimpleNamespace

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

SCOPE = "messages"


def send_rate():
    """The configured rate, e.g. ``"60/min"`` (REST_FRAMEWORK's DEFAULT_THROTTLE_RATES)."""
    return api_settings.DEFAULT_THROTTLE_RATES[SCOPE]


def throttled_message():
    return f"Too many messages sent (the limit is {send_rate()})."


class MessageSendThrottle(ScopedRateThrottle):
    """ScopedRateThrottle for the ``messages`` scope that counts sends only: reading is free."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_rate(self):
        # THROTTLE_RATES is bound when DRF is imported; read the live setting instead.
        return send_rate()


_PAGE_VIEW = SimpleNamespace(throttle_scope=SCOPE)


def page_send_wait(request):
    """``None`` when the pages may send now, else the seconds to wait; the same budget as the API."""
    throttle = MessageSendThrottle()
    if throttle.allow_request(request, _PAGE_VIEW):
        return None
    return throttle.wait()
