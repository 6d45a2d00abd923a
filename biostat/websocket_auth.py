"""Authentication for WebSocket handshakes.

A browser authenticates with its session cookie and must come from an allowed
Origin (cross-site WebSocket hijacking); an API client sends
``Authorization: Token <key>`` on the handshake and needs no Origin header.
"""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator


def WebSocketAuthStack(inner):  # noqa: N802 - named like Channels' own stacks
    return AllowedHostsOriginValidator(AuthMiddlewareStack(inner))
