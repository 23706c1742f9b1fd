"""Which LambdaMock is serving requests right now (the innermost one started)."""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .mock import LambdaMock

_lock = threading.Lock()
_stack: list["LambdaMock"] = []


def current() -> "LambdaMock | None":
    return _stack[-1] if _stack else None


def push(mock: "LambdaMock") -> None:
    with _lock:
        _stack.append(mock)


def remove(mock: "LambdaMock") -> None:
    with _lock:
        if mock in _stack:
            _stack.remove(mock)


def any_active() -> bool:
    return bool(_stack)


# Mocks started since the pytest plugin last looked: a failing test's report shows their timelines.
# Bounded, so a long-running script that starts many mocks keeps none of them alive for long.
started_recently: "deque[LambdaMock]" = deque(maxlen=8)
