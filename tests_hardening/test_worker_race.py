"""Two real worker processes (``manage.py worker``) racing for the same analyses: each analysis runs
exactly once. Every analysis is queued twice (as a re-queue by the reaper, or a task delivered
twice, would leave it), so both workers can hold a task for the same analysis at the same moment
and only the analysis claim decides which of them computes it."""

import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from analyses import services as analysis_services
from analyses.models import Analysis
from analyses.tasks import run_analysis
from audit.models import AuditLog
from messaging.servers import MANAGE

from .test_faults import site_on_test_database

ANALYSES = 8
DEADLINE_SECONDS = 120


def start_worker(site, log_path):
    with log_path.open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, str(MANAGE), "worker", "--interval", "0.05"],
            env=site.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_until_started(process, log_path):
    """Until the worker's loop runs (django_tasks_db logs "Starting worker" as it enters it)."""
    deadline = time.monotonic() + 60
    while "Starting worker" not in log_path.read_text():
        assert process.poll() is None, f"the worker exited:\n{log_path.read_text()}"
        assert time.monotonic() < deadline, f"the worker did not start:\n{log_path.read_text()}"
        time.sleep(0.1)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_until_done(tasks):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while tasks.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
        assert time.monotonic() < deadline, "the workers did not finish the queue"
        time.sleep(0.2)


def queue_twice(world):
    """Queue an analysis with two tasks for it, one after the other in the queue (as a task
    delivered twice would be): two idle workers take one each, at about the same moment."""
    analysis = analysis_services.analysis_request(
        user=world.researcher,
        cohort=world.cohort,
        analysis_type="descriptive",
        parameters={"variables": ["age", "bmi", "stage"]},
    )
    run_analysis.enqueue(analysis.pk)
    return analysis.pk


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_each_analysis_exactly_once(world, settings, tmp_path):
    site = site_on_test_database(settings)
    logs = [tmp_path / f"worker-{number}.log" for number in (1, 2)]
    workers = [start_worker(site, log) for log in logs]
    try:
        for worker, log in zip(workers, logs, strict=True):
            wait_until_started(worker, log)
        # Both workers wait on an empty queue; everything appears to them at once, on this commit.
        with transaction.atomic():
            ids = [queue_twice(world) for _ in range(ANALYSES)]
        tasks = DBTaskResult.objects.filter(args_kwargs__args__0__in=ids)
        assert tasks.count() == 2 * ANALYSES
        wait_until_done(tasks)
    finally:
        for worker in workers:
            stop(worker)

    output = "\n".join(log.read_text() for log in logs)
    assert "Traceback" not in output, output
    analyses = Analysis.objects.in_bulk(ids)
    claims = {pk: [] for pk in ids}  # (worker process, when its task was claimed) for each analysis
    for task in tasks:
        assert task.status == "SUCCESSFUL", (task.exception_class_path, task.traceback)
        (taker,) = task.worker_ids  # each task was claimed once, by one worker process
        claims[task.args_kwargs["args"][0]].append((taker, task.started_at))
    # A real race: for some analysis each process held one of its tasks before it was finished.
    raced = [
        pk
        for pk, pair in claims.items()
        if len({taker for taker, _ in pair}) == 2
        and all(started < analyses[pk].finished_at for _, started in pair)
    ]
    assert raced, claims

    pids = {str(worker.pid) for worker in workers}
    finished = Counter(
        AuditLog.objects.filter(action="analysis.finish", entity_type="analysis").values_list(
            "entity_id", flat=True
        )
    )
    for analysis in analyses.values():
        assert analysis.status == Analysis.Status.SUCCEEDED, analysis.error
        assert analysis.attempts == 1  # claimed once: the loser's conditional update changed nothing
        assert analysis.worker.split(":")[1] in pids  # computed by one of the two processes
        assert analysis.metadata["results_sha256"]  # one receipt
        assert finished[str(analysis.pk)] == 1  # one outcome in the audit log
