"""The task worker Biostat runs, in its own process (``manage.py worker``) or as
a thread of the web process (``manage.py serve``), with the lease reaper beside it."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)


def build_worker(*, worker_id, interval=0.1, batch=False):
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def start_reaper():
    """Check for analyses whose worker died every third of the lease; returns a stop event."""
    from analyses.services import analyses_reap

    stop = threading.Event()

    def loop():
        while not stop.wait(max(settings.BIOSTAT_ANALYSIS_LEASE / 3, 0.1)):
            try:
                analyses_reap()
            except Exception:  # a failed sweep is retried at the next one
                logger.exception("Reaping expired analyses failed")
            finally:
                close_old_connections()

    threading.Thread(target=loop, name="analysis-reaper", daemon=True).start()
    return stop
