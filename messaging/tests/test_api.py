import pytest

from audit.models import AuditLog
from messaging.models import Message
from messaging.services import message_send


@pytest.fixture
def conversation(alice, bob):
    first = message_send(sender=alice, recipient=bob, body="Hello Bob")
    reply = message_send(sender=bob, recipient=alice, body="Hi Alice", parent=first)
    return first, reply


def ids(response):
    return [item["id"] for item in response.json()["results"]]


# --- who may read what ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "detail", "read"),
    [("alice", 200, 404), ("bob", 200, 200), ("carol", 404, 404)],
)
def test_permission_matrix(api_as, alice, bob, carol, conversation, reader, detail, read):
    """A message alice sent bob: both read it, only bob marks it read, carol sees nothing."""
    first, _ = conversation
    client = api_as({"alice": alice, "bob": bob, "carol": carol}[reader])
    assert client.get(f"/api/messages/{first.pk}/").status_code == detail
    assert client.post(f"/api/messages/{first.pk}/read/").status_code == read
    inbox = ids(client.get("/api/messages/"))
    sent = ids(client.get("/api/messages/?box=sent"))
    assert (first.pk in inbox, first.pk in sent) == (reader == "bob", reader == "alice")


def test_outsider_cannot_reply_into_a_conversation(api_as, carol, conversation):
    first, _ = conversation
    response = api_as(carol).post("/api/messages/", {"recipient": "alice", "body": "x", "parent": first.pk})
    assert response.status_code == 400
    assert response.json()["detail"] == f"parent: No message {first.pk} in your conversations."


def test_anonymous_is_refused(client, conversation):
    assert client.get("/api/messages/").status_code in (401, 403)
    assert client.post("/api/messages/", {"recipient": "bob", "body": "x"}).status_code in (401, 403)


def test_token_authentication(client, bob, conversation, token_for):
    response = client.get("/api/messages/", HTTP_AUTHORIZATION=f"Token {token_for(bob)}")
    assert ids(response) == [conversation[0].pk]


# --- listing ----------------------------------------------------------------------------


def test_boxes_and_unread_filter(api_as, alice, bob, conversation):
    first, reply = conversation
    later = message_send(sender=alice, recipient=bob, body="Are you there?")
    client = api_as(bob)
    assert ids(client.get("/api/messages/")) == [later.pk, first.pk]
    assert ids(client.get("/api/messages/?box=inbox&unread=true")) == [later.pk, first.pk]
    client.post(f"/api/messages/{first.pk}/read/")
    assert ids(client.get("/api/messages/?unread=true")) == [later.pk]
    assert ids(client.get("/api/messages/?box=sent")) == [reply.pk]
    body = client.get("/api/messages/").json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "id": later.pk,
        "sender": "alice",
        "recipient": "bob",
        "body": "Are you there?",
        "is_read": False,
        "sent_at": body["results"][0]["sent_at"],
        "parent": None,
        "thread": later.pk,
        "context": None,
    }


@pytest.mark.parametrize(
    ("query", "detail"),
    [("box=trash", "box: Expected inbox or sent, got 'trash'."), ("unread=maybe", "unread: Expected true")],
)
def test_bad_filters_are_named(api_as, bob, query, detail):
    response = api_as(bob).get(f"/api/messages/?{query}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


def test_detail_carries_the_conversation(api_as, alice, conversation):
    first, reply = conversation
    body = api_as(alice).get(f"/api/messages/{reply.pk}/").json()
    assert body["id"] == reply.pk
    assert body["parent"] == first.pk
    assert [(m["id"], m["sender"], m["body"]) for m in body["conversation"]] == [
        (first.pk, "alice", "Hello Bob"),
        (reply.pk, "bob", "Hi Alice"),
    ]


def test_mark_read(api_as, bob, conversation):
    first, _ = conversation
    response = api_as(bob).post(f"/api/messages/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert Message.objects.get(pk=first.pk).is_read


# --- sending ------------------------------------------------------------------------------


def test_send(api_as, alice, bob):
    response = api_as(alice).post(
        "/api/messages/", {"recipient": "bob", "body": "  indented\nlines"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["sender"], body["recipient"], body["body"]) == ("alice", "bob", "  indented\nlines")
    assert [m["id"] for m in body["conversation"]] == [body["id"]]
    assert AuditLog.objects.filter(action="message.send", entity_id=str(body["id"])).count() == 1


def test_reply_goes_to_the_other_participant_by_default(api_as, bob, conversation):
    first, _ = conversation
    response = api_as(bob).post("/api/messages/", {"body": "Reply", "parent": first.pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["recipient"], response.json()["thread"]) == ("alice", first.pk)


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"recipient": "nobody", "body": "x"}, "recipient: No active user named 'nobody'."),
        ({"recipient": "gone", "body": "x"}, "recipient: No active user named 'gone'."),
        ({"recipient": "alice", "body": "x"}, "recipient: You cannot send a message to yourself."),
        ({"body": "x"}, "recipient: This field is required."),
        ({"recipient": "bob"}, "body: This field is required."),
        ({"recipient": "bob", "body": "   "}, "body: The message is empty."),
        (
            {"recipient": "bob", "body": "x", "parent": 999999},
            "parent: No message 999999 in your conversations.",
        ),
        ({"recipient": "bob", "body": "x", "context": {"type": "folder", "id": 1}}, 'context.type: "folder"'),
    ],
)
def test_bad_sends_name_the_field_and_write_nothing(api_as, alice, bob, make_user, payload, detail):
    make_user("gone", is_active=False)
    response = api_as(alice).post("/api/messages/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert not Message.objects.exists()
    assert not AuditLog.objects.filter(action="message.send").exists()


def test_context_link_only_for_readers_who_may_see_it(api_as, alice, bob, cohort_context):
    cohort_context[3] = {alice.pk}
    response = api_as(alice).post(
        "/api/messages/",
        {"recipient": "bob", "body": "Look", "context": {"type": "cohort", "id": 3}},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    link = {"type": "cohort", "id": 3, "url": "/cohorts/3/"}
    assert api_as(alice).get(f"/api/messages/{pk}/").json()["context"] == link
    assert api_as(bob).get(f"/api/messages/{pk}/").json()["context"] is None
    assert api_as(bob).get("/api/messages/").json()["results"][0]["context"] is None
    cohort_context[3].add(bob.pk)
    assert api_as(bob).get(f"/api/messages/{pk}/").json()["context"] == link


def test_invisible_context_is_refused(api_as, alice, bob, cohort_context):
    cohort_context[3] = {bob.pk}
    response = api_as(alice).post(
        "/api/messages/",
        {"recipient": "bob", "body": "Look", "context": {"type": "cohort", "id": 3}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "context: No cohort 3 that you may see."


def test_sending_is_rate_limited(api_as, alice, bob, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"messages": "3/min"}}
    client = api_as(alice)
    statuses = [
        client.post("/api/messages/", {"recipient": "bob", "body": "x"}).status_code for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    response = client.post("/api/messages/", {"recipient": "bob", "body": "x"})
    assert response.status_code == 429
    assert response.json()["detail"].startswith(
        "Too many messages sent (the limit is 3/min). Expected available in"
    )
    assert int(response["Retry-After"]) > 0
    # Reading is not rate limited.
    assert client.get("/api/messages/?box=sent").json()["count"] == 3
