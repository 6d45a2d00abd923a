"""Writes: sending messages and marking them read, each with its audit record and
its live event, all committed together."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record

from . import contexts
from .events import publish
from .models import BODY_MAX_LENGTH, Message


def message_event(message):
    """The ``message`` object of a ``message.created`` event (the recipient may read all of it)."""
    return {
        "id": message.pk,
        "sender": message.sender.get_username(),
        "recipient": message.recipient.get_username(),
        "body": message.body,
        "sent_at": message.sent_at.isoformat(),
        "parent": message.parent_id,
    }


def _validate(*, sender, recipient, body, parent, context_type, context_id):
    errors = {}
    if not body.strip():
        errors["body"] = "The message is empty."
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"At most {BODY_MAX_LENGTH} characters (this one has {len(body)})."
    if not recipient.is_active:
        errors["recipient"] = f"{recipient.get_username()} is not an active user."
    elif recipient.pk == sender.pk:
        errors["recipient"] = "You cannot send a message to yourself."
    if parent is not None:
        if sender.pk not in parent.participant_ids:
            errors["parent"] = f"No message {parent.pk} in your conversations."
        elif recipient.pk not in parent.participant_ids:
            # A conversation is between its two first participants, so a reply goes to the other one.
            errors["recipient"] = "A reply goes to the other person in the conversation."
    if context_type or context_id is not None:
        if not contexts.registered(context_type):
            errors["context"] = f"Unknown context type {context_type!r}."
        elif not contexts.can_see(sender, context_type, context_id):
            # The same words whether the object is missing or hidden: nothing leaks.
            errors["context"] = f"No {context_type} {context_id} that you may see."
    if errors:
        raise ValidationError(errors)


def message_send(*, sender, recipient, body, parent=None, context_type="", context_id=None, request=None):
    """Send ``body`` from ``sender`` to ``recipient``; ``parent`` makes it a reply.

    Raises ``ValidationError`` (field -> message) and writes nothing when the
    message is not allowed.
    """
    _validate(
        sender=sender,
        recipient=recipient,
        body=body,
        parent=parent,
        context_type=context_type,
        context_id=context_id,
    )
    with transaction.atomic():
        message = Message.objects.create(
            sender=sender,
            recipient=recipient,
            body=body,
            parent=parent,
            thread_id=parent.conversation_id if parent is not None else None,
            context_type=context_type or "",
            context_id=context_id,
            sent_at=timezone.now(),
        )
        record(
            "message.send",
            actor=sender,
            entity=message,
            summary=f"Message from {sender.get_username()} to {recipient.get_username()}",
            payload={
                "recipient": recipient.get_username(),
                "parent": message.parent_id,
                "context": {"type": context_type, "id": context_id} if context_type else None,
                "length": len(body),
            },
            request=request,
        )
        publish([recipient.pk], {"type": "message.created", "message": message_event(message)})
    return message


def messages_mark_read(*, user, messages, request=None):
    """Mark the given messages that ``user`` received as read; returns how many changed.

    A read receipt is a state change the sender relies on, so it is audited
    (``message.read``, one entry per call). The reader's other tabs and devices hear
    ``message.read`` and refresh their badge.
    """
    messages = list(messages)
    with transaction.atomic():
        unread = Message.objects.filter(
            pk__in=[message.pk for message in messages], recipient=user, is_read=False
        )
        ids = list(unread.values_list("pk", flat=True))
        if ids:
            Message.objects.filter(pk__in=ids).update(is_read=True)
            record(
                "message.read",
                actor=user,
                entity_type="message",
                entity_id=ids[0] if len(ids) == 1 else "",
                summary=f"{user.get_username()} read {len(ids)} message(s)",
                payload={"messages": ids},
                request=request,
            )
            publish([user.pk], {"type": "message.read", "messages": ids})
    for message in messages:
        if message.pk in ids:
            message.is_read = True
    return len(ids)
