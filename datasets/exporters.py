"""Dataset downloads as CSV, JSON, Parquet or XLSX, streamed batch by batch.

``export(blob_or_table, fmt)`` returns ``(chunks, content_type, extension)``;
``chunks`` is a lazy iterator of bytes, so a download holds one record batch
in memory, not the file. Values keep their meaning: decimals are written as
their exact text, dates as ISO dates (Excel date cells in XLSX), missing values
as empty cells (``null`` in JSON).

Formula injection: a text cell beginning with ``=``, ``+``, ``-``, ``@``, tab or
carriage return would be evaluated by a spreadsheet. In CSV such cells (and
column names) get a leading apostrophe, the convention spreadsheets display
as "this is text". In XLSX the cell text is unchanged and carries Excel's own
``quotePrefix`` flag, which is what Excel stores when someone types that
apostrophe. Numeric, boolean and date columns are never altered.
"""

import zipfile
from decimal import Decimal

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl.utils import get_column_letter

from . import blobstore

BATCH_ROWS = 16384
PARQUET_READ_BUFFER = 1 << 20  # stream column chunks page by page instead of reading them whole
FORMULA_START = r"^([=+\-@\t\r])"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, the header row included
XLSX_MAX_CELL_CHARS = 32767
# A streamed zip entry must declare ZIP64 up front if it may pass 2 GiB; only sheets this large
# (at ~100 bytes a cell) use it, since older Excel versions balk at ZIP64 archives.
XLSX_ZIP64_CELLS = 20_000_000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class ExportFailed(ValueError):
    """The data cannot be written in the requested format (e.g. too many rows for Excel)."""


def export(blob_or_table, fmt):
    """``(iterator of bytes, content type, file extension)`` for ``fmt`` in csv, json, parquet, xlsx."""
    if fmt not in FORMATS:
        raise ExportFailed(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    content_type, extension = FORMATS[fmt]
    if fmt == "xlsx":
        rows, columns = _shape(blob_or_table)
        if rows >= XLSX_MAX_ROWS:
            raise ExportFailed(
                f"Excel sheets hold at most {XLSX_MAX_ROWS - 1:,} rows below the header; use csv or parquet"
            )
        return _xlsx_chunks(blob_or_table, zip64=rows * columns > XLSX_ZIP64_CELLS), content_type, extension
    writer = {"csv": _csv_chunks, "json": _json_chunks, "parquet": _parquet_chunks}[fmt]
    return writer(blob_or_table), content_type, extension


def neutralise_formulas(strings):
    """Prefix an apostrophe to text that a spreadsheet would read as a formula."""
    return pc.replace_substring_regex(strings, pattern=FORMULA_START, replacement="'\\1")


def _shape(source):
    if isinstance(source, pa.Table):
        return source.shape
    with blobstore.open_blob(source) as reader:
        metadata = pq.ParquetFile(reader).metadata
        return metadata.num_rows, metadata.num_columns


def _batches(source):
    """Record batches of at most BATCH_ROWS rows, at least one (empty for an empty table)."""
    if isinstance(source, pa.Table):
        batches = source.to_batches(max_chunksize=BATCH_ROWS)
        yield from batches or [pa.RecordBatch.from_pylist([], schema=source.schema)]
        return
    with blobstore.open_blob(source) as reader:
        parquet = pq.ParquetFile(reader, buffer_size=PARQUET_READ_BUFFER, pre_buffer=False)
        empty = True
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            empty = False
            yield batch
        if empty:
            yield pa.RecordBatch.from_pylist([], schema=parquet.schema_arrow)


# --- CSV -----------------------------------------------------------------------------------


def _csv_chunks(source):
    header = True
    for batch in _batches(source):
        columns = [
            neutralise_formulas(column) if pa.types.is_string(column.type) else column
            for column in batch.columns
        ]
        names = [_neutralise_name(name) for name in batch.schema.names]
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(
            pa.RecordBatch.from_arrays(columns, names=names),
            sink,
            write_options=pa_csv.WriteOptions(include_header=header),
        )
        header = False
        yield sink.getvalue().to_pybytes()


def _neutralise_name(name):
    return neutralise_formulas(pa.array([name]))[0].as_py()


# --- JSON ----------------------------------------------------------------------------------


def _json_chunks(source):
    yield b"["
    separator = b""
    for batch in _batches(source):
        if batch.num_rows:
            yield separator + orjson.dumps(batch.to_pylist(), default=_json_default)[1:-1]
            separator = b","
    yield b"]"


def _json_default(value):
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f"))  # the exact digits, as a JSON number
    raise TypeError(f"cannot export {type(value).__name__} values as JSON")


# --- Parquet -------------------------------------------------------------------------------


def _parquet_chunks(source):
    if isinstance(source, pa.Table):
        data = blobstore.parquet_bytes(source)
        for start in range(0, data.size, blobstore.SEGMENT_BYTES):
            yield data[start : start + blobstore.SEGMENT_BYTES].to_pybytes()
        return
    # The stored blob is the Parquet file: decrypt and pass it through.
    with blobstore.open_blob(source) as reader:
        while chunk := reader.read(blobstore.SEGMENT_BYTES):
            yield chunk


# --- XLSX ----------------------------------------------------------------------------------
# A minimal SpreadsheetML package written as a stream: rows are rendered to XML
# with vectorised string kernels and deflated straight into the response, so
# nothing (least of all plaintext) is spooled to a temporary file.

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "[Content_Types].xml": _XML
    + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>",
    "_rels/.rels": _XML + f'<Relationships xmlns="{_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": _XML + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}">'
    '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": _XML + f'<Relationships xmlns="{_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
    "</Relationships>",
    # Cell styles: 0 general, 1 date, 2 date and time, 3 text with quotePrefix.
    "xl/styles.xml": _XML + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>",
}
_SHEET_HEAD = _XML + f'<worksheet xmlns="{_MAIN_NS}"><sheetData>'
_SHEET_TAIL = "</sheetData></worksheet>"
_EXCEL_EPOCH_DAYS = 25569  # 1970-01-01 as an Excel serial day (1900 date system)
_MICROSECONDS_PER_DAY = 86_400_000_000


class _Drain:
    """A write-only, unseekable sink whose contents are handed on after each batch."""

    def __init__(self):
        self._parts = []

    def write(self, data):
        self._parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data, self._parts = b"".join(self._parts), []
        return data


def _xlsx_chunks(source, zip64):
    sink = _Drain()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path, text in _XLSX_PARTS.items():
            archive.writestr(path, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            row = 1
            for batch in _batches(source):
                if row == 1:
                    sheet.write(_xlsx_header(batch.schema.names))
                    row = 2
                if batch.num_rows:
                    sheet.write(_xlsx_rows(batch, row))
                    row += batch.num_rows
                yield sink.take()
            sheet.write(_SHEET_TAIL.encode())
    yield sink.take()


def _xlsx_header(names):
    refs = pa.array([f"{get_column_letter(position)}1" for position in range(1, len(names) + 1)])
    return b'<row r="1">' + _concatenate(_string_cells(pa.array(names, pa.string()), refs)) + b"</row>"


def _xlsx_rows(batch, first_row):
    numbers = pc.cast(pa.array(range(first_row, first_row + batch.num_rows), pa.int64()), pa.string())
    cells = [
        _column_cells(column, pc.binary_join_element_wise(get_column_letter(position), numbers, ""))
        for position, column in enumerate(batch.columns, start=1)
    ]
    rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "")
    return _concatenate(rows)


def _column_cells(column, refs):
    """Each value as a ``<c>`` element ("" for missing values), vectorised."""
    kind = column.type
    if pa.types.is_string(kind):
        return _string_cells(column, refs)
    if pa.types.is_boolean(kind):
        return _cells(refs, ' t="b"', pc.if_else(column, "1", "0"))
    if pa.types.is_date(kind):
        serial = pc.add(pc.cast(pc.cast(column, pa.date32()), pa.int32()), _EXCEL_EPOCH_DAYS)
        return _cells(refs, ' s="1"', pc.cast(serial, pa.string()))
    if pa.types.is_timestamp(kind):
        micros = pc.cast(pc.cast(column, pa.timestamp("us", tz=kind.tz)), pa.int64())
        serial = pc.add(pc.divide(pc.cast(micros, pa.float64()), _MICROSECONDS_PER_DAY), _EXCEL_EPOCH_DAYS)
        return _cells(refs, ' s="2"', pc.cast(serial, pa.string()))
    if pa.types.is_floating(kind):
        column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, kind))  # Excel has no inf or NaN
    return _cells(refs, "", pc.cast(column, pa.string()))


def _cells(refs, attributes, values):
    cells = pc.binary_join_element_wise('<c r="', refs, f'"{attributes}><v>', values, "</v></c>", "")
    return pc.fill_null(cells, "")


def _string_cells(column, refs):
    text = pc.utf8_slice_codeunits(column, 0, XLSX_MAX_CELL_CHARS)
    text = pc.replace_substring_regex(text, r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]", "")  # not XML
    for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, character, entity)
    style = pc.if_else(pc.match_substring_regex(column, FORMULA_START), ' s="3"', "")
    cells = pc.binary_join_element_wise(
        '<c r="', refs, '" t="inlineStr"', style, '><is><t xml:space="preserve">', text, "</t></is></c>", ""
    )
    return pc.fill_null(cells, "")


def _concatenate(strings):
    """All strings of a null-free string array as one bytes object, straight from its data buffer."""
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    _, offsets, data = strings.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[[strings.offset, strings.offset + len(strings)]]
    return data[bounds[0] : bounds[1]].to_pybytes() if bounds[1] > bounds[0] else b""
