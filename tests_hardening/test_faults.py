"""Faults the services under Biostat really have, caused for real: the database becoming unavailable
for a moment under a running server (503 with Retry-After, then recovery), and the disk filling up
while a blob is written (507, nothing half-written)."""

import contextlib
import errno
import json
import logging
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditLog
from biostat.outage import DATABASE_UNAVAILABLE, DISK_FULL, RETRY_AFTER_SECONDS
from datasets.models import Blob, Dataset
from messaging.servers import Site


def site_on_test_database(settings):
    """A ``Site`` whose processes share this test's database, data directory (master key, blobs)
    and Redis, so what the test commits they see. Needs ``transactional_db``."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        url = f"sqlite:///{name}"
    else:
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    # BIOSTAT_TESTING: static files from the finders, as in this process (no collectstatic manifest).
    env = {"DATABASE_URL": url, "BIOSTAT_TESTING": "1"}
    return Site(settings.DATA_DIR, redis_url=os.environ.get("REDIS_URL"), env=env)


# --- The database unavailable for a moment ----------------------------------------------------


def _drop_other_connections(admin, name):
    """Terminate the connections to database ``name`` but this test's own; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (own,) = cursor.fetchone()
    terminated = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [name, own]
    )
    return len(terminated.fetchall())


@contextlib.contextmanager
def postgres_admin():
    """A connection of its own to the server's maintenance database: the test database cannot
    refuse connections while the statement doing it runs in it."""
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as admin:
        yield admin


@contextlib.contextmanager
def database_unavailable():
    """Until the block ends, nobody but this test's open connection reaches the database.

    PostgreSQL: the database refuses new connections and every other open one is terminated (a
    failover or restart as the application sees it). SQLite: the file is replaced by a directory,
    so opening it fails with "unable to open database file" (a lost volume), which is what is left
    for a superuser, whom file permissions do not stop.
    """
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        with postgres_admin() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            _drop_other_connections(admin, name)
            try:
                yield
            finally:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    else:
        path = Path(name)
        away = path.with_name(path.name + ".away")
        path.rename(away)
        path.mkdir()
        try:
            yield
        finally:
            path.rmdir()
            away.rename(path)


def fetch(server, path, *, token, session):
    """GET ``path`` from ``server`` as a logged-in user; returns (status, headers, body text)."""
    request = urllib.request.Request(  # noqa: S310 - our own http:// server
        server.http_url + path, headers={"Authorization": f"Token {token}", "Cookie": f"sessionid={session}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_503_and_the_server_recovers(settings):
    user = User.objects.create_user("olga", "olga@example.org", None)
    token = AuthToken.objects.create(user)[1]
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value

    with site_on_test_database(settings).serve(worker=False) as server:

        def get(path):
            return fetch(server, path, token=token, session=session)

        assert get("/api/datasets/")[0] == 200  # on PostgreSQL the server now holds a connection
        if connection.vendor == "postgresql":
            with postgres_admin() as admin:
                assert _drop_other_connections(admin, connection.settings_dict["NAME"]) >= 1
            # A connection lost between requests (a database restart) is replaced, not reported.
            assert get("/api/datasets/")[0] == 200

        with database_unavailable():
            api_status, api_headers, api_body = get("/api/datasets/")
            page_status, page_headers, page_body = get("/")
            health_status, _, health_body = get("/healthz")

        assert (api_status, api_headers["Content-Type"]) == (503, "application/json")
        assert api_headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert json.loads(api_body) == {"detail": DATABASE_UNAVAILABLE}
        assert (page_status, page_headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
        assert page_headers["Content-Type"].startswith("text/html")
        assert "<h1>Service unavailable</h1>" in page_body and DATABASE_UNAVAILABLE in page_body
        failing = {
            name: check["error"]
            for name, check in json.loads(health_body)["checks"].items()
            if not check["ok"]
        }
        assert health_status == 503 and list(failing) == ["database"], health_body
        assert failing["database"].startswith("OperationalError: ")

        # The outage is over: the very next requests succeed, on a fresh connection.
        assert get("/api/datasets/")[0] == 200
        assert get("/")[0] == 200, server.output()
        health_status, _, health_body = get("/healthz")
        assert health_status == 200, health_body
        log = server.output()

    assert "Database unavailable during GET /api/datasets/" in log
    assert "Database unavailable during GET /" in log
    assert "Traceback" not in log  # the failure was answered, never raised as a 500


# --- The disk full while a blob is written ----------------------------------------------------

DISK_BYTES = 1 << 20


def mount_tmpfs(path, size):
    """Mount a tmpfs of ``size`` bytes on ``path`` if this process may (root); returns whether it did."""
    if shutil.which("mount") is None:
        return False
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)]
    return subprocess.run(mount, capture_output=True, check=False).returncode == 0


@pytest.fixture
def small_blob_disk(settings, monkeypatch):
    """The blob store's directory on a 1 MB disk of its own: a tmpfs, which really fills up.

    Where mounting is not allowed (not root), the fallback is the lowest layer the blob store
    calls: ``fsync`` of a file under the directory that has grown past 1 MB fails with ENOSPC, as
    it does on file systems that allocate space only when data is flushed (ext4, XFS, NFS).
    """
    blobs = settings.DATA_DIR / "blobs"
    blobs.mkdir()
    if mount_tmpfs(blobs, DISK_BYTES):
        try:
            yield blobs
        finally:
            subprocess.run(["umount", str(blobs)], check=True)
        return
    real_fsync = os.fsync

    def fsync(descriptor):
        path = os.readlink(f"/proc/self/fd/{descriptor}")
        if path.startswith(f"{blobs}/") and os.fstat(descriptor).st_size > DISK_BYTES:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    yield blobs


def random_csv(rows):
    """Random numbers: Parquet cannot compress them, so the stored blob is about 16 bytes a row."""
    values = np.random.default_rng(5).random((rows, 2))
    return ("x,y\n" + "\n".join(f"{x!r},{y!r}" for x, y in values.tolist())).encode()


@pytest.mark.django_db
def test_disk_full_while_writing_a_blob_leaves_nothing_half_written(small_blob_disk, caplog):
    user = User.objects.create_user("dora", "dora@example.org", None)
    api = APIClient()
    api.force_authenticate(user)

    def upload(name, content):
        return api.post(
            "/api/datasets/",
            {"name": name, "file": SimpleUploadedFile(f"{name}.csv", content)},
            format="multipart",
        )

    too_big = random_csv(rows=DISK_BYTES // 16 * 2)  # about twice the space there is
    with caplog.at_level(logging.ERROR, logger="biostat.outage"):
        response = upload("Big", too_big)

    assert response.status_code == 507, response.content
    assert response.json() == {"detail": DISK_FULL}
    assert "No space left during POST /api/datasets/" in caplog.text
    assert not Dataset.objects.exists() and not Blob.objects.exists()
    assert not AuditLog.objects.filter(action="dataset.create").exists()
    assert [path for path in small_blob_disk.rglob("*") if path.is_file()] == []  # no blob, no temporary file

    response = upload("Small", random_csv(rows=100))
    assert response.status_code == 201, response.content
    blob = Dataset.objects.get().blob
    stored = [path for path in small_blob_disk.rglob("*") if path.is_file()]
    assert [path.name for path in stored] == [f"{blob.sha256}.bsb"]
    assert stored[0].stat().st_size == blob.stored_size
