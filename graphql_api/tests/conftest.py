"""Fixtures of the GraphQL tests: one small dataset and the five relations a user can have to
it, a cohort and an analysis on it, and clients that call /graphql/ as each user."""

import pyarrow as pa
import pytest
from django.core.cache import cache
from django.test import Client
from django_tasks_db.models import DBTaskResult
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from analyses import services as analysis_services
from biostat.worker import build_worker
from cohorts import services as cohort_services
from datasets import permissions
from datasets import services as dataset_services

ENDPOINT = "/graphql/"


def trial_table(n=40):
    """Arm A/B alternating, age 30..69, and stage with a rare level: IV for the last 3 rows only
    (below the minimum cell count of 5)."""
    return pa.table(
        {
            "arm": ["A" if i % 2 == 0 else "B" for i in range(n)],
            "age": list(range(30, 30 + n)),
            "stage": (["I", "II", "III"] * n)[: n - 3] + ["IV"] * 3,
        }
    )


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def forget_send_budget(user):
    # Ids repeat across tests and the cache outlives them; only this user's key, since a shared
    # Redis cache serves other tests too.
    cache.delete(ScopedRateThrottle.cache_format % {"scope": "messages", "ident": user.pk})


def _user(username, role=User.Role.RESEARCHER):
    user = User.objects.create_user(
        username=username, password="x", email=f"{username}@example.org", role=role
    )
    forget_send_budget(user)
    return user


@pytest.fixture
def owner(db):
    """Created the dataset: every permission, export included."""
    return _user("olivia")


@pytest.fixture
def analyst(db):
    """view + analyze (no export): results and counts under disclosure control."""
    return _user("andy")


@pytest.fixture
def viewer(db):
    """view only: the dataset's metadata, none of its cohorts or analyses."""
    return _user("vera")


@pytest.fixture
def steward(db):
    """Sees every dataset's metadata; no analyze without a grant."""
    return _user("sam", role=User.Role.STEWARD)


@pytest.fixture
def outsider(db):
    return _user("oscar")


@pytest.fixture
def dataset(owner, analyst, viewer):
    dataset = dataset_services.dataset_create(
        owner, name="Trial", description="A small trial", table=trial_table()
    )
    permissions.grant(analyst, dataset, ["view", "analyze"])
    permissions.grant(viewer, dataset, ["view"])
    return dataset


@pytest.fixture
def cohort(dataset, owner):
    return cohort_services.cohort_create(owner, dataset, name="Everyone", criteria="")


@pytest.fixture
def small_cohort(dataset, owner):
    """Three rows: its size is withheld from callers without export."""
    return cohort_services.cohort_create(owner, dataset, name="Stage IV", criteria='stage == "IV"')


@pytest.fixture
def run_queue():
    """Run every queued task to completion in this process, as a worker would."""
    worker = build_worker(worker_id="test-worker", interval=0, batch=True)

    def run():
        while (task := DBTaskResult.objects.ready().first()) is not None:
            task.claim(worker.worker_id)
            worker.run_task(task)

    return run


@pytest.fixture
def analysis(cohort, owner, run_queue):
    """A finished descriptive analysis of arm and stage, whose stage IV count (3) is small."""
    queued = analysis_services.analysis_request(
        user=owner, cohort=cohort, analysis_type="descriptive", parameters={"variables": ["age", "stage"]}
    )
    run_queue()
    queued.refresh_from_db()
    assert queued.status == "succeeded", queued.error
    return queued


def post(client, query, variables=None, **headers):
    return client.post(
        ENDPOINT, {"query": query, "variables": variables or {}}, content_type="application/json", **headers
    )


class Caller:
    """Runs GraphQL operations as one user through a logged-in browser session."""

    def __init__(self, user):
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def response(self, query, variables=None):
        return post(self.client, query, variables)

    def __call__(self, query, variables=None):
        """The response body; fails the test unless the HTTP exchange itself succeeded."""
        response = self.response(query, variables)
        assert response.status_code == 200, response.content
        return response.json()

    def data(self, query, variables=None):
        """The ``data`` of an operation that must not have errors."""
        body = self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql():
    """``gql(user)``: a Caller for that user."""
    return Caller


def token_for(user):
    return AuthToken.objects.create(user=user)[1]


@pytest.fixture
def rest():
    """``rest(user)``: a REST API client authenticated as ``user``."""

    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


def error_of(body):
    """The single error of a response body."""
    assert len(body.get("errors") or []) == 1, body
    return body["errors"][0]
