"""Authentication for WebSocket handshakes.

A browser authenticates with its session cookie and must come from an allowed
Origin (cross-site WebSocket hijacking: a browser sends the cookie whichever
site opened the socket, but always says which site that was). An API client
sends ``Authorization: Token <key>`` on the handshake and needs no Origin
header: browsers cannot set that header, so it cannot be forged by a page.
A handshake that carries an Authorization header is judged by the token alone,
never by a cookie sent along with it. Whoever is not authenticated reaches the
consumer as ``AnonymousUser`` and is refused there.
"""

from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions


def _header(scope, name):
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


@database_sync_to_async
def _token_user(authorization):
    """The active user of a valid, unexpired knox token, through knox's own checks."""
    from accounts.authentication import TokenAuthentication

    authentication = TokenAuthentication()
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != authentication.authenticate_header(None).lower():
        return AnonymousUser()
    try:
        user, _token = authentication.authenticate_credentials(parts[1].encode())
    except exceptions.AuthenticationFailed:
        return AnonymousUser()
    return user


class TokenAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        scope = dict(scope, user=await _token_user(_header(scope, b"authorization")))
        return await self.inner(scope, receive, send)


def _allowed_origin(origin, host):
    """Channels' AllowedHostsOriginValidator rules, made strict for cookie-authenticated sockets:
    the Origin must be present, and its host one of ALLOWED_HOSTS or the origin one of
    CSRF_TRUSTED_ORIGINS. A ``*`` in ALLOWED_HOSTS does not admit every site, only the
    handshake's own host (same origin)."""
    if origin is None:
        return False
    patterns = [pattern for pattern in settings.ALLOWED_HOSTS if pattern != "*"]
    patterns += settings.CSRF_TRUSTED_ORIGINS
    if host and "*" in settings.ALLOWED_HOSTS:
        patterns.append(urlparse("//" + host).hostname)
    return OriginValidator(None, patterns).valid_origin(urlparse(origin))


class SessionOriginValidator:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if not _allowed_origin(_header(scope, b"origin"), _header(scope, b"host")):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


class WebSocketAuthStack:
    """Token header present: knox token, no Origin needed. Otherwise: session cookie from an
    allowed Origin."""

    def __init__(self, inner):
        self.token_stack = TokenAuthMiddleware(inner)
        self.session_stack = SessionOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        if _header(scope, b"authorization") is not None:
            return await self.token_stack(scope, receive, send)
        return await self.session_stack(scope, receive, send)
