"""Audit entries for Django's authentication signals.

Every login, failed login and logout passes through these signals, whether it came from
the pages, the API or the Django admin, so recording here writes each event exactly
once. Registration and token revocation are recorded by their services instead.
"""

from types import SimpleNamespace

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import record

from .services import token_reference


@receiver(user_logged_in, dispatch_uid="accounts.record_login")
def record_login(sender, request, user, token=None, **kwargs):
    """``token`` is passed by ``services.token_create`` for API logins."""
    payload = {"method": "session"}
    if token is not None:
        payload = {"method": "token", "token": token_reference(token), "expiry": token.expiry}
    record(
        "auth.login",
        actor=user,
        entity=user,
        request=request,
        summary=f"{user.get_username()} logged in ({payload['method']})",
        payload=payload,
    )


@receiver(user_login_failed, dispatch_uid="accounts.record_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``. django-axes' receiver
    # runs first (its app is installed earlier) and flags the request once the caller
    # has reached the failure limit.
    username = str(credentials.get("username") or "")[:150]
    locked_out = bool(getattr(request, "axes_locked_out", False))
    # record() takes the IP from request.META and, given no actor, the session's user;
    # a failed attempt is nobody's action, even in a browser where someone is logged in.
    origin = SimpleNamespace(META=request.META) if request is not None else None
    record(
        "auth.login_failed",
        summary=f"Failed login as {username!r}" + (" (locked out)" if locked_out else ""),
        payload={"username": username, "locked_out": locked_out},
        request=origin,
    )


@receiver(user_logged_out, dispatch_uid="accounts.record_logout")
def record_logout(sender, request, user, **kwargs):
    if user is None:  # logging out an anonymous visitor changes nothing
        return
    record(
        "auth.logout", actor=user, entity=user, request=request, summary=f"{user.get_username()} logged out"
    )
