"""What starts an isolated Python function's execution environment: the test's own interpreter
running AWS's runtime interface client, ``python -m awslambdaric <handler>``, in the task root,
with ``PYTHONPATH`` as Lambda lays it out (the task root, then the layers' ``/opt/python``)."""

from __future__ import annotations

import os
import sys
import sysconfig

from .._model import FunctionSnapshot
from .container import without_host_paths
from .isolation import RUNTIME_CLIENT
from .sandbox import CodeBundle

_HOST_STDLIB = sysconfig.get_paths()["stdlib"]


def python_command(function: FunctionSnapshot, bundle: CodeBundle) -> tuple[list[str], dict[str, str]]:
    """The command line, and the variables it adds to Lambda's environment."""
    command = [sys.executable, "-m", RUNTIME_CLIENT, function.handler or ""]
    return command, {"PYTHONPATH": os.pathsep.join(bundle.search_path)}


def as_on_lambda(body: bytes, runtime: str | None) -> bytes:
    """An error the runtime posted, with the paths its files have on Lambda: ``/var/task``,
    ``/opt``, and the standard library under ``/var/lang/lib/pythonX.Y`` for a Python function."""
    text = without_host_paths(body.decode("utf-8", errors="surrogateescape"))
    if (runtime or "").startswith("python"):
        text = text.replace(_HOST_STDLIB, f"/var/lang/lib/{(runtime or '')[:10]}")
    return text.encode("utf-8", errors="surrogateescape")
