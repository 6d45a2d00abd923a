"""Live events for users' notification sockets.

Every app raises its events through ``publish``: the event goes to each user's
private channel group, and only once the surrounding database transaction has
committed, so a rolled-back action never announces itself. The caller decides
who may see the event; ``publish`` only delivers it.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id):
    return f"user.{user_id}"


def publish(user_ids, event):
    """Send ``event`` (a JSON-able dict with a ``type``) to ``user_ids`` after commit."""
    recipients = sorted(set(user_ids))

    def send():
        layer = get_channel_layer()
        for user_id in recipients:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "notify", "event": event})

    transaction.on_commit(send)
