"""Which Python functions run isolated: in a process of their own under AWS's runtime interface
client (``awslambdaric``) rather than in the test's process. In-process is the default; a mock
asks for isolation for every function (``isolation="process"``) or for some (``lam.isolate``)."""

from __future__ import annotations

import importlib.util
from typing import Literal

from .._model import FunctionSnapshot
from ..errors import MockLambdaError

IsolationMode = Literal["in-process", "process"]
ISOLATION_MODES = ("in-process", "process")
RUNTIME_CLIENT = "awslambdaric"


def require_runtime_client() -> None:
    """Isolation needs ``awslambdaric`` in the test's interpreter: refused loudly without it."""
    if importlib.util.find_spec(RUNTIME_CLIENT) is None:
        raise MockLambdaError(
            "running Python functions in a process needs AWS's runtime interface client, which is not "
            "installed: pip install mocklambda[isolated]")


class Isolation:
    """The mock's choice: every Python function, or those named (name, ARN, ``name:qualifier``)."""

    def __init__(self, mode: IsolationMode = "in-process") -> None:
        if mode not in ISOLATION_MODES:
            raise MockLambdaError(f"isolation must be one of {', '.join(ISOLATION_MODES)}; got {mode!r}")
        if mode == "process":
            require_runtime_client()
        self.everywhere = mode == "process"
        self._names: set[str] = set()

    def isolate(self, name: str) -> None:
        if not name:
            raise MockLambdaError(f"isolate() takes a function's name or ARN; got {name!r}")
        require_runtime_client()
        self._names.add(name)

    def applies(self, function: FunctionSnapshot) -> bool:
        if not function.is_python:
            return False
        if self.everywhere:
            return True
        if not self._names:
            return False
        return any(key in self._names for key in (
            function.name, function.arn, f"{function.name}:{function.version}", f"{function.arn}:{function.version}"))
