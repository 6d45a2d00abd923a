"""A real worker process for the kill test: the production worker loop, plus one slow
test-only method registered in this process (run as a script by test_worker_killed)."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biostat.settings")

import django

django.setup()

from analyses import methods  # noqa: E402
from analyses.methods.base import Method, MethodResult  # noqa: E402
from biostat.worker import build_worker  # noqa: E402


@methods.register
class Slow(Method):
    name = "slow"
    label = "Slow"
    parameters = {"type": "object", "properties": {"seconds": {"type": "number"}}}

    def variables(self, params):
        return []

    def run(self, table, params, columns):
        time.sleep(params["seconds"])
        return MethodResult(summary={"slept": params["seconds"]})


if __name__ == "__main__":
    build_worker(worker_id=f"slow-{os.getpid()}", interval=0.05).run()
