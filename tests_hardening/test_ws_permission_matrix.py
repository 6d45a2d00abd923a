"""The permission matrix for live events (DESIGN.md "Live notifications"): every subject of the
matrix holds a notification socket open while one action happens, and exactly the users entitled
to hear of it do; nobody else hears anything, not even that something happened.

Events are published when the action's transaction commits, so these tests commit (a transactional
database, the world built afresh for each scenario).
"""

import asyncio
from contextlib import AsyncExitStack

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from messaging.tests.sockets import TIMEOUT, socket, try_connect

from .conftest import forget_rate_limits, run_queued_tasks
from .matrix import build_world

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = 0.5  # seconds a socket must stay silent once the action is over (generous for loaded machines)


@pytest.fixture
def matrix(transactional_db):
    return build_world()


async def _drain(communicator):
    events = []
    while not await communicator.receive_nothing(timeout=QUIET):
        events.append(await communicator.receive_json_from(timeout=TIMEOUT))
    # The unread badge follows every message event to its own user; it is not an event about an object.
    return [event for event in events if event["type"] != "unread"]


def heard(matrix, action):
    """``{subject: [events]}``: what each subject's socket received while ``action()`` ran."""

    async def scenario():
        async with AsyncExitStack() as stack:
            sockets = {
                name: await stack.enter_async_context(socket(token=key))
                for name, key in matrix.tokens.items()
            }
            await sync_to_async(action)()
            drained = await asyncio.gather(*(_drain(communicator) for communicator in sockets.values()))
            return dict(zip(sockets, drained, strict=True))

    return async_to_sync(scenario)()


def only(matrix, events=None):
    """Every subject hears nothing except those named in ``events``, who hear exactly those."""
    return {name: (events or {}).get(name, []) for name in matrix.tokens}


def _shared(matrix, permissions):
    dataset = matrix.objects["dataset"]
    return {
        "type": "dataset.shared",
        "dataset": {"id": dataset.pk, "name": dataset.name},
        "permissions": permissions,
    }


def _put_grant(matrix, actor, principal, permissions):
    response = matrix.client(actor).put(
        f"/api/datasets/{matrix.ids['dataset']}/permissions/",
        {principal[0]: principal[1], "permissions": permissions},
        format="json",
    )
    assert response.status_code == 200, response.content


def test_a_grant_is_heard_by_the_grantee_alone(matrix):
    got = heard(matrix, lambda: _put_grant(matrix, "owner", ("user", "analyze-only"), ["analyze", "export"]))
    assert got == only(matrix, {"analyze-only": [_shared(matrix, ["view", "analyze", "export"])]})


def test_a_group_grant_is_heard_by_its_members_alone(matrix):
    got = heard(
        matrix, lambda: _put_grant(matrix, "owner", ("group", "matrix-analysts"), ["analyze", "export"])
    )
    assert got == only(matrix, {"group-analyst": [_shared(matrix, ["view", "analyze", "export"])]})


def test_a_stewards_grant_reaches_a_stranger_who_may_now_see_the_dataset(matrix):
    got = heard(matrix, lambda: _put_grant(matrix, "steward", ("user", "stranger"), ["view"]))
    assert got == only(matrix, {"stranger": [_shared(matrix, ["view"])]})


def test_a_revocation_is_heard_by_nobody(matrix):
    got = heard(matrix, lambda: _put_grant(matrix, "owner", ("user", "analyze-only"), []))
    assert got == only(matrix)


def test_a_finished_analysis_is_heard_by_its_requester_creator_and_members_who_still_analyze(matrix):
    """The member requests; the cohort's creator hears too; the lapsed member, who no longer holds
    analyze, does not, nor does anyone who merely could see the analysis."""

    def request_and_run():
        response = matrix.client("member").post(
            "/api/analyses/",
            {
                "cohort": matrix.ids["cohort"],
                "analysis_type": "descriptive",
                "parameters": {"variables": ["age"]},
            },
            format="json",
        )
        assert response.status_code == 202, response.content
        run_queued_tasks()
        return response.json()["id"]

    ids = []
    got = heard(matrix, lambda: ids.append(request_and_run()))
    finished = {"type": "analysis.finished", "analysis": {"id": ids[0], "status": "succeeded"}}
    assert got == only(matrix, {"owner": [finished], "member": [finished]})


def test_a_message_is_heard_by_its_recipient_alone_and_names_no_object_they_may_not_see(matrix):
    """The owner writes to the stranger about the matrix dataset, which the stranger may not see."""
    forget_rate_limits(matrix.users["owner"])
    body = {
        "recipient": matrix.users["stranger"].username,
        "body": "Have a look?",
        "context": {"type": "dataset", "id": matrix.ids["dataset"]},
    }
    sent = []
    got = heard(
        matrix, lambda: sent.append(matrix.client("owner").post("/api/messages/", body, format="json"))
    )
    assert sent[0].status_code == 201, sent[0].content
    (event,) = got["stranger"]
    assert event["type"] == "message.created"
    assert set(event["message"]) == {"id", "sender", "recipient", "body", "sent_at", "parent"}
    assert got == only(matrix, {"stranger": [event]})
    # The API's own view of the message gives the stranger no link to the dataset either.
    message = matrix.client("stranger").get(f"/api/messages/{sent[0].json()['id']}/").json()
    assert message["context"] is None


def test_reading_is_heard_by_the_reader_alone(matrix):
    message = matrix.ids["message"]
    got = heard(matrix, lambda: matrix.client("member").post(f"/api/messages/{message}/read/"))
    assert got == only(matrix, {"member": [{"type": "message.read", "messages": [message]}]})


def test_an_anonymous_socket_is_refused(matrix):
    assert async_to_sync(try_connect)(origin="http://testserver") == (False, 4401)
