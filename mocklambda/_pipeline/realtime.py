"""Realtime mode: each attempt starts when it comes due on the (scaled) wall clock, in parallel,
as on AWS; concurrency limits then throttle the excess (see ``Concurrency``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .._core.event_queue import EventQueue, Item
from ..errors import NotIdleError

WORKERS = 64  # attempts running at once


class RealtimeRunner:
    def __init__(self, queue: EventQueue) -> None:
        self._queue = queue
        self._running = threading.BoundedSemaphore(WORKERS)
        self._busy = 0  # attempts popped and not yet over
        self._busy_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="mocklambda-realtime", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            with self._queue.wakeup:
                self._queue.wakeup.notify_all()
            self._thread.join()
            self._thread = None

    def busy(self) -> bool:
        return self._busy > 0

    def run_until_idle(self, timeout: float, describe: Callable[[], str]) -> None:
        """Wait for running attempts (up to ``timeout`` wall seconds), and jump the clock over the
        waits between them, until nothing is queued."""
        queue, clock = self._queue, self._queue.clock
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise NotIdleError(f"still busy after {timeout} s:\n{describe()}")
            if self.busy():
                time.sleep(0.002)
                continue
            due = queue.next_due()
            if due is None:
                if not self.busy():
                    return
                continue
            ahead = due - clock.offset()
            if ahead > 0:
                clock.advance(ahead)
            else:
                time.sleep(0.002)  # due now: the worker is picking it up

    def _run(self) -> None:
        queue, clock = self._queue, self._queue.clock
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="mocklambda-attempt") as pool:
            while not self._stopping.is_set():
                self._running.acquire()  # before popping: an item is always pending or busy
                with self._busy_lock:
                    self._busy += 1
                item = queue.pop_due(clock.offset())
                if item is not None:
                    pool.submit(self._process, item)
                    continue
                self._done()
                due = queue.next_due(include_background=True)
                wait = 0.5 if due is None else min(0.5, max(0.0, (due - clock.offset()) / clock.rate))
                with queue.wakeup:
                    queue.wakeup.wait(wait)

    def _process(self, item: Item) -> None:
        try:
            self._queue.process(item)
        finally:
            self._done()

    def _done(self) -> None:
        with self._busy_lock:
            self._busy -= 1
        self._running.release()
