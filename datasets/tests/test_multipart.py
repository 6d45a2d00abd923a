"""datasets.multipart: multipart bodies parsed whole, in memory, as Django's own parser would
parse them, with a clear error for a body that is not one."""

import io

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.test import RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from datasets import multipart
from datasets.tests.conftest import TRIAL_CSV

BOUNDARY = "----formboundary7MA4YWxk"


def body(*parts, boundary=BOUNDARY):
    """A multipart body of ``(headers, content)`` parts, headers a list of lines."""
    chunks = []
    for headers, content in parts:
        chunks.append(f"--{boundary}\r\n".encode() + "".join(f"{h}\r\n" for h in headers).encode("utf-8"))
        chunks.append(b"\r\n" + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


def field(name, value):
    return [f'Content-Disposition: form-data; name="{name}"'], value.encode()


def upload(name, filename, content, content_type="text/csv"):
    disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
    return [disposition, f"Content-Type: {content_type}"], content


def parse(payload, boundary=BOUNDARY):
    return multipart.parse(payload, boundary.encode(), "utf-8")


def django_parse(payload, boundary=BOUNDARY):
    """Django's streaming parser with its in-memory handler: the reference."""
    request = RequestFactory().post("/")
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(len(payload))}
    return MultiPartParser(meta, io.BytesIO(payload), [MemoryFileUploadHandler(request)]).parse()


def contents(files):
    return {
        name: [(file.name, file.content_type, file.charset, file.size, file.read()) for file in listed]
        for name, listed in files.lists()
    }


def test_fields_and_files():
    payload = body(field("name", "Trial"), field("note", "first"), upload("file", "trial.csv", TRIAL_CSV))

    post, files = parse(payload)

    assert post.dict() == {"name": "Trial", "note": "first"}
    assert not post._mutable
    (csv,) = files.getlist("file")
    assert (csv.name, csv.content_type, csv.size) == ("trial.csv", "text/csv", len(TRIAL_CSV))
    assert csv.read() == TRIAL_CSV


def test_a_file_is_a_view_of_the_body_not_a_copy():
    payload = body(upload("file", "trial.csv", TRIAL_CSV))

    _, files = parse(payload)

    view = files["file"].file.getbuffer()
    assert view.obj is payload
    assert view == TRIAL_CSV


def test_reading_the_file_reads_its_slice_of_the_body():
    _, files = parse(body(field("name", "Trial"), upload("file", "trial.csv", b"a,b\r\n1,2\r\n")))
    file = files["file"]

    assert file.read(4) == b"a,b\r"
    assert file.read() == b"\n1,2\r\n"
    file.seek(-3, io.SEEK_END)
    assert file.read() == b"2\r\n"
    assert list(file.chunks()) == [b"a,b\r\n1,2\r\n"]


def test_file_contents_that_look_like_a_boundary_stay_intact():
    tricky = f"a,b\r\n--{BOUNDARY[:-1]}\r\n\r\n--{BOUNDARY}x\r\n1,2\r\n--\r\n".encode()

    _, files = parse(body(upload("file", "t.csv", tricky)))

    assert files["file"].read() == tricky


def test_file_names_lose_their_directories_and_keep_their_characters():
    payload = body(
        upload("a", "C:\\Users\\me\\trial.csv", b"x"),
        upload("b", "../../etc/passwd", b"y"),
        upload("c", "Prüfung 2024.csv", b"z"),
        (["Content-Disposition: form-data; name=\"d\"; filename*=UTF-8''%C3%A9tude.csv"], b"w"),
    )

    _, files = parse(payload)

    assert [files[name].name for name in "abcd"] == ["trial.csv", "passwd", "Prüfung 2024.csv", "étude.csv"]


def test_a_file_part_without_a_name_or_a_file_name_is_skipped_as_django_does():
    payload = body(
        upload("file", "", b"x"),
        (["Content-Disposition: form-data"], b"nameless"),
        field("name", "Trial"),
    )

    post, files = parse(payload)

    assert post.dict() == {"name": "Trial"}
    assert not files


def test_a_preamble_before_the_first_boundary_is_skipped():
    payload = b"This is a multipart body.\r\n" + body(
        field("name", "Trial"), upload("file", "t.csv", b"a\r\n1")
    )

    post, files = parse(payload)

    assert post.dict() == {"name": "Trial"}
    assert files["file"].file.getbuffer() == b"a\r\n1"


def test_the_content_type_charset_reaches_the_upload():
    _, files = parse(body(upload("file", "t.csv", b"x", content_type="text/csv; charset=latin-1")))

    assert (files["file"].content_type, files["file"].charset) == ("text/csv", "latin-1")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (body(field("a", "value"))[: -len(BOUNDARY) - 10], "ends at byte"),
        (b"not a multipart body at all", "at byte 0"),
        (f"--{BOUNDARY}\r\nno colon in this header\r\n\r\nx\r\n".encode(), "at byte"),
    ],
    ids=["truncated", "garbage", "bad-header"],
)
def test_a_body_that_is_not_multipart_is_an_error_naming_the_byte(payload, message):
    with pytest.raises(MultiPartParserError, match=message):
        parse(payload)


def test_limits_on_fields_and_files(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    with pytest.raises(MultiPartParserError, match="DATA_UPLOAD_MAX_NUMBER_FIELDS"):
        parse(body(field("a", "1"), field("a", "2"), field("b", "3")))

    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    with pytest.raises(MultiPartParserError, match="DATA_UPLOAD_MAX_NUMBER_FILES"):
        parse(body(upload("f", "1.csv", b"1"), upload("f", "2.csv", b"2")))

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(MultiPartParserError, match="DATA_UPLOAD_MAX_MEMORY_SIZE"):
        parse(body(field("note", "x" * 100)))
    parse(body(field("note", "x" * 90), upload("file", "big.csv", b"y" * 1000)))  # files do not count


characters = st.characters(min_codepoint=0x20, max_codepoint=0x2FF, blacklist_characters='"\\')
names = st.text(characters, min_size=1, max_size=12)
names = names.filter(lambda name: name.strip() == name and name not in {".", ".."} and "/" not in name)
contents_ = st.binary(max_size=300) | st.sampled_from([b"\r\n", b"--", f"\r\n--{BOUNDARY}".encode()[:-1]])
parts = st.lists(
    st.tuples(names, st.text(max_size=50)).map(lambda pair: field(*pair))
    | st.tuples(names, names, contents_).map(lambda triple: upload(*triple)),
    max_size=6,
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(parts, st.sampled_from([b"", b"a preamble\r\n"]), st.sampled_from([b"", b"an epilogue"]))
def test_it_parses_what_djangos_parser_parses_the_same_way(parts, preamble, epilogue):
    payload = preamble + body(*parts) + epilogue

    post, files = parse(payload)
    expected_post, expected_files = django_parse(payload)

    assert list(post.lists()) == list(expected_post.lists())
    assert contents(files) == contents(expected_files)
