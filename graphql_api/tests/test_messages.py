"""Message queries and sendMessage, through the messaging app's selectors and service."""

import pytest

from audit.models import AuditLog
from messaging.models import Message
from messaging.services import message_send

from .conftest import error_of

pytestmark = pytest.mark.django_db

SEND = """
mutation ($body: String!, $recipient: String, $parent: ID, $context: MessageContextInput) {
  sendMessage(body: $body, recipient: $recipient, parent: $parent, context: $context) {
    id sender recipient body isRead parentId threadId
    context { type id url }
    conversation { id body }
  }
}
"""
MESSAGES = """
query ($box: MessageBox! = INBOX, $unread: Boolean! = false) {
  messages(box: $box, unread: $unread) { totalCount items { id sender recipient body isRead } }
}
"""


def test_send_and_read_back(gql, owner, analyst):
    sent = gql(owner).data(SEND, {"body": "Hello Andy", "recipient": "andy"})["sendMessage"]
    assert sent["sender"] == "olivia" and sent["recipient"] == "andy" and sent["body"] == "Hello Andy"
    assert sent["isRead"] is False and sent["parentId"] is None and sent["threadId"] == sent["id"]
    assert sent["conversation"] == [{"id": sent["id"], "body": "Hello Andy"}]
    entry = AuditLog.objects.get(action="message.send")
    assert entry.actor == owner and entry.entity_id == sent["id"]

    inbox = gql(analyst).data(MESSAGES, {"unread": True})["messages"]
    assert inbox["totalCount"] == 1 and inbox["items"][0]["id"] == sent["id"]
    assert gql(owner).data(MESSAGES, {"box": "SENT"})["messages"]["totalCount"] == 1
    assert gql(owner).data(MESSAGES)["messages"]["totalCount"] == 0


def test_a_reply_goes_to_the_other_participant(gql, owner, analyst):
    first = message_send(sender=owner, recipient=analyst, body="Question?")
    reply = gql(analyst).data(SEND, {"body": "Answer.", "parent": first.pk})["sendMessage"]
    assert reply["recipient"] == "olivia" and reply["parentId"] == str(first.pk)
    assert reply["threadId"] == str(first.pk)
    assert [item["body"] for item in reply["conversation"]] == ["Question?", "Answer."]


def test_the_context_link_is_shown_only_to_readers_who_may_see_it(gql, owner, outsider, dataset):
    context = {"type": "DATASET", "id": dataset.pk}
    sent = gql(owner).data(SEND, {"body": "See this", "recipient": "oscar", "context": context})[
        "sendMessage"
    ]
    assert sent["context"] == {"type": "DATASET", "id": str(dataset.pk), "url": f"/datasets/{dataset.pk}/"}
    received = gql(outsider).data(
        "query ($id: ID!) { message(id: $id) { body context { id } } }", {"id": sent["id"]}
    )
    assert received["message"] == {"body": "See this", "context": None}


@pytest.mark.parametrize(
    ("variables", "fields"),
    [
        ({"body": "Hi", "recipient": "nobody"}, {"recipient": ["No active user named 'nobody'."]}),
        ({"body": "   ", "recipient": "andy"}, {"body": ["The message is empty."]}),
        ({"body": "Hi", "recipient": "olivia"}, {"recipient": ["You cannot send a message to yourself."]}),
        ({"body": "Hi"}, {"recipient": ["This field is required."]}),
    ],
)
def test_refused_messages_say_why_and_store_nothing(gql, owner, analyst, variables, fields):
    error = error_of(gql(owner)(SEND, variables))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "fields": fields}
    assert not Message.objects.exists()


def test_a_context_the_sender_may_not_see_is_refused_like_a_missing_one(gql, outsider, owner, dataset):
    caller = gql(outsider)
    hidden = error_of(
        caller(SEND, {"body": "x", "recipient": "olivia", "context": {"type": "DATASET", "id": dataset.pk}})
    )
    missing = caller(
        SEND, {"body": "x", "recipient": "olivia", "context": {"type": "DATASET", "id": dataset.pk + 9}}
    )
    assert hidden["extensions"]["fields"] == {"context": [f"No dataset {dataset.pk} that you may see."]}
    assert error_of(missing)["extensions"]["fields"] == {
        "context": [f"No dataset {dataset.pk + 9} that you may see."]
    }


def test_sending_shares_the_rest_api_rate_limit(gql, rest, owner, analyst, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "messages": "2/min"},
    }
    assert (
        rest(owner).post("/api/messages/", {"recipient": "andy", "body": "1"}, format="json").status_code
        == 201
    )
    gql(owner).data(SEND, {"body": "2", "recipient": "andy"})
    error = error_of(gql(owner)(SEND, {"body": "3", "recipient": "andy"}))
    assert error["extensions"] == {"code": "THROTTLED"}
    assert error["message"].startswith("Too many messages sent (the limit is 2/min).")
    assert Message.objects.count() == 2


def test_unknown_message_is_null(gql, owner):
    assert gql(owner).data("{ message(id: 999) { id } }")["message"] is None
