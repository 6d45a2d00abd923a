"""Backups of the database and the blob store, restored into a fresh installation and verified.

A backup is a directory::

    manifest.json       what is in it, with the SHA-256 of every file
    database.sqlite3    SQLite: an online backup (sqlite3's backup API), or
    database.pgdump     PostgreSQL: ``pg_dump --format=custom``
    blobs/...           the encrypted blob objects the database refers to, as stored

The database copy and the manifest's facts (the blobs to copy, the audit chain's head) come from
one snapshot: SQLite's backup is a consistent copy that is then read, and on PostgreSQL the
manifest is read in a REPEATABLE READ transaction whose snapshot ``pg_dump --snapshot`` shares.
Blobs are never changed or deleted while referred to, so copying them afterwards is safe.

The master key is not in the backup: blobs and encrypted fields stay ciphertext, and the manifest
names only the key's public fingerprint. Keep the key (BIOSTAT_MASTER_KEY, or the key file) apart
from the backups; a restore needs it.

A restore checks the backup's checksums and the key before it writes anything, refuses a database
that already has tables, loads the database, writes the blobs back through the blob storage (local
or S3), then verifies the audit chain (intact, and ending at the head the backup recorded), that
every blob decrypts to exactly its SHA-256, and that every encrypted field value decrypts.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.utils import timezone

from audit.models import AuditLog, ChainHead
from audit.verify import verify_chain
from datasets import blobstore, crypto
from datasets.fields import EncryptedJSONField
from datasets.models import Blob

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
BLOBS = "blobs"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why."""


@dataclass
class Snapshot:
    """What the manifest records about the database as it was copied."""

    vendor: str
    database_file: str
    blobs: list  # [(sha256, master_key_id)]
    audit_entries: int
    audit_head: str


@dataclass
class Verification:
    audit_entries: int = 0
    blobs: int = 0
    encrypted_values: int = 0
    problems: list = field(default_factory=list)


# --- Backup -------------------------------------------------------------------------------------


def backup_create(destination):
    """Write a backup of the database and the blob store into the new directory ``destination``."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; give a new directory.")
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    snapshot = {"sqlite": _snapshot_sqlite, "postgresql": _snapshot_postgresql}.get(connection.vendor)
    if snapshot is None:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    taken = snapshot(destination)
    files = {taken.database_file: _digest_file(destination / taken.database_file)}
    storage = blobstore.blob_storage()
    for sha256, _ in taken.blobs:
        name = blobstore.object_name(sha256)
        target = destination / BLOBS / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        files[f"{BLOBS}/{name}"] = _digest_file(target)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": taken.vendor, "file": taken.database_file},
        "master_key_ids": sorted({key_id for _, key_id in taken.blobs}),
        "audit": {"entries": taken.audit_entries, "head": taken.audit_head},
        "blobs": len(taken.blobs),
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _facts_queries():
    return {
        "blobs": f"SELECT sha256, master_key_id FROM {Blob._meta.db_table} ORDER BY sha256",
        "entries": f"SELECT COUNT(*) FROM {AuditLog._meta.db_table}",
        "head": f"SELECT last_hash FROM {ChainHead._meta.db_table} WHERE id = 1",
    }


def _read_facts(cursor, vendor, database_file):
    queries = _facts_queries()
    cursor.execute(queries["blobs"])
    blobs = [tuple(row) for row in cursor.fetchall()]
    cursor.execute(queries["entries"])
    entries = cursor.fetchone()[0]
    cursor.execute(queries["head"])
    head = cursor.fetchone()
    return Snapshot(vendor, database_file, blobs, entries, head[0] if head else "0" * 64)


def _snapshot_sqlite(destination):
    target = destination / SQLITE_FILE
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent copy, even while other processes write
        return _read_facts(copy.cursor(), "sqlite", SQLITE_FILE)
    finally:
        copy.close()
        source.close()


def _snapshot_postgresql(destination):
    # A connection of its own: the snapshot must stay open, whatever Django's connection is doing.
    reader = connection.get_new_connection(connection.get_connection_params())
    try:
        reader.autocommit = True
        with reader.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            facts = _read_facts(cursor, "postgresql", POSTGRES_FILE)
            options = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot_id}"]
            _run(["pg_dump", *options, f"--file={destination / POSTGRES_FILE}"])
            cursor.execute("ROLLBACK")
        return facts
    finally:
        reader.close()


# --- Restore ------------------------------------------------------------------------------------


def backup_restore(source):
    """Restore the backup in ``source`` into this installation's (empty) database and blob store,
    then verify it. Returns the Verification; raises BackupError before writing anything when the
    backup, the key or the target is wrong, and after restoring when verification fails."""
    source = Path(source)
    manifest = _read_manifest(source)
    _check_files(source, manifest)
    _check_key(manifest)
    if connection.introspection.table_names():
        raise BackupError(
            "The target database already has tables; restore into a new, empty database "
            "(DATABASE_URL) and a new data directory (BIOSTAT_DATA_DIR)."
        )
    database = manifest["database"]
    if database["vendor"] != connection.vendor:
        raise BackupError(
            f"The backup is of {database['vendor']}; this installation uses {connection.vendor}."
        )
    {"sqlite": _load_sqlite, "postgresql": _load_postgresql}[connection.vendor](source / database["file"])
    _write_blobs(source, manifest)
    verification = verify_installation()
    if verification.audit_entries != manifest["audit"]["entries"]:
        verification.problems.append(
            f"the audit log has {verification.audit_entries} entries; the backup recorded "
            f"{manifest['audit']['entries']}"
        )
    head = ChainHead.objects.filter(pk=1).values_list("last_hash", flat=True).first() or "0" * 64
    if head != manifest["audit"]["head"]:
        verification.problems.append(f"the audit chain ends at {head}, not at {manifest['audit']['head']}")
    if verification.problems:
        raise BackupError("Restored, but verification failed: " + "; ".join(verification.problems))
    return verification


def _read_manifest(source):
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: it is not a Biostat backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not {FORMAT}.")
    return manifest


def _check_files(source, manifest):
    """Every file the manifest lists is there with its SHA-256, and no blob object is unlisted."""
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"The backup lacks {name}.")
        if _digest_file(path) != expected:
            raise BackupError(f"{name} does not match its checksum in the manifest: the backup is damaged.")
    blob_dir = source / BLOBS
    stored = {path.relative_to(source).as_posix() for path in blob_dir.rglob("*") if path.is_file()}
    unlisted = sorted(stored - set(manifest["files"]))
    if unlisted:
        raise BackupError(f"The backup holds files its manifest does not list: {unlisted[:5]}")


def _check_key(manifest):
    """The configured master key must be the one the backup's blobs are wrapped with. Never generates
    a key: a fresh data directory without BIOSTAT_MASTER_KEY has none, and a new key opens nothing."""
    key_file = settings.DATA_DIR / crypto.KEY_FILE_NAME
    needed = manifest["master_key_ids"]
    if not settings.BIOSTAT_MASTER_KEY and not key_file.exists():
        raise BackupError(
            f"No master key: set BIOSTAT_MASTER_KEY to the key with fingerprint {', '.join(needed)} "
            f"(or put it in {key_file})."
        )
    current = crypto.master_key().key_id
    if needed and needed != [current]:
        raise BackupError(
            f"The configured master key has fingerprint {current}; the backup needs {', '.join(needed)}."
        )


def _load_sqlite(path):
    connection.close()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _load_postgresql(path):
    connection.close()
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    _run(["pg_restore", *options, f"--dbname={connection.settings_dict['NAME']}", str(path)])


def _write_blobs(source, manifest):
    """Each object back under its own name; an object already there has the same content (its name
    is its plaintext's hash, and verification reads it)."""
    storage = blobstore.blob_storage()
    for name in manifest["files"]:
        if not name.startswith(f"{BLOBS}/"):
            continue
        object_name = name.removeprefix(f"{BLOBS}/")
        if storage.exists(object_name):
            continue
        with open(source / name, "rb") as handle:
            saved = storage.save(object_name, File(handle, object_name))
        if saved != object_name:
            raise BackupError(f"The blob storage stored {object_name} as {saved}.")


# --- Verification ---------------------------------------------------------------------------------


def verify_installation():
    """Check the audit chain, every blob's content against its SHA-256 and every encrypted value."""
    result = Verification()
    chain = verify_chain()
    result.audit_entries = chain.entries
    if not chain.ok:
        result.problems.append(f"the audit chain is broken: {chain.reason}")
    for blob in Blob.objects.order_by("sha256").iterator():
        try:
            digest = hashlib.sha256()
            with blobstore.open_blob(blob) as reader:
                while chunk := reader.read(blobstore.SEGMENT_BYTES):
                    digest.update(chunk)
        except (OSError, crypto.DecryptionError) as exc:
            result.problems.append(f"blob {blob.sha256} cannot be read: {exc}")
            continue
        if digest.hexdigest() != blob.sha256:
            result.problems.append(f"blob {blob.sha256} decrypts to content with another SHA-256")
        result.blobs += 1
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, EncryptedJSONField):
                values = model._base_manager.exclude(**{f"{model_field.attname}__isnull": True})
                try:  # reading a value decrypts it
                    result.encrypted_values += sum(
                        1 for _ in values.values_list(model_field.attname).iterator()
                    )
                except crypto.DecryptionError as exc:
                    result.problems.append(f"{model._meta.label}.{model_field.name} does not decrypt: {exc}")
    return result


# --- Helpers ------------------------------------------------------------------------------------


def _digest_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command):
    """Run a PostgreSQL client tool against this installation's database (credentials in its
    environment, never on the command line)."""
    params = connection.settings_dict
    environment = {
        **os.environ,
        "PGDATABASE": params["NAME"],
        "PGUSER": params.get("USER") or "",
        "PGPASSWORD": params.get("PASSWORD") or "",
        "PGHOST": params.get("HOST") or "",
        "PGPORT": str(params.get("PORT") or ""),
    }
    environment = {name: value for name, value in environment.items() if value != ""}
    finished = subprocess.run(  # noqa: S603 - a PostgreSQL tool with options built here, no shell
        command, env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()}")
