"""Running one method under a time limit.

The method runs in a forked child process: it inherits the loaded data without a
copy, a runaway computation can be stopped (threads cannot be killed), and a
crash in native code fails one analysis instead of the worker.
"""

import ctypes
import logging
import multiprocessing
import os
import signal
import time

from .methods.base import MethodError

logger = logging.getLogger(__name__)


class AnalysisTimeout(Exception):
    pass


def _die_with_parent(parent_pid):
    """Linux: the kernel kills the child when its worker dies, so an orphan never keeps
    computing (or holding the inherited database socket) after a SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        return  # not Linux: the parent's time limit still applies
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _child(connection, parent_pid, method, table, params, columns):
    _die_with_parent(parent_pid)
    try:
        connection.send(("ok", method.run(table, params, columns)))
    except MethodError as exc:
        connection.send(("method_error", str(exc)))
    except Exception as exc:  # reported to the parent, which fails the analysis with the reason
        logger.exception("Analysis method %s crashed", method.name)
        connection.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def execute(method, table, params, columns, *, time_limit, on_tick=None, tick_seconds=5.0):
    """Return ``method.run(table, params, columns)``; raise MethodError or AnalysisTimeout.

    ``on_tick`` is called every ``tick_seconds`` while the child computes: the
    worker renews its lease on the analysis there.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(sender, os.getpid(), method, table, params, columns), daemon=True
    )
    child.start()
    sender.close()
    deadline = time.monotonic() + time_limit
    try:
        while not receiver.poll(min(tick_seconds, max(deadline - time.monotonic(), 0))):
            if time.monotonic() >= deadline:
                raise AnalysisTimeout(f"The analysis did not finish within the time limit of {time_limit} s.")
            if on_tick is not None:
                on_tick()
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
