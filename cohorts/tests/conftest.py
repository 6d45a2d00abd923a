"""Fixtures of the cohort app's tests (the criteria tests need none): users in each relation
to a small trial dataset, API clients, and cohorts made through the service."""

from datetime import date, timedelta

import pyarrow as pa
import pytest
from rest_framework.test import APIClient

from accounts.models import User
from cohorts import services as cohort_services
from datasets import permissions
from datasets import services as dataset_services

STAGES = ["I", "II", "III", "IV"]


def trial_rows(n=20):
    """Row i: age 40+2i, sex F for even i, stage cycling I..IV, bmi missing for every fifth row,
    enrolled on day i of 2024. Tests count expected selections from these rows in plain Python."""
    return [
        {
            "id": i + 1,
            "age": 40 + 2 * i,
            "sex": "F" if i % 2 == 0 else "M",
            "stage": STAGES[i % 4],
            "bmi": None if i % 5 == 0 else 20 + 0.5 * i,
            "enrolled": date(2024, 1, 1) + timedelta(days=i),
        }
        for i in range(n)
    ]


def trial_table(rows=None):
    return pa.Table.from_pylist(rows if rows is not None else trial_rows())


def count(rows, predicate):
    return sum(1 for row in rows if predicate(row))


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username, role=User.Role.RESEARCHER, **extra):
    return User.objects.create_user(username=username, password="x", role=role, **extra)


@pytest.fixture
def owner(db):
    """Created the dataset: holds every permission, export included."""
    return _user("olivia")


@pytest.fixture
def analyst(db):
    """view + analyze, no export: sees counts under disclosure control."""
    return _user("andy")


@pytest.fixture
def member(db):
    """view + analyze; made a member of the cohorts the tests create."""
    return _user("mia")


@pytest.fixture
def viewer(db):
    """view only: sees the dataset, not its cohorts."""
    return _user("vera")


@pytest.fixture
def outsider(db):
    return _user("oscar")


@pytest.fixture
def steward(db):
    return _user("sam", role=User.Role.STEWARD)


@pytest.fixture
def dataset(owner, analyst, member, viewer):
    dataset = dataset_services.dataset_create(owner, name="Trial", table=trial_table())
    permissions.grant(analyst, dataset, ["view", "analyze"])
    permissions.grant(member, dataset, ["view", "analyze"])
    permissions.grant(viewer, dataset, ["view"])
    return dataset


@pytest.fixture
def make_cohort(dataset, owner):
    def make(criteria='age >= 60 and sex == "F"', name="Older women", user=None, members=(), on=None):
        return cohort_services.cohort_create(
            user or owner, on or dataset, name=name, criteria=criteria, members=members
        )

    return make


@pytest.fixture
def cohort(make_cohort, member):
    return make_cohort(members=[member.username])


@pytest.fixture
def api_as():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for
