"""The task worker Biostat runs, in its own process (``manage.py worker``) or as
a thread of the web process (``manage.py serve``), with the lease reaper beside it.

An idle worker does not wait out a poll interval before it sees new work: enqueuing a
task wakes it as soon as the enqueuing transaction commits. Within one process (the
worker thread of ``serve``) a ``threading.Event`` is set on commit; across processes on
PostgreSQL the enqueuing transaction sends a NOTIFY, which PostgreSQL delivers at commit
(never on rollback), and every worker process LISTENs for it. The poll stays as the
fallback for what no wake-up reaches: separate worker processes on SQLite, or a
notification sent while a listening connection was reconnecting.
"""

import logging
import threading

import psycopg
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, router, transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

CHANNEL = "biostat_tasks"
# Seconds between polls of an empty queue when no wake-up arrives.
FALLBACK_POLL = 1.0
# One per process: every waiting worker of the process wakes when it is set.
wakeup = threading.Event()


def wake_workers_on_commit(sender, task_result, **kwargs):
    """``task_enqueued`` receiver: wake idle workers once the new task row is visible to them."""
    using = router.db_for_write(DBTaskResult)
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    transaction.on_commit(wakeup.set, using=using)


class WakingWorker(Worker):
    """django_tasks_db's worker whose pause on an empty queue ends when a task is enqueued.

    The library's loop pauses with ``time.sleep(self.interval)`` after finding nothing to
    run, and reads ``interval`` nowhere else once started (``startup_delay`` is off). Reading
    it here waits for a wake-up, at most ``poll`` seconds, and leaves 0 s to sleep: the loop
    itself (claiming, running, signals, retries on a locked database) stays the library's.
    """

    def __init__(self, *, poll, **kwargs):
        super().__init__(interval=poll, startup_delay=False, batch=False, **kwargs)

    @property
    def interval(self):
        self.wait_for_work()
        return 0

    @interval.setter
    def interval(self, seconds):
        self.poll = seconds

    def wait_for_work(self):
        """Block until a task may be waiting (a wake-up) or ``poll`` seconds have passed."""
        wakeup.wait(self.poll)
        # Cleared before the next look at the queue, so a task enqueued after that look
        # sets it again and cannot be missed.
        wakeup.clear()

    def run(self):
        using = router.db_for_read(DBTaskResult)
        listener = Listener(using) if connections[using].vendor == "postgresql" else None
        if listener is not None:
            listener.start()
        try:
            super().run()
        finally:
            if listener is not None:
                listener.stop()
            connections.close_all()  # this thread's; a worker thread of serve may end before the process

    def stop(self):
        """Ask the loop to end after the task it runs (a thread's stop; processes use signals)."""
        self.running = False
        wakeup.set()


class Listener(threading.Thread):
    """LISTENs for enqueued tasks on a connection of its own and sets the wake-up on each NOTIFY."""

    def __init__(self, using):
        super().__init__(name="task-wakeup", daemon=True)
        self.using = using
        self.stopping = threading.Event()

    def run(self):
        connection = connections[self.using]  # this thread's own: it does nothing but listen
        while not self.stopping.is_set():
            try:
                connection.ensure_connection()
                connection.connection.execute(f"LISTEN {CHANNEL}")
                # Tasks enqueued while nothing listened would otherwise wait for the poll.
                wakeup.set()
                while not self.stopping.is_set():
                    for _notification in connection.connection.notifies(timeout=1.0):
                        wakeup.set()
            except (DatabaseError, psycopg.Error):
                logger.warning("Listening for tasks failed; polling until it reconnects.", exc_info=True)
                connection.close()
                self.stopping.wait(FALLBACK_POLL)
        connection.close()

    def stop(self):
        """Stop listening and close the connection (within a second)."""
        self.stopping.set()
        self.join()


def build_worker(*, worker_id, interval=FALLBACK_POLL, batch=False):
    """A worker for the ``default`` queue; ``batch`` runs what is queued and returns, else it
    waits for wake-ups, polling every ``interval`` seconds as the fallback."""
    queue = {
        "queue_names": ["default"],
        "excluded_queue_names": [],
        "backend_name": "default",
        "max_tasks": None,
        "worker_id": worker_id,
    }
    if batch:
        return Worker(interval=interval, batch=True, startup_delay=False, **queue)
    return WakingWorker(poll=interval, **queue)


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
