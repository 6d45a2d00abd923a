"""Fixtures of the hardening suite: a researcher's world with one of everything in it (a dataset
with a few rows, a cohort, a finished analysis, messages both ways), token-authenticated clients,
and a worker that runs queued analyses in this process."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult
from knox.models import AuthToken
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from analyses import services as analysis_services
from analyses.models import Analysis
from biostat.worker import build_worker
from cohorts import services as cohort_services
from datasets import permissions
from datasets import services as dataset_services
from messaging import services as message_services
from messaging.throttling import SCOPE

PASSWORD = "Plain-sturdy-horse-42"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CLIENT_IP = "127.0.0.1"  # the address Django's and werkzeug's test clients send from


def forget_rate_limits(*users, ip=CLIENT_IP):
    """API logins, registrations and message sends are rate-limited through the cache, which outlives
    a test. Only these keys are removed: clearing a shared Redis would disturb other tests."""
    keys = [ScopedRateThrottle.cache_format % {"scope": "auth", "ident": ip}]
    keys += [ScopedRateThrottle.cache_format % {"scope": SCOPE, "ident": user.pk} for user in users]
    cache.delete_many(keys)


def trial_table(n=40, seed=11):
    """A small two-arm trial: a grouping column, numbers, a category and a survival outcome."""
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "arm": pa.array(["A" if i % 2 == 0 else "B" for i in range(n)]),
            "age": pa.array(rng.integers(30, 80, n).tolist(), pa.int64()),
            "bmi": pa.array(np.round(rng.normal(27, 4, n), 1).tolist()),
            "stage": pa.array((["I", "II", "III", "IV"] * n)[:n]),
            "time": pa.array(np.round(rng.exponential(20, n), 1).tolist()),
            "event": pa.array([bool(i % 3) for i in range(n)]),
        }
    )


def run_queued_tasks():
    """Run every queued task to completion in this process, as a worker would (without the worker
    loop, which closes database connections and so would end the test's transaction)."""
    worker = build_worker(worker_id="hardening-worker", interval=0, batch=True)
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)


@dataclass
class World:
    researcher: User
    colleague: User
    dataset: object
    cohort: object
    analysis: Analysis
    received: object  # a message from the colleague to the researcher
    sent: object  # the researcher's reply

    def token(self, user=None):
        """A fresh API token for ``user`` (the researcher by default)."""
        return AuthToken.objects.create(user or self.researcher)[1]

    def path_values(self, path):
        """Values naming this world's objects for the parameters of ``path``, an OpenAPI path
        (/api/datasets/{id}/) or a URL conf route (datasets/<int:pk>/), by the resource it is under.
        Parameters it does not know are left out."""
        resource = path.strip("/").removeprefix("api/").split("/", 1)[0]
        pk = {
            "datasets": self.dataset.pk,
            "cohorts": self.cohort.pk,
            "analyses": self.analysis.pk,
            "messages": self.received.pk,
        }.get(resource)
        values = {"id": pk, "pk": pk, "number": 1, "panel": "inbox"}
        if resource == "datasets":
            values["name"] = self.dataset.columns[0]["name"]
        elif resource == "analyses":
            values["name"] = self.analysis.charts[0]["name"] if self.analysis.charts else None
            values["table"] = next(iter(self.analysis.results["tables"]), None)
        return {name: value for name, value in values.items() if value is not None}


@pytest.fixture
def world(db):
    researcher = User.objects.create_user("rhea", "rhea@example.org", PASSWORD)
    colleague = User.objects.create_user("cole", "cole@example.org", PASSWORD)
    dataset = dataset_services.dataset_create(researcher, name="Trial", table=trial_table())
    permissions.grant(colleague, dataset, ["view", "analyze"])
    cohort = cohort_services.cohort_create(researcher, dataset, name="Older", criteria="age >= 40")
    analysis = analysis_services.analysis_request(
        user=researcher,
        cohort=cohort,
        analysis_type="descriptive",
        parameters={"variables": ["age", "bmi", "stage"]},
    )
    run_queued_tasks()
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.SUCCEEDED, analysis.error
    forget_rate_limits(researcher, colleague)
    received = message_services.message_send(sender=colleague, recipient=researcher, body="Seen the trial?")
    sent = message_services.message_send(
        sender=researcher, recipient=colleague, body="Yes, looking now.", parent=received
    )
    return World(researcher, colleague, dataset, cohort, analysis, received, sent)
