"""Exports: every format round-trips, spreadsheets get no live formulas, memory stays flat."""

import io
import json
import tracemalloc
import zipfile
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.db import transaction
from openpyxl import load_workbook

from datasets import blobstore, exporters
from datasets.exporters import ExportFailed, export
from datasets.importers import read_file

pytestmark = pytest.mark.django_db


def sample_table():
    return pa.table(
        {
            "id": [1, 2, 3],
            "score": [23.5, None, -1.25],
            "exact": pa.array(
                [Decimal("1000000000000.4"), Decimal("1000000000000.6"), None], pa.decimal128(14, 1)
            ),
            "ok": [True, None, False],
            "day": [date(2024, 1, 5), None, date(2024, 3, 9)],
            "at": pa.array(
                [datetime(2024, 1, 5, 10, 30), None, datetime(2024, 3, 9, 8, 0)], pa.timestamp("us")
            ),
            "site": ["Élodie ✓", None, "Lima & <Oslo>"],
        }
    )


def store(table):
    with transaction.atomic():
        return blobstore.store_table(table)


def exported(source, fmt):
    chunks, content_type, extension = export(source, fmt)
    return b"".join(chunks), content_type, extension


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "xlsx"])
@pytest.mark.parametrize("from_blob", [True, False], ids=["blob", "table"])
def test_every_format_round_trips_through_the_importer(fmt, from_blob):
    table = sample_table()
    data, content_type, extension = exported(store(table) if from_blob else table, fmt)
    assert extension == fmt and content_type == exporters.FORMATS[fmt][0]
    back = read_file(io.BytesIO(data), f"export.{extension}")
    assert back.equals(table), (back.schema, back.to_pydict())


def test_decimals_are_written_as_their_exact_text():
    table = sample_table()
    assert b"1000000000000.4,true" in exported(table, "csv")[0]
    assert json.loads(exported(table, "json")[0], parse_float=Decimal)[1]["exact"] == Decimal(
        "1000000000000.6"
    )
    sheet = zipfile.ZipFile(io.BytesIO(exported(table, "xlsx")[0])).read("xl/worksheets/sheet1.xml")
    assert b"<v>1000000000000.4</v>" in sheet
    assert b"Lima &amp; &lt;Oslo&gt;" in sheet


def test_json_is_an_array_of_row_objects():
    rows = json.loads(exported(sample_table(), "json")[0])
    assert rows[1] == {"id": 2, "score": None, "exact": 1000000000000.6, "ok": None, "day": None,
                       "at": None, "site": None}  # fmt: skip
    assert rows[0]["day"] == "2024-01-05" and rows[0]["at"] == "2024-01-05T10:30:00"


def test_formulas_are_neutralised_in_csv_text_only():
    table = pa.table(
        {
            "=cmd": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "safe", "a=b"],
            "n": [-1, 2, -3, 4, 5, 6, 7],
        }
    )
    lines = exported(table, "csv")[0].decode().splitlines()
    assert lines[0] == '"\'=cmd","n"'
    assert [line.rsplit(",", 1)[0] for line in lines[1:4]] == [
        '"\'=HYPERLINK(""http://x"")"',
        '"\'+1"',
        '"\'-2"',
    ]
    assert lines[4].startswith('"\'@SUM(A1)"')
    assert lines[5].startswith('"\'\tx"')
    assert lines[6:] == ['"safe",6', '"a=b",7']
    assert [line.rsplit(",", 1)[1] for line in lines[1:4]] == ["-1", "2", "-3"]  # numbers untouched


def test_formulas_in_xlsx_keep_their_text_with_excel_quote_prefix():
    table = pa.table({"note": ["=1+1", "plain", "-cmd"], "n": [-1, 2, 3]})
    book = load_workbook(io.BytesIO(exported(table, "xlsx")[0]))
    sheet = book.active
    cells = [(cell.value, cell.data_type, cell.quotePrefix) for cell in sheet["A"][1:]]
    assert cells == [("=1+1", "s", True), ("plain", "s", False), ("-cmd", "s", True)]
    assert [cell.value for cell in sheet["B"][1:]] == [-1, 2, 3]


def test_empty_tables_export_their_header():
    empty = sample_table().slice(0, 0)
    assert exported(empty, "csv")[0].decode().startswith('"id","score","exact"')
    assert exported(empty, "json")[0] == b"[]"
    assert pq.read_table(io.BytesIO(exported(store(empty), "parquet")[0])).num_rows == 0
    assert load_workbook(io.BytesIO(exported(empty, "xlsx")[0])).active.max_row == 1


def test_refusals(monkeypatch):
    with pytest.raises(ExportFailed, match="unknown export format 'sav'"):
        export(sample_table(), "sav")
    monkeypatch.setattr(exporters, "XLSX_MAX_ROWS", 3)
    with pytest.raises(ExportFailed, match="at most 2 rows"):
        export(store(sample_table()), "xlsx")


def generated(rows):
    rng = np.random.default_rng(rows)
    ids = pa.array(np.arange(rows))
    return pa.table(
        {
            "id": ids,
            "x": rng.normal(size=rows),
            "site": pa.array(np.array(["Oslo", "Lima", "=Zanzibar"])[rng.integers(0, 3, rows)]),
            "note": pc.binary_join_element_wise("note ", pc.cast(ids, pa.string()), ""),
        }
    )


def export_peaks(blob, fmt):
    """Peak Python memory and peak Arrow allocation (sampled at each chunk) while streaming an export."""
    baseline = pa.total_allocated_bytes()
    chunks, _, _ = export(blob, fmt)
    tracemalloc.start()
    arrow_peak = total = 0
    try:
        for chunk in chunks:
            total += len(chunk)
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes() - baseline)
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return python_peak, arrow_peak, total


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_stream_in_memory_that_does_not_grow_with_the_file(monkeypatch, fmt):
    # Small batches, pages, segments and read buffers reach the steady state with little data.
    monkeypatch.setattr(exporters, "BATCH_ROWS", 2000)
    monkeypatch.setattr(exporters, "PARQUET_READ_BUFFER", 1 << 16)
    monkeypatch.setattr(blobstore, "SEGMENT_BYTES", 1 << 16)
    monkeypatch.setitem(blobstore.PARQUET_OPTIONS, "data_page_size", 1 << 16)
    monkeypatch.setitem(blobstore.PARQUET_OPTIONS, "dictionary_pagesize_limit", 1 << 16)
    small = store(generated(15_000))
    large = store(generated(90_000))
    small_python, small_arrow, small_total = export_peaks(small, fmt)
    large_python, large_arrow, large_total = export_peaks(large, fmt)
    assert large_total > 5 * small_total
    assert large_python < 1.5 * small_python
    assert large_arrow < 1.5 * small_arrow
