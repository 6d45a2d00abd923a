"""``make bench-peer``: the Parse Server template's flow against Parse, then against Biostat.

The peer lives outside this repository (``../shared/peers/parse/``: its ``setup.sh`` installs Parse
Server 9.10 and the load script ``flow.py`` into ``/tmp/parsepeer``); nothing of it is copied here.
This module

1. runs ``setup.sh`` (idempotent), starts Parse and its PostgreSQL with the peer's scripts, runs
   ``flow.py`` against it and stops it;
2. starts Biostat in production mode on this machine (``BiostatSite``): DEBUG off, throwaway secrets in the
   environment, the machine's PostgreSQL (database ``biostat_peer``, recreated each run) and Redis
   (db 2), several uvicorn worker processes behind one port and one ``manage.py worker``; runs
   ``flow.py --target biostat`` against it and stops it;
3. prints per operation both systems' requests per second and p99 latency, the ratio and the
   verdict against the target (requests per second at least Parse's, p99 no worse), and whether
   each system passed the flow's access check.

The two systems never run at the same time: they share the machine's cores.
``python -m bench.peer --help`` lists the options (``--only biostat`` skips Parse, ``--workers``).
``python -m bench.peer --serve`` only starts the Biostat side and waits (for profiling by hand).
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEER_SOURCE = Path(os.environ.get("PARSE_PEER_DIR") or REPO.parent / "shared" / "peers" / "parse")
PEER_HOME = Path("/tmp/parsepeer")  # noqa: S108 - where setup.sh installs; fixed by the peer's scripts
PARSE_URL = "http://127.0.0.1:1337/parse"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/2"
DATABASE = "biostat_peer"
APP = "biostat.asgi:application"
DEFAULT_PORT = 8100  # this benchmark's range is 8100-8199
OPERATIONS = (
    ("a_create_dataset", "create dataset"),
    ("b_list_dataset_acl", "list datasets (100 a page)"),
    ("c_get_dataset", "get dataset by id"),
    ("d_query_cohort_by_ptr", "cohorts by dataset"),
)


class Interrupted(Exception):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C so every started process is stopped."""


def _raise_interrupted(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def log(message):
    print(f"[bench-peer] {message}", file=sys.stderr, flush=True)


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def wait_until(probe, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.25)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own 127.0.0.1 URL
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_group(process, timeout=20):
    """SIGTERM the process group led by ``process`` (started with start_new_session), SIGKILL it after
    ``timeout`` seconds; then reap it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_flow(target, base_url, out, watch, flow_args):
    """flow.py with the peer's Python (it has aiohttp); returns its JSON results."""
    command = [str(PEER_HOME / "venv/bin/python"), str(PEER_HOME / "flow.py"), "--target", target]
    command += ["--base-url", base_url, "--out", str(out), *flow_args]
    for name, pid in watch.items():
        command += ["--watch", f"{name}={pid}"]
    load_before = load_average()
    log(f"{target}: flow.py, load average {load_before}")
    # flow.py exits 2 when the access check fails; the results file says so too.
    completed = subprocess.run(command, cwd=PEER_HOME, check=False)
    if not out.exists():
        raise RuntimeError(f"flow.py against {target} failed (exit {completed.returncode}), no results")
    results = json.loads(out.read_text())
    results["load_before"], results["load_after"] = load_before, load_average()
    return results


# --- Parse ------------------------------------------------------------------------------------------


def ensure_parse():
    """setup.sh installs into PEER_HOME when anything is missing (npm, initdb, a venv) and refreshes
    flow.py and the scripts otherwise."""
    setup = PEER_SOURCE / "setup.sh"
    if not setup.exists():
        raise RuntimeError(f"the Parse peer is not at {PEER_SOURCE} (set PARSE_PEER_DIR)")
    log(f"Parse peer: {setup}")
    subprocess.run(["bash", str(setup)], check=True)


def postmaster_pid(data_directory):
    return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])


def run_parse(out, flow_args):
    subprocess.run([str(PEER_HOME / "start-pg.sh")], check=True)
    try:
        subprocess.run([str(PEER_HOME / "start-parse.sh")], check=True)
        try:
            watch = {
                "parse": int((PEER_HOME / "parse.pid").read_text()),
                "postgres": postmaster_pid(PEER_HOME / "pg/data"),
            }
            return run_flow("parse", PARSE_URL, out, watch, ["--reset", *flow_args])
        finally:
            subprocess.run([str(PEER_HOME / "stop-parse.sh")], check=False)
    finally:
        subprocess.run([str(PEER_HOME / "stop-pg.sh")], check=False)


# --- Biostat ----------------------------------------------------------------------------------------


def default_workers():
    """Two web processes per core: a process runs Python on one core at a time (the GIL), and a second
    one keeps that core busy while the first waits for PostgreSQL."""
    return 2 * (os.cpu_count() or 1)


def bin_path(name):
    return str(Path(sys.executable).parent / name)


def uvicorn_command(port, workers):
    """docs/deployment.md's uvicorn line ("One machine"): uvloop + httptools; lifespan off, as
    Channels' router answers no lifespan events. One worker runs without the supervisor."""
    return [
        bin_path("uvicorn"),
        APP,
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        "--loop=uvloop",
        "--http=httptools",
        "--ws=websockets-sansio",
        "--lifespan=off",
        "--no-access-log",
        "--proxy-headers",
        "--forwarded-allow-ips=127.0.0.1",
    ]


class BiostatSite:
    """Biostat in production mode on this machine, as docs/deployment.md ("One machine") runs it."""

    def __init__(self, directory, *, port=DEFAULT_PORT, workers=None, server="uvicorn"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.workers = workers or default_workers()
        self.server = server
        self.processes = []
        # Throwaway secrets: the database is recreated on every run, so nothing outlives them.
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "biostat.settings"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "BIOSTAT_MASTER_KEY": secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}",
            "REDIS_URL": REDIS_URL,
            "BIOSTAT_DATA_DIR": str(self.directory / "data"),
            "TMPDIR": "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir(),  # noqa: S108
            "MPLCONFIGDIR": str(self.directory / "matplotlib"),
            # Plain HTTP on 127.0.0.1, as behind the TLS proxy of a real site (which the flow skips).
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            # Each process borrows connections from its pool (docs/deployment.md, "One machine").
            "DATABASE_POOL_SIZE": "8",
            # The flow signs up and logs in 16 users from one address in a second.
            "BIOSTAT_AUTH_RATE": "100000/min",
            "LOG_LEVEL": "WARNING",
        }
        for name in ("DEBUG", "BIOSTAT_LOCAL", "BIOSTAT_TESTING"):
            self.env.pop(name, None)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args):
        subprocess.run([sys.executable, str(REPO / "manage.py"), *args], env=self.env, cwd=REPO, check=True)

    def reset_services(self):
        """A fresh database and an empty Redis db 2 (rate-limit counters, channel layer)."""
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {DATABASE}")
        redis.Redis.from_url(REDIS_URL).flushdb()

    def drop_database(self):
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    def start_web(self):
        """uvicorn's supervisor with ``workers`` processes (restarts any that dies), or as many Daphne
        processes accepting on one listening socket that this process binds and hands down."""
        if self.server == "daphne":
            listener = socket.create_server(("127.0.0.1", self.port), backlog=2048)
            with listener:
                return [
                    self.spawn(
                        [bin_path("daphne"), f"--fd={listener.fileno()}", "--proxy-headers", "-v", "0", APP],
                        f"daphne-{index}",
                        pass_fds=(listener.fileno(),),
                    )
                    for index in range(self.workers)
                ]
        return [self.spawn(uvicorn_command(self.port, self.workers), "uvicorn")]

    def spawn(self, command, name, pass_fds=()):
        log_file = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            command,
            env=self.env,
            cwd=REPO,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=pass_fds,
        )
        log_file.close()  # the child holds its own descriptor
        self.processes.append(process)
        return process

    def start(self):
        log(
            f"biostat: database {DATABASE}, redis db 2, {self.workers} {self.server} processes on {self.port}"
        )
        self.reset_services()
        self.manage("migrate", "--no-input", "--verbosity=0")
        self.manage("collectstatic", "--no-input", "--verbosity=0")
        self.web = self.start_web()
        self.spawn([sys.executable, str(REPO / "manage.py"), "worker"], "worker")
        wait_until(self.healthy, "biostat /healthz", 60)
        return self

    def watch(self):
        """flow.py's --watch: each web process tree's CPU time (uvicorn's supervisor counts its workers),
        and the PostgreSQL cluster's when its postmaster's PID file can be read (as root): nothing
        else uses the cluster during the run."""
        watched = {f"web{index}": process.pid for index, process in enumerate(self.web)}
        import psycopg

        with psycopg.connect(PG_ADMIN_URL) as connection:
            data_directory = connection.execute("SHOW data_directory").fetchone()[0]
        with contextlib.suppress(OSError, ValueError):
            watched["postgres"] = postmaster_pid(data_directory)
        return watched

    def healthy(self):
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} exited ({process.returncode}); see {self.directory}")
        return answers(f"{self.base_url}/healthz")

    def stop(self):
        for process in reversed(self.processes):
            stop_group(process)
        self.processes.clear()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:  # Ctrl-C or a failed step: __exit__ would not run, stop what started
            self.close()
            raise

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.stop()
        self.drop_database()
        shutil.rmtree(self.directory / "data", ignore_errors=True)  # the logs stay


def run_biostat(directory, flow_args, **site_options):
    with BiostatSite(directory / "biostat", **site_options) as site:
        return run_flow("biostat", site.base_url, directory / "biostat.json", site.watch(), flow_args)


# --- Report -----------------------------------------------------------------------------------------


def verdict(parse, biostat):
    if parse is None or biostat is None:
        return "-"
    missed = [
        what
        for what, ok in (
            ("req/s", biostat["rps"] >= parse["rps"]),
            ("p99", biostat["p99_ms"] <= parse["p99_ms"]),
        )
        if not ok
    ]
    return f"MISSED ({', '.join(missed)})" if missed else "met"


def server_cpu_ms(phase):
    """CPU milliseconds per answered request of the application server processes (Parse's node
    process, Biostat's web processes): the figure that other load on a shared machine disturbs least."""
    return _cpu_ms(phase, lambda name: name == "parse" or name.startswith("web"))


def database_cpu_ms(phase):
    """CPU milliseconds per answered request of the PostgreSQL cluster (every backend)."""
    return _cpu_ms(phase, lambda name: name == "postgres")


def _cpu_ms(phase, counted):
    if phase is None or not phase["ok"] or not any(counted(name) for name in phase["cpu_s"]):
        return "-"
    seconds = sum(value for name, value in phase["cpu_s"].items() if counted(name))
    return f"{1000 * seconds / phase['ok']:.2f}"


def phases(results):
    return {phase["phase"]: phase for phase in results["phases"]} if results else {}


def print_table(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("-+-".join("-" * width for width in widths))


def report(parse_results, biostat_results):
    parse, biostat = phases(parse_results), phases(biostat_results)
    rows = [
        (
            "operation",
            "Parse req/s",
            "Biostat req/s",
            "ratio",
            "Parse p99 ms",
            "Biostat p99 ms",
            "Parse CPU ms/req",
            "Biostat CPU ms/req",
            "Parse DB CPU ms/req",
            "Biostat DB CPU ms/req",
            "verdict",
        )
    ]
    for key, label in OPERATIONS:
        theirs, ours = parse.get(key), biostat.get(key)
        rows.append(
            (
                label,
                f"{theirs['rps']:.0f}" if theirs else "-",
                f"{ours['rps']:.0f}" if ours else "-",
                f"{ours['rps'] / theirs['rps']:.2f}x" if ours and theirs and theirs["rps"] else "-",
                f"{theirs['p99_ms']:.1f}" if theirs else "-",
                f"{ours['p99_ms']:.1f}" if ours else "-",
                server_cpu_ms(theirs),
                server_cpu_ms(ours),
                database_cpu_ms(theirs),
                database_cpu_ms(ours),
                verdict(theirs, ours),
            )
        )
    print_table(rows)
    for name, results in (("Parse", parse_results), ("Biostat", biostat_results)):
        if results:
            errors = sum(phase["errors"] for phase in results["phases"])
            print(
                f"{name}: access check {'PASS' if results['acl'].get('PASS') else 'FAIL'}, "
                f"{errors} failed requests, load average before {results['load_before']}, "
                f"after {results['load_after']}"
            )
    met = all(verdict(parse.get(key), biostat.get(key)) == "met" for key, _ in OPERATIONS)
    print(f"target (req/s >= Parse's and p99 <= Parse's on all four): {'met' if met else 'not met'}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=("parse", "biostat"), help="run one system only")
    parser.add_argument("--workers", type=int, help="Biostat web processes (default: two per core)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--server", choices=("uvicorn", "daphne"), default="uvicorn", help="the ASGI server (default uvicorn)"
    )
    parser.add_argument("--results", type=Path, help="directory for the JSON results (default: a temp dir)")
    parser.add_argument(
        "--serve", action="store_true", help="start the Biostat side only and wait for Ctrl-C"
    )
    parser.add_argument("flow_args", nargs=argparse.REMAINDER, help="after --: passed on to flow.py")
    args = parser.parse_args(argv)
    args.flow_args = [arg for arg in args.flow_args if arg != "--"]
    return args


def main(argv=None):
    args = parse_args(argv)
    # SIGINT too: a shell starts background jobs with it ignored, and `kill -INT` must still clean up.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupted)
    results_dir = args.results or Path(tempfile.mkdtemp(prefix="bench-peer-"))
    results_dir.mkdir(parents=True, exist_ok=True)
    site_options = {"port": args.port, "workers": args.workers, "server": args.server}
    try:
        if args.serve:
            with BiostatSite(results_dir / "biostat", **site_options) as site:
                log(f"serving on {site.base_url}, web processes {site.watch()}; Ctrl-C stops")
                site.web[0].wait()
            return 0
        parse_results = biostat_results = None
        if args.only != "biostat":
            ensure_parse()
            parse_results = run_parse(results_dir / "parse.json", args.flow_args)
        if args.only != "parse":
            biostat_results = run_biostat(results_dir, args.flow_args, **site_options)
    except (KeyboardInterrupt, Interrupted) as interruption:
        log(f"interrupted ({interruption or 'Ctrl-C'}); everything started was stopped")
        return 130
    log(f"results in {results_dir}")
    report(parse_results, biostat_results)
    passed = all(results["acl"].get("PASS") for results in (parse_results, biostat_results) if results)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
