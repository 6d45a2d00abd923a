"""Reads: which messages a user may see. A message is visible to its sender and
its recipient, and to nobody else (not even admins, outside the Django admin)."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404

from . import contexts
from .models import Message

AUTOCOMPLETE_LIMIT = 10


def message_list(user, *, box="inbox", unread=False):
    """``box`` is ``inbox`` (received) or ``sent``; ``unread`` keeps messages not yet read."""
    messages = Message.objects.select_related("sender", "recipient")
    messages = messages.filter(recipient=user) if box == "inbox" else messages.filter(sender=user)
    if unread:
        messages = messages.filter(is_read=False)
    return messages


def message_get(user, pk):
    """The message if ``user`` sent or received it; 404 otherwise."""
    try:
        return Message.objects.select_related("sender", "recipient").get(
            Q(sender=user) | Q(recipient=user), pk=pk
        )
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404("No such message.") from None


def received_message_get(user, pk):
    """The message if ``user`` received it; 404 otherwise (only a recipient marks it read)."""
    message = message_get(user, pk)
    if message.recipient_id != user.pk:
        raise Http404("No such message in your inbox.")
    return message


def thread_messages(user, message):
    """Every message of ``message``'s conversation that ``user`` may see, oldest first."""
    root = message.conversation_id
    return (
        Message.objects.select_related("sender", "recipient")
        .filter(Q(pk=root) | Q(thread_id=root))
        .filter(Q(sender=user) | Q(recipient=user))
        .order_by("sent_at", "id")
    )


def unread_count(user):
    return Message.objects.filter(recipient=user, is_read=False).count()


def active_recipient_get(username):
    """The active user called ``username``, or ``None``."""
    return get_user_model().objects.filter(username=username, is_active=True).first()


def recipient_suggestions(user, prefix):
    """Usernames of active users starting with ``prefix``, for the compose form's autocomplete."""
    prefix = prefix.strip()
    if not prefix:
        return []
    users = (
        get_user_model()
        .objects.filter(is_active=True, username__istartswith=prefix)
        .exclude(pk=user.pk)
        .order_by("username")
    )
    return list(users.values_list("username", flat=True)[:AUTOCOMPLETE_LIMIT])


def context_links(user, messages):
    """``{message id: link or None}``: the context each message shows to ``user``.

    Each distinct object is checked once, however many messages mention it.
    """
    checked = {}
    links = {}
    for message in messages:
        key = (message.context_type, message.context_id)
        if key not in checked:
            checked[key] = contexts.link(user, *key)
        links[message.pk] = checked[key]
    return links
