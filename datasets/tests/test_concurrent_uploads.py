"""Concurrent uploads of new versions to one dataset get unique, gap-free version numbers
(PostgreSQL: the dataset row is locked while the next number is taken)."""

import threading

import pytest
from django.db import connection, connections

from audit.models import AuditLog
from datasets import selectors, services
from datasets.models import Dataset
from datasets.tests.conftest import trial_table

UPLOADERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_versions_are_unique_and_gap_free(alice, make_dataset):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    dataset = make_dataset(alice)
    tables = [trial_table(f"id,upload\n1,{index}\n2,{index}\n".encode()) for index in range(UPLOADERS)]
    start = threading.Barrier(UPLOADERS)
    results, errors = [], []

    def upload(table):
        try:
            start.wait()
            results.append(services.dataset_add_version(alice, dataset, table=table))
        except Exception as exc:  # collected and reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(table,)) for table in tables]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(saved.version for saved, created in results if created) == list(range(2, UPLOADERS + 2))
    versions = [record.version for record in selectors.dataset_versions(dataset)]
    assert versions == list(range(UPLOADERS + 1, 0, -1))
    assert Dataset.objects.get(pk=dataset.pk).version == UPLOADERS + 1
    assert AuditLog.objects.filter(action="dataset.version").count() == UPLOADERS
    # Each version's record carries the content its own upload stored.
    hashes = {record.version: record.content_sha256 for record in selectors.dataset_versions(dataset)}
    assert {saved.content_sha256 for saved, _ in results} == {hashes[v] for v in range(2, UPLOADERS + 2)}
