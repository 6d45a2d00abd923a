"""Read uploaded files (CSV, TSV, XLSX, Parquet, JSON) into typed Arrow tables.

Every text-based format goes through one inference pass (``infer_types``):
values are read as strings, missing-value markers become nulls, and each
column takes the first kind all its values parse as, in this order:

- integer (int64): whole numbers. Columns of only 0 and 1 stay integer, not
  boolean: they are usually dummies or counts, and stay usable in models.
  Whole numbers written with leading zeros ("007", ZIP "02139") are codes:
  the column stays text.
- boolean: true/false/yes/no, in any letter case.
- date (date32): ISO ``yyyy-mm-dd``; datetime (timestamp[us], UTC when the
  text carries an offset): ISO ``yyyy-mm-dd hh:mm[:ss[.f]]``.
- numeric (float64), or exact decimal (decimal128) when float64 cannot hold
  the text faithfully: some value has more than 15 significant digits, or the
  values agree in so many leading digits that float64 keeps fewer than about
  nine digits of their variation (max|x| / (max - min) > 1e7, NIST StRD
  SmLs07-09 such as 1000000000000.4). Decimals keep the largest scale the text
  carried; beyond 38 digits the column falls back to float64. Text in
  exponent notation stays float64.
- text (string) otherwise, spaces kept. Cells padded with spaces (" 12") are
  typed by their trimmed text. Categorical vs free text is the data
  dictionary's call (``datasets.dictionary``), not a storage type.

Bad input raises ``ImportFailed`` naming the line (and column) at fault.
"""

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .columnwise import map_columns
from .multipart import BufferFile

MAX_COLUMNS = 2000
# Text that means "no value", matched exactly (after CSV unquoting).
MISSING_MARKERS = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "#N/A", "<NA>"]
TRUE_WORDS = ["true", "yes"]
BOOLEAN_WORDS = [*TRUE_WORDS, "false", "no"]
FLOAT64_DIGITS = 15  # decimal digits float64 always round-trips
CROWDED_RATIO = 1e7  # max|x| / spread above which float64 keeps too few digits of the variation
MAX_DECIMAL_PRECISION = 38
SAMPLE_ROWS = 2000  # a cheap first look decides which full-column casts are worth trying
CSV_BLOCK_BYTES = 8 << 20
# An .xlsx is a zip; refuse archives that would inflate beyond these before openpyxl opens them.
XLSX_MAX_UNCOMPRESSED = 2 << 30
XLSX_MAX_RATIO = 100
PLAIN_DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)$"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".json")
UTF8_BOM = b"\xef\xbb\xbf"
# On bytes and memoryviews alike (which lack bytes' methods):
BLANK = re.compile(rb"\s*")  # bytes.isspace()'s whitespace, or nothing
LINE_BREAK = re.compile(rb"[\r\n]")


class ImportFailed(ValueError):
    """An upload that cannot become a dataset; ``line`` and ``column`` say where, when known."""

    def __init__(self, message, line=None, column=None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


def read_file(fileobj, filename, sheet=None):
    """Read an uploaded file into an Arrow table; the format comes from the file name's extension.

    ``sheet`` names the worksheet of an .xlsx file (default: the first).
    """
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportFailed(
            f"unsupported file type {suffix or '(no extension)'!r}; use .csv, .tsv, .xlsx, .parquet or .json"
        )
    data = _contents(fileobj)
    if not data:
        raise ImportFailed("the file is empty")
    if suffix == ".xlsx":
        return _read_xlsx(data, sheet)
    if suffix == ".parquet":
        return _read_parquet(data)
    if suffix == ".json":
        return _read_json(data)
    return _read_delimited(data, suffix)


def _contents(fileobj):
    """The whole file. An upload parsed in memory is a view of the request body (``datasets.multipart``):
    reading it as a view copies nothing, so the readers below take bytes or a memoryview alike."""
    file = getattr(fileobj, "file", fileobj)  # an UploadedFile wraps the file it reads
    return file.getbuffer() if isinstance(file, BufferFile) else fileobj.read()


def _line_of(data, offset):
    """The 1-based line that byte ``offset`` of ``data`` is on (for error messages)."""
    return bytes(data[:offset]).count(b"\n") + 1


def read_rows(rows):
    """Build a table from already parsed JSON rows: a non-empty list of flat objects with the same keys."""
    if not isinstance(rows, list) or not rows:
        raise ImportFailed("data must be a non-empty list of objects")
    first = rows[0]
    if not isinstance(first, dict):
        raise ImportFailed(f"item 0 is {_json_kind(first)}, not an object")
    names = list(first)
    check_names(names)
    expected = set(names)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ImportFailed(f"item {index} is {_json_kind(row)}, not an object")
        if row.keys() != expected:
            missing = sorted(expected - row.keys())
            extra = sorted(row.keys() - expected, key=str)
            key = (missing or extra)[0]
            problem = "lacks the key" if missing else "has the unexpected key"
            raise ImportFailed(
                f"item {index} {problem} {key!r}; every object needs the same keys as item 0", column=key
            )
        for key, value in row.items():
            if isinstance(value, dict | list):
                raise ImportFailed(
                    f"item {index}, key {key!r}: the value is {_json_kind(value)}; "
                    "values must be strings, numbers, booleans or null",
                    column=key,
                )
    return _table_from_cells(names, ([row[name] for row in rows] for name in names))


def check_names(names, line=None):
    """Refuse tables without usable column names: none, too many, blank, or repeated ones."""
    if not names:
        raise ImportFailed("the table has no columns", line)
    if len(names) > MAX_COLUMNS:
        raise ImportFailed(
            f"the table has {len(names):,} columns; at most {MAX_COLUMNS:,} are supported", line
        )
    seen = {}
    for position, name in enumerate(names, start=1):
        if not isinstance(name, str) or not name.strip():
            raise ImportFailed(f"column {position} has no name", line, column=position)
        if name.strip() in seen:
            raise ImportFailed(
                f"duplicate column name {name.strip()!r} (columns {seen[name.strip()]} and {position})",
                line,
                column=name.strip(),
            )
        seen[name.strip()] = position


def check_header(names):
    """The first line/row of a text file or sheet must name the columns, not hold the first record."""
    check_names(names, line=1)
    if all(_looks_numeric(name) for name in names):
        raise ImportFailed(
            "the first row holds numbers, not column names; add a row naming each column", line=1
        )


def infer_types(table):
    """Give each all-string column the narrowest kind every one of its values parses as."""
    return pa.table(map_columns(_infer_column, table), names=table.column_names)


# --- CSV / TSV -----------------------------------------------------------------------------


def _read_delimited(data, suffix):
    data = _check_text(data)
    header_text = _header_text(data)
    delimiter = _sniff_delimiter(header_text.partition("\n")[0], suffix)
    header = next(csv.reader(io.StringIO(header_text), delimiter=delimiter), [])
    if not header:
        raise ImportFailed("the first line is empty; it must hold the column names", line=1)
    check_header(header)
    if not LINE_BREAK.search(data):
        # A lone header line: pyarrow would call it an empty file.
        raise ImportFailed("the file has column names but no rows")
    raw = _parse_csv(data, header, delimiter)
    if raw.column_names != header:
        raise ImportFailed("could not read the column names on the first line", line=1)
    if raw.num_rows == 0:
        raise ImportFailed("the file has column names but no rows")
    return infer_types(raw.rename_columns([name.strip() for name in header]))


def _check_text(data):
    """UTF-8 text without NUL bytes; returns it without a byte-order mark."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportFailed("the file is UTF-16 encoded; save it as UTF-8 (in Excel: CSV UTF-8)")
    if data[:3] == UTF8_BOM:
        data = data[3:]
    if BLANK.fullmatch(data):
        raise ImportFailed("the file is empty")
    # numpy's min scans a memoryview as fast as bytes.find scans bytes (6 ms for 176 MB)
    if np.frombuffer(data, np.uint8).min() == 0:
        nul = bytes(data).find(b"\x00")
        raise ImportFailed(
            f"NUL byte at byte offset {nul}: this is binary data or UTF-16 text, not a UTF-8 text table",
            line=_line_of(data, nul),
        )
    return data


def _utf8_error(data):
    """The ImportFailed for the first byte of ``data`` (known not to be UTF-8) that does not decode."""
    try:
        str(data, "utf-8")
    except UnicodeDecodeError as exc:
        return ImportFailed(
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} cannot be "
            "decoded; save the file as UTF-8 (in Excel: CSV UTF-8)",
            line=_line_of(data, exc.start),
        )
    return None


def _header_text(data):
    """The first line(s) of the file as text: enough for the header even with quoted newlines."""
    head = bytes(data[: 1 << 20])
    end = head.find(b"\n")
    head = head[: end + 1] if end >= 0 and head.count(b'"', 0, end) % 2 == 0 else head
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the 1 MiB boundary
            raise _utf8_error(head) from exc
        return head[: exc.start].decode("utf-8")


def _sniff_delimiter(first_line, suffix):
    if suffix == ".tsv":
        return "\t"
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";")}
    if suffix == ".csv":
        # Semicolons are Excel's separator in locales with a decimal comma.
        return ";" if counts[","] == 0 and counts[";"] > 0 else ","
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _looks_numeric(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_csv(data, header, delimiter):
    read_options = pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES)
    convert_options = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        null_values=MISSING_MARKERS,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    source = pa.py_buffer(data)
    try:
        return pa_csv.read_csv(
            pa.BufferReader(source),
            read_options=read_options,
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as exc:
        if "invalid UTF8" in str(exc):
            raise _utf8_error(data) from exc
        ragged = _find_ragged_row(data, len(header), delimiter)
        if ragged:
            raise ragged from exc
        first_error = exc
    # No ragged row by Python's reader: the rows hold quoted line breaks, which pyarrow's
    # fast path does not expect. Parse again allowing them.
    try:
        return pa_csv.read_csv(
            pa.BufferReader(source),
            read_options=read_options,
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as exc:
        raise ImportFailed(f"the file is not a well-formed table: {first_error}") from exc


def _find_ragged_row(data, width, delimiter):
    """Slow path for error messages only: the first row whose field count differs from the header."""
    reader = csv.reader(io.StringIO(str(data, "utf-8", errors="replace")), delimiter=delimiter)
    try:
        for fields in reader:
            if fields and len(fields) != width:
                return ImportFailed(f"expected {width} fields, saw {len(fields)}", line=reader.line_num)
    except csv.Error as exc:
        return ImportFailed(f"malformed CSV: {exc}", line=reader.line_num)
    return None


# --- Type inference ----------------------------------------------------------------------


def _infer_column(_name, strings):
    if strings.null_count == len(strings):
        return strings
    sample = _sample(strings)
    converted = _convert(strings, sample)
    if converted is not None and converted.type == pa.int64() and _has_leading_zeros(strings):
        return strings  # codes such as "007" or ZIP "02139": their zeros matter, so text
    if converted is None and pc.any(pc.match_substring_regex(sample, r"^\s|\s$")).as_py():
        # Padded cells (" 12", fixed-width exports) are read by their trimmed text; text keeps its spaces.
        trimmed = pc.utf8_trim_whitespace(strings)
        trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
        converted = _convert(trimmed, _sample(trimmed))
    return strings if converted is None else converted


def _has_leading_zeros(strings):
    # The cheap test keeps few values (such as "0" itself) for the closer look at their second character.
    zero_first = strings.filter(pc.starts_with(strings, "0"))
    return pc.any(pc.utf8_is_digit(pc.utf8_slice_codeunits(zero_first, 1, 2))).as_py() or False


def _convert(strings, sample):
    for convert in (_as_integer, _as_boolean, _as_date, _as_timestamp, _as_number):
        if convert(sample) is not None:
            converted = convert(strings)
            if converted is not None:
                return converted
    return None


def _sample(strings):
    head = strings.slice(0, SAMPLE_ROWS).drop_null()
    return head if len(head) else strings.drop_null()


def _cast(strings, arrow_type):
    try:
        return pc.cast(strings, arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _as_integer(strings):
    return _cast(strings, pa.int64())


def _as_boolean(strings):
    # Positions in BOOLEAN_WORDS, null for missing and for unrecognised text; the true words come first.
    positions = pc.index_in(pc.utf8_lower(strings), value_set=pa.array(BOOLEAN_WORDS))
    if positions.null_count != strings.null_count:
        return None
    return pc.less(positions, len(TRUE_WORDS))


def _as_date(strings):
    lengths = pc.min_max(pc.binary_length(strings))  # bytes: an ISO date is ASCII
    if lengths["min"].as_py() != 10 or lengths["max"].as_py() != 10:
        return None
    return _cast(strings, pa.date32())


def _as_timestamp(strings):
    # Cheap refusal first: every ISO datetime has a date part, so a digit, then '-' at index 4.
    if not pc.all(pc.match_substring_regex(strings, r"^\d{4}-")).as_py():
        return None
    return _cast(strings, pa.timestamp("us")) or _cast(strings, pa.timestamp("us", tz="UTC"))


def _as_number(strings):
    floats = _cast(strings, pa.float64())
    if floats is None:
        return None
    extremes = pc.min_max(floats)
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    spread = high - low
    crowded = 0 < spread < float("inf") and max(abs(low), abs(high)) / spread > CROWDED_RATIO
    # 15 characters (bytes: text that parsed as numbers is ASCII) hold at most 15 digits: ordinary
    # decimals stop here.
    if not crowded and pc.max(pc.binary_length(strings)).as_py() <= FLOAT64_DIGITS:
        return floats
    exact = _as_exact_decimal(strings, crowded)
    return exact if exact is not None else floats


def _as_exact_decimal(strings, crowded):
    """decimal128 at the text's own scale, when float64 would not hold the text (see module doc)."""
    if not pc.all(pc.match_substring_regex(strings, PLAIN_DECIMAL)).as_py():
        return None  # exponent notation, inf: float64 it is
    body = pc.utf8_ltrim(strings, characters="+-0")  # "-007.50" -> "7.50", "0.05" -> ".05"
    point = pc.find_substring(body, ".")
    length = pc.utf8_length(body)
    has_point = pc.greater_equal(point, 0)
    integer_digits = pc.max(pc.if_else(has_point, point, length)).as_py() or 0
    scale = pc.max(pc.if_else(has_point, pc.subtract(pc.subtract(length, point), 1), 0)).as_py() or 0
    significant = pc.max(pc.utf8_length(pc.utf8_ltrim(pc.replace_substring(body, ".", ""), "0"))).as_py()
    precision = max(integer_digits + scale, 1)
    if precision > MAX_DECIMAL_PRECISION or not (crowded or (significant or 0) > FLOAT64_DIGITS):
        return None
    return _cast(strings, pa.decimal128(precision, scale))


# --- Cell-based formats (XLSX, JSON) ----------------------------------------------------------


def _table_from_cells(names, columns):
    """Render Python cell values as text and run them through the same inference as CSV."""
    markers = pa.array(MISSING_MARKERS)
    strings = {}
    for name, values in zip(names, columns, strict=True):
        text = pa.array([_cell_text(value) for value in values], type=pa.string())
        strings[name.strip()] = pc.if_else(pc.is_in(text, value_set=markers), None, text)
    return infer_types(pa.table(strings))


def _cell_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))  # Excel stores every number as a double: 3.0 is the integer 3
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # the digits as written: Decimal("0.0000001") is not "1E-7"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _json_kind(value):
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


# --- XLSX ------------------------------------------------------------------------------------


def _read_xlsx(data, sheet_name):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    _check_zip_sizes(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, zipfile, XML errors) for bad files
        raise ImportFailed(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    try:
        if sheet_name:
            if sheet_name not in workbook.sheetnames:
                raise ImportFailed(f"no sheet named {sheet_name!r}; the sheets are {workbook.sheetnames}")
            sheet = workbook[sheet_name]
        elif workbook.worksheets:
            sheet = workbook.worksheets[0]
        else:
            raise ImportFailed("the workbook has no worksheet")
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()))
        while header and header[-1] is None:
            header.pop()
        if not header:
            raise ImportFailed(f"sheet {sheet.title!r} is empty, or its first row is blank")
        for position, name in enumerate(header, start=1):
            if name is None or not str(name).strip():
                raise ImportFailed(
                    f"cell {get_column_letter(position)}1 is blank (a merged or empty header cell); "
                    "the first row must name every column",
                    line=1,
                    column=position,
                )
        names = [_cell_text(name) for name in header]
        check_header(names)
        width = len(names)
        columns = [[] for _ in names]
        for line, row in enumerate(rows, start=2):
            if all(value is None for value in row):
                continue  # blank rows carry nothing; spreadsheets often end with many
            for position, value in enumerate(row[width:], start=width + 1):
                if value is not None:
                    raise ImportFailed(
                        f"cell {get_column_letter(position)}{line} holds a value but its column has no "
                        "name in row 1",
                        line=line,
                        column=position,
                    )
            for values, value in zip(columns, row, strict=False):
                values.append(value)
            for values in columns[len(row) :]:
                values.append(None)
    finally:
        workbook.close()
    if not columns[0]:
        raise ImportFailed(f"sheet {sheet.title!r} has column names but no rows")
    return _table_from_cells(names, columns)


def _check_zip_sizes(data):
    """Refuse zip bombs by the sizes the archive's directory declares, before anything inflates.

    Python's zipfile stops at the declared size, so an archive cannot lie its way past this.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFailed("not a valid .xlsx file (it is not a zip archive)") from exc
    if declared > XLSX_MAX_UNCOMPRESSED or declared > XLSX_MAX_RATIO * len(data) + (10 << 20):
        raise ImportFailed(
            f"the workbook would expand from {len(data):,} to {declared:,} bytes; refusing a likely zip bomb"
        )


# --- Parquet ---------------------------------------------------------------------------------


def _read_parquet(data):
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        check_names(parquet.schema_arrow.names)
        table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise ImportFailed(f"not a readable Parquet file: {exc}") from exc
    if table.num_rows == 0:
        raise ImportFailed("the Parquet file has no rows")
    return pa.table(
        [
            _supported_column(name, column)
            for name, column in zip(table.column_names, table.columns, strict=True)
        ],
        names=[name.strip() for name in table.column_names],
    )


def _supported_column(name, column):
    """Map Arrow types onto the kinds Biostat stores, or refuse the column."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_integer(kind):
        if kind == pa.uint64() and (pc.max(column).as_py() or 0) >= 2**63:
            return column.cast(pa.decimal128(20, 0))
        return column.cast(pa.int64())
    if pa.types.is_floating(kind):
        column = column.cast(pa.float64())
        return pc.if_else(pc.is_nan(column), None, column)  # NaN is a missing value, as in text files
    if pa.types.is_boolean(kind) or kind == pa.date32() or pa.types.is_timestamp(kind):
        return column
    if kind == pa.date64():
        return column.cast(pa.date32())
    if pa.types.is_decimal(kind):
        if kind.precision > MAX_DECIMAL_PRECISION:
            raise ImportFailed(f"column {name!r} holds decimals of {kind.precision} digits; at most 38")
        return column.cast(pa.decimal128(kind.precision, kind.scale))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return column.cast(pa.string())
    if pa.types.is_null(kind):
        return column.cast(pa.string())
    if pa.types.is_time(kind):
        return column.cast(pa.string())
    raise ImportFailed(
        f"column {name!r} has the Parquet/Arrow type {kind}, which is not a table cell "
        "(numbers, text, booleans, dates and timestamps are)",
        column=name,
    )


# --- JSON ------------------------------------------------------------------------------------


def _read_json(data):
    if data[:3] == UTF8_BOM:
        data = data[3:]
    try:
        text = str(data, "utf-8")
    except UnicodeDecodeError:
        raise _utf8_error(data) from None
    if not text.strip():
        raise ImportFailed("the file is empty")
    try:
        # Numbers keep their text so exact decimals survive; the shared inference types them.
        parsed = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from exc
    except RecursionError:  # Python's parser gives up near 1,000 levels
        raise ImportFailed("the JSON is nested too deeply; rows must be flat objects") from None
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
        parsed = parsed["data"]
    if not isinstance(parsed, list):
        raise ImportFailed('expected a JSON array of objects, or an object with a "data" array of objects')
    return read_rows(parsed)
