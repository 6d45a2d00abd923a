"""The encrypted, content-addressed store of dataset tables.

A table is written as Parquet into memory (never to a plaintext file), named by
the SHA-256 of those bytes, and stored encrypted under its own data key, which
the ``Blob`` row keeps wrapped by the master key. The stored object is::

    header: b"BSB1" | segment size (u32) | plaintext size (u64)
    then, per segment of ``segment size`` plaintext bytes (the last may be shorter):
        nonce (12) | AES-256-GCM ciphertext | tag (16)

Each segment's associated data binds the header, the blob's SHA-256, the
segment index and a last-segment flag, so a reader can decrypt any segment on
its own (random access for Parquet) while truncation, reordering, splicing
between blobs and header edits all fail authentication.

Objects live in a Django storage: the local file system under
``DATA_DIR/blobs`` (atomic writes: temp file, fsync, rename, fsync of the
directory), or an S3-compatible bucket when ``BIOSTAT_BLOB_URL`` names one.
"""

import contextlib
import functools
import hashlib
import io
import logging
import os
import struct
import tempfile
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction

from biostat.health import check

from . import crypto
from .models import Blob

logger = logging.getLogger(__name__)

MAGIC = b"BSB1"
HEADER = struct.Struct(">4sIQ")
SEGMENT_BYTES = 1 << 20
TAG_BYTES = 16
SEGMENT_OVERHEAD = crypto.NONCE_BYTES + TAG_BYTES
# Parquet settings are fixed so that the same table always gives the same bytes (and hash).
PARQUET_OPTIONS = {
    "compression": "snappy",
    "row_group_size": 1 << 20,
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": True,
}


class BlobCorrupted(crypto.DecryptionError):
    """A stored blob is missing bytes, has extra ones, or fails authentication."""


# --- Storage backend -----------------------------------------------------------------------


def blob_storage():
    """The storage holding blob objects, chosen by the settings in force now (tests change them)."""
    return _storage_for(settings.BIOSTAT_BLOB_URL, str(settings.DATA_DIR))


@functools.lru_cache(maxsize=8)
def _storage_for(blob_url, data_dir):
    if not blob_url:
        return FileSystemStorage(
            location=Path(data_dir) / "blobs", file_permissions_mode=0o600, directory_permissions_mode=0o700
        )
    from storages.backends.s3 import S3Storage

    url = urlsplit(blob_url)
    if url.scheme != "s3" or not url.netloc:
        raise ImproperlyConfigured("BIOSTAT_BLOB_URL must look like s3://bucket/prefix?endpoint_url=...")
    options = dict(parse_qsl(url.query))
    known = {"endpoint_url": "endpoint_url", "region": "region_name", "addressing_style": "addressing_style"}
    unknown = set(options) - set(known)
    if unknown:
        raise ImproperlyConfigured(
            f"BIOSTAT_BLOB_URL has unknown options {sorted(unknown)}; known: {sorted(known)}"
        )
    # Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles).
    return S3Storage(
        bucket_name=url.netloc,
        location=url.path.strip("/"),
        file_overwrite=True,
        querystring_auth=False,
        default_acl=None,
        **{known[name]: value for name, value in options.items()},
    )


def object_name(sha256):
    return f"{sha256[:2]}/{sha256}.bsb"


# --- Writing -------------------------------------------------------------------------------


def parquet_bytes(table):
    """The table as Parquet, in memory; the same table always gives the same bytes."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return sink.getvalue()


def store_table(table):
    """Store the table (or find the identical one already stored) and return its ``Blob``.

    Must run inside ``transaction.atomic()``: the row is inserted before the object
    is written, so if anything later fails the row rolls back with the caller's
    transaction. Prefer ``stored()``, which also removes the object on failure.
    """
    return _store(table)[0]


@contextlib.contextmanager
def stored(table):
    """``with stored(table) as blob:`` — if the block raises, a blob this call wrote is removed again.

    Neither this block nor the write in ``_store`` takes a savepoint: a failure in either
    propagates and rolls back the caller's whole transaction, which it must then do anyway.
    """
    with transaction.atomic(savepoint=False):
        blob, created = _store(table)
        try:
            yield blob
        except BaseException:
            # Delete before the transaction rolls back: until then our row lock keeps a
            # concurrent import of the same content from writing the same object.
            if created:
                _delete_quietly(object_name(blob.sha256))
            raise


def _delete_quietly(name):
    """Remove an object whose row is being rolled back; a failure must not hide the original error.

    What could remain is ciphertext whose key only the rolled-back row held.
    """
    try:
        blob_storage().delete(name)
    except Exception:  # the storage may be the very thing that failed
        logger.warning("Could not remove the orphaned blob object %s", name, exc_info=True)


def _store(table):
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("store_table() must run inside transaction.atomic().")
    plaintext = parquet_bytes(table)
    sha256 = hashlib.sha256(plaintext).hexdigest()
    existing = Blob.objects.filter(pk=sha256).first()
    if existing:
        return existing, False
    key = crypto.master_key()
    data_key = crypto.new_data_key()
    blob = Blob(
        sha256=sha256,
        size=plaintext.size,
        stored_size=stored_size(plaintext.size),
        wrapped_key=key.wrap(data_key),
        master_key_id=key.key_id,
    )
    with transaction.atomic(savepoint=False):
        try:
            with transaction.atomic():  # this savepoint lets the transaction go on after a conflict
                blob.save(force_insert=True)
        except IntegrityError:
            # A concurrent import stored the same content and committed first; ours waited on its row.
            return Blob.objects.get(pk=sha256), False
        _write_object(object_name(sha256), _encrypted_chunks(plaintext, sha256, data_key))
    return blob, True


def stored_size(plaintext_size, segment_bytes=None):
    segment_bytes = segment_bytes or SEGMENT_BYTES
    return HEADER.size + plaintext_size + _segment_count(plaintext_size, segment_bytes) * SEGMENT_OVERHEAD


def _segment_count(plaintext_size, segment_bytes):
    return max(1, -(-plaintext_size // segment_bytes))  # an empty plaintext still has one (empty) segment


def _associated_data(header, sha256, index, last):
    return header + bytes.fromhex(sha256) + struct.pack(">Q?", index, last)


def _encrypted_chunks(plaintext, sha256, data_key):
    header = HEADER.pack(MAGIC, SEGMENT_BYTES, plaintext.size)
    yield header
    count = _segment_count(plaintext.size, SEGMENT_BYTES)
    for index in range(count):
        piece = plaintext[index * SEGMENT_BYTES : (index + 1) * SEGMENT_BYTES].to_pybytes()
        yield crypto.seal(data_key, piece, _associated_data(header, sha256, index, index == count - 1))


def _write_object(name, chunks):
    storage = blob_storage()
    if isinstance(storage, FileSystemStorage):
        _write_local_atomically(Path(storage.path(name)), chunks)
        return
    # Object stores publish an upload only when it completes: atomic without a rename.
    saved = storage.save(name, File(io.BufferedReader(_ChunkStream(chunks), SEGMENT_BYTES), name))
    if saved != name:
        storage.delete(saved)
        raise ImproperlyConfigured(f"The blob storage renamed {name} to {saved}; it must overwrite in place.")


def _write_local_atomically(path, chunks):
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)  # make the rename itself durable


def fsync_directory(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class _ChunkStream(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (for storages that pull from a file)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending:
            self._pending = next(self._chunks, None)
            if self._pending is None:
                self._pending = b""
                return 0
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def rewrap_keys(old_key, new_key):
    """Re-wrap every blob's data key from ``old_key`` to ``new_key``; the stored objects are untouched."""
    count = 0
    for blob in Blob.objects.select_for_update().exclude(master_key_id=new_key.key_id).iterator():
        if blob.master_key_id != old_key.key_id:
            raise crypto.DecryptionError(
                f"Blob {blob.sha256} is wrapped by unknown master key {blob.master_key_id}."
            )
        blob.wrapped_key = new_key.wrap(old_key.unwrap(blob.wrapped_key))
        blob.master_key_id = new_key.key_id
        blob.save(update_fields=["wrapped_key", "master_key_id"])
        count += 1
    return count


# --- Reading -------------------------------------------------------------------------------


def open_blob(blob):
    """A seekable, read-only file object of the blob's plaintext Parquet, decrypted a segment at a time."""
    key = crypto.master_key()
    if blob.master_key_id != key.key_id:
        raise crypto.DecryptionError(
            f"Blob {blob.sha256} is wrapped by master key {blob.master_key_id}; the configured key is "
            f"{key.key_id}."
        )
    return BlobReader(blob, _source(object_name(blob.sha256)), key.unwrap(blob.wrapped_key))


def load_table(blob, columns=None):
    """The blob's table, or only ``columns`` of it (reading only their bytes)."""
    with open_blob(blob) as reader:
        if columns is not None:
            return pq.ParquetFile(reader).read(columns=columns)
        plaintext = reader.read()
    if hashlib.sha256(plaintext).hexdigest() != blob.sha256:
        raise BlobCorrupted(f"Blob {blob.sha256} does not match its SHA-256.")
    return pq.ParquetFile(pa.BufferReader(plaintext)).read()


class BlobReader(io.RawIOBase):
    """Decrypts the segments that reads touch, keeping the last one for the next read."""

    def __init__(self, blob, source, data_key):
        self._blob = blob
        self._source = source
        self._key = data_key
        self._position = 0
        self._cached = (None, b"")
        try:
            self._header = source.read_at(0, HEADER.size)
            if len(self._header) != HEADER.size:
                raise BlobCorrupted(f"Blob {blob.sha256} is truncated.")
            magic, self._segment_bytes, size = HEADER.unpack(self._header)
            if magic != MAGIC or size != blob.size or not self._segment_bytes:
                raise BlobCorrupted(f"Blob {blob.sha256} has a damaged header.")
            if source.size != stored_size(size, self._segment_bytes):
                raise BlobCorrupted(
                    f"Blob {blob.sha256} is {source.size} bytes; expected {blob.stored_size}."
                )
        except BaseException:
            source.close()
            raise
        self._count = _segment_count(size, self._segment_bytes)

    @property
    def size(self):
        return self._blob.size

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._blob.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size=-1):
        end = self._blob.size if size is None or size < 0 else min(self._blob.size, self._position + size)
        pieces = []
        while self._position < end:
            index, offset = divmod(self._position, self._segment_bytes)
            piece = self._segment(index)[offset : offset + end - self._position]
            pieces.append(piece)
            self._position += len(piece)
        return b"".join(pieces)

    def readall(self):
        return self.read()

    def close(self):
        if not self.closed:
            self._source.close()
        super().close()

    def _segment(self, index):
        if self._cached[0] == index:
            return self._cached[1]
        start = index * self._segment_bytes
        length = min(self._segment_bytes, self._blob.size - start) + SEGMENT_OVERHEAD
        sealed = self._source.read_at(HEADER.size + index * (self._segment_bytes + SEGMENT_OVERHEAD), length)
        associated = _associated_data(self._header, self._blob.sha256, index, index == self._count - 1)
        try:
            plain = crypto.open_sealed(self._key, sealed, associated)
        except crypto.DecryptionError as exc:
            raise BlobCorrupted(f"Blob {self._blob.sha256}: segment {index} failed authentication.") from exc
        self._cached = (index, plain)
        return plain


def _source(name):
    storage = blob_storage()
    if isinstance(storage, FileSystemStorage):
        return _FileSource(storage, name)
    return _S3RangeSource(storage, name)


class _FileSource:
    """Random access to a stored object through the storage's own file object."""

    def __init__(self, storage, name):
        self.size = storage.size(name)
        self._file = storage.open(name, "rb")

    def read_at(self, offset, length):
        self._file.seek(offset)
        return self._file.read(length)

    def close(self):
        self._file.close()


class _S3RangeSource:
    """Ranged GETs, so reading a few columns downloads only their segments (S3File downloads everything)."""

    def __init__(self, storage, name):
        # django-storages' own mapping of a name to the key under the configured prefix.
        self._object = storage.bucket.Object(storage._normalize_name(name))
        self.size = self._object.content_length

    def read_at(self, offset, length):
        if length <= 0:
            return b""
        response = self._object.get(Range=f"bytes={offset}-{offset + length - 1}")
        return response["Body"].read()

    def close(self):
        pass


# --- Health ----------------------------------------------------------------------------------


@check("blob_store")
def blob_store_roundtrip():
    storage = blob_storage()
    probe = os.urandom(16)
    name = storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(probe))
    try:
        with storage.open(name, "rb") as handle:
            if handle.read() != probe:
                raise RuntimeError("the blob store returned different bytes than were written")
    finally:
        storage.delete(name)
