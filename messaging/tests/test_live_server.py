"""End to end against real servers in subprocesses: a real WebSocket client, the task
worker, and (with Redis) two Daphne processes delivering to each other."""

import asyncio
import json
import os

import pytest
import websockets


async def next_event(connection, event_type, timeout=15):
    """The next event of ``event_type`` on ``connection`` (unread counts are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await connection.recv())
            if event["type"] == event_type:
                return event


def test_worker_event_reaches_a_socket_in_the_default_setup(live_site):
    """`manage.py serve` (Daphne + the task worker thread, in-memory layer): an event raised
    by a task the worker runs reaches a socket that Daphne serves."""
    site = live_site()
    users = site.create_users(["alice"])
    alice = users["alice"]

    async def scenario(server):
        headers = {"Authorization": f"Token {alice['token']}"}
        async with websockets.connect(server.ws_url, additional_headers=headers) as connection:
            assert json.loads(await connection.recv()) == {"type": "unread", "count": 0}
            # Enqueued by another process, as the web process does; run by serve's worker.
            site.manage(
                "shell",
                "-c",
                "from messaging.tests.tasks import announce_analysis_finished as task; "
                f"task.enqueue({alice['id']}, 41)",
            )
            return await next_event(connection, "analysis.finished")

    with site.serve() as server:
        event = asyncio.run(scenario(server))
    assert event == {"type": "analysis.finished", "analysis": {"id": 41, "status": "succeeded"}}


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (make test-services)")
def test_two_daphne_processes_deliver_to_each_other_through_redis(live_site):
    site = live_site(redis_url=os.environ["REDIS_URL"])
    users = site.create_users(["alice", "bob"])

    async def scenario(web, sockets):
        headers = {"Authorization": f"Token {users['bob']['token']}"}
        async with websockets.connect(sockets.ws_url, additional_headers=headers) as connection:
            await next_event(connection, "unread")
            status, sent = await asyncio.to_thread(
                web.post_json,
                "/api/messages/",
                {"recipient": "bob", "body": "Across processes"},
                token=users["alice"]["token"],
            )
            assert status == 201, sent
            return sent, await next_event(connection, "message.created")

    with site.serve(worker=False) as web, site.serve(worker=False) as sockets:
        assert web.port != sockets.port
        sent, event = asyncio.run(scenario(web, sockets))
    assert event["message"]["id"] == sent["id"]
    assert event["message"]["body"] == "Across processes"
