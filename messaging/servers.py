"""Real Biostat servers in subprocesses, for the end-to-end notification tests and the
P4 benchmark: a throwaway site (SQLite file + data dir), users with API tokens, and
``manage.py serve`` processes on free ports."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# No Django import: the benchmark uses this module without setting Django up.
MANAGE = Path(__file__).resolve().parent.parent / "manage.py"

# Runs inside `manage.py shell`: create users (no password) with one API token each and,
# if asked, a logged-in browser session; print {username: {"id", "token", "session"}}.
_CREATE_USERS = """
import json
from django.test import Client
from knox.models import AuthToken
from accounts.models import User

users = {{}}
for username in json.loads({usernames!r}):
    user = User(username=username)
    user.set_unusable_password()
    user.save()
    users[username] = {{"id": user.pk, "token": AuthToken.objects.create(user)[1]}}
    if {sessions!r}:
        client = Client()
        client.force_login(user)
        users[username]["session"] = client.cookies["sessionid"].value
print("USERS=" + json.dumps(users))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """One Biostat installation in ``directory``; ``redis_url`` selects the Redis layer,
    ``env`` adds environment variables."""

    def __init__(self, directory, *, redis_url=None, env=None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")},
            "DATABASE_URL": f"sqlite:///{self.directory / 'db.sqlite3'}",
            "BIOSTAT_DATA_DIR": str(self.directory),
            "BIOSTAT_LOCAL": "1",
            "BIOSTAT_MESSAGE_RATE": "100000/min",  # test and benchmark sites: no send limit
            "PYTHONUNBUFFERED": "1",
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.env.update(env or {})

    def manage(self, *args, timeout=300):
        result = subprocess.run(  # noqa: S603 - our own manage.py, arguments from our code
            [sys.executable, str(MANAGE), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def migrate(self):
        self.manage("migrate", "--no-input", "--verbosity", "0")
        return self

    def copy(self, directory, **kwargs):
        """A new site in ``directory`` starting from this one's database and keys (cheaper
        than migrating again)."""
        shutil.copytree(self.directory, directory, ignore=shutil.ignore_patterns("serve-*.log"))
        return Site(directory, **kwargs)

    def create_users(self, usernames, *, sessions=False):
        """Returns {username: {"id", "token"[, "session"]}}."""
        script = _CREATE_USERS.format(usernames=json.dumps(list(usernames)), sessions=sessions)
        line = next(
            line for line in self.manage("shell", "-c", script).splitlines() if line.startswith("USERS=")
        )
        return json.loads(line.removeprefix("USERS="))

    def setup(self, usernames, *, sessions=False):
        """Migrate, then create ``usernames`` (see ``create_users``)."""
        return self.migrate().create_users(usernames, sessions=sessions)

    def serve(self, *, worker=True, port=None):
        return Server(self, worker=worker, port=port)


class Server:
    """``manage.py serve`` on ``port`` (any free one by default); a context manager that stops it on exit."""

    def __init__(self, site, *, worker=True, port=None):
        self.site = site
        self.worker = worker
        self.port = port or free_port()
        self.log = open(site.directory / f"serve-{self.port}.log", "w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own manage.py
            self.command(), env=site.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def command(self):
        command = [sys.executable, str(MANAGE), "serve", "--port", str(self.port)]
        if not self.worker:
            command.append("--no-worker")
        return command

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws/notifications/"

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"the server did not listen within {timeout} s:\n{self.output()}")

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def peak_rss_mb(self):
        """The server's peak resident memory (Linux /proc), in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def post_json(self, path, data, *, token):
        """POST JSON with a token; returns (status, decoded body)."""
        request = urllib.request.Request(  # noqa: S310 - always our own http:// server
            self.http_url + path,
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self):
        return self.wait_ready()

    def __exit__(self, *exc_info):
        self.stop()
