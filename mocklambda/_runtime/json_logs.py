"""LogFormat JSON for in-process Python handlers, as AWS's Python runtime writes it (awslambdaric's
``JsonFormatter`` and ``log_error``, lambda_runtime_log_utils.py / bootstrap.py): each ``logging``
record is one JSON object; what the handler prints stays as it is."""

from __future__ import annotations

import json
import logging
import time
import traceback
from typing import Any

from .._model import LoggingSettings
from .container import without_host_paths

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RESERVED_FIELDS = frozenset({
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
})
# Python's logging level for each ApplicationLogLevel (awslambdaric reads TRACE as DEBUG)
PYTHON_LEVELS = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
                 "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}
_encode = json.JSONEncoder(ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    """awslambdaric's: ``timestamp``, ``level`` (rounded down to a standard level), ``message``,
    ``logger``, ``requestId``; ``stackTrace`` / ``errorType`` / ``errorMessage`` / ``location`` for a
    record with an exception; then the record's extra fields. Unset fields are left out."""

    def __init__(self) -> None:
        super().__init__(datefmt=DATETIME_FORMAT)

    def converter(self, seconds: float | None) -> time.struct_time:
        return time.gmtime(seconds)

    def format(self, record: logging.LogRecord) -> str:
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc_info = record.exc_info
        where = f"{record.pathname}:{record.funcName}:{record.lineno}"
        result: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": [without_host_paths(line) for line in traceback.format_tb(exc_info[2])] if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info and exc_info[0] else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": without_host_paths(where) if exc_info else None,
        }
        result.update((key, value) for key, value in record.__dict__.items()
                      if key not in RESERVED_FIELDS and key not in result)
        return _encode({key: value for key, value in result.items() if value is not None}) + "\n"


JSON_FORMATTER = JsonFormatter()


def error_log(error: dict[str, Any]) -> str:
    """The runtime's report of a handler's uncaught error with LogFormat JSON (awslambdaric's JSON
    ``log_error``): the error object, after a ``timestamp`` and ``"log_level": "ERROR"``."""
    return json.dumps({"timestamp": time.strftime(DATETIME_FORMAT, time.gmtime()), "log_level": "ERROR", **error})


def python_style(settings: LoggingSettings) -> tuple[logging.Formatter | None, int]:
    """How the capture formats and filters a function's logging records: JSON from its
    ApplicationLogLevel up, or (None, 0) Text, every record that reaches it."""
    if settings.log_format != "JSON":
        return None, 0
    return JSON_FORMATTER, PYTHON_LEVELS.get(settings.application_level or "INFO", logging.INFO)
