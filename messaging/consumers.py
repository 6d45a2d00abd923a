"""The notification socket: one per browser tab or API client, joined to its user's group."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import selectors
from .events import user_group

# Close codes in the application range (4000-4999), after HTTP's 401.
CLOSE_UNAUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Forwards the events published to the user (``messaging.events.publish``) and keeps the
    client's unread count current: on connect and after each message event."""

    group = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Before accept(), this refuses the handshake (HTTP 403).
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_unread_count()

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Clients only listen; whatever they send is ignored (not even parsed)."""

    async def notify(self, message):
        event = message["event"]
        await self.send_json(event)
        if event.get("type", "").startswith("message."):
            await self.send_unread_count()

    async def send_unread_count(self):
        count = await database_sync_to_async(selectors.unread_count)(self.scope["user"])
        await self.send_json({"type": "unread", "count": count})
