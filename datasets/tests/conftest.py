"""Fixtures of the datasets app's tests: users in each role, API clients, small datasets."""

import io

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from datasets import importers, services

PASSWORD = "Plain-sturdy-horse-42"
# A small table with every inferred type; "Zanzibar-7731" is the distinctive value the
# encryption tests look for.
TRIAL_CSV = (
    b"id,arm,age,bmi,stage,enrolled,smoker,site\n"
    b"1,A,64,27.5,I,2024-01-05,true,Zanzibar-7731\n"
    b"2,B,71,,III,2024-01-09,false,Oslo\n"
    b"3,A,58,31.2,II,2024-02-11,true,Oslo\n"
    b"4,B,49,22.8,IV,2024-02-20,false,Lima\n"
    b"5,A,66,25.1,III,2024-03-02,false,Lima\n"
    b"6,B,53,29.9,I,2024-03-15,true,Oslo\n"
)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(username, role=User.Role.RESEARCHER, **extra):
        return User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def steward(make_user):
    return make_user("sam", role=User.Role.STEWARD)


@pytest.fixture
def admin_user(make_user):
    return make_user("root", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_as():
    """``api_as(user)``: an API client authenticated as ``user``."""
    return api_client


def csv_file(content=TRIAL_CSV, name="trial.csv"):
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def trial_table(content=TRIAL_CSV):
    return importers.read_file(io.BytesIO(content), "trial.csv")


@pytest.fixture
def make_dataset():
    """``make_dataset(owner, content=TRIAL_CSV, name=...)``: a dataset created through the service."""

    def make(owner, content=TRIAL_CSV, name="Trial", description="A small trial"):
        return services.dataset_create(owner, name=name, description=description, table=trial_table(content))

    return make


@pytest.fixture
def dataset(alice, make_dataset):
    return make_dataset(alice)
