"""Hostile uploads through POST /api/datasets/: each is refused with a 4xx that says why, and leaves
nothing behind (no Blob row, no file in the blob store, no Dataset, no audit entry). Formula
injection is the exception: those cells are data, stored as sent and neutralised on export."""

import csv
import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditLog
from datasets.models import Blob, Dataset

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3"]


@pytest.fixture
def uploader(db):
    user = User.objects.create_user("ursula", "ursula@example.org", PASSWORD)
    client = APIClient()
    client.force_authenticate(user)
    return client


def stored_files(settings):
    return sorted(str(path) for path in Path(settings.DATA_DIR).rglob("*") if path.is_file())


@pytest.fixture
def nothing_stored(settings):
    """Asserts, after the test, that the upload left no trace anywhere."""
    files, audit = stored_files(settings), AuditLog.objects.count()
    yield
    assert not Blob.objects.exists()
    assert not Dataset.objects.exists()
    assert AuditLog.objects.count() == audit
    assert [
        path for path in stored_files(settings) if path not in files and not path.endswith("master.key")
    ] == []


def upload(client, name, content):
    return client.post("/api/datasets/", {"name": "Hostile", "file": SimpleUploadedFile(name, content)})


def refused(response, *phrases):
    """The response is a 4xx whose message contains every phrase (case-insensitive)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    detail = response.json()["detail"]
    for phrase in phrases:
        assert phrase.lower() in detail.lower(), detail
    return response.json()


# --- Archives ----------------------------------------------------------------------------------


def honest_zip_bomb(megabytes=64):
    """A workbook-shaped zip whose sheet inflates to ``megabytes`` of zeros (about 1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                sheet.write(zeros)
    return buffer.getvalue()


def lying_zip_bomb(megabytes=64, declared=1000):
    """The same bomb, but both of the archive's size records claim the sheet inflates to ``declared``
    bytes, so a size check that trusts the directory lets it through."""
    data = bytearray(honest_zip_bomb(megabytes))
    name = b"xl/worksheets/sheet1.xml"
    local = data.index(name) - 30  # the name follows a 30-byte local header...
    central = data.index(name, local + 30 + len(name)) - 46  # ...and a 46-byte central directory entry
    assert data[local : local + 4] == b"PK\x03\x04" and data[central : central + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, local + 22, declared)  # uncompressed size
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_a_zip_bomb_disguised_as_xlsx_is_refused(uploader, nothing_stored):
    bomb = honest_zip_bomb()
    assert len(bomb) < 200_000
    refused(upload(uploader, "report.xlsx", bomb), "zip bomb")


def test_a_zip_bomb_whose_directory_lies_is_refused(uploader, nothing_stored):
    refused(upload(uploader, "report.xlsx", lying_zip_bomb()), "xlsx")


# --- Structure ---------------------------------------------------------------------------------


def nested(depth):
    return "[" * depth + "]" * depth


def test_deeply_nested_json_rows_are_refused(uploader, nothing_stored):
    body = '{"name": "Hostile", "data": [{"x": ' + nested(10_000) + "}]}"
    response = uploader.post("/api/datasets/", body, content_type="application/json")
    refused(response, "nest")


def test_a_deeply_nested_json_file_is_refused(uploader, nothing_stored):
    refused(upload(uploader, "rows.json", ('[{"x": ' + nested(10_000) + "}]").encode()), "nest")


def json_operations():
    """``(method, path)`` of every API operation that reads a JSON body, from the schema."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    )


@pytest.mark.parametrize(("method", "path"), [*json_operations(), ("POST", "/graphql/")])
def test_deeply_nested_json_is_a_400_everywhere(method, path, world):
    client = Client()
    client.force_login(world.researcher)
    url = re.sub(r"\{(\w+)\}", lambda match: str(world.path_values(path)[match.group(1)]), path)
    body = '{"query": ' + nested(10_000) + "}"

    response = client.generic(method, url, body, content_type="application/json")

    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert "nest" in response.content.decode()


def test_ten_thousand_columns_are_refused(uploader, nothing_stored):
    header = ",".join(f"c{i}" for i in range(10_000))
    row = ",".join("1" for _ in range(10_000))
    body = refused(upload(uploader, "wide.csv", f"{header}\n{row}\n".encode()), "10,000 columns")
    assert body["line"] == 1


def test_ten_thousand_keys_in_json_rows_are_refused(uploader, nothing_stored):
    row = {f"c{i}": i for i in range(10_000)}
    response = uploader.post("/api/datasets/", {"name": "Hostile", "data": [row]}, format="json")
    refused(response, "10,000 columns")


# --- Bytes -------------------------------------------------------------------------------------


def test_nul_bytes_in_a_csv_are_refused(uploader, nothing_stored):
    body = refused(upload(uploader, "rows.csv", b"id,name\n1,ok\n2,bad\x00value\n"), "NUL byte")
    assert body["line"] == 3


def test_invalid_utf8_is_refused(uploader, nothing_stored):
    body = refused(upload(uploader, "rows.csv", b"id,name\n1,caf\xe9\n"), "not UTF-8", "0xe9")
    assert body["line"] == 2


def test_a_one_byte_file_is_refused(uploader, nothing_stored):
    refused(upload(uploader, "tiny.csv", b"a"), "no rows")


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("rows.csv", honest_zip_bomb(1), "NUL byte"),  # a zip is binary, whatever its name says
        ("rows.xlsx", b"id,name\n1,Ann\n", "not a zip archive"),
        ("rows.parquet", b"id,name\n1,Ann\n", "parquet"),
        ("rows.json", b"id,name\n1,Ann\n", "invalid JSON"),
        ("rows.exe", b"id,name\n1,Ann\n", "unsupported file type"),
    ],
    ids=["zip-as-csv", "csv-as-xlsx", "csv-as-parquet", "csv-as-json", "unknown-extension"],
)
def test_a_file_whose_extension_lies_is_refused(uploader, nothing_stored, name, content, phrase):
    refused(upload(uploader, name, content), phrase)


# --- Formula injection -------------------------------------------------------------------------


def formula_csv():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "payload", "@note"])
    for number, formula in enumerate(FORMULAS, start=1):
        writer.writerow([number, formula, "plain"])
    return out.getvalue().encode()


@pytest.fixture
def formula_dataset(uploader):
    response = upload(uploader, "formulas.csv", formula_csv())
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_formula_cells_are_stored_as_sent(uploader, formula_dataset):
    rows = uploader.get(f"/api/datasets/{formula_dataset}/preview/").json()["rows"]
    assert [row["payload"] for row in rows] == FORMULAS
    assert Blob.objects.count() == 1


def test_csv_export_neutralises_formulas(uploader, formula_dataset):
    response = uploader.get(f"/api/datasets/{formula_dataset}/data/?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["id", "payload", "'@note"]
    assert [row[1] for row in rows[1:]] == ["'" + formula for formula in FORMULAS]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_xlsx_export_neutralises_formulas(uploader, formula_dataset):
    response = uploader.get(f"/api/datasets/{formula_dataset}/data/?format=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no cell is a formula
    cells = load_workbook(io.BytesIO(content))["data"]
    payload = [cells.cell(row=row, column=2) for row in range(2, 2 + len(FORMULAS))]
    # Text cells carrying Excel's quotePrefix: shown and kept as text, never evaluated.
    assert [cell.value for cell in payload] == FORMULAS
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in payload)
    assert cells.cell(row=1, column=3).quotePrefix
