"""Idle workers wake when an analysis is queued, not at their next poll: the wake-up is sent
on commit (an in-process event everywhere, a NOTIFY on PostgreSQL) and a waiting worker
wakes on it. Latency itself is measured by the benchmarks (``python -m bench p2_api``)."""

import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from analyses.models import Analysis
from analyses.tests.test_lifecycle import queue
from biostat import worker as task_worker

# Longer than any test may take: a worker that waited it out would fail the test.
NEVER = 3600
TIMEOUT = 60

requires_postgresql = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="LISTEN/NOTIFY is PostgreSQL's"
)


@pytest.fixture
def wakeup():
    task_worker.wakeup.clear()
    yield task_worker.wakeup
    task_worker.wakeup.clear()


@pytest.mark.django_db
def test_queuing_wakes_workers_on_commit(owner, cohort, wakeup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue(owner, cohort)
        assert not wakeup.is_set()  # the task row is not visible to workers yet
    assert wakeup.is_set()


@pytest.mark.django_db
def test_a_rolled_back_request_wakes_nobody(owner, cohort, wakeup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue(owner, cohort)
        raise RuntimeError("the request failed after queuing")
    assert not wakeup.is_set()


def wait_until(condition):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        time.sleep(0.05)


def test_a_waiting_worker_runs_an_analysis_queued_after_it_went_idle(transactional_db, owner, cohort, wakeup):
    worker = task_worker.build_worker(worker_id="wakeup-test", interval=NEVER)
    idle = threading.Event()
    wait_for_work = worker.wait_for_work

    def observed_wait():
        idle.set()
        wait_for_work()

    worker.wait_for_work = observed_wait
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        assert idle.wait(TIMEOUT), "the worker never went idle"
        analysis = queue(owner, cohort)
        wait_until(lambda: Analysis.objects.get(pk=analysis.pk).status == Analysis.Status.SUCCEEDED)
    finally:
        worker.stop()
        thread.join(TIMEOUT)
    assert not thread.is_alive()


@requires_postgresql
def test_queuing_sends_a_notify_that_other_processes_receive_at_commit(transactional_db, owner, cohort):
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as listener:
        listener.execute(f"LISTEN {task_worker.CHANNEL}")
        queue(owner, cohort)
        received = list(listener.notifies(timeout=TIMEOUT, stop_after=1))
    assert [notification.channel for notification in received] == [task_worker.CHANNEL]


@requires_postgresql
def test_the_listener_wakes_workers_on_a_notify(transactional_db, wakeup):
    listener = task_worker.Listener(connection.alias)
    listener.start()
    try:
        assert wakeup.wait(TIMEOUT)  # set once listening, for tasks queued before
        wakeup.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {task_worker.CHANNEL}")
        assert wakeup.wait(TIMEOUT)
    finally:
        listener.stop()
