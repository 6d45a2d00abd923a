"""A test-only method that sleeps: for time limits and killed workers. Registered only
where a test asks for it (a fixture, or the worker script), never in the real registry."""

import time

from analyses.methods.base import Method, MethodResult


class Slow(Method):
    name = "slow"
    label = "Slow"
    parameters = {"type": "object", "properties": {"seconds": {"type": "number"}}}

    def variables(self, params):
        return []

    def run(self, table, params, columns):
        time.sleep(params["seconds"])
        return MethodResult(summary={"slept": params["seconds"]})
