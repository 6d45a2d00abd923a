"""Storing an imported table and describing it at the same time."""

import pytest

from datasets import blobstore, dictionary, services
from datasets.models import Blob, Dataset
from datasets.tests.conftest import trial_table

pytestmark = pytest.mark.django_db


def test_stored_and_described_gives_the_blob_and_the_dictionary_of_the_table():
    table = trial_table()

    with services.stored_and_described(table) as (blob, columns):
        pass

    assert columns == dictionary.describe(table)
    assert blobstore.load_table(blob).equals(table)


def test_a_failure_to_describe_leaves_no_blob(alice, settings, monkeypatch):
    def broken_describe(table, **options):
        raise RuntimeError("describe failed")

    monkeypatch.setattr(services.dictionary, "describe", broken_describe)

    with pytest.raises(RuntimeError, match="describe failed"):
        services.dataset_create(alice, name="Doomed", table=trial_table())

    assert not Blob.objects.exists()
    assert not Dataset.objects.exists()
    blob_dir = settings.DATA_DIR / "blobs"
    assert not blob_dir.exists() or not [path for path in blob_dir.rglob("*") if path.is_file()]
