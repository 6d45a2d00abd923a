"""The deployment examples stay true: the Procfile's processes start and behave as docs/deployment.md
says, the systemd units run commands that exist, and the guide names every setting Biostat reads."""

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from messaging.servers import Site, free_port

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
FORWARDED_FOR = "203.0.113.9"


def procfile():
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def unit_commands():
    """Every ExecStart= of the systemd units, by unit file name."""
    return {
        path.name: re.search(r"^ExecStart=(.+)$", path.read_text(), re.MULTILINE).group(1)
        for path in sorted((DEPLOY / "systemd").glob("*.service"))
    }


def settings_variables():
    """The environment variables biostat/settings.py reads."""
    source = (ROOT / "biostat" / "settings.py").read_text()
    names = set(re.findall(r'(?:env_bool|env_int|env_list|os\.environ\.get)\(\s*"([A-Z_]+)"', source))
    return names | {"DATABASE_URL"}  # read by dj_database_url.config()


def start(command, site, port):
    environment = {
        **site.env,
        "PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONWARNINGS": "ignore",
    }
    return subprocess.Popen(
        ["/bin/sh", "-c", f"exec {command}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_listening(process, port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the web process did not answer")


def request(port, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("deploy-site"), env={"LOG_FORMAT": "json"}).migrate()


def test_the_web_process_serves_behind_a_proxy(site):
    port = free_port()
    web = start(procfile()["web"], site, port)
    try:
        wait_until_listening(web, port)
        status, health = request(port, "/healthz")
        assert status == 200 and health["ok"], health
        assert {"database", "cache", "channel_layer", "blob_store"} <= set(health["checks"])
        # The address the proxy wrote reaches the audit log (--proxy-headers).
        status, _ = request(
            port,
            "/api/auth/login/",
            {"username": "ghost", "password": "wrong"},
            {"X-Forwarded-For": FORWARDED_FOR},
        )
        assert status == 401
    finally:
        assert stop(web) == 0
    logged = site.manage(
        "shell", "-c", "from audit.models import AuditLog; print(AuditLog.objects.latest('pk').ip)"
    )
    assert logged.strip().splitlines()[-1] == FORWARDED_FOR


def first_log_line(process, text, timeout=60):
    """The process's first JSON log line whose message contains ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"exited with {process.wait()} before logging {text!r}")
            if line.startswith("{") and text in json.loads(line)["message"]:
                return json.loads(line)
    raise TimeoutError(f"nothing logged {text!r}")


def test_the_worker_process_starts_and_stops_gracefully(site):
    worker = start(procfile()["worker"], site, free_port())
    try:
        started = first_log_line(worker, "Starting worker")  # LOG_FORMAT=json reached the worker
    finally:
        code = stop(worker)
    assert started["logger"] == "django_tasks_db"
    assert code == 0  # SIGTERM is a graceful stop, not a kill


def test_the_units_and_the_procfile_run_commands_that_exist():
    commands = set(get_commands())
    lines = [*unit_commands().values(), *procfile().values()]
    used = {match for line in lines for match in re.findall(r"manage\.py (\w+)", line)}
    assert used <= commands, used - commands
    assert {"migrate", "worker", "collectstatic", "verify_audit", "backup"} <= used
    web_unit = unit_commands()["biostat-web@.service"]
    assert "--proxy-headers" in web_unit and "--proxy-headers" in procfile()["web"]
    assert web_unit.endswith("biostat.asgi:application")


def test_the_environment_example_sets_only_what_biostat_reads():
    example = (DEPLOY / "systemd" / "biostat.env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    credentials = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}  # boto3 reads these for BIOSTAT_BLOB_URL
    assert names - credentials <= settings_variables(), names - credentials - settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BIOSTAT_MASTER_KEY", "BIOSTAT_BLOB_URL"} <= names


def test_the_guide_names_every_setting():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    testing_only = {"BIOSTAT_TESTING"}
    missing = sorted(name for name in settings_variables() - testing_only if f"`{name}`" not in guide)
    assert not missing, f"docs/deployment.md does not mention {missing}"
