import pytest
from django.db import connection

from accounts.models import User
from audit import triggers


@pytest.fixture
def make_user(db):
    def make(username, role=User.Role.RESEARCHER, **extra):
        return User.objects.create_user(username=username, role=role, **extra)

    return make


@pytest.fixture
def tamper():
    """Run SQL on the audit table behind the triggers' back, as an attacker with
    database access would, then put the guard back."""

    def run(sql, params=()):
        triggers.uninstall(connection)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            triggers.install(connection)

    return run
