"""Under ASGI the middleware chain and the view run in sync mode, entered from the event loop once
per request (``biostat.asgi.SyncChainASGIHandler``)."""

import asyncio
import threading
from types import SimpleNamespace

import pytest
from asgiref import sync
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from biostat.asgi import application


@pytest.fixture
def thread_hops(monkeypatch):
    """The functions asgiref runs in a worker thread (``sync_to_async``), in call order."""
    hops = []
    original = sync.SyncToAsync.__call__

    async def recording(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", recording)
    return hops


async def _get(path):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    await communicator.wait(timeout=10)
    return start, body


@pytest.mark.django_db(transaction=True)
def test_an_asgi_request_enters_the_middleware_chain_and_the_view_in_one_hop(thread_hops):
    start, _ = async_to_sync(_get)("/api/datasets/")

    assert start["status"] == 401
    headers = {name.lower(): value for name, value in start["headers"]}
    assert headers[b"content-security-policy"]  # the chain ran: security_headers answered
    assert thread_hops.count("BaseHandler.get_response") == 1
    # No middleware hook, view or render gets a hop of its own.
    assert not [name for name in thread_hops if name.endswith(("process_request", "process_response"))]
    assert not [name for name in thread_hops if "view" in name.lower() or "render" in name]


@pytest.fixture
def request_threads(monkeypatch):
    """Records the thread each request's middleware chain runs on, then calls ``arrive()``."""
    handler = application.application_mapping["http"]
    original = handler.get_response
    probe = SimpleNamespace(threads=[], arrive=lambda: None)

    def get_response(request):
        probe.threads.append(threading.current_thread())
        probe.arrive()
        return original(request)

    monkeypatch.setattr(handler, "get_response", get_response)
    return probe


@pytest.mark.django_db(transaction=True)
def test_a_finished_request_hands_its_thread_to_the_next(request_threads):
    for _ in range(3):
        start, _ = async_to_sync(_get)("/api/datasets/")
        assert start["status"] == 401

    assert len(set(request_threads.threads)) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_run_on_threads_of_their_own(request_threads):
    both_inside = threading.Barrier(2, timeout=10)  # breaks if one request waited for the other
    request_threads.arrive = both_inside.wait

    async def two_at_once():
        return await asyncio.gather(_get("/api/datasets/"), _get("/api/datasets/"))

    answers = async_to_sync(two_at_once)()

    assert [start["status"] for start, _ in answers] == [401, 401]
    assert len(set(request_threads.threads)) == 2


def test_a_buffered_body_is_read_whole_without_a_copy():
    """The handler trims the buffer it received the body into, so reading it whole shares it."""
    handler = application.application_mapping["http"]
    messages = [{"type": "http.request", "body": b"x" * 70_000, "more_body": True}] * 3
    messages.append({"type": "http.request", "body": b"end", "more_body": False})

    async def receive():
        return messages.pop(0)

    body = async_to_sync(handler.read_body)(receive)

    whole = body.read()
    assert whole == b"x" * 210_000 + b"end"
    assert whole is body._file.getvalue()  # one buffer, not a copy of it
