"""Helpers for the in-process WebSocket tests (channels.testing against biostat.asgi)."""

from contextlib import asynccontextmanager

from channels.testing import WebsocketCommunicator

from biostat.asgi import application

PATH = "/ws/notifications/"


def handshake_headers(*, origin=None, session=None, token=None, host="testserver"):
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if session is not None:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    if token is not None:
        headers.append((b"authorization", f"Token {token}".encode()))
    return headers


TIMEOUT = 10


async def try_connect(**credentials):
    """``(accepted, close code or None)`` for one handshake; the socket is closed again."""
    communicator = WebsocketCommunicator(application, PATH, headers=handshake_headers(**credentials))
    accepted, code = await communicator.connect(timeout=TIMEOUT)
    if accepted:
        await communicator.disconnect()
    return accepted, code


@asynccontextmanager
async def socket(**credentials):
    """A connected socket whose initial unread count has been read; closed on exit."""
    communicator = WebsocketCommunicator(application, PATH, headers=handshake_headers(**credentials))
    # Generous timeouts: a loaded CI machine may take well over the default second to authenticate.
    accepted, code = await communicator.connect(timeout=TIMEOUT)
    assert accepted, f"handshake refused ({code})"
    communicator.initial = await communicator.receive_json_from(timeout=TIMEOUT)
    try:
        yield communicator
    finally:
        await communicator.disconnect()
