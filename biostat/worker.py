"""The task worker Biostat runs, in its own process (``db_worker``) or as a
thread of the web process (``serve``)."""

from django_tasks_db.management.commands.db_worker import Worker


def build_worker(*, worker_id, interval=0.2):
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
