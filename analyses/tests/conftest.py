"""Fixtures of the analysis engine's tests: a small trial dataset, a cohort on it, users
with different permissions, and a way to run the queued tasks."""

import numpy as np
import pyarrow as pa
import pytest
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.models import User
from biostat.worker import build_worker
from cohorts.criteria import parse
from cohorts.models import Cohort
from datasets import permissions, services


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_table(n=60, seed=7):
    rng = np.random.default_rng(seed)
    arm = np.where(np.arange(n) % 2 == 0, "A", "B")
    return pa.table(
        {
            "arm": pa.array(arm.tolist()),
            "age": pa.array(rng.integers(30, 80, n).tolist(), pa.int64()),
            "bmi": pa.array(np.round(rng.normal(27, 4, n), 1).tolist()),
            # A rare level: 3 patients, below the minimum cell count.
            "stage": pa.array((["I", "II", "III"] * n)[: n - 3] + ["IV"] * 3),
        }
    )


@pytest.fixture
def owner(db):
    return User.objects.create_user("olivia", password="x")


@pytest.fixture
def analyst(db):
    """Holds view + analyze, not export: sees results under disclosure control."""
    return User.objects.create_user("andy", password="x")


@pytest.fixture
def outsider(db):
    return User.objects.create_user("oscar", password="x")


@pytest.fixture
def dataset(owner, analyst):
    dataset = services.dataset_create(owner, name="Trial", table=make_table())
    permissions.grant(analyst, dataset, ["view", "analyze"])
    return dataset


def make_cohort(dataset, user, criteria=""):
    table = services_table(dataset)
    size = parse(criteria).count(table)
    return Cohort.objects.create(
        dataset=dataset,
        dataset_version=dataset.version,
        name="All",
        criteria=criteria,
        size=size,
        created_by=user,
    )


def services_table(dataset):
    from datasets.selectors import dataset_table

    return dataset_table(dataset)


@pytest.fixture
def cohort(dataset, owner):
    return make_cohort(dataset, owner)


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def run_queue():
    """Run every queued task to completion in this process, as a worker would."""

    # The worker's own loop closes "old" connections, which would end the test's transaction;
    # this drives the same claim-and-run steps without it.
    worker = build_worker(worker_id="test-worker", interval=0, batch=True)

    def run():
        while (task := DBTaskResult.objects.ready().first()) is not None:
            task.claim(worker.worker_id)
            worker.run_task(task)

    return run
