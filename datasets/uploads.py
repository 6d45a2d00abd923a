"""Uploads stay in memory and under ``BIOSTAT_MAX_UPLOAD_MB``.

Django's default upload handlers spool a file larger than
``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a named temporary file: plaintext rows on
disk. Settings therefore list only ``MemoryOnlyUploadHandler`` and raise
``FILE_UPLOAD_MAX_MEMORY_SIZE`` to the upload limit (Django's ASGI handler uses
that setting to decide when a request body spills to disk).

The limit is enforced twice: ``UploadLimitMiddleware`` answers 413 before
anything reads a body whose declared (or, on ASGI, buffered) length is over it,
and the handler reads at most one byte past it, for a body that understates its
length. A view that accepts uploads checks ``upload_too_large(request)``.
"""

import os
from io import UnsupportedOperation

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict

from . import multipart

TOO_LARGE_FLAG = "biostat_upload_too_large"


def max_upload_bytes():
    return settings.BIOSTAT_MAX_UPLOAD_MB * 1024 * 1024


def too_large_message():
    return (
        f"The upload is larger than the limit of {settings.BIOSTAT_MAX_UPLOAD_MB} MB "
        "(BIOSTAT_MAX_UPLOAD_MB); nothing was stored."
    )


def upload_too_large(request):
    """Whether the upload handler stopped reading this request's body at the limit."""
    return getattr(request, TOO_LARGE_FLAG, False)


def body_length(request):
    """The body's length: the buffered size when the body is a seekable file (ASGI), else the
    declared Content-Length (which a WSGI server enforces)."""
    stream = getattr(request, "_stream", None)
    try:
        size = stream.seek(0, os.SEEK_END)
    except (UnsupportedOperation, AttributeError, OSError, ValueError):
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0
    stream.seek(0)
    return size


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Parses a multipart body whole, in memory (``datasets.multipart``), refusing one over the limit.

    Django lets an upload handler take over the parse of the raw body (``handle_raw_input``).
    This one always does, for Django's ``request.POST``/``FILES`` and DRF's parser alike, so no
    file reaches a temporary file and Django's chunk-by-chunk parser never runs. Each file is a
    view of the body: reading it whole through ``getbuffer()`` copies nothing.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803 (Django's name)
        body = input_data.read(max_upload_bytes() + 1)
        if len(body) > max_upload_bytes():
            setattr(self.request, TOO_LARGE_FLAG, True)
            return QueryDict(encoding=encoding), MultiValueDict()
        return multipart.parse(body, boundary, encoding or settings.DEFAULT_CHARSET)


def too_large_response(request):
    message = too_large_message()
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")
    if wants_json:
        return JsonResponse({"detail": message}, status=413)
    return render(request, "datasets/upload_too_large.html", {"message": message}, status=413)


class UploadLimitMiddleware:
    """Refuse request bodies over the upload limit before any view or middleware reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if body_length(request) > max_upload_bytes():
            return too_large_response(request)
        return self.get_response(request)
