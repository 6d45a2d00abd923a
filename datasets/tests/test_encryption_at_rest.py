"""No plaintext row value on disk: not in the blob store, not in the database (its file and
its write-ahead log), not in temporary files.

The main test runs the real thing in a separate process: a file-based SQLite database in WAL
mode (as settings configure it), a data directory and a private TMPDIR, an upload through
the page (multipart parsing included), a second version, a column edit, the detail page with
its preview, and a download in every format. Then it reads every byte of every file those
directories hold. A control value (the dataset's name, which is metadata and stored in
clear) must be found, so the scan is known to read what the database wrote.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from datasets import services
from datasets.tests.conftest import TRIAL_CSV, trial_table

SECRETS = [b"Zanzibar-7731", b"Quokka-5512"]  # a categorical level and a free-text value
CONTROL = b"Visible-Metadata-Name-4410"
SECOND_VERSION = b"id,note\n1,Quokka-5512\n2,another free-text note\n3,and a third\n"

SCRIPT = textwrap.dedent(
    """
    import io
    from django.core.management import call_command
    from django.test import Client
    from accounts.models import User

    call_command("migrate", verbosity=0)
    alice = User.objects.create_user("alice", password="Plain-sturdy-horse-42")
    client = Client()
    client.force_login(alice)

    def upload(content, name):
        handle = io.BytesIO(content)
        handle.name = name
        return handle

    response = client.post("/datasets/new/", {"name": CONTROL, "file": upload(FIRST, "secret.csv")})
    assert response.status_code == 302, response.content
    pk = int(response.url.strip("/").split("/")[-1])
    response = client.post(f"/datasets/{pk}/versions/new/", {"file": upload(SECOND, "v2.csv"), "note": "v2"})
    assert response.status_code == 302, response.content
    response = client.post(f"/datasets/{pk}/columns/note/", {"label": "Note", "unit": "", "description": ""})
    assert response.status_code == 302, response.content
    page = client.get(f"/datasets/{pk}/")
    assert SECRETS[1] in page.content  # the preview really shows the rows
    for version in (1, 2):
        for fmt in ("csv", "json", "parquet", "xlsx"):
            response = client.get(f"/datasets/{pk}/download/", {"format": fmt, "version": version})
            content = b"".join(response.streaming_content)
            assert response.status_code == 200 and content, (fmt, version)
            if fmt in ("csv", "json"):
                assert SECRETS[version - 1] in content
    print("done")
    """
)


def files_under(*directories):
    return [path for directory in directories for path in Path(directory).rglob("*") if path.is_file()]


def test_no_plaintext_in_files_database_wal_or_temp_files(tmp_path):
    root = tmp_path / "run"  # tmp_path / "data" is the suite's own data dir
    data_dir, temp_dir = root / "data", root / "tmp"
    data_dir.mkdir(parents=True)
    temp_dir.mkdir()
    database = root / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "BIOSTAT_DATA_DIR": str(data_dir),
        "BIOSTAT_TESTING": "1",  # plain static files storage, no manifest needed
        "TMPDIR": str(temp_dir),
        "REDIS_URL": "",
        "BIOSTAT_MASTER_KEY": "",
    }
    constants = {
        "FIRST": TRIAL_CSV,
        "SECOND": SECOND_VERSION,
        "SECRETS": SECRETS,
        "CONTROL": CONTROL.decode(),
    }
    prelude = "".join(f"{name} = {value!r}\n" for name, value in constants.items())

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", prelude + SCRIPT],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert b"done" in result.stdout
    files = files_under(root)
    assert any(path.parent.parent.name == "blobs" for path in files)  # the blobs are where we look
    database_bytes = b"".join(path.read_bytes() for path in root.glob("db.sqlite3*"))
    assert CONTROL in database_bytes  # the scan reads what the database wrote
    for path in files:
        content = path.read_bytes()
        for secret in SECRETS:
            assert secret not in content, f"{secret!r} in plaintext in {path.relative_to(root)}"
    assert files_under(temp_dir) == []  # and no temporary file was left behind


@pytest.mark.django_db
def test_no_table_of_the_database_holds_a_row_value(alice, settings):
    """The same check inside the test database, on whatever database the suite runs (PostgreSQL too)."""
    dataset = services.dataset_create(alice, name=CONTROL.decode(), table=trial_table(TRIAL_CSV))
    services.dataset_add_version(alice, dataset, table=trial_table(SECOND_VERSION))
    services.dataset_preview(alice, dataset)

    seen_control = False
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # names from introspection
            for row in cursor.fetchall():
                for value in row:
                    data = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    seen_control = seen_control or CONTROL in data
                    assert not any(secret in data for secret in SECRETS), f"row value in table {table}"
    assert seen_control
    for path in files_under(settings.DATA_DIR):
        assert not any(secret in path.read_bytes() for secret in SECRETS)
