"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biostat.settings")


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler entering the middleware chain and the view in one thread hop, on a
    reused thread.

    Every middleware and view here is synchronous. Django's async path adapts CSRF's
    ``process_view``, the view and ``render`` one thread hop each; running the sync chain as a
    whole cut a dataset fetch's server CPU by about 14% (docs/decisions.md, "Performance").

    As in Django, each request's synchronous work runs on a thread of its own, so requests do
    not wait for each other. Django's ``ThreadSensitiveContext()`` starts that thread for every
    request and joins it in the event loop afterwards, a third of an anonymous request's CPU;
    here a finished request's thread waits for the next request instead.
    """

    IDLE_THREADS = 64  # kept for reuse at most; a burst beyond it starts threads that then exit

    def __init__(self):
        super().__init__()
        self.idle_threads = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Django refuses it
        try:
            executor = self.idle_threads.pop()
        except IndexError:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self.idle_threads) < self.IDLE_THREADS:
                self.idle_threads.append(executor)
            else:
                executor.shutdown(wait=False)

    async def read_body(self, receive):
        body = await super().read_body(receive)
        # A body under FILE_UPLOAD_MAX_MEMORY_SIZE is in the BytesIO that SpooledTemporaryFile
        # documents as ``_file``, in a buffer grown in steps. getvalue() trims the buffer to the
        # body in place; reading the body whole then shares it instead of copying it (0.09 s and
        # 176 MB for the P1 upload, which datasets.uploads reads whole).
        if isinstance(body._file, BytesIO):
            body._file.getvalue()
        return body

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
