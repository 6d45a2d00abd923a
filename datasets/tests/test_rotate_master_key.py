"""rotate_master_key re-wraps every data key: blobs and encrypted fields, history included."""

import io

import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import User
from datasets import blobstore, crypto, fields
from datasets.models import Blob, Dataset

pytestmark = pytest.mark.django_db
COLUMNS = [{"name": "site", "levels": ["Oslo", "Zanzibar-7731"]}]


@pytest.fixture
def data():
    """Two blobs and a dataset with two historical records (three encrypted field values)."""
    user = User.objects.create_user(username="rotator", password="Plain-sturdy-horse-42")
    with transaction.atomic():
        first = blobstore.store_table(pa.table({"site": ["Oslo", "Zanzibar-7731"]}))
        second = blobstore.store_table(pa.table({"site": ["Lima"]}))
    dataset = Dataset.objects.create(
        name="Sites", creator=user, content_sha256=first.sha256, row_count=2, columns=COLUMNS, blob=first
    )
    dataset.columns = [*COLUMNS, {"name": "added"}]
    dataset.save()
    return dataset, [first, second]


def rotate(**options):
    out = io.StringIO()
    call_command("rotate_master_key", stdout=out, **options)
    return out.getvalue()


def assert_everything_reads(dataset, blobs):
    for blob in Blob.objects.all():
        assert blobstore.load_table(blob).num_rows in (1, 2)
    assert Dataset.objects.get(pk=dataset.pk).columns[0] == COLUMNS[0]
    assert [record.columns[0] for record in dataset.history.all()] == [COLUMNS[0], COLUMNS[0]]


def assert_nothing_reads(dataset):
    for blob in Blob.objects.all():
        with pytest.raises(crypto.DecryptionError):
            blobstore.load_table(blob)
    with pytest.raises(crypto.DecryptionError):
        Dataset.objects.get(pk=dataset.pk)
    with pytest.raises(crypto.DecryptionError):
        list(dataset.history.all())


def test_rotation_replaces_the_generated_key_file(data, settings):
    dataset, blobs = data
    old = crypto.master_key()
    new_text = crypto.generate_key_text()
    output = rotate(new_key=new_text)
    assert "Re-wrapped 2 blob key(s) and 3 encrypted value(s) in " in output
    assert "datasets.Dataset.columns" in output and "datasets.HistoricalDataset.columns" in output
    key_file = settings.DATA_DIR / crypto.KEY_FILE_NAME
    assert key_file.read_text() == new_text
    assert not (settings.DATA_DIR / "master.key.new").exists()
    new = crypto.master_key()
    assert set(Blob.objects.values_list("master_key_id", flat=True)) == {new.key_id}
    assert_everything_reads(dataset, blobs)
    # The old key, configured again, opens nothing; the new one's data keys are not its own.
    settings.BIOSTAT_MASTER_KEY = old.key.hex()
    assert_nothing_reads(dataset)
    for blob in Blob.objects.all():
        with pytest.raises(crypto.DecryptionError):
            old.unwrap(blob.wrapped_key)


def test_rotation_with_keys_from_the_environment(data, settings, monkeypatch):
    dataset, blobs = data
    old_text = crypto.master_key().key.hex()
    settings.BIOSTAT_MASTER_KEY = old_text
    new_text = crypto.generate_key_text()
    monkeypatch.setenv("BIOSTAT_NEW_MASTER_KEY", new_text)
    assert "Now set BIOSTAT_MASTER_KEY to the new key" in rotate()
    assert_nothing_reads(dataset)  # the old key is still configured
    settings.BIOSTAT_MASTER_KEY = new_text
    assert_everything_reads(dataset, blobs)
    # A rerun (say after an interruption) skips what is already under the new key.
    assert fields.rewrap_all(crypto.parse_key(old_text), crypto.parse_key(new_text))[0] == 0


def test_a_failure_rolls_everything_back(data, settings, monkeypatch):
    dataset, blobs = data
    key_before = (settings.DATA_DIR / crypto.KEY_FILE_NAME).read_text()

    def fail(old, new):
        raise RuntimeError("database went away")

    monkeypatch.setattr(fields, "rewrap_all", fail)
    with pytest.raises(RuntimeError):
        rotate(new_key=crypto.generate_key_text())
    assert (settings.DATA_DIR / crypto.KEY_FILE_NAME).read_text() == key_before
    assert not (settings.DATA_DIR / "master.key.new").exists()
    assert_everything_reads(dataset, blobs)


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "Give the new key"), ("abc", "must be"), (None, "already in use")],
)
def test_refusals(data, key, message):
    with pytest.raises(CommandError, match=message):
        rotate(new_key=crypto.master_key().key.hex() if key is None else key)
