"""Round trips through the API: upload each format, download each format, and get the same
values and types back; previews; downloads of old versions, streamed."""

import io
import json
from datetime import date

import openpyxl
import pyarrow.parquet as pq
import pytest

from datasets import blobstore, importers
from datasets.tests.conftest import TRIAL_CSV, csv_file, trial_table

pytestmark = pytest.mark.django_db


def reference_rows():
    return trial_table().to_pylist()


def source_file(fmt):
    """The trial table written as ``fmt``, the way a researcher's tool would write it."""
    if fmt == "csv":
        return TRIAL_CSV
    if fmt == "tsv":
        return TRIAL_CSV.replace(b",", b"\t")
    if fmt == "json":
        return json.dumps(reference_rows(), default=str).encode()
    if fmt == "parquet":
        return blobstore.parquet_bytes(trial_table()).to_pybytes()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    rows = reference_rows()
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, fmt):
    response = client.post(
        "/api/datasets/",
        {"name": f"from {fmt}", "file": csv_file(source_file(fmt), f"trial.{fmt}")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize("download_format", ["csv", "json", "parquet", "xlsx"])
@pytest.mark.parametrize("upload_format", ["csv", "tsv", "xlsx", "parquet", "json"])
def test_every_format_round_trips(alice, api_as, upload_format, download_format):
    client = api_as(alice)
    created = upload(client, upload_format)
    assert [c["type"] for c in created["columns"]] == [
        "integer", "categorical", "integer", "numeric", "text", "date", "boolean", "categorical"
    ]  # fmt: skip

    response = client.get(f"/api/datasets/{created['id']}/data/", {"format": download_format})

    assert response.status_code == 200
    assert response.streaming
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="dataset-{created["id"]}-v1.{download_format}"'
    )
    content = b"".join(response.streaming_content)
    back = importers.read_file(io.BytesIO(content), f"download.{download_format}")
    assert back.schema == trial_table().schema
    assert back.to_pylist() == reference_rows()


def test_exact_decimals_survive_every_format(alice, api_as):
    client = api_as(alice)
    text = b"x,y\n1000000000000.4,1\n1000000000000.2,2\n1000000000000.3,3\n"
    created = client.post("/api/datasets/", {"name": "NIST", "file": csv_file(text, "nist.csv")}).json()
    expected = importers.read_file(io.BytesIO(text), "nist.csv")
    assert str(expected.schema.field("x").type).startswith("decimal")

    for fmt in ("csv", "json", "parquet", "xlsx"):
        response = client.get(f"/api/datasets/{created['id']}/data/", {"format": fmt})
        back = importers.read_file(io.BytesIO(b"".join(response.streaming_content)), f"nist.{fmt}")
        assert back.column("x").to_pylist() == expected.column("x").to_pylist(), fmt


def test_an_old_version_can_be_downloaded(alice, dataset, api_as):
    client = api_as(alice)
    client.post(f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(b"id\n1\n")})

    old = client.get(f"/api/datasets/{dataset.pk}/data/", {"format": "parquet", "version": 1})
    current = client.get(f"/api/datasets/{dataset.pk}/data/", {"format": "parquet"})

    assert old["Content-Disposition"].endswith('-v1.parquet"')
    assert pq.read_table(io.BytesIO(b"".join(old.streaming_content))).num_rows == 6
    assert pq.read_table(io.BytesIO(b"".join(current.streaming_content))).num_rows == 1


@pytest.mark.parametrize(
    ("query", "status"), [({"format": "sav"}, 400), ({"version": 9}, 404), ({"version": "x"}, 400)]
)
def test_bad_download_requests(alice, dataset, api_as, query, status):
    response = api_as(alice).get(f"/api/datasets/{dataset.pk}/data/", query)

    assert response.status_code == status
    assert response.json()["detail"]


def test_preview(alice, dataset, api_as):
    response = api_as(alice).get(f"/api/datasets/{dataset.pk}/preview/", {"limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["columns"] == ["id", "arm", "age", "bmi", "stage", "enrolled", "smoker", "site"]
    assert body["rows"] == [
        dict(
            id=1,
            arm="A",
            age=64,
            bmi=27.5,
            stage="I",
            enrolled="2024-01-05",
            smoker=True,
            site="Zanzibar-7731",
        ),
        dict(id=2, arm="B", age=71, bmi=None, stage="III", enrolled="2024-01-09", smoker=False, site="Oslo"),
    ]


def test_preview_of_an_old_version_with_exact_decimals(alice, dataset, api_as):
    client = api_as(alice)
    client.post(
        f"/api/datasets/{dataset.pk}/versions/", {"file": csv_file(b"x\n1000000000000.4\n1000000000000.25\n")}
    )

    newest = client.get(f"/api/datasets/{dataset.pk}/preview/")
    oldest = client.get(f"/api/datasets/{dataset.pk}/preview/", {"version": 1, "limit": 1}).json()

    assert b"1000000000000.40" in newest.content and b"1000000000000.25" in newest.content
    assert oldest["version"] == 1 and len(oldest["rows"]) == 1
    assert date.fromisoformat(oldest["rows"][0]["enrolled"]) == date(2024, 1, 5)


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_preview_limits(alice, dataset, api_as, limit):
    assert api_as(alice).get(f"/api/datasets/{dataset.pk}/preview/", {"limit": limit}).status_code == 400
