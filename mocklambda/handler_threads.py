"""Which threads run handler code, and the rule that handler code runs one tree at a time.

A handler runs in-process, with Lambda's environment variables in ``os.environ`` and its modules in
``sys.modules``: both are process-wide, so two handlers must not overlap. A handler may still
invoke other functions synchronously (nested on its own thread) and start threads of its own:
those threads inherit the handler's state, so they neither wait for the queue nor for the lock
their own handler holds.
"""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from .recursion import Chain, current_chain
from .recursion import _current as _chain_state  # set on every attempt: no call in between

_state = threading.local()
_sandbox = threading.RLock()
_install_lock = threading.Lock()
_install_count = 0
_original_start = threading.Thread.start


def in_handler() -> bool:
    """True on a thread running handler code, or started by one."""
    return getattr(_state, "in_handler", False)


def become_handler_thread(chain: Optional[Chain]) -> None:
    _state.in_handler = True
    _chain_state.chain = chain


def leave_handler_thread() -> None:
    """An inline attempt is over: the thread is the test's again."""
    _state.in_handler = False
    _chain_state.chain = None


@contextmanager
def exclusive() -> Iterator[None]:
    """Hold the sandbox for a top-level invocation; nested ones already run inside it."""
    if in_handler():
        yield
        return
    with _sandbox:
        yield


def _start_inheriting(thread: threading.Thread) -> None:
    if in_handler():
        chain = current_chain()
        run = thread.run

        def run_as_part_of_the_handler() -> None:
            become_handler_thread(chain)
            run()

        thread.run = run_as_part_of_the_handler  # type: ignore[method-assign]
    _original_start(thread)


def install() -> None:
    global _install_count
    with _install_lock:
        _install_count += 1
        if _install_count == 1:
            threading.Thread.start = _start_inheriting  # type: ignore[method-assign]


def uninstall() -> None:
    global _install_count
    with _install_lock:
        _install_count = max(0, _install_count - 1)
        if _install_count == 0:
            threading.Thread.start = _original_start  # type: ignore[method-assign]


def warn(message: str, category: Any) -> None:
    """A warning for the test author that never breaks the code under test, even when warnings
    are turned into errors (``-W error``): then it is logged instead."""
    try:
        warnings.warn(message, category, stacklevel=3)
    except Exception:  # noqa: BLE001 - the filter made it an error; say it another way
        import logging

        logging.getLogger("mocklambda").warning("%s: %s", category.__name__, message)
