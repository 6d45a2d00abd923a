"""Clean answers when a service Biostat depends on fails under a request.

Without this, a database that is unreachable for a moment (restarted, failed over, refusing
connections) or a disk that is full would surface as a 500 with a traceback in the log and
nothing useful for the client. Instead:

- the database unavailable (``OperationalError``, ``InterfaceError``): 503 with ``Retry-After``,
  so clients and load balancers retry. Django closes the broken connection when the request
  ends (``close_old_connections``: ``errors_occurred`` and the connection no longer usable),
  and the next request connects afresh;
- no space left on the disk (``ENOSPC``, ``EDQUOT``) while storing something: 507 Insufficient
  Storage. Nothing is half-written (the blob store writes a temporary file and renames it; the
  rows roll back), but retrying soon will not help until an operator frees space.

API paths answer ``{"detail": ...}`` like every other API error; pages answer a short HTML page
rendered without a request context, since context processors may need the very database that
failed. Only exceptions raised by views arrive here (``process_exception``); DRF re-raises
those it does not know, so API views are covered too.
"""

import errno
import logging

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = "The database is unavailable for the moment. Please try again in a few seconds."
DISK_FULL = "The server has no space left to store this. Nothing was saved; please tell your administrator."
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class OutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            # No traceback: during an outage every request fails the same way; the message says how.
            logger.error("Database unavailable during %s %s: %s", request.method, request.path, exception)
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            return _answer(request, 503, "Service unavailable", DATABASE_UNAVAILABLE, retry)
        if isinstance(exception, OSError) and exception.errno in NO_SPACE:
            logger.error("No space left during %s %s: %s", request.method, request.path, exception)
            return _answer(request, 507, "Insufficient storage", DISK_FULL)
        return None


def _answer(request, status, title, detail, headers=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status, headers=headers)
    # One page for both: what failed is in the title and the message.
    page = loader.get_template("503.html").render({"title": title, "detail": detail})
    return HttpResponse(page, status=status, headers=headers)
