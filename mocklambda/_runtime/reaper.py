"""The last resort for the processes a mock started: a small watcher process that outlives the test's
process just long enough to kill what it left behind.

A mock kills its runtimes when it stops. A test process that never stops its mocks (killed by a
CI timeout, a second Ctrl-C, ``os._exit``) would leave them running: a runtime in an endless
handler spins on, one allocating without end grows until the machine runs out of memory. So each
bootstrap's process group, and the ``AWS_LAMBDA_RUNTIME_API`` entry every process of its
environment carries (``strays``), is told to a watcher, started with the first bootstrap of this
process; it is told again once the environment is closed. The watcher reads until the pipe ends,
which happens when this process ends, however it ends; it then kills every group still on its list
whose leader it saw alive, and every process carrying a listed entry, and exits. It ignores the
terminal's Ctrl-C (its own session), so it is there when the test process is gone.

Run as a script (``python -I -S reaper.py``), it is the watcher; imported, it is the client."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import select
import signal
import subprocess
import sys
import threading
from types import ModuleType
from typing import IO


class Reaper:
    """This process's link to its watcher: one pipe, written a line per change (``+pgid entry`` and
    ``-pgid entry``). Best effort: where no watcher can be started (no usable ``sys.executable``, a
    frozen application), none is, once; a mock still kills its processes at stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watcher: subprocess.Popen[bytes] | None = None
        self._failed = False
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget_parents_watcher)

    def watch(self, pgid: int, entry: str) -> None:
        self._send(f"+{pgid} {entry}\n")

    def forget(self, pgid: int, entry: str) -> None:
        self._send(f"-{pgid} {entry}\n")

    def _send(self, line: str) -> None:
        with self._lock:
            watcher = self._watcher if self._watcher is not None and self._watcher.poll() is None else None
            if watcher is None:
                self._drop()
                if self._failed:
                    return
                watcher = self._watcher = self._start()
                if watcher is None:
                    self._failed = True
                    return
            assert watcher.stdin is not None
            try:
                watcher.stdin.write(line.encode("utf-8", "surrogateescape"))
                watcher.stdin.flush()
            except (OSError, ValueError):  # the watcher is gone: the next line starts another
                self._drop()

    @staticmethod
    def _start() -> subprocess.Popen[bytes] | None:
        if not sys.executable or getattr(sys, "frozen", False):
            return None
        try:
            return subprocess.Popen(
                [sys.executable, "-I", "-S", os.path.abspath(__file__)], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        except Exception:  # whatever stops it, the mock runs without a watcher
            return None

    def _drop(self) -> None:
        """Let go of a watcher that is gone (its pipe closed, its exit reaped)."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            with contextlib.suppress(OSError, ValueError):
                assert watcher.stdin is not None
                watcher.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                watcher.wait(0)

    def _forget_parents_watcher(self) -> None:
        """In a forked child: the parent's watcher is the parent's (its pipe closed here, so that it
        still sees its end when the parent ends); the child starts its own when it needs one."""
        self._lock = threading.Lock()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            if watcher.stdin is not None:
                with contextlib.suppress(OSError, ValueError):
                    watcher.stdin.close()  # this process's copy of the pipe only
            watcher.returncode = 0  # not the child's to reap, nor to warn about


class _Listed:
    """One environment as the watcher holds it: its group, pinned by a pidfd to the leader it was
    told of, so that a group id reused after that leader's end is never signalled."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        try:
            self._pidfd = os.pidfd_open(pgid)
        except (AttributeError, OSError):  # no pidfd (macOS, Linux < 5.3), or the leader is gone
            self._pidfd = -1

    def kill_group(self) -> None:
        """The group, while its leader is the one told of and has not exited (an exited leader's
        group id can be reused; its processes are found by their entry instead)."""
        if self._pidfd >= 0:
            with contextlib.suppress(OSError, ValueError):
                if select.select([self._pidfd], [], [], 0)[0]:  # readable: the leader exited
                    return
        with contextlib.suppress(OSError):
            os.killpg(self.pgid, signal.SIGKILL)

    def close(self) -> None:
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


def watch(lines: IO[bytes]) -> None:
    """The watcher: the environments still listed when ``lines`` ends are killed."""
    listed: dict[tuple[int, str], _Listed] = {}
    for line in lines:
        sign, _, rest = line.decode("utf-8", "surrogateescape").rstrip("\n").partition(" ")
        try:
            key = (int(sign[1:]), rest)
        except ValueError:
            continue
        if sign.startswith("+"):
            listed[key] = _Listed(key[0])
        elif (forgotten := listed.pop(key, None)) is not None:
            forgotten.close()
    strays = _strays()
    for (_, entry), environment in listed.items():
        environment.kill_group()
        if strays is not None and entry:
            strays.kill_carrying(entry)


def _strays() -> ModuleType | None:
    """``strays``, imported by its path: the watcher runs without the package (``-S``, no site);
    None where it cannot be (a zipped or frozen install): the groups are still killed."""
    try:
        spec = importlib.util.spec_from_file_location("strays", os.path.join(os.path.dirname(__file__), "strays.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:
        return None
    return module


reaper = Reaper()

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch(sys.stdin.buffer)
