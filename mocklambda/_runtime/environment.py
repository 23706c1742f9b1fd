"""Lambda's environment variables, set in ``os.environ`` while a handler runs and undone after,
and the per-invocation trace id (spec 9.2)."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .._model import FunctionSnapshot


@contextmanager
def lambda_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set Lambda's variables only while the handler runs; undo whatever the handler changed.
    (Compares os.environ's own bytes mapping, so a warm call costs microseconds, not a copy
    and decode of every variable.)"""
    environ = os.environ
    data = getattr(environ, "_data", None)
    before = dict(data) if data is not None else dict(environ)
    environ.update(values)
    try:
        yield
    finally:
        os.environ = environ  # noqa: B003 - handler code that rebinds os.environ (os.environ = {...}) is undone too
        if data is None:
            _restore_slowly(before)
        else:
            decode = environ.decodekey
            for key in [k for k in data if k not in before]:
                del environ[decode(key)]
            for key, value in before.items():
                if data.get(key) != value:
                    environ[decode(key)] = environ.decodevalue(value)


def reserved_variables(function: FunctionSnapshot, log_stream: str, task_root: str | None) -> dict[str, str]:
    """The function's own variables and those Lambda sets for every runtime (spec 9.2).
    ``AWS_EXECUTION_ENV`` is not set for the OS-only runtimes (``provided.*``), as AWS documents."""
    env = {str(k): str(v) for k, v in function.environment.items()}
    env.update(
        {
            "_HANDLER": function.handler or "",
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime or 'python'}",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": function.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        }
    )
    if function.logging.log_format == "JSON":  # the runtimes read them to format and filter the function's logs
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        env["AWS_LAMBDA_LOG_LEVEL"] = function.logging.application_level or "INFO"
    if (function.runtime or "").startswith("provided"):
        del env["AWS_EXECUTION_ENV"]
    if task_root is not None:
        env["LAMBDA_TASK_ROOT"] = task_root
    return env


@contextmanager
def working_directory(path: str | None) -> Iterator[None]:
    """A handler runs in its task root, as on Lambda (``open("config.json")`` finds the file its
    zip ships); whatever directory it changes to is undone after."""
    if path is None:
        yield
        return
    try:
        before: str | None = os.getcwd()
    except OSError:  # the test's own directory is gone: nothing to go back to
        before = None
    os.chdir(path)
    try:
        yield
    finally:
        if before is not None:
            with contextlib.suppress(OSError):
                os.chdir(before)


def set_python_environment_variable(key: bytes, value: str) -> None:
    """``os.environ[key] = value`` for an ASCII name, as Python code reads it, without the per-call
    encoding work and the C library's ``setenv`` (which scans the whole environment). For the
    per-invocation trace id of warm inline attempts: the container's variables, this one's first
    value included, went through ``os.environ`` (a subprocess sees them all)."""
    data = getattr(os.environ, "_data", None)
    if data is None or os.name != "posix":  # elsewhere the mapping's keys are not the names' bytes
        os.environ[key.decode()] = value
    else:
        data[key] = value.encode("utf-8", "surrogateescape")


def _restore_slowly(before: dict[str, Any]) -> None:
    for key in list(os.environ):
        if key not in before:
            del os.environ[key]
    for key, value in before.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


_trace_random = random.Random()
_trace_ids = itertools.count()


def trace_id() -> str:
    """An X-Ray trace header as Lambda sets it in ``_X_AMZN_TRACE_ID``: the epoch second, then 96
    bits unique to the invocation (64 random per process, a 32-bit counter)."""
    return f"Root=1-{int(time.time()):08x}-{_TRACE_PREFIX}{next(_trace_ids) & 0xFFFFFFFF:08x};Sampled=0"


_TRACE_PREFIX = f"{_trace_random.getrandbits(64):016x}"
