"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biostat.settings")


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler entering the middleware chain and the view in one thread hop.

    Every middleware and view here is synchronous. Django's async path adapts CSRF's
    ``process_view``, the view and ``render`` one thread hop each; running the sync chain as a
    whole cut a dataset fetch's server CPU by about 14% (docs/decisions.md, "Performance").
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


# Django must be set up before anything imports models.
django.setup(set_prefix=False)
django_asgi_app = SyncChainASGIHandler()

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
