"""The blob store on an S3-compatible bucket (moto's in-process server)."""

import boto3
import pyarrow as pa
import pytest
from django.db import transaction
from moto.server import ThreadedMotoServer

from biostat.health import run_checks
from datasets import blobstore, crypto
from datasets.models import Blob

pytestmark = pytest.mark.django_db
SECRET = "Zanzibar-7731"
BUCKET = "biostat-blobs"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.BIOSTAT_BLOB_URL = f"s3://{BUCKET}/tenant-a?endpoint_url={s3_endpoint}&region=us-east-1"
    blobstore._storage_for.cache_clear()  # credentials are read when the storage is built
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
    blobstore._storage_for.cache_clear()


def keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_blobs_are_stored_encrypted_in_the_bucket_and_read_back(bucket, settings):
    table = pa.table({"site": [SECRET, "Oslo"], "n": [1, 2]})
    with transaction.atomic():
        blob = blobstore.store_table(table)
    assert keys(bucket) == [f"tenant-a/{blobstore.object_name(blob.sha256)}"]
    stored = bucket.get_object(Bucket=BUCKET, Key=keys(bucket)[0])["Body"].read()
    assert len(stored) == blob.stored_size
    assert SECRET.encode() not in stored
    assert blobstore.load_table(blob).equals(table)
    assert blobstore.load_table(blob, columns=["n"]).equals(table.select(["n"]))
    assert not (settings.DATA_DIR / "blobs").exists()  # nothing went to the local disk


def test_a_multi_segment_blob_reads_by_ranges(bucket, monkeypatch):
    monkeypatch.setattr(blobstore, "SEGMENT_BYTES", 1024)
    table = pa.table({f"c{i}": list(range(i, 3000 + i)) for i in range(4)})
    with transaction.atomic():
        blob = blobstore.store_table(table)
    assert blob.size > 8 * 1024
    assert blobstore.load_table(blob).equals(table)
    assert blobstore.load_table(blob, columns=["c2"]).equals(table.select(["c2"]))


def test_a_failed_import_removes_its_object(bucket):
    with pytest.raises(RuntimeError), transaction.atomic(), blobstore.stored(pa.table({"a": [1]})):
        raise RuntimeError("version not created")
    assert keys(bucket) == []
    assert not Blob.objects.exists()


def test_tampering_in_the_bucket_is_detected(bucket):
    with transaction.atomic():
        blob = blobstore.store_table(pa.table({"a": [1, 2, 3]}))
    key = keys(bucket)[0]
    data = bytearray(bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    data[-5] ^= 1
    bucket.put_object(Bucket=BUCKET, Key=key, Body=bytes(data))
    with pytest.raises(crypto.DecryptionError):
        blobstore.load_table(blob)


def test_health_check_uses_the_bucket(bucket):
    assert run_checks()["blob_store"] == {"ok": True}
    assert keys(bucket) == []
