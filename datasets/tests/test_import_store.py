"""Storing an imported table and describing it at the same time."""

import threading

import pytest

from datasets import blobstore, columnwise, dictionary, importers, services
from datasets.models import Blob, Dataset
from datasets.tests.conftest import trial_table

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["inline", "threaded"], autouse=True)
def mode(request, monkeypatch):
    """Every test runs with the small test tables handled inline, and again as if they were large."""
    if request.param == "threaded":
        monkeypatch.setattr(columnwise, "THREADED_ROWS", 1)
    return request.param


@pytest.fixture
def started_threads(monkeypatch):
    names = []
    start = threading.Thread.start

    def recording_start(thread):
        names.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    return names


def test_a_small_table_is_read_described_and_stored_without_starting_threads(mode, started_threads):
    table = importers.read_rows([{"x": i, "group": "ab"[i % 2]} for i in range(50)])
    with services.stored_and_described(table) as (_, columns):
        pass

    assert [column["type"] for column in columns] == ["integer", "categorical"]
    assert bool(started_threads) == (mode == "threaded")


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
