"""What the API benchmarks share: a real ``manage.py serve`` (Daphne + the in-process task
worker, the embedded default) on the benchmark site that ``bench.__main__.prepare_site`` set
up, on a port of the benchmarks' range; API tokens; HTTP and WebSocket calls as a client
makes them; and the server's peak memory, its forked analysis child included.

The benchmark process and the server share the site's database and data directory, so a
benchmark stores its inputs with the services and reads timestamps (queue pickup) from the
database, while every timed step goes through HTTP or the WebSocket.
"""

import contextlib
import http.client
import itertools
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

from bench.peer import uvicorn_command
from messaging import servers

PORTS = range(8200, 8300)  # the benchmarks' range on a machine shared with other servers
UPLOAD_BLOCK = 1 << 20


def bench_port():
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class UvicornServer(servers.Server):
    """The site served as docs/deployment.md runs production on one machine (uvicorn, uvloop,
    httptools), in one process, with no task worker."""

    def command(self):
        return uvicorn_command(self.port, workers=1)


def serve(site, *, worker=True):
    """``site.serve()`` (a ``messaging.servers.Server``, not yet ready) on a port of the benchmarks' range."""
    return site.serve(worker=worker, port=bench_port())


def this_site():
    """The site this process was set up on, as a ``messaging.servers.Site`` to serve it."""
    shared = {name: os.environ[name] for name in ("DATABASE_URL", "BIOSTAT_DATA_DIR")}
    return servers.Site(Path(shared["BIOSTAT_DATA_DIR"]), env=shared)


@contextlib.contextmanager
def serving(*, worker=True):
    """``manage.py serve`` on this process's site; yields the running server."""
    with serve(this_site(), worker=worker) as server:
        yield server


@contextlib.contextmanager
def serving_uvicorn():
    """``UvicornServer`` on this process's site; yields the running server."""
    with UvicornServer(this_site(), port=bench_port()) as server:
        yield server


def token_for(user):
    from knox.models import AuthToken

    return AuthToken.objects.create(user)[1]


class Client:
    """HTTP/1.1 with a kept-alive connection and a token, as an integration would call the API."""

    def __init__(self, server, token):
        self.server = server
        self.headers = {"Authorization": f"Token {token}"}
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", server.port, timeout=600, blocksize=UPLOAD_BLOCK
        )

    def request(self, method, path, body=None, headers=None):
        self.connection.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        payload = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}: {payload[:500]!r}")
        return json.loads(payload) if payload else None

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, json.dumps(data), {"Content-Type": "application/json"})

    def post_file(self, path, multipart):
        with open(multipart.path, "rb") as body:
            return self.request(
                "POST",
                path,
                body,
                {
                    "Content-Type": multipart.content_type,
                    "Content-Length": str(multipart.path.stat().st_size),
                },
            )

    def close(self):
        self.connection.close()


class Multipart:
    """A multipart/form-data body written to a file once, so that timing an upload does not
    time building it: ``fields`` as form fields, ``upload`` as the part named ``file``."""

    def __init__(self, path, fields, upload):
        self.path = Path(path)
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        part = f"--{boundary}\r\nContent-Disposition: form-data; name="
        with open(self.path, "wb") as body:
            for name, value in fields.items():
                body.write(f'{part}"{name}"\r\n\r\n{value}\r\n'.encode())
            body.write(f'{part}"file"; filename="{upload.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode())
            with open(upload, "rb") as source:
                while block := source.read(UPLOAD_BLOCK):
                    body.write(block)
            body.write(f"\r\n--{boundary}--\r\n".encode())


class Events:
    """The user's WebSocket, read in a thread: ``wait(type, test)`` returns the first event of
    ``type`` that passes ``test``, whether it arrived before the call or after."""

    def __init__(self, server, token):
        from websockets.sync.client import connect

        self.connection = connect(server.ws_url, additional_headers={"Authorization": f"Token {token}"})
        self.events = []
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            for frame in self.connection:
                with self.arrived:
                    self.events.append(json.loads(frame))
                    self.arrived.notify_all()

    def wait(self, event_type, test, timeout=600):
        def found():
            return next((e for e in self.events if e["type"] == event_type and test(e)), None)

        with self.arrived:
            if not self.arrived.wait_for(found, timeout):
                raise TimeoutError(f"no {event_type} event within {timeout} s")
            return found()

    def close(self):
        self.connection.close()
        self.thread.join()


def _status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _children(pid):
    pids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            pids += [int(child) for child in (task / "children").read_text().split()]
    return pids


class PeakMemory:
    """The server's resident-memory high-water mark during a block, forked children included,
    in MB above the server's resident memory at the start (the server's own peak since it
    started is reset first: ``clear_refs`` 5). A child's peak is read while it lives, every
    ``SAMPLE`` seconds (children are looked for every ``RESCAN`` samples), as it is gone once
    the child exits; a child shares the pages it
    inherited, so the figure is the larger of the two peaks, not their sum.

    ``children=False`` is for a block that forks nothing: the sampling thread would compete
    with the server for the machine's cores during a timed request."""

    SAMPLE = 0.002
    RESCAN = 10

    def __init__(self, pid, *, children=True):
        self.pid = pid
        self.children = children

    def __enter__(self):
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self.start_kb = _status_kb(self.pid, "VmRSS")
        self.child_kb = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        if self.children:
            self.thread.start()
        return self

    def _sample(self):
        # Finding the children reads a file per server thread: done every RESCAN samples only, so
        # that the sampler takes little of the cores the server is being timed on.
        children = []
        for tick in itertools.count():
            if self.done.wait(self.SAMPLE):
                return
            if tick % self.RESCAN == 0:
                children = _children(self.pid)
            for child in children:
                with contextlib.suppress(OSError):
                    self.child_kb = max(self.child_kb, _status_kb(child, "VmHWM"))

    def __exit__(self, *exc_info):
        self.done.set()
        if self.children:
            self.thread.join()
        self.peak_mb = (max(_status_kb(self.pid, "VmHWM"), self.child_kb) - self.start_kb) / 1024
        self.start_mb = self.start_kb / 1024


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value
