"""Process-wide state that handler code may change, kept from leaking out of the mock (issue 13
items 4-5): the root logger, ``logging.disable``, signal handlers and alarms.

Signals: on Lambda a module may install handlers (AWS's graceful-shutdown sample registers one
for SIGTERM at import time), but handler code runs on the test's threads here, where
``signal.signal`` works only on the main thread and would replace the test runner's own handlers.
So handler code gets a table of its own: ``signal.signal`` / ``signal.getsignal`` record and read
it, nothing is installed in the process, and no signal is ever delivered to it (Lambda sends
SIGTERM only when an environment with an extension shuts down; mocklambda never does). Alarms and
interval timers cannot be delivered to one handler in-process, so handler code asking for one
gets a ``MockLambdaError`` saying so, not a SIGALRM that ends the test run.

Logging: what handler code does to the root logger's level and handlers and to ``logging.disable``
is watched while it runs and undone when the mock stops (handlers it added are removed, ones it
removed come back); what the test itself does meanwhile is left alone.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import MockLambdaError
from .threads import in_handler

_original = {name: getattr(signal, name) for name in ("signal", "getsignal", "alarm", "setitimer")
             if hasattr(signal, name)}
_handler_signals: dict[int, Any] = {}  # what handler code installed, by signal number
_lock = threading.Lock()
_install_count = 0


def _signal(signalnum: int, handler: Any) -> Any:
    if not in_handler():
        return _original["signal"](signalnum, handler)
    with _lock:
        previous = _handler_signals.get(signalnum)
        if previous is None:
            previous = _original["getsignal"](signalnum)
        if not callable(handler) and handler not in (signal.SIG_DFL, signal.SIG_IGN):
            raise TypeError("signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object")
        _handler_signals[int(signalnum)] = handler
        return previous


def _getsignal(signalnum: int) -> Any:
    if in_handler() and int(signalnum) in _handler_signals:
        return _handler_signals[int(signalnum)]
    return _original["getsignal"](signalnum)


def _refused(name: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        if not in_handler():
            return _original[name](*args, **kwargs)
        raise MockLambdaError(
            f"signal.{name}() in handler code: mocklambda runs handlers in the test's process, where "
            "SIGALRM would reach the test runner, not this handler. Time work with "
            "context.get_remaining_time_in_millis() or a threading.Timer instead."
        )
    return refuse


_PATCHES: dict[str, Any] = {"signal": _signal, "getsignal": _getsignal}
_PATCHES.update({name: _refused(name) for name in ("alarm", "setitimer") if name in _original})


def install() -> None:
    global _install_count
    with _lock:
        _install_count += 1
        if _install_count == 1:
            for name, patched in _PATCHES.items():
                setattr(signal, name, patched)


def uninstall() -> None:
    global _install_count
    with _lock:
        _install_count = max(0, _install_count - 1)
        if _install_count == 0:
            for name, original in _original.items():
                setattr(signal, name, original)
            _handler_signals.clear()


class LoggingChanges:
    """What handler code did to the root logger and ``logging.disable``, watched while it runs
    (``watching``) and undone when the mock stops (``undo``); the test's own changes are left be."""

    def __init__(self, ours: type[logging.Handler]) -> None:
        self._ours = ours  # the mock's own capture handlers, which come and go by themselves
        self.added: list[logging.Handler] = []
        self.removed: list[logging.Handler] = []
        self.level: int | None = None  # the root level before handler code first changed it
        self.disabled_below: int | None = None

    @contextmanager
    def watching(self) -> Iterator[None]:
        root = logging.getLogger()
        level, handlers, disabled_below = root.level, list(root.handlers), logging.root.manager.disable
        try:
            yield
        finally:
            now = root.handlers
            self.added += [h for h in now if h not in handlers and not isinstance(h, self._ours)]
            self.removed += [h for h in handlers if h not in now and not isinstance(h, self._ours)]
            if root.level != level and self.level is None:
                self.level = level
            if logging.root.manager.disable != disabled_below and self.disabled_below is None:
                self.disabled_below = disabled_below

    def undo(self) -> None:
        root = logging.getLogger()
        for handler in self.added:
            root.removeHandler(handler)
        for handler in self.removed:
            if handler not in self.added:
                root.addHandler(handler)
        if self.level is not None:
            root.setLevel(self.level)
        if self.disabled_below is not None:
            logging.disable(self.disabled_below)
        self.added, self.removed, self.level, self.disabled_below = [], [], None, None
