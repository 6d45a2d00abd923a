import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditLog
from audit.services import record

TABLE = AuditLog._meta.db_table


@pytest.fixture
def entry(db):
    return record("test.entry", summary="original")


def test_saving_an_existing_entry_is_refused(entry):
    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditLog.objects.get().summary == "original"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditLog.objects.count() == 1


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get().summary == "original"


def _raw(sql, params=()):
    # A savepoint, so that PostgreSQL's failed statement does not poison the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _assert_triggers_refuse(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["rewritten", entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    assert AuditLog.objects.get().summary == "original"


def test_database_refuses_raw_update_and_delete_on_sqlite(entry):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite triggers")
    _assert_triggers_refuse(entry)


@pytest.mark.postgres
def test_database_refuses_raw_update_delete_and_truncate_on_postgresql(entry):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-services)")
    _assert_triggers_refuse(entry)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"TRUNCATE {TABLE}")
    assert AuditLog.objects.count() == 1
