"""Which threads run handler code, and the rule that handler code runs one tree at a time.

A handler runs in-process, with Lambda's environment variables in ``os.environ`` and its modules in
``sys.modules``: both are process-wide, so two handlers must not overlap. A handler may still
invoke other functions synchronously (nested on its own thread) and start threads of its own:
those threads inherit the handler's state, so they neither wait for the queue nor for the lock
their own handler holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from .._model import Chain

_state = threading.local()
_chain_state = threading.local()  # the chain of the invocation running on a thread
_sandbox = threading.RLock()
_install_lock = threading.Lock()
_install_count = 0
_original_start = threading.Thread.start
_started_by_handlers: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_ours: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # mocklambda's own threads
_running: dict[threading.Thread, int] = {}  # a thread handler code started, until it ends -> its root
_roots: dict[int, int] = {}  # a running thread that handler code started -> the handler thread it descends from


def in_handler() -> bool:
    """True on a thread running handler code, or started by one."""
    return getattr(_state, "in_handler", False)


def current_chain() -> Chain | None:
    """The chain of the invocation running on this thread (None outside handlers)."""
    return getattr(_chain_state, "chain", None)


def handler_root(ident: int) -> int:
    """The thread whose invocation a thread's output belongs to: the handler thread that started
    it (or started the thread that did), else the thread itself. In Lambda whatever any thread
    of the function writes is the function's log (the durable SDK's plugin hooks print from
    its own threads)."""
    return _roots.get(ident, ident)


def ours(thread: threading.Thread) -> threading.Thread:
    """A thread of mocklambda's own (a watchdog, a worker): never one of the handler's, wherever
    it is started from."""
    _ours.add(thread)
    return thread


def threads_of_this_invocation() -> int | None:
    """How many threads handler code started and that have not ended are in this thread's
    invocation tree (this one included, mocklambda's own not); None when handler code did not
    start this one. A thread counts from before its ``start()`` returns to its starter."""
    root = _running.get(threading.current_thread())
    if root is None:
        return None
    own = set(_ours)
    return sum(1 for thread, other in list(_running.items()) if other == root and thread not in own)


def become_handler_thread(chain: Chain | None) -> None:
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
        _started_by_handlers.add(thread)
        chain = current_chain()
        root = handler_root(threading.get_ident())
        run = thread.run

        def run_as_part_of_the_handler() -> None:
            become_handler_thread(chain)
            ident = threading.get_ident()
            _roots[ident] = root
            try:
                with contextlib.suppress(HandlerThreadStopped):  # its mock stopped: it ends quietly
                    run()
            finally:
                _roots.pop(ident, None)
                _running.pop(thread, None)

        thread.run = run_as_part_of_the_handler  # type: ignore[method-assign]
        _running[thread] = root
        try:
            _original_start(thread)
        except BaseException:
            _running.pop(thread, None)
            raise
        return
    _original_start(thread)


class HandlerThreadStopped(BaseException):
    """Raised in a thread that handler code started and that outlived its mock."""


def stop_handler_threads(grace: float) -> list[threading.Thread]:
    """End the threads handler code started, at their next Python instruction (one blocked in a
    C call, such as ``time.sleep``, when it returns), so that none outlives the mock and writes
    into the next test's state; returns those still alive after ``grace`` seconds."""
    threads = [thread for thread in list(_started_by_handlers) if thread.is_alive()]
    _started_by_handlers.clear()
    for thread in threads:
        if thread.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                       ctypes.py_object(HandlerThreadStopped))
    deadline = time.monotonic() + grace
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread for thread in threads if thread.is_alive()]


def install() -> None:
    global _install_count
    with _install_lock:
        _install_count += 1
        if _install_count == 1:
            setattr(threading.Thread, "start", _start_inheriting)  # noqa: B010 - a patch of a method


def uninstall() -> None:
    global _install_count
    with _install_lock:
        _install_count = max(0, _install_count - 1)
        if _install_count == 0:
            setattr(threading.Thread, "start", _original_start)  # noqa: B010 - a patch undone

