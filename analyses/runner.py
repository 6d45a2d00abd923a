"""Running one method under a time limit.

The method runs in a forked child process: it inherits the loaded data without a
copy, a runaway computation can be stopped (threads cannot be killed), and a
crash in native code fails one analysis instead of the worker.
"""

import logging
import multiprocessing
import time

from .methods.base import MethodError

logger = logging.getLogger(__name__)


class AnalysisTimeout(Exception):
    pass


def _child(connection, method, table, params, columns):
    try:
        connection.send(("ok", method.run(table, params, columns)))
    except MethodError as exc:
        connection.send(("method_error", str(exc)))
    except Exception as exc:  # reported to the parent, which fails the analysis with the reason
        logger.exception("Analysis method %s crashed", method.name)
        connection.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def execute(method, table, params, columns, *, time_limit):
    """Return ``method.run(table, params, columns)``; raise MethodError or AnalysisTimeout."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, method, table, params, columns), daemon=True)
    child.start()
    sender.close()
    deadline = time.monotonic() + time_limit
    try:
        if not receiver.poll(max(deadline - time.monotonic(), 0)):
            raise AnalysisTimeout(f"The analysis did not finish within the time limit of {time_limit} s.")
        try:
            status, value = receiver.recv()
        except EOFError:
            raise MethodError(
                "The computation stopped unexpectedly (it may have run out of memory)."
            ) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status == "ok":
        return value
    if status == "method_error":
        raise MethodError(value)
    raise MethodError(f"The {method.label or method.name} computation failed: {value}")
