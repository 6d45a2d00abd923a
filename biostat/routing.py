"""WebSocket routes; each app contributes its own."""

from messaging.routing import websocket_urlpatterns as messaging_urlpatterns

websocket_urlpatterns = [*messaging_urlpatterns]
