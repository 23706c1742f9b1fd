"""Ends a handler that runs past its timeout on the thread that called it.

Warm attempts in the virtual modes run on the caller's thread (handing each one to a handler
thread and back costs more than the handler). One watchdog thread keeps the deadline of the
attempt running now; when it passes, the handler is interrupted: on the main thread by a signal
(which also breaks ``time.sleep`` and other blocking calls), on any other thread by an
asynchronous exception (which takes effect at the next Python instruction).

A run and the watchdog race for one token: whoever takes it decides. A handler that returns in
time takes it first and is never interrupted; otherwise the watchdog takes it and interrupts the
handler, again every ``REPEAT_SECONDS`` while it goes on (a handler may catch one interruption),
until the runner says it is done and absorbs what was sent, wherever it landed.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time

from .threads import ours

# bound at import: handler code gets patched versions of these (see process_state)
_set_handler, _get_handler = signal.signal, signal.getsignal

# A real-time signal nobody else uses by default; only taken while its handler is the default one.
_SIGNAL: int | None = getattr(signal, "SIGRTMAX", None)
_MAIN = threading.main_thread().ident
REPEAT_SECONDS = 0.1
# With no deadline to watch the thread still wakes this often, rather than sleeping until arm()
# wakes it: a function's timeout is at least 1 s, so a deadline armed while it sleeps is not
# earlier than its wake-up, and a run of attempts costs no thread switch each (arm() still wakes
# it for an earlier deadline).
IDLE_SECONDS = 1.0


class Interrupted(BaseException):
    """Raised inside a handler that ran past the function's timeout (BaseException: handler code
    that catches ``Exception`` does not swallow it)."""


class Deadline:
    __slots__ = ("thread_id", "at", "token", "fired", "by_signal", "done")

    def __init__(self, thread_id: int, at: float) -> None:
        self.thread_id = thread_id
        self.at = at
        self.token = [True]  # list.pop is atomic: whoever pops it decides
        self.fired = False  # set once the interruption was sent
        self.by_signal = False
        self.done = False  # the runner is past the handler: send nothing more


_signalled: Deadline | None = None  # the main-thread deadline whose signal is on its way


def _on_signal(signum: int, frame: object) -> None:
    global _signalled
    deadline, _signalled = _signalled, None
    if deadline is not None:
        raise Interrupted()


class Watchdog:
    """One per runtime; its thread starts with the first inline run and ends at ``close``."""

    def __init__(self) -> None:
        self._wakeup = threading.Condition(threading.Lock())
        self._current: Deadline | None = None
        self._sleeping_until = float("inf")
        self._thread: threading.Thread | None = None
        self._closing = False
        self._signal_installed = False

    def arm(self, seconds: float) -> Deadline:
        """Watch the calling thread's next ``seconds``; ``finish`` the returned deadline after."""
        deadline = Deadline(threading.get_ident(), time.monotonic() + seconds)
        if deadline.thread_id == _MAIN and not self._signal_installed:
            self._install_signal()
        self._current = deadline
        if self._thread is None:
            self._closing = False
            self._thread = ours(threading.Thread(target=self._loop, name="mocklambda-watchdog", daemon=True))
            self._thread.start()
        elif deadline.at < self._sleeping_until:
            with self._wakeup:
                self._wakeup.notify()
        return deadline

    def finish(self, deadline: Deadline) -> bool:
        """True when the run ended in time. False when the watchdog interrupted it (or is about
        to): the interruption has then been absorbed, wherever it landed."""
        in_time = _take(deadline)
        if self._current is deadline:
            self._current = None
        if not in_time:
            self._absorb(deadline)
        return in_time

    def _absorb(self, deadline: Deadline) -> None:
        """Stop the interruptions and make sure none is raised later, in code after the handler:
        under the watchdog's lock nothing more is sent; what was sent is cancelled if pending."""
        global _signalled
        while True:
            try:
                with self._wakeup:
                    deadline.done = True
                if deadline.by_signal:
                    _signalled = None
                else:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(deadline.thread_id), None)
                return
            except Interrupted:  # it landed here rather than in the handler
                continue

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            with self._wakeup:
                self._closing = True
                self._wakeup.notify()
            thread.join(1.0)
        if self._signal_installed:
            try:
                _set_handler(_SIGNAL, signal.SIG_DFL)  # type: ignore[arg-type]
                self._signal_installed = False
            except ValueError:  # not on the main thread: the handler stays, and does nothing
                pass

    def _install_signal(self) -> None:
        if _SIGNAL is None or not hasattr(signal, "pthread_kill"):
            return
        try:
            if _get_handler(_SIGNAL) in (signal.SIG_DFL, _on_signal):
                _set_handler(_SIGNAL, _on_signal)
                self._signal_installed = True
        except ValueError:  # pragma: no cover - arm() checks for the main thread first
            pass

    def _loop(self) -> None:
        with self._wakeup:
            while not self._closing:
                deadline = self._current
                now = time.monotonic()
                if deadline is not None and deadline.at <= now:
                    if deadline.done:
                        if self._current is deadline:
                            self._current = None
                        continue
                    if deadline.fired or _take(deadline):  # first, or again: the handler goes on
                        self._interrupt(deadline)
                        deadline.at = now + REPEAT_SECONDS
                    elif self._current is deadline:  # it finished in time
                        self._current = None
                    continue
                self._sleeping_until = deadline.at if deadline is not None else now + IDLE_SECONDS
                self._wakeup.wait(self._sleeping_until - now)
                self._sleeping_until = float("inf")

    def _interrupt(self, deadline: Deadline) -> None:
        global _signalled
        if deadline.thread_id == _MAIN and self._signal_installed:
            deadline.by_signal = True
            _signalled = deadline
            signal.pthread_kill(deadline.thread_id, _SIGNAL)  # type: ignore[arg-type]
        else:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(deadline.thread_id),
                                                       ctypes.py_object(Interrupted))
        deadline.fired = True


def _take(deadline: Deadline) -> bool:
    try:
        deadline.token.pop()
    except IndexError:
        return False
    return True


