"""Reading uploads: type inference, exact decimals, and every kind of bad input."""

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from datasets.importers import MAX_COLUMNS, ImportFailed, read_file, read_rows
from datasets.multipart import BufferFile

# NIST StRD SmLs07: certified mean 1000000000000.5, sd 0.1 (to 15 digits).
SMLS07 = ["1000000000000.4", "1000000000000.3", "1000000000000.5", "1000000000000.6", "1000000000000.5"]


def in_a_body(content):
    """An upload as the multipart parser hands it on: a view of the middle of a request body."""
    return BufferFile(memoryview(b"--head--" + content + b"--tail--")[8:-8])


def read(content, name="data.csv"):
    """The table, the same whether the file is bytes or a view of a request body."""
    table = read_file(io.BytesIO(content), name)
    assert read_file(in_a_body(content), name).equals(table)
    return table


def failure(content, name="data.csv"):
    """The error, the same whether the file is bytes or a view of a request body."""
    errors = []
    for file in (io.BytesIO(content), in_a_body(content)):
        with pytest.raises(ImportFailed) as caught:
            read_file(file, name)
        errors.append(caught.value)
    as_bytes, as_view = ((error.message, error.line, error.column) for error in errors)
    assert as_view == as_bytes
    return errors[0]


def test_csv_infers_every_kind_and_missing_values():
    table = read(
        b"id,score,ok,when,at,name,dummy\n"
        b"1,23.5,yes,2024-01-05,2024-01-05 10:30:00,\xc3\x89lodie \xe2\x9c\x93,0\n"
        b"2,NA,No,,2024-02-01T08:00:00,,1\n"
        b"3,-1.25,TRUE,2024-03-09,NaN,null,0\n"
    )
    assert table.schema.types == [
        pa.int64(),
        pa.float64(),
        pa.bool_(),
        pa.date32(),
        pa.timestamp("us"),
        pa.string(),
        pa.int64(),  # 0/1 stays integer (documented)
    ]
    assert table.to_pydict() == {
        "id": [1, 2, 3],
        "score": [23.5, None, -1.25],
        "ok": [True, False, True],
        "when": [date(2024, 1, 5), None, date(2024, 3, 9)],
        "at": [datetime(2024, 1, 5, 10, 30), datetime(2024, 2, 1, 8, 0), None],
        "name": ["Élodie ✓", None, None],
        "dummy": [0, 1, 0],
    }


def test_codes_with_leading_zeros_stay_text():
    table = read(b"patient,zip,n\n007,02139,0\n012,10001,10\n")
    assert table.to_pydict() == {"patient": ["007", "012"], "zip": ["02139", "10001"], "n": [0, 10]}


def test_a_leading_zero_far_below_the_sample_still_keeps_codes_text():
    rows = "".join(f"{i},{i % 10}\n" for i in range(3000))  # "0" alone is a number, not a code
    table = read(f"code,digit\n{rows}0042,0\n".encode())
    assert table.schema.types == [pa.string(), pa.int64()]
    assert table["code"][-1].as_py() == "0042"


def test_booleans_in_any_case_with_missing_values_and_other_words_stay_text():
    table = read(b"flag,answer\nYes,yes\n,no\nFALSE,maybe\ntRuE,\n")
    assert table.to_pydict() == {"flag": [True, None, False, True], "answer": ["yes", "no", "maybe", None]}


def test_padded_cells_are_typed_by_their_trimmed_text_and_text_keeps_its_spaces():
    table = read(b"n,x,t\n 12 ,2.5 , a \n7,  ,b\n")
    assert table.to_pydict() == {"n": [12, 7], "x": [2.5, None], "t": [" a ", "b"]}


def test_timestamps_with_offsets_are_utc():
    table = read(b"at\n2024-01-05T10:30:00+02:00\n2024-01-05T10:30:00Z\n")
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert [value.hour for value in table["at"].to_pylist()] == [8, 10]


def test_nist_smls07_values_are_stored_as_exact_decimals():
    table = read(("x\n" + "\n".join(SMLS07) + "\n").encode())
    assert table.schema.field("x").type == pa.decimal128(14, 1)
    assert [str(value) for value in table["x"].to_pylist()] == SMLS07


def test_more_than_15_significant_digits_is_decimal_and_ordinary_decimals_stay_float():
    table = read(b"long,plain,sci,huge\n0.1234567890123456,23.5,1e-5,12345678901234567890\n2,1000000.4,2,1\n")
    assert table.schema.field("long").type == pa.decimal128(17, 16)
    assert table["long"][0].as_py() == Decimal("0.1234567890123456")
    assert table.schema.field("plain").type == pa.float64()  # SmLs04-like: float64 keeps enough digits
    assert table.schema.field("sci").type == pa.float64()
    assert table.schema.field("huge").type == pa.decimal128(20, 0)  # beyond int64


def test_tsv_txt_and_semicolon_csv_and_bom_and_quoted_newlines():
    assert read(b"a\tb\n1\tx\n", "t.tsv").to_pydict() == {"a": [1], "b": ["x"]}
    assert read(b"a\tb\n1\tx\n", "t.txt").to_pydict() == {"a": [1], "b": ["x"]}
    assert read(b"a;b\n1;x\n").to_pydict() == {"a": [1], "b": ["x"]}
    assert read(b"\xef\xbb\xbfa,b\n1,x\n").column_names == ["a", "b"]
    table = read(b'id,note\n1,"two\nlines"\n2,plain\n')
    assert table.to_pydict() == {"id": [1, 2], "note": ["two\nlines", "plain"]}


def test_ragged_row_names_its_line():
    error = failure(b"a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n")
    assert (error.line, error.message) == (4, "expected 3 fields, saw 4")
    assert str(error) == "line 4: expected 3 fields, saw 4"
    assert failure(b"a,b,c\n1,2,3\n4,5\n").line == 3


def test_encoding_problems_are_named_with_position():
    error = failure("name\nJosé\n".encode("latin-1"))
    assert error.line == 2
    assert "not UTF-8" in error.message and "byte offset 8" in error.message
    assert "UTF-16" in failure("a,b\n1,2\n".encode("utf-16")).message


def test_nul_bytes_are_refused():
    error = failure(b"a,b\n1,2\n3,\x004\n")
    assert error.line == 3
    assert "NUL byte at byte offset 10" in error.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"a,b\n", "column names but no rows"),
        (b"1,2,3\n4,5,6\n", "the first row holds numbers, not column names"),
        (b"age,,sex\n1,2,3\n", "column 2 has no name"),
        (b"age,sex,age \n1,2,3\n", "duplicate column name 'age' (columns 1 and 3)"),
    ],
)
def test_tables_without_usable_structure(content, expected):
    assert expected in failure(content).message


def test_too_many_columns_are_refused():
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode()
    error = failure(header + b"\n" + b",".join([b"1"] * (MAX_COLUMNS + 1)) + b"\n")
    assert (
        error.message == f"the table has {MAX_COLUMNS + 1:,} columns; at most {MAX_COLUMNS:,} are supported"
    )


def test_unknown_extension():
    assert "unsupported file type '.sav'" in failure(b"x", "data.sav").message


# --- XLSX ------------------------------------------------------------------------------------


def workbook_bytes(*rows, title="Sheet1", extra_sheet=None):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        other = book.create_sheet(extra_sheet[0])
        for row in extra_sheet[1]:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_uses_the_same_inference():
    content = workbook_bytes(
        ["id", "when", "score", "flag", "x", "label"],
        [1, datetime(2024, 1, 5), 2.5, True, 1000000000000.4, "plain text"],
        [2, datetime(2024, 2, 6), None, False, 1000000000000.6, "NA"],
    )
    table = read(content, "book.xlsx")
    assert table.schema.types == [
        pa.int64(),
        pa.date32(),
        pa.float64(),
        pa.bool_(),
        pa.decimal128(14, 1),
        pa.string(),
    ]
    assert table.to_pydict()["x"] == [Decimal("1000000000000.4"), Decimal("1000000000000.6")]
    assert table["label"].to_pylist() == ["plain text", None]


def test_xlsx_named_sheet():
    content = workbook_bytes(["a"], [1], extra_sheet=("Second", [["b"], ["x"]]))
    assert read_file(in_a_body(content), "b.xlsx", sheet="Second").to_pydict() == {"b": ["x"]}
    with pytest.raises(ImportFailed, match="no sheet named 'Third'"):
        read_file(io.BytesIO(content), "b.xlsx", sheet="Third")


def test_xlsx_that_is_not_a_table():
    assert "is empty" in failure(workbook_bytes(), "e.xlsx").message
    error = failure(workbook_bytes(["a", None, "c"], [1, 2, 3]), "h.xlsx")
    assert (error.line, error.column) == (1, 2)
    assert "cell B1 is blank" in error.message
    error = failure(workbook_bytes(["a", "b"], [1, 2], [3, 4, 5]), "w.xlsx")
    assert (error.line, error.message) == (3, "cell C3 holds a value but its column has no name in row 1")
    assert "column names but no rows" in failure(workbook_bytes(["a", "b"]), "n.xlsx").message
    assert "holds numbers, not column names" in failure(workbook_bytes([1, 2], [3, 4]), "d.xlsx").message
    assert "not a valid .xlsx" in failure(b"PK not really", "z.xlsx").message


def test_xlsx_merged_header_cells_are_refused():
    book = Workbook()
    sheet = book.active
    sheet.append(["group", None, "c"])
    sheet.append([1, 2, 3])
    sheet.merge_cells("A1:B1")
    buffer = io.BytesIO()
    book.save(buffer)
    assert "cell B1 is blank (a merged or empty header cell)" in failure(buffer.getvalue(), "m.xlsx").message


def test_xlsx_zip_bomb_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 << 20))
    assert "likely zip bomb" in failure(buffer.getvalue(), "bomb.xlsx").message


# --- Parquet ---------------------------------------------------------------------------------


def parquet_bytes(table):
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_parquet_keeps_types_and_normalises_widths():
    source = pa.table(
        {
            "small": pa.array([1, 2], pa.int8()),
            "single": pa.array([1.5, float("nan")], pa.float32()),
            "exact": pa.array([Decimal("1000000000000.4"), None], pa.decimal128(14, 1)),
            "day": pa.array([date(2024, 1, 1), None], pa.date32()),
            "site": pa.array(["a", "b"]).dictionary_encode(),
            "flag": [True, None],
        }
    )
    table = read(parquet_bytes(source), "p.parquet")
    assert table.schema.types == [
        pa.int64(),
        pa.float64(),
        pa.decimal128(14, 1),
        pa.date32(),
        pa.string(),
        pa.bool_(),
    ]
    assert table["single"].to_pylist() == [1.5, None]  # NaN is missing


def test_parquet_refusals():
    nested = pa.table({"values": pa.array([[1, 2], [3]])})
    assert failure(parquet_bytes(nested), "n.parquet").message.startswith("column 'values' has the Parquet")
    twice = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    assert "duplicate column name 'a'" in failure(parquet_bytes(twice), "d.parquet").message
    assert "not a readable Parquet file" in failure(b"not parquet at all", "x.parquet").message


# --- JSON ------------------------------------------------------------------------------------


def test_json_file_array_or_data_object_keeps_exact_number_text():
    rows = b'[{"x": 1000000000000.4, "n": 1, "s": "a"}, {"x": 1000000000000.6, "n": null, "s": "b"}]'
    table = read(rows, "r.json")
    assert table.schema.types == [pa.decimal128(14, 1), pa.int64(), pa.string()]
    assert read(b'{"data": ' + rows + b"}", "r.json").equals(table)


def test_read_rows_keeps_the_digits_of_decimals_from_the_api_parser():
    table = read_rows(
        [
            {"x": Decimal("1000000000000.4"), "y": Decimal("0.1234567890123456")},
            {"x": Decimal("1000000000000.6"), "y": Decimal("0.0000001")},  # str() would say 1E-7
        ]
    )
    assert table.schema.types == [pa.decimal128(14, 1), pa.decimal128(16, 16)]
    assert table["y"].to_pylist() == [Decimal("0.1234567890123456"), Decimal("0.0000001")]


def test_read_rows_from_parsed_json():
    table = read_rows(
        [{"a": 1, "b": 2.5, "c": True, "d": "2024-01-05"}, {"a": None, "b": 3, "c": False, "d": None}]
    )
    assert table.schema.types == [pa.int64(), pa.float64(), pa.bool_(), pa.date32()]
    assert table.to_pydict() == {
        "a": [1, None],
        "b": [2.5, 3.0],
        "c": [True, False],
        "d": [date(2024, 1, 5), None],
    }


@pytest.mark.parametrize(
    ("rows", "message", "column"),
    [
        ([], "data must be a non-empty list of objects", None),
        ({"a": 1}, "data must be a non-empty list of objects", None),
        ([1, 2], "item 0 is a number, not an object", None),
        ([{"a": 1}, "x"], "item 1 is a string, not an object", None),
        ([{"a": 1, "b": 2}, {"a": 3}], "item 1 lacks the key 'b'", "b"),
        ([{"a": 1}, {"a": 3, "z": 4}], "item 1 has the unexpected key 'z'", "z"),
        ([{"a": 1}, {"a": {"deep": 1}}], "item 1, key 'a': the value is an object", "a"),
        ([{"": 1}], "column 1 has no name", 1),
        ([{}], "the table has no columns", None),
    ],
)
def test_read_rows_refusals(rows, message, column):
    with pytest.raises(ImportFailed) as caught:
        read_rows(rows)
    assert message in caught.value.message
    assert caught.value.column == column


def test_json_syntax_errors_name_line_and_column():
    error = failure(b'[{"a": 1},\n {"a": }]', "bad.json")
    assert (error.line, error.column) == (2, 8)
    assert "invalid JSON" in error.message
    assert "expected a JSON array" in failure(json.dumps({"rows": []}).encode(), "o.json").message
