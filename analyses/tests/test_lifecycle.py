"""The lifecycle around the computation: claims, leases, the reaper, time limits,
and a real worker process killed with SIGKILL mid-analysis."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from analyses import methods, services
from analyses.models import Analysis
from analyses.tests.slow_method import Slow

Status = Analysis.Status


@pytest.fixture
def slow_method(monkeypatch):
    methods.all_methods()  # load the real ones first
    monkeypatch.setitem(methods.REGISTRY, "slow", Slow())


def queue(owner, cohort, analysis_type="descriptive", **parameters):
    parameters = parameters or {"variables": ["age"]}
    return services.analysis_request(
        user=owner, cohort=cohort, analysis_type=analysis_type, parameters=parameters
    )


@pytest.mark.django_db
def test_of_two_racing_workers_exactly_one_runs_it(owner, cohort):
    analysis = queue(owner, cohort)
    assert services._claim(analysis.pk, "worker-1") is True
    assert services._claim(analysis.pk, "worker-2") is False
    services.analysis_run(analysis.pk, worker_id="worker-2")  # loses the claim: does nothing
    analysis.refresh_from_db()
    assert analysis.status == Status.RUNNING and analysis.worker == "worker-1"


@pytest.mark.django_db
def test_expired_lease_is_requeued_once_then_failed(owner, cohort, settings):
    settings.BIOSTAT_ANALYSIS_LEASE = 30
    analysis = queue(owner, cohort)
    services._claim(analysis.pk, "dead-worker")
    later = timezone.now() + timedelta(seconds=31)
    assert services.analyses_reap(later) == (1, 0)
    analysis.refresh_from_db()
    assert analysis.status == Status.QUEUED and analysis.attempts == 1
    assert DBTaskResult.objects.filter(args_kwargs__args=[analysis.pk]).count() == 2

    services._claim(analysis.pk, "second-dead-worker")
    assert services.analyses_reap(later + timedelta(seconds=62)) == (0, 1)
    analysis.refresh_from_db()
    assert analysis.status == Status.FAILED
    assert "stopped (2 attempts)" in analysis.error


@pytest.mark.django_db
def test_a_live_lease_is_left_alone(owner, cohort):
    analysis = queue(owner, cohort)
    services._claim(analysis.pk, "busy-worker")
    assert services.analyses_reap() == (0, 0)
    analysis.refresh_from_db()
    assert analysis.status == Status.RUNNING


@pytest.mark.django_db
def test_a_reaped_analysis_is_not_finished_by_its_old_worker(owner, cohort, settings):
    analysis = queue(owner, cohort)
    services._claim(analysis.pk, "slow-worker")
    services.analyses_reap(timezone.now() + timedelta(seconds=settings.BIOSTAT_ANALYSIS_LEASE + 1))
    services._finish(analysis, "slow-worker", status=Status.SUCCEEDED, results={"summary": {}})
    analysis.refresh_from_db()
    assert analysis.status == Status.QUEUED and analysis.results is None


@pytest.mark.django_db
def test_time_limit_fails_the_analysis_cleanly(owner, cohort, settings, slow_method, run_queue):
    settings.BIOSTAT_ANALYSIS_TIME_LIMIT = 1
    analysis = queue(owner, cohort, "slow", seconds=20)
    started = time.monotonic()
    run_queue()
    analysis.refresh_from_db()
    assert analysis.status == Status.FAILED
    assert analysis.error == "The analysis did not finish within the time limit of 1 s."
    assert time.monotonic() - started < 10


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_analysis_is_detected_and_requeued(owner, cohort, settings, slow_method):
    if connection.vendor != "sqlite":
        database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    else:
        database_url = f"sqlite:///{connection.settings_dict['NAME']}"
    analysis = queue(owner, cohort, "slow", seconds=60)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BIOSTAT_DATA_DIR": str(settings.DATA_DIR),
        "BIOSTAT_TESTING": "1",
        "BIOSTAT_ANALYSIS_LEASE": "2",
    }
    script = Path(__file__).with_name("slow_worker.py")
    worker = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 30
        while Analysis.objects.get(pk=analysis.pk).status != Status.RUNNING:
            assert time.monotonic() < deadline, "the worker never picked the analysis up"
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    settings.BIOSTAT_ANALYSIS_LEASE = 2
    deadline = time.monotonic() + 15
    while services.analyses_reap() == (0, 0):
        assert time.monotonic() < deadline, "the expired lease was never detected"
        time.sleep(0.5)
    analysis.refresh_from_db()
    assert analysis.status == Status.QUEUED and analysis.attempts == 1
