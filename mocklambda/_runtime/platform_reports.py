"""What Lambda itself reports around a run, whatever the runtime: a timeout, the runtime process
exiting, a result over the size limit (spec 1.14, 9.5, 9.6), the INIT_START line of a cold start.
One wording for the in-process Python path and for runtimes that run as processes."""

from __future__ import annotations

import hashlib
import re
import signal
from datetime import datetime, timezone
from typing import Any

from .._model import FunctionSnapshot

RUNTIME_VERSION_NUMBER = 1  # INIT_START's "python:3.12.v1": ours, AWS's numbers are not public
RESPONSE_LIMIT = 6_291_556  # a result's size limit, in bytes, as AWS's own message states it (spec 1.14)


def init_start_line(function: FunctionSnapshot) -> str:
    """INIT_START, as Lambda logs it before a cold start's init phase: the runtime's family, then
    its version (``python:3.12.v1``, ``provided:al2023.v1``, ``nodejs:20.v1``)."""
    family, version = _RUNTIME_PARTS.match(function.runtime or "python3").groups()  # type: ignore[union-attr]
    name = f"{family}:{version.removesuffix('.x')}.v{RUNTIME_VERSION_NUMBER}"
    digest = hashlib.sha256(name.encode()).hexdigest()
    return (f"INIT_START Runtime Version: {name}\tRuntime Version ARN: "
            f"arn:aws:lambda:{function.region}::runtime:{digest}\n")


_RUNTIME_PARTS = re.compile(r"([a-z]+)\.?(.*)")


def timed_out(request_id: str, timeout: float) -> tuple[dict[str, Any], str]:
    """``Sandbox.Timedout`` (spec 9.5; recorded in test_lambda_invoke_with_timeout) and the line
    the runtime logs for it."""
    error = {"errorType": "Sandbox.Timedout",
             "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"}
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return error, f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds\n"


def runtime_exited(request_id: str, reason: str) -> dict[str, Any]:
    """``Runtime.ExitError`` (spec 9.6; recorded in test_lambda_runtime_exit)."""
    return {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {reason}"}


def out_of_memory(request_id: str) -> dict[str, Any]:
    """The sandbox killed the runtime for using more than ``MemorySize``: Lambda's newer error type
    for it, with the exit worded as before (spec 9.6)."""
    return {"errorType": "Runtime.OutOfMemory",
            "errorMessage": f"RequestId: {request_id} Error: {exit_reason(-signal.SIGKILL)}"}


def exit_reason(returncode: int) -> str:
    """How Lambda words a process's end, as Go's ``ProcessState.String()`` does: ``exit status 3``,
    ``signal: killed`` (spec 9.6; exit status 127 recorded in test_lambda_runtime_wrapper_not_found)."""
    if returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode > 0:
        return f"Runtime exited with error: exit status {returncode}"
    name = _GO_SIGNAL_NAMES.get(-returncode, f"signal {-returncode}")
    return f"Runtime exited with error: signal: {name}"


def response_too_large() -> dict[str, Any]:
    """A result over the limit (recorded in test_lambda_too_large_response)."""
    return {"errorMessage": f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
            "errorType": "Function.ResponseSizeTooLarge"}


# Go's names of the Linux signals (syscall.Signal.String), which Lambda's messages use
_GO_SIGNAL_NAMES: dict[int, str] = {
    signal.SIGHUP: "hangup", signal.SIGINT: "interrupt", signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction", signal.SIGTRAP: "trace/breakpoint trap", signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error", signal.SIGFPE: "floating point exception", signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1", signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2", signal.SIGPIPE: "broken pipe", signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
}
