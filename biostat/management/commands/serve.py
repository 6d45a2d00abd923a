"""Serve HTTP and WebSocket with Daphne, with a task worker in the same process.

The embedded default uses the in-memory channel layer, which does not cross
processes; running the worker as a thread of the Daphne process lets the events
it raises (``analysis.finished``) reach the sockets this process serves. With
``REDIS_URL`` set, run ``manage.py worker`` processes separately instead
(``--no-worker``). The worker thread picks up an analysis that this process
queues on the commit that queued it (``biostat.worker``).
"""

import tempfile
import threading
from pathlib import Path

from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from biostat.worker import build_worker, start_reaper


class Command(BaseCommand):
    help = "Serve Biostat (HTTP + WebSocket) with Daphne and an in-process task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_false", dest="worker", help="Do not start a task worker."
        )

    def handle(self, *, host, port, worker, **options):
        from biostat.asgi import application

        # Daphne (Twisted) spools request bodies over 100 kB to an anonymous temporary
        # file: keep it on memory-backed storage so no uploaded row reaches disk in plaintext.
        # tempfile creates files with O_EXCL and mode 0600, and anonymous ones unlinked at once.
        memory_backed = Path("/dev/shm")  # noqa: S108
        if memory_backed.is_dir():
            tempfile.tempdir = str(memory_backed)

        task_worker = reaper = None
        if worker:
            task_worker = build_worker(worker_id=f"serve-{get_random_string(12)}")
            threading.Thread(target=task_worker.run, name="task-worker", daemon=True).start()
            reaper = start_reaper()
        self.stdout.write(f"Biostat on http://{host}:{port}/ (Ctrl-C stops the server and the worker)")
        try:
            Server(
                application=application,
                endpoints=build_endpoint_description_strings(host=host, port=port),
                signal_handlers=True,
                # Daphne hands a body to the application in pieces of this size: its default of
                # 8 KiB made a 176 MB upload 21,000 queue messages and file writes (0.3 s of CPU).
                request_buffer_size=1024 * 1024,
            ).run()
        finally:
            if task_worker is not None:
                task_worker.stop()
                reaper.set()
