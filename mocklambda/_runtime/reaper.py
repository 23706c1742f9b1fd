"""The last resort for the processes a mock started: a small watcher process that outlives the test's
process just long enough to kill what it left behind.

A mock kills its runtimes when it stops. A test process that never stops its mocks (killed by a
CI timeout, a second Ctrl-C, ``os._exit``) would leave them running: a runtime in an endless
handler spins on, one allocating without end grows until the machine runs out of memory. So each
bootstrap's process group, and the ``AWS_LAMBDA_RUNTIME_API`` entry every process of its
environment carries (``strays``), is told to a watcher, started with the first bootstrap of this
process; it is told again once the environment is closed. The watcher reads until the pipe ends,
which happens when this process ends, however it ends; it then kills every group and every
carrier still on its list, and exits. It ignores the terminal's Ctrl-C (its own session), so it
is there when the test process is gone.

Run as a script (``python -S reaper.py``), it is the watcher; imported, it is the client."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import threading
from types import ModuleType
from typing import IO


class Reaper:
    """This process's link to its watcher: one pipe, written a line per change (``+pgid entry`` and
    ``-pgid``). Writing is best effort: without a watcher, a mock still kills its processes at stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pipe: IO[bytes] | None = None
        self._owner = 0  # the pid whose watcher it is (a forked child starts its own)

    def watch(self, pgid: int, entry: str) -> None:
        self._send(f"+{pgid} {entry}\n")

    def forget(self, pgid: int) -> None:
        self._send(f"-{pgid}\n")

    def _send(self, line: str) -> None:
        with self._lock:
            pipe = self._pipe if self._owner == os.getpid() else None
            if pipe is None:
                pipe = self._pipe = self._start()
            if pipe is None:
                return
            try:
                pipe.write(line.encode("utf-8", "surrogateescape"))
                pipe.flush()
            except (OSError, ValueError):  # the watcher is gone: the next line starts another
                self._pipe = None

    def _start(self) -> IO[bytes] | None:
        self._owner = os.getpid()
        try:
            watcher = subprocess.Popen(
                [sys.executable, "-I", "-S", os.path.abspath(__file__)], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        except OSError:
            return None
        return watcher.stdin


def watch(lines: IO[bytes]) -> None:
    """The watcher: the groups and entries still listed when ``lines`` ends are killed."""
    strays = _strays()
    listed: dict[int, str] = {}
    for line in lines:
        sign, _, rest = line.decode("utf-8", "surrogateescape").rstrip("\n").partition(" ")
        with contextlib.suppress(ValueError):
            if sign.startswith("+"):
                listed[int(sign[1:])] = rest
            else:
                listed.pop(int(sign[1:]), None)
    for pgid, entry in listed.items():
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
        strays.kill_carrying(entry)


def _strays() -> ModuleType:
    """``strays``, imported by its path: the watcher runs without the package (``-S``, no site)."""

    spec = importlib.util.spec_from_file_location("strays", os.path.join(os.path.dirname(__file__), "strays.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reaper = Reaper()

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch(sys.stdin.buffer)
