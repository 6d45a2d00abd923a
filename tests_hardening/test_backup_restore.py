"""Backup and restore of the database plus the blob store (`manage.py backup` / `manage.py restore`).

A backup of a populated installation is restored by a separate process into a fresh database and a
fresh data directory, which then verifies the audit chain and re-hashes every blob. SQLite always;
PostgreSQL (pg_dump / pg_restore) under `make test-services`. The refusals run in-process.
"""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from analyses.models import Analysis
from audit.models import AuditLog, ChainHead
from biostat import backup
from datasets import blobstore, crypto
from datasets import services as dataset_services
from datasets.models import Blob, Dataset

from .conftest import trial_table

pytestmark = pytest.mark.django_db(transaction=True)


def master_key_text():
    return settings.BIOSTAT_MASTER_KEY or (settings.DATA_DIR / crypto.KEY_FILE_NAME).read_text().strip()


SECRET_CELL = "Zanzibar-7731"


@pytest.fixture
def populated(world):
    """The world plus a second version of its dataset holding a distinctive cell, so there are two
    blobs to carry over and a value to look for."""
    table = trial_table(n=25, seed=9)
    table = table.append_column("site", pa.array([SECRET_CELL] * table.num_rows))
    dataset_services.dataset_add_version(world.researcher, world.dataset, table=table)
    assert Blob.objects.count() == 2
    return world


@pytest.fixture
def backup_dir(populated, tmp_path):
    destination = tmp_path / "backup"
    call_command("backup", str(destination))
    return destination


def restore_elsewhere(source, database_url, data_dir, key_text):
    """``manage.py restore`` in a new process configured for another database and data directory."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BIOSTAT_DATA_DIR": str(data_dir),
        "BIOSTAT_MASTER_KEY": key_text,
        "BIOSTAT_LOCAL": "1",
        "PYTHONWARNINGS": "ignore",
    }
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "restore", str(source)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_restored(finished, data_dir):
    assert finished.returncode == 0, finished.stderr
    blobs = Blob.objects.count()
    assert f"{AuditLog.objects.count()} audit entries (chain intact)" in finished.stdout
    assert f"{blobs} blob(s) matching their SHA-256" in finished.stdout
    stored = sorted(path.name for path in (data_dir / "blobs").rglob("*.bsb"))
    assert stored == sorted(f"{sha}.bsb" for sha in Blob.objects.values_list("sha256", flat=True))


def test_the_backup_holds_the_database_the_blobs_and_checksums_but_no_key(backup_dir):
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["blobs"] == 2 and manifest["master_key_ids"] == [crypto.master_key().key_id]
    assert manifest["audit"] == {
        "entries": AuditLog.objects.count(),
        "head": ChainHead.objects.get(pk=1).last_hash,
    }
    files = {path.relative_to(backup_dir).as_posix() for path in backup_dir.rglob("*") if path.is_file()}
    assert files == set(manifest["files"]) | {"manifest.json"}
    # Rows and the data dictionary stay ciphertext, and the key is not there to open them.
    key = crypto.parse_key(master_key_text()).key
    for path in backup_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert key not in content and key.hex().encode() not in content
            assert SECRET_CELL.encode() not in content, path


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant; PostgreSQL's is below")
def test_sqlite_backup_restores_into_a_fresh_installation(backup_dir, tmp_path):
    restored = tmp_path / "restored"
    database = restored / "db.sqlite3"

    finished = restore_elsewhere(backup_dir, f"sqlite:///{database}", restored, master_key_text())

    assert_restored(finished, restored)
    with sqlite3.connect(database) as copy:
        assert copy.execute("SELECT COUNT(*) FROM datasets_dataset").fetchone()[0] == Dataset.objects.count()
        assert (
            copy.execute("SELECT COUNT(*) FROM analyses_analysis").fetchone()[0] == Analysis.objects.count()
        )
        head = copy.execute("SELECT last_hash FROM audit_chainhead").fetchone()[0]
    assert head == ChainHead.objects.get(pk=1).last_hash


@pytest.fixture
def fresh_postgres_database():
    params = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:12]}"
    server = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    yield f"postgres://{credentials}@{params['HOST']}:{params['PORT'] or 5432}/{name}", name, server
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-services)")
def test_postgresql_backup_restores_into_a_fresh_installation(backup_dir, tmp_path, fresh_postgres_database):
    url, name, server = fresh_postgres_database
    restored = tmp_path / "restored"

    finished = restore_elsewhere(backup_dir, url, restored, master_key_text())

    assert_restored(finished, restored)
    with psycopg.connect(**{**server, "dbname": name}) as copy:
        assert copy.execute("SELECT COUNT(*) FROM datasets_dataset").fetchone()[0] == Dataset.objects.count()
        head = copy.execute("SELECT last_hash FROM audit_chainhead").fetchone()[0]
    assert head == ChainHead.objects.get(pk=1).last_hash


# --- Refusals, before anything is written ---------------------------------------------------------


def test_restore_refuses_the_wrong_master_key(backup_dir, settings):
    needed = crypto.master_key().key_id
    settings.BIOSTAT_MASTER_KEY = crypto.generate_key_text()
    with pytest.raises(CommandError, match=f"the backup needs {needed}"):
        call_command("restore", str(backup_dir))


def test_restore_refuses_without_a_key_and_generates_none(backup_dir, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "fresh"
    settings.DATA_DIR.mkdir()
    settings.BIOSTAT_MASTER_KEY = ""
    with pytest.raises(CommandError, match="No master key: set BIOSTAT_MASTER_KEY"):
        call_command("restore", str(backup_dir))
    assert not (settings.DATA_DIR / crypto.KEY_FILE_NAME).exists()


def test_restore_refuses_a_damaged_backup(backup_dir):
    blob = next((backup_dir / "blobs").rglob("*.bsb"))
    content = bytearray(blob.read_bytes())
    content[-1] ^= 1
    blob.write_bytes(bytes(content))
    with pytest.raises(CommandError, match=f"blobs/.*{blob.name} does not match its checksum"):
        call_command("restore", str(backup_dir))


def test_restore_refuses_a_database_that_is_in_use(backup_dir):
    with pytest.raises(CommandError, match="already has tables"):
        call_command("restore", str(backup_dir))


def test_backup_refuses_a_directory_with_files_in_it(populated, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup", str(tmp_path / "old"))


# --- Verification ---------------------------------------------------------------------------------


def test_verification_finds_a_blob_whose_content_changed(populated):
    assert backup.verify_installation().problems == []
    blob = Blob.objects.first()
    path = Path(blobstore.blob_storage().path(blobstore.object_name(blob.sha256)))
    content = bytearray(path.read_bytes())
    content[blobstore.HEADER.size + 20] ^= 1  # inside the first sealed segment
    path.write_bytes(bytes(content))

    problems = backup.verify_installation().problems

    assert problems == [
        f"blob {blob.sha256} cannot be read: Blob {blob.sha256}: segment 0 failed authentication."
    ]
