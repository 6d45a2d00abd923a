"""Run a task worker process with the analysis lease reaper.

For deployments with more than one process (REDIS_URL set): any number of these
on any number of machines share the database queue. On PostgreSQL each one wakes
on the NOTIFY that queuing a task sends; elsewhere it polls.
"""

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from biostat.worker import FALLBACK_POLL, build_worker, start_reaper


class Command(BaseCommand):
    help = "Run a Biostat task worker (analyses) with the lease reaper."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=FALLBACK_POLL,
            help="Seconds between polls of an empty queue when no wake-up arrives (on PostgreSQL a "
            "NOTIFY wakes the worker as soon as a task is queued).",
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *, interval, batch, **options):
        worker = build_worker(worker_id=f"worker-{get_random_string(12)}", interval=interval, batch=batch)
        stop = start_reaper()
        try:
            worker.configure_signals()
            worker.run()
        finally:
            stop.set()
