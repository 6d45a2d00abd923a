"""LOG_FORMAT=json: one JSON object per log line, with the extras callers pass and never a request's
contents beyond its method and path."""

import json
import logging
import os
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory

from biostat.logging import JsonFormatter


def formatted(message, *args, exc_info=None, **extra):
    record = logging.LogRecord("biostat.test", logging.WARNING, __file__, 12, message, args, exc_info)
    record.__dict__.update(extra)
    return JsonFormatter().format(record)


def test_a_record_is_one_line_of_json():
    line = formatted("uploaded %s rows", 3, dataset=7)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "uploaded 3 rows"
    assert entry["level"] == "WARNING" and entry["logger"] == "biostat.test"
    assert entry["time"].endswith("+00:00") and entry["location"].endswith(":12")
    assert entry["dataset"] == 7
    assert "args" not in entry and "msg" not in entry  # the raw LogRecord fields stay out


def test_a_traceback_is_kept_in_one_field():
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        entry = json.loads(formatted("failed", exc_info=sys.exc_info()))
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: line one\nline two" in entry["exception"]


def test_a_request_is_written_as_method_and_path_only():
    request = RequestFactory().post(
        "/api/datasets/?token=secret", {"name": "x"}, HTTP_AUTHORIZATION="Token abc", HTTP_COOKIE="sid=s"
    )
    line = formatted("Bad Request: %s", request.path, request=request, status_code=400)
    assert json.loads(line)["request"] == {"method": "POST", "path": "/api/datasets/"}
    assert "secret" not in line and "abc" not in line and "sid" not in line


def test_values_json_cannot_hold_are_written_as_text():
    assert json.loads(formatted("x", columns={"a"}, when=object))["when"] == str(object)


def run_django(code, **env):
    """Run ``code`` in a fresh Django process configured by ``env``; returns the finished process."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "biostat.settings",
        "BIOSTAT_LOCAL": "1",
        "PYTHONPATH": str(settings.BASE_DIR),
        "PYTHONWARNINGS": "ignore",  # Python warnings go to stderr as text, not through logging
        **env,
    }
    program = "import django\ndjango.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, timeout=60
    )


def test_log_format_json_switches_every_logger_to_json(tmp_path):
    # A request for an unknown API URL: Django's request logger reports it, with the request attached.
    finished = run_django(
        "from django.test import Client\nClient().get('/api/no-such-thing/')",
        LOG_FORMAT="json",
        BIOSTAT_DATA_DIR=str(tmp_path),
    )
    assert finished.returncode == 0, finished.stderr
    entries = [json.loads(line) for line in finished.stderr.splitlines() if line.strip()]
    not_found = next(entry for entry in entries if entry["logger"] == "django.request")
    assert not_found["message"] == "Not Found: /api/no-such-thing/"
    assert not_found["status_code"] == 404
    assert not_found["request"] == {"method": "GET", "path": "/api/no-such-thing/"}


def test_text_stays_the_default(tmp_path):
    finished = run_django(
        "import logging\nlogging.getLogger('biostat').warning('plain words')", BIOSTAT_DATA_DIR=str(tmp_path)
    )
    assert finished.stderr.strip() == "plain words"


def test_an_unknown_log_format_refuses_to_start(tmp_path):
    finished = run_django("", LOG_FORMAT="xml", BIOSTAT_DATA_DIR=str(tmp_path))
    assert finished.returncode != 0
    assert "LOG_FORMAT must be text or json, not 'xml'" in finished.stderr
