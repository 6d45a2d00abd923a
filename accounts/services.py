"""Writes for accounts: registration, logins and logouts (browser sessions and API tokens).

Logins and logouts go through Django's auth signals, so django-axes counts and resets
failures and ``last_login`` stays current whichever door a user comes through (pages,
API, Django admin). Their audit entries (``auth.login``, ``auth.login_failed``,
``auth.logout``) are written by ``accounts.receivers``, inside the transactions opened
here; registration and token revocation record their own.
"""

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from knox.models import get_token_model

from audit.services import record

from .models import User

# Several authentication backends are configured, so a session opened without going
# through authenticate() (right after registration) must name the one that checks passwords.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

USERNAME_TAKEN = "A user with that username already exists."


def token_reference(token):
    """A short, non-secret name for an API token in the audit log: the start of its
    SHA-512 digest, which cannot be turned back into the token."""
    return token.digest[:16]


@sensitive_variables("password")
def user_register(*, username, email, password, request=None):
    """Create a researcher account (the role is never the registrant's choice) and record
    ``auth.register``. Raises ``ValidationError`` mapping each bad field to its messages;
    nothing is written then."""
    user = User(username=username, email=email, role=User.Role.RESEARCHER)
    errors = {}
    try:
        # The model's own validators (username characters and length, email format);
        # full_clean also normalises both. Uniqueness is checked below, ignoring case.
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not user.email and "email" not in errors:
        errors["email"] = ["An email address is required."]
    if "username" not in errors and User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [USERNAME_TAKEN]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)

    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            record(
                "auth.register",
                actor=user,
                entity=user,
                request=request,
                summary=f"{user.username} registered",
                payload={"role": user.role},
            )
    except IntegrityError:
        # Another registration took the name between the check above and the insert.
        raise ValidationError({"username": [USERNAME_TAKEN]}) from None
    return user


@sensitive_variables("password")
def user_authenticate(*, request, username, password):
    """The user these credentials belong to, or None.

    ``request`` must be Django's ``HttpRequest`` (for DRF, ``request._request``):
    django-axes counts failures per username and IP from it, and once a caller is locked
    out it refuses even the right password; the 429 answer then comes from
    ``accounts.views.lockout``.
    """
    return authenticate(request, username=username, password=password)


def session_login(*, request, user, backend=None):
    """Open a browser session for ``user`` (``auth.login`` is recorded in the same transaction)."""
    with transaction.atomic():
        login(request, user, backend=backend)


def session_logout(*, request):
    """End the browser session (``auth.logout`` is recorded in the same transaction)."""
    with transaction.atomic():
        logout(request)


def token_create(*, request, user):
    """Issue an API token: stored as a SHA-512 digest, expiring after ``REST_KNOX["TOKEN_TTL"]``.

    Returns ``(token, key)``; the key is the secret the client sends, shown only once.
    ``request`` is Django's ``HttpRequest``: the login signal resets django-axes' failure
    count for this username and IP, and ``auth.login`` is recorded in the same transaction.
    """
    tokens = get_token_model().objects
    with transaction.atomic():
        # Authentication no longer sweeps expired tokens per request; logging in does.
        tokens.filter(user=user, expiry__lt=timezone.now()).delete()
        token, key = tokens.create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user, token=token)
    return token, key


def token_revoke(*, request, token):
    """Delete an API token so it no longer authenticates, and record ``auth.token_revoked``."""
    user = token.user
    with transaction.atomic():
        reference = token_reference(token)
        token.delete()
        record(
            "auth.token_revoked",
            actor=user,
            entity=user,
            request=request,
            summary=f"{user.get_username()} revoked an API token",
            payload={"token": reference},
        )
