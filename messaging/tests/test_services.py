import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditLog
from messaging.models import BODY_MAX_LENGTH, Message
from messaging.services import message_send, messages_mark_read


def refusal(**kwargs):
    with pytest.raises(ValidationError) as caught:
        message_send(**kwargs)
    return caught.value.message_dict


def test_send_writes_message_and_audit_without_body(alice, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        message = message_send(sender=alice, recipient=bob, body="The secret result is 42")
    assert (message.sender, message.recipient, message.is_read, message.parent) == (alice, bob, False, None)
    entry = AuditLog.objects.get(action="message.send")
    assert (entry.actor, entry.entity_type, entry.entity_id) == (alice, "message", str(message.pk))
    assert entry.summary == "Message from alice to bob"
    assert entry.payload == {"recipient": "bob", "parent": None, "context": None, "length": 23}
    assert "secret" not in entry.canonical()


def test_replies_share_the_conversation_of_the_first_message(alice, bob):
    first = message_send(sender=alice, recipient=bob, body="Hello")
    reply = message_send(sender=bob, recipient=alice, body="Hi", parent=first)
    again = message_send(sender=alice, recipient=bob, body="How are you?", parent=reply)
    assert (first.thread_id, reply.thread_id, again.thread_id) == (None, first.pk, first.pk)
    assert {m.conversation_id for m in (first, reply, again)} == {first.pk}
    assert again.parent == reply


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "The message is empty."),
        ("  \n ", "The message is empty."),
        ("x" * (BODY_MAX_LENGTH + 1), "At most"),
    ],
)
def test_body_must_be_text_within_the_limit(alice, bob, body, reason):
    assert refusal(sender=alice, recipient=bob, body=body)["body"][0].startswith(reason)


def test_recipient_must_be_active_and_someone_else(alice, make_user):
    gone = make_user("gone", is_active=False)
    assert refusal(sender=alice, recipient=gone, body="hi") == {"recipient": ["gone is not an active user."]}
    assert refusal(sender=alice, recipient=alice, body="hi") == {
        "recipient": ["You cannot send a message to yourself."]
    }


def test_reply_stays_between_the_participants(alice, bob, carol):
    first = message_send(sender=alice, recipient=bob, body="Hello")
    assert "parent" in refusal(sender=carol, recipient=alice, body="butting in", parent=first)
    assert refusal(sender=bob, recipient=carol, body="forwarding", parent=first) == {
        "recipient": ["A reply goes to the other person in the conversation."]
    }


def test_context_must_be_visible_to_the_sender(alice, bob, cohort_context):
    cohort_context[7] = {alice.pk}
    message = message_send(sender=alice, recipient=bob, body="see", context_type="cohort", context_id=7)
    assert (message.context_type, message.context_id) == ("cohort", 7)
    # Hidden and missing objects are refused in the same words.
    assert refusal(sender=bob, recipient=alice, body="see", context_type="cohort", context_id=7) == {
        "context": ["No cohort 7 that you may see."]
    }
    assert refusal(sender=alice, recipient=bob, body="see", context_type="cohort", context_id=8) == {
        "context": ["No cohort 8 that you may see."]
    }
    assert refusal(sender=alice, recipient=bob, body="see", context_type="analysis", context_id=1) == {
        "context": ["Unknown context type 'analysis'."]
    }


def test_refused_send_writes_nothing(alice, make_user):
    gone = make_user("gone", is_active=False)
    refusal(sender=alice, recipient=gone, body="hi")
    assert not Message.objects.exists()
    assert not AuditLog.objects.filter(action="message.send").exists()


def test_send_rolls_back_with_its_transaction(alice, bob):
    with pytest.raises(RuntimeError), transaction.atomic():
        message_send(sender=alice, recipient=bob, body="hi")
        raise RuntimeError("the caller failed")
    assert not Message.objects.exists()
    assert not AuditLog.objects.filter(action="message.send").exists()


def test_mark_read_touches_only_the_readers_unread_messages(alice, bob):
    to_bob = message_send(sender=alice, recipient=bob, body="one")
    to_alice = message_send(sender=bob, recipient=alice, body="two")
    assert messages_mark_read(user=bob, messages=[to_bob, to_alice]) == 1
    assert messages_mark_read(user=bob, messages=[to_bob]) == 0
    to_bob.refresh_from_db()
    to_alice.refresh_from_db()
    assert (to_bob.is_read, to_alice.is_read) == (True, False)
