"""A multipart/form-data body parsed whole, in memory.

Django's ``MultiPartParser`` streams a body through its upload handlers in 64 KiB chunks and
copies every chunk about three times on the way: 0.3 s for a 176 MB CSV, as long as pyarrow
takes to parse it. Biostat keeps uploads in memory anyway (``datasets.uploads``) and the body
is already there whole, so ``parse`` finds the parts with python-multipart (one ``bytes.find``
for the boundary after each part's headers) and hands each file on as a ``BufferFile`` over its
slice of the body: the importer reads it through ``getbuffer()`` without a copy.
"""

import html
import os
from io import RawIOBase

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState


class BufferFile(RawIOBase):
    """A read-only binary file over a buffer. ``getbuffer()`` returns all of it without a copy,
    as ``BytesIO.getbuffer()`` does; reading returns copies, as from any file."""

    def __init__(self, buffer):
        super().__init__()
        self._view = memoryview(buffer)
        self._position = 0

    def getbuffer(self):
        return self._view

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, buffer):
        chunk = self._view[self._position : self._position + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)

    def readall(self):
        rest = bytes(self._view[self._position :])
        self._position = len(self._view)
        return rest

    def seek(self, offset, whence=os.SEEK_SET):
        origin = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: len(self._view)}[whence]
        self._position = max(0, origin + offset)
        return self._position

    def tell(self):
        return self._position


class _Part:
    def __init__(self):
        self.headers = {}
        self.header_name = self.header_value = b""
        self.data = []  # views of the body; one unless the part contains boundary-like bytes

    def content(self):
        return self.data[0] if len(self.data) == 1 else memoryview(b"".join(self.data))

    def header(self, name):
        """The header's value and its parameters, or ``(None, {})`` when it is absent or unreadable."""
        try:
            return parse_header_parameters(self.headers[name].decode())
        except (KeyError, UnicodeDecodeError):
            return None, {}


def parse(body, boundary, encoding):
    """``(POST, FILES)`` of a multipart body (bytes), as Django's ``MultiPartParser.parse`` gives
    them, with its limits on fields and files; ``MultiPartParserError`` names what is wrong and
    the byte where the body stops making sense."""
    view = memoryview(body)
    parts = []
    preamble = _preamble_length(body, boundary)
    if preamble:
        body = body[preamble:]  # a copy, for the rare client that sends a preamble

    def on_part_begin():
        parts.append(_Part())

    def on_header_field(data, start, end):
        parts[-1].header_name += data[start:end]

    def on_header_value(data, start, end):
        parts[-1].header_value += data[start:end]

    def on_header_end():
        part = parts[-1]
        part.headers[part.header_name.strip().lower()] = part.header_value.strip()
        part.header_name = part.header_value = b""

    def on_part_data(data, start, end):
        parts[-1].data.append(view[preamble + start : preamble + end])

    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
        },
    )
    try:
        parser.write(body)
    except MultipartParseError as exc:
        raise MultiPartParserError(f"{exc} (at byte {preamble + exc.offset})") from exc
    if parser.state != MultipartState.END:
        raise MultiPartParserError(f"the body ends at byte {len(view)} before the closing boundary")
    return _form(parts, encoding)


def _preamble_length(body, boundary):
    """python-multipart expects the first boundary at once; RFC 2046 allows text before it."""
    if body.startswith(b"--" + boundary):
        return 0
    first = body.find(b"\r\n--" + boundary)
    return first + 2 if first >= 0 else 0  # without a boundary, the parser says where it fails


def _form(parts, encoding):
    post, files = QueryDict(mutable=True, encoding=encoding), MultiValueDict()
    field_bytes = 0
    for part in parts:
        _, disposition = part.header(b"content-disposition")
        name = disposition.get("name", "").strip()
        if not name:
            continue  # Django's parser skips a part without a field name too
        if "filename" in disposition:
            _add_file(files, name, disposition["filename"], part)
            continue
        value = part.content()
        field_bytes += len(value) + len(name) + 2  # counted as Django counts form fields
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and field_bytes > limit:
            raise MultiPartParserError(
                "the form fields other than files are larger than DATA_UPLOAD_MAX_MEMORY_SIZE"
            )
        post.appendlist(name, bytes(value).decode(encoding, errors="replace"))
    _check_count(post, "fields", "DATA_UPLOAD_MAX_NUMBER_FIELDS")
    _check_count(files, "files", "DATA_UPLOAD_MAX_NUMBER_FILES")
    post._mutable = False
    return post, files


def _add_file(files, field_name, file_name, part):
    file_name = _sanitized(file_name)
    if file_name in {"", ".", ".."}:
        return  # as in Django's parser, a part without a usable file name is no file
    content = part.content()
    content_type, parameters = part.header(b"content-type")
    files.appendlist(
        field_name,
        InMemoryUploadedFile(
            file=BufferFile(content),
            field_name=field_name,
            name=file_name,
            content_type=content_type or "",
            size=len(content),
            charset=parameters.get("charset"),
            content_type_extra=parameters,
        ),
    )


def _sanitized(file_name):
    """As Django's ``MultiPartParser.sanitize_file_name``: the last path segment, printable only."""
    file_name = html.unescape(file_name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return "".join(char for char in file_name if char.isprintable())


def _check_count(values, what, setting):
    limit = getattr(settings, setting)
    if limit is not None and sum(len(listed) for _, listed in values.lists()) > limit:
        raise MultiPartParserError(f"the form has more {what} than {setting} ({limit}) allows")
