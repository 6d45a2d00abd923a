"""The encrypted blob store on the local file system: round trips, dedup, atomicity, tampering."""

import os
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import transaction

from biostat.health import run_checks
from datasets import blobstore, crypto
from datasets.models import Blob

pytestmark = pytest.mark.django_db
SECRET = b"Zanzibar-7731"


def sample_table():
    return pa.table(
        {
            "id": [1, 2, 3],
            "site": [SECRET.decode(), "Oslo", None],
            "x": pa.array(
                [Decimal("1000000000000.4"), Decimal("1000000000000.6"), None], pa.decimal128(14, 1)
            ),
        }
    )


def wide_table(rows=4000, columns=8):
    rng = np.random.default_rng(7)
    return pa.table({f"c{i}": rng.integers(0, 2**40, rows) for i in range(columns)})


def store(table):
    with transaction.atomic():
        return blobstore.store_table(table)


def stored_files(settings):
    root = settings.DATA_DIR / "blobs"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def object_path(blob):
    return blobstore.blob_storage().path(blobstore.object_name(blob.sha256))


def test_round_trip_keeps_values_and_types(settings):
    table = sample_table()
    blob = store(table)
    assert blobstore.load_table(blob).equals(table)
    assert blobstore.load_table(blob, columns=["x"]).equals(table.select(["x"]))
    plaintext = blobstore.parquet_bytes(table)
    assert (blob.size, blob.sha256) == (plaintext.size, blobstore.hashlib.sha256(plaintext).hexdigest())
    assert blob.stored_size == os.path.getsize(object_path(blob))
    assert blob.master_key_id == crypto.master_key().key_id
    assert stored_files(settings) == [settings.DATA_DIR / "blobs" / blobstore.object_name(blob.sha256)]


def test_open_blob_is_a_seekable_parquet_source():
    table = wide_table()
    blob = store(table)
    with blobstore.open_blob(blob) as reader:
        assert reader.seekable()
        assert pq.ParquetFile(reader).read().equals(table)
        reader.seek(-4, os.SEEK_END)
        assert reader.read() == b"PAR1"


def test_the_same_table_is_stored_once(settings):
    table = sample_table()
    first = store(table)
    again = store(pa.concat_tables([table.slice(0, 1), table.slice(1)]))  # other chunks, same content
    assert again.pk == first.pk
    assert Blob.objects.count() == 1
    assert len(stored_files(settings)) == 1


@pytest.mark.django_db(transaction=True)
def test_store_table_refuses_to_run_outside_a_transaction(settings):
    with pytest.raises(transaction.TransactionManagementError):
        blobstore.store_table(sample_table())
    assert not Blob.objects.exists()
    assert stored_files(settings) == []


def test_a_failure_inside_stored_removes_the_new_blob(settings):
    with pytest.raises(RuntimeError), transaction.atomic(), blobstore.stored(sample_table()) as blob:
        assert os.path.exists(object_path(blob))
        raise RuntimeError("the version could not be created")
    assert not Blob.objects.exists()
    assert stored_files(settings) == []


def test_a_failure_inside_stored_keeps_a_blob_stored_earlier(settings):
    blob = store(sample_table())
    with pytest.raises(RuntimeError), transaction.atomic(), blobstore.stored(sample_table()) as again:
        assert again.pk == blob.pk
        raise RuntimeError("the version could not be created")
    assert Blob.objects.filter(pk=blob.pk).exists()
    assert blobstore.load_table(blob).equals(sample_table())


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_no_file_and_no_row(settings, monkeypatch, failing):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="disk full"), transaction.atomic(), blobstore.stored(sample_table()):
        pass
    monkeypatch.undo()
    assert not Blob.objects.exists()
    assert stored_files(settings) == []  # neither the object nor its temporary file


def test_no_plaintext_at_rest(settings):
    table = sample_table()
    assert SECRET in blobstore.parquet_bytes(table).to_pybytes()  # the check below could fail
    store(table)
    files = [path for path in settings.DATA_DIR.rglob("*") if path.is_file()]
    assert files
    for path in files:
        assert SECRET not in path.read_bytes(), path


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:],  # one ciphertext bit
        lambda data: data[:5] + bytes([data[5] ^ 1]) + data[6:],  # the header
        lambda data: data[:-1],  # truncated
        lambda data: data + b"\0",  # extended
    ],
    ids=["ciphertext", "header", "truncated", "extended"],
)
def test_tampering_is_detected(damage):
    blob = store(sample_table())
    path = object_path(blob)
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(damage(data))
    with pytest.raises(blobstore.BlobCorrupted):
        blobstore.load_table(blob)


def test_segments_cannot_be_reordered_or_dropped(monkeypatch):
    monkeypatch.setattr(blobstore, "SEGMENT_BYTES", 1024)
    blob = store(wide_table())
    path = object_path(blob)
    with open(path, "rb") as handle:
        data = handle.read()
    header, body = data[: blobstore.HEADER.size], data[blobstore.HEADER.size :]
    step = 1024 + blobstore.SEGMENT_OVERHEAD
    swapped = header + body[step : 2 * step] + body[:step] + body[2 * step :]
    with open(path, "wb") as handle:
        handle.write(swapped)
    with pytest.raises(blobstore.BlobCorrupted, match="segment 0 failed authentication"):
        blobstore.load_table(blob)


def test_reading_some_columns_decrypts_only_their_segments(monkeypatch):
    monkeypatch.setattr(blobstore, "SEGMENT_BYTES", 4096)
    blob = store(wide_table(rows=20000, columns=10))
    total = -(-blob.size // 4096)
    opened = []
    original = crypto.open_sealed

    def counting(*args, **kwargs):
        opened.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(crypto, "open_sealed", counting)
    table = blobstore.load_table(blob, columns=["c3"])
    assert table.column_names == ["c3"] and table.num_rows == 20000
    assert 0 < len(opened) < total / 4


def test_another_master_key_cannot_read(settings):
    blob = store(sample_table())
    settings.BIOSTAT_MASTER_KEY = crypto.generate_key_text()
    with pytest.raises(crypto.DecryptionError, match="wrapped by master key"):
        blobstore.open_blob(blob)


def test_blob_storage_follows_the_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "elsewhere"
    assert blobstore.blob_storage().location == str(tmp_path / "elsewhere" / "blobs")


def test_health_check_round_trips_a_probe(settings):
    assert run_checks()["blob_store"] == {"ok": True}
    assert stored_files(settings) == []
