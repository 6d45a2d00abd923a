"""A real worker process for the kill test: the production worker loop, plus one slow
test-only method registered in this process (run as a script by test_worker_killed)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biostat.settings")

import django

django.setup()

from analyses import methods  # noqa: E402
from analyses.tests.slow_method import Slow  # noqa: E402
from biostat.worker import build_worker  # noqa: E402

methods.register(Slow)


if __name__ == "__main__":
    build_worker(worker_id=f"slow-{os.getpid()}", interval=0.05).run()
