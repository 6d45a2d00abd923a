"""P4: live notification latency with 200 connected WebSocket clients.

A fresh site (SQLite file) is served by ``manage.py serve``; 200 users each hold a
token-authenticated socket on it; each user in turn sends a message to the next one
through the REST API, a few senders at a time. The latency of a message is the time
from the moment its POST response has been read to the moment its ``message.created``
event has been read on the recipient's socket (0 when the event came first: it is sent
on commit, before the response; the note also gives the time from the POST's start).
Run once with the in-memory channel layer and once with Redis (``REDIS_URL``, else a
Redis on 127.0.0.1:6379/1 if one answers).

``python -m bench.p4_websocket`` prints the rows; ``run()`` returns them.
"""

import asyncio
import json
import os
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import websockets

from bench.api_server import serve
from messaging.servers import Site

CLIENTS = 200
MESSAGES_PER_CLIENT = 2
SENDERS_AT_ONCE = 4
TARGETS = {"in-memory": 0.050, "redis": 0.100}  # p99, seconds
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


def _redis_url():
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return url
    except OSError:
        return None


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _measure(server, users):
    names = sorted(users)
    received = {}  # message id -> perf_counter when its event was read
    responded = {}  # message id -> perf_counter when its POST response was read
    requested = {}  # message id -> perf_counter when its POST was about to be sent

    async def listen(connection):
        async for frame in connection:
            event = json.loads(frame)
            if event["type"] == "message.created":
                received[event["message"]["id"]] = time.perf_counter()

    connections = await asyncio.gather(
        *(
            websockets.connect(
                server.ws_url,
                additional_headers={"Authorization": f"Token {users[name]['token']}"},
                max_queue=None,
            )
            for name in names
        )
    )
    listeners = [asyncio.create_task(listen(connection)) for connection in connections]
    await asyncio.sleep(0.5)  # let every socket join its group and read its unread count

    def send(index):
        sender, recipient = names[index % CLIENTS], names[(index + 1) % CLIENTS]
        start = time.perf_counter()
        status, body = server.post_json(
            "/api/messages/",
            {"recipient": recipient, "body": f"Message {index}"},
            token=users[sender]["token"],
        )
        if status != 201:
            raise RuntimeError(f"POST /api/messages/ answered {status}: {body}")
        responded[body["id"]] = time.perf_counter()
        requested[body["id"]] = start

    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(SENDERS_AT_ONCE) as pool:
        await asyncio.gather(
            *(loop.run_in_executor(pool, send, index) for index in range(CLIENTS * MESSAGES_PER_CLIENT))
        )
    sending = time.perf_counter() - started
    deadline = time.monotonic() + 30
    while len(received.keys() & responded.keys()) < len(responded) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for listener in listeners:
        listener.cancel()
    await asyncio.gather(*(connection.close() for connection in connections))
    lost = len(responded.keys() - received.keys())
    delivered = [pk for pk in responded if pk in received]
    latencies = [max(0.0, received[pk] - responded[pk]) for pk in delivered]
    round_trips = [received[pk] - requested[pk] for pk in delivered]
    early = sum(received[pk] < responded[pk] for pk in delivered)
    return latencies, round_trips, early, lost, sending


def _run_layer(layer, redis_url):
    with tempfile.TemporaryDirectory(prefix="bench-p4-") as directory:
        site = Site(directory, redis_url=redis_url)
        users = site.setup([f"user{index:03d}" for index in range(CLIENTS)])
        with serve(site, worker=False) as server:
            latencies, round_trips, early, lost, sending = asyncio.run(_measure(server, users))
            peak_mb = server.peak_rss_mb()
    target = TARGETS[layer]
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    note = (
        f"{CLIENTS} sockets, {len(latencies)} messages delivered, {lost} lost, "
        f"{len(latencies) / sending:.0f} sends/s; {early} events read before their POST response; "
        f"from POST start: p50 {_percentile(round_trips, 0.5) * 1000:.1f} ms, "
        f"p99 {_percentile(round_trips, 0.99) * 1000:.1f} ms"
    )
    verdict = "met" if p99 <= target and lost == 0 else "MISSED"
    row = {"baseline_s": None, "ratio": None, "peak_mb": peak_mb, "note": note}
    return [
        {**row, "name": f"P4 websocket {layer} p50", "ours_s": p50, "target": None},
        {
            **row,
            "name": f"P4 websocket {layer} p99",
            "ours_s": p99,
            "target": f"p99 <= {target * 1000:.0f} ms: {verdict}" + (f" ({lost} lost)" if lost else ""),
        },
    ]


def run():
    rows = _run_layer("in-memory", None)
    redis_url = _redis_url()
    if redis_url is None:
        rows.append(
            {
                "name": "P4 websocket redis p99",
                "ours_s": None,
                "baseline_s": None,
                "ratio": None,
                "peak_mb": None,
                "target": "p99 <= 100 ms",
                "note": "skipped: no Redis (set REDIS_URL)",
            }
        )
    else:
        rows += _run_layer("redis", redis_url)
    return rows


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
