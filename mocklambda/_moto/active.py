"""Which mock is serving moto's patched methods right now: the innermost one started."""

from __future__ import annotations

import threading

from .._ports import Intake

_lock = threading.Lock()
_stack: list[Intake] = []


def current() -> Intake | None:
    return _stack[-1] if _stack else None


def push(intake: Intake) -> None:
    with _lock:
        _stack.append(intake)


def remove(intake: Intake) -> None:
    with _lock:
        if intake in _stack:
            _stack.remove(intake)
