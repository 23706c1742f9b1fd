"""Processes an execution environment started that left its process group: a detached child
(``setsid``, Node's ``spawn(..., {detached: true})``) is in a session of its own, parented to
PID 1, and ``killpg`` misses it. Each carries what every process of its environment inherits, the
``AWS_LAMBDA_RUNTIME_API`` of that environment's own Runtime API server, so it is found by that
entry in ``/proc/<pid>/environ`` (Linux; elsewhere nothing is found, README: Limits)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
from collections.abc import Callable, Iterator

EXIT_WAIT_SECONDS = 2.0


def kill_carrying(entry: str) -> list[int]:
    """SIGKILL every process of this user whose environment holds ``entry`` (``NAME=value``)
    exactly; the pids killed. The process is pinned (a pidfd) before its environment is read, so a
    pid reused meanwhile is never the one signalled."""
    needle = entry.encode("utf-8", "surrogateescape")
    killed = []
    for pid in _own_processes():
        with _pinned(pid) as signal_it:
            try:
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    variables = environ.read().split(b"\0")
            except OSError:
                continue
            if needle in variables and signal_it():
                killed.append(pid)
    return killed


def _own_processes() -> Iterator[int]:
    """The pids of this user's processes, the caller's own aside."""
    uid, me = os.getuid(), os.getpid()
    try:
        entries = list(os.scandir("/proc"))
    except OSError:  # no procfs: macOS, Windows
        return
    for entry in entries:
        if entry.name.isdigit() and int(entry.name) != me:
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    yield int(entry.name)


@contextlib.contextmanager
def _pinned(pid: int) -> Iterator[Callable[[], bool]]:
    """A function that SIGKILLs the process ``pid`` was when the block began (False: it is gone)."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # gone, or no pidfd (Linux < 5.3): the pid itself, at once
        yield lambda: _kill(pid)
        return
    try:
        yield lambda: _send(pidfd)
    finally:
        os.close(pidfd)


def _send(pidfd: int) -> bool:
    """SIGKILL, then wait (briefly) until it is gone: the mock stops with it dead, not dying."""
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except OSError:
        return False
    with contextlib.suppress(OSError, ValueError):
        select.select([pidfd], [], [], EXIT_WAIT_SECONDS)  # a pidfd is readable once its process exited
    return True


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        return False
    return True
