"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biostat.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from biostat import daphne_requests  # noqa: E402
from biostat.routing import websocket_urlpatterns  # noqa: E402
from biostat.websocket_auth import WebSocketAuthStack  # noqa: E402

# Whichever way Daphne serves this application (manage.py serve, the daphne command).
daphne_requests.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebSocketAuthStack(URLRouter(websocket_urlpatterns)),
    }
)
