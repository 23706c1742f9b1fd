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
            return _resident(statm.read().encode())
    except OSError:
        return None


def _resident(statm: bytes | None) -> float | None:
    try:
        return int(statm.split()[1]) * _PAGE / (1024 * 1024) if statm else None
    except (ValueError, IndexError):
        return None


def peak_kb(status: bytes | None) -> int | None:
    """``VmHWM`` (the peak resident size, in kB) from a ``/proc/<pid>/status`` text; None without one."""
    start = status.find(b"\nVmHWM:") if status else -1
    if start < 0:
        return None
    assert status is not None
    try:
        return int(status[start + 7:status.index(b"\n", start + 1)].split()[0])
    except (ValueError, IndexError):
        return None


class ProcFile:
    """One ``/proc/<pid>/`` file held open from the process's start: each ``read`` is a single
    ``pread`` from offset 0, which has the kernel write it afresh (where opening it by path each time
    is four system calls and a path lookup). It stays the file of the process it was opened for, so
    a reused pid is never read; once that process is gone it reads as None."""

    def __init__(self, pid: int, name: str) -> None:
        try:
            self._fd = os.open(f"/proc/{pid}/{name}", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:  # no /proc here, or gone already
            self._fd = -1
        self._lock = threading.Lock()

    def read(self) -> bytes | None:
        with self._lock:
            if self._fd < 0:
                return None
            try:
                return os.pread(self._fd, 65536, 0) or None
            except OSError:
                return None

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class MemoryLimit:
    """Watches one process (the leader of its own process group) until it ends. It never reaps
    the process (its owner does): once the owner has, the watch stops, so a reused pid is never
    signalled."""

    def __init__(self, process: subprocess.Popen[bytes], limit_mb: int) -> None:
        self._process = process
        self._limit_mb = limit_mb
        self.exceeded = False
        self._statm = ProcFile(process.pid, "statm")
        self._status = ProcFile(process.pid, "status")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"mocklambda-memory-{process.pid}", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        pid = self._process.pid
        while not self._stop.wait(POLL_SECONDS) and self._process.returncode is None:
            used = _resident(self._statm.read())
            if used is None:
                return
            if used > self._limit_mb and self._process.returncode is None:
                self.exceeded = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                return

    def peak_kb(self) -> int | None:
        """The process's ``VmHWM`` now (None once it has exited): ``Max Memory Used``."""
        return peak_kb(self._status.read())

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self._statm.close()
        self._status.close()
