"""Live events reach the sockets of the users they concern, and nobody else's, only
once the transaction that raised them has committed."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction

from messaging.events import publish
from messaging.models import Message
from messaging.services import message_send

from .sockets import socket

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario):
    async_to_sync(scenario)()


async def nothing_for(*communicators):
    for communicator in communicators:
        assert await communicator.receive_nothing(timeout=0.2)


def test_message_created_reaches_the_recipient_only(alice, bob, carol, token_for, api_as):
    keys = {user.username: token_for(user) for user in (alice, bob, carol)}

    async def scenario():
        async with (
            socket(token=keys["alice"]) as alice_socket,
            socket(token=keys["bob"]) as bob_tab_1,
            socket(token=keys["bob"]) as bob_tab_2,
            socket(token=keys["carol"]) as carol_socket,
        ):
            assert bob_tab_1.initial == {"type": "unread", "count": 0}
            response = await sync_to_async(api_as(alice).post)(
                "/api/messages/", {"recipient": "bob", "body": "Results are in"}, format="json"
            )
            sent = response.json()
            for tab in (bob_tab_1, bob_tab_2):
                assert await tab.receive_json_from() == {
                    "type": "message.created",
                    "message": {
                        "id": sent["id"],
                        "sender": "alice",
                        "recipient": "bob",
                        "body": "Results are in",
                        "sent_at": sent["sent_at"].replace("Z", "+00:00"),
                        "parent": None,
                    },
                }
                assert await tab.receive_json_from() == {"type": "unread", "count": 1}
            await nothing_for(alice_socket, carol_socket, bob_tab_1)

    run(scenario)


def test_reading_updates_the_readers_badge(alice, bob, token_for, api_as):
    message = message_send(sender=alice, recipient=bob, body="Hello")
    keys = {user.username: token_for(user) for user in (alice, bob)}

    async def scenario():
        async with socket(token=keys["alice"]) as alice_socket, socket(token=keys["bob"]) as bob_socket:
            assert bob_socket.initial == {"type": "unread", "count": 1}
            await sync_to_async(api_as(bob).post)(f"/api/messages/{message.pk}/read/")
            assert await bob_socket.receive_json_from() == {"type": "message.read", "messages": [message.pk]}
            assert await bob_socket.receive_json_from() == {"type": "unread", "count": 0}
            await nothing_for(alice_socket)

    run(scenario)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "analysis.finished", "analysis": {"id": 12, "status": "succeeded"}},
        {
            "type": "dataset.shared",
            "dataset": {"id": 3, "name": "Trial <A>"},
            "permissions": ["view", "analyze"],
        },
    ],
    ids=["analysis.finished", "dataset.shared"],
)
def test_other_apps_events_reach_the_chosen_users_only(alice, bob, carol, token_for, event):
    """analyses and datasets publish through messaging.events.publish; so does this test."""
    keys = {user.username: token_for(user) for user in (alice, bob, carol)}

    async def scenario():
        async with (
            socket(token=keys["alice"]) as alice_socket,
            socket(token=keys["bob"]) as bob_socket,
            socket(token=keys["carol"]) as carol_socket,
        ):
            await sync_to_async(publish)([alice.pk, carol.pk], event)
            assert await alice_socket.receive_json_from() == event
            assert await carol_socket.receive_json_from() == event
            # Not a message event: no unread count follows.
            await nothing_for(alice_socket, bob_socket, carol_socket)

    run(scenario)


def test_session_socket_receives_events_too(alice, bob, client):
    client.force_login(bob)
    session = client.cookies["sessionid"].value

    async def scenario():
        async with socket(session=session, origin="http://testserver") as bob_socket:
            await sync_to_async(message_send)(sender=alice, recipient=bob, body="Hi")
            assert (await bob_socket.receive_json_from())["type"] == "message.created"

    run(scenario)


def test_rolled_back_send_delivers_nothing(alice, bob, token_for):
    key = token_for(bob)

    def send_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            message_send(sender=alice, recipient=bob, body="Never sent")
            raise RuntimeError("the surrounding action failed")

    def send_and_commit():
        with transaction.atomic():
            return message_send(sender=alice, recipient=bob, body="Sent")

    async def scenario():
        async with socket(token=key) as bob_socket:
            await sync_to_async(send_then_fail)()
            await nothing_for(bob_socket)
            assert not await sync_to_async(Message.objects.exists)()
            # The same path, committed, does deliver: the silence above is the rollback's.
            sent = await sync_to_async(send_and_commit)()
            assert (await bob_socket.receive_json_from())["message"]["id"] == sent.pk

    run(scenario)


def test_event_waits_for_the_commit(alice, bob, token_for):
    key = token_for(bob)

    async def scenario():
        async with socket(token=key) as bob_socket:
            atomic = transaction.atomic()
            await sync_to_async(atomic.__enter__)()
            await sync_to_async(message_send)(sender=alice, recipient=bob, body="Pending")
            await nothing_for(bob_socket)
            await sync_to_async(atomic.__exit__)(None, None, None)
            assert (await bob_socket.receive_json_from())["message"]["body"] == "Pending"

    run(scenario)
