"""Telling Ctrl-C from a handler's own ``raise KeyboardInterrupt``: both arrive as the same
exception on the thread draining the queue, but only Ctrl-C should stop the test run; a handler's
is a function error (issue 13 item 7). While attempts run inline on the main thread, SIGINT's
handler notes that it fired before raising as Python's does."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

# bound at import: handler code gets patched versions of these (see process_state)
_set_handler, _get_handler = signal.signal, signal.getsignal

_pending = False


def _on_sigint(signum: int, frame: FrameType | None) -> Any:
    global _pending
    _pending = True
    return signal.default_int_handler(signum, frame)


@contextmanager
def noting_ctrl_c() -> Iterator[None]:
    """Within the block, a SIGINT is noted (main thread, Python's own handler in place only)."""
    if threading.current_thread() is not threading.main_thread() or \
            _get_handler(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    global _pending
    _pending = False
    _set_handler(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        if _get_handler(signal.SIGINT) is _on_sigint:
            _set_handler(signal.SIGINT, signal.default_int_handler)


def ctrl_c_pending() -> bool:
    """Whether a KeyboardInterrupt seen now is Ctrl-C: a SIGINT arrived during this drain."""
    return _pending
