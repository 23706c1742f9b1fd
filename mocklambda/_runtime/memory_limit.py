"""``MemorySize`` enforced on a process as Lambda's sandbox enforces it: memory in use (the
resident set), not address space. A watcher reads the process's resident size every few
milliseconds and, past the limit, kills its process group, as the sandbox's OOM killer does; the
environment then reports ``Runtime.OutOfMemory``.

Why not ``RLIMIT_AS``: it caps reserved address space, which runtimes reserve far beyond what they
use (Go, V8, glibc's per-thread arenas), so a 128 MB function would fail where Lambda runs it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading

POLL_SECONDS = 0.005
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_mb(pid: int) -> float | None:
    """The process's resident size in MB; None once it is gone (or where ``/proc`` is not)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return None


class MemoryLimit:
    """Watches one process (the leader of its own process group) until it ends. It never reaps
    the process (its owner does): once the owner has, the watch stops, so a reused pid is never
    signalled."""

    def __init__(self, process: subprocess.Popen[bytes], limit_mb: int) -> None:
        self._process = process
        self._limit_mb = limit_mb
        self.exceeded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"mocklambda-memory-{process.pid}", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        pid = self._process.pid
        while not self._stop.wait(POLL_SECONDS) and self._process.returncode is None:
            used = resident_mb(pid)
            if used is None:
                return
            if used > self._limit_mb and self._process.returncode is None:
                self.exceeded = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                return

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(1.0)
