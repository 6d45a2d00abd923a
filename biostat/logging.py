"""Structured logging: one JSON object per line, for log shippers (``LOG_FORMAT=json``).

Each line carries the time (UTC, ISO 8601), level, logger, message, process, thread and source
location, the formatted traceback when there is one, and every ``extra=`` field the caller passed.
Django's request loggers pass the request object itself; it is written as its method and path
(never its body, headers or cookies). Anything else JSON cannot hold is written as its ``str()``.
"""

import json
import logging
from datetime import UTC, datetime

# The attributes every LogRecord has; anything else on a record came from ``extra=``.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            "thread": record.threadName,
            "location": f"{record.pathname}:{record.lineno}",
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for name, value in vars(record).items():
            if name not in STANDARD_ATTRIBUTES and name not in entry:
                entry[name] = _plain(value)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _plain(value):
    """A request becomes ``{"method", "path"}``; other values pass through to ``json.dumps``."""
    if hasattr(value, "method") and hasattr(value, "path") and hasattr(value, "META"):
        return {"method": value.method, "path": value.path}
    return value
