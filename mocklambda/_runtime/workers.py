"""Where handler code runs: a pool of reusable handler threads, and the inline batch that runs
warm attempts on the thread draining the queue."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack

from .capture import ThreadCapture
from .container import Container
from .environment import lambda_environment, working_directory
from .interrupts import noting_ctrl_c
from .threads import exclusive, ours


class InlineBatch:
    """Consecutive warm attempts run on the calling thread (see ``Runtime.inline_batch``). The
    container's environment, modules and output capture stay in place from one attempt to the next
    (only the queue's bookkeeping runs in between) and are put back when another container runs,
    when something runs on a handler thread, before the mock's own work that reads them (see
    ``Runtime.leave_handlers``), and when the batch ends."""

    def __init__(self, watch: Callable[[], AbstractContextManager[None]]) -> None:
        self._watch = watch  # what handler code does to process-wide state, watched while the batch runs
        self.thread_id = threading.get_ident()
        self.container: Container | None = None
        self.applied: ExitStack | None = None
        self.capture: ThreadCapture | None = None
        self.sandbox = ExitStack()

    def enter(self, container: Container) -> ThreadCapture:
        if self.capture is None:
            self.sandbox.enter_context(exclusive())  # handler code runs one invocation tree at a time
            self.sandbox.enter_context(noting_ctrl_c())
            self.sandbox.enter_context(self._watch())
            self.capture = ThreadCapture(self.thread_id).open()
        if self.container is not container:
            self.leave_container()
            applied = ExitStack()
            applied.enter_context(lambda_environment(container.environment()))
            applied.enter_context(container.modules.active())
            applied.enter_context(working_directory(container.task_root))
            self.applied, self.container = applied, container
        return self.capture

    def leave_container(self) -> None:
        applied, self.applied, self.container = self.applied, None, None
        if applied is not None:
            applied.close()

    def close(self) -> None:
        try:
            self.leave_container()
        finally:
            if self.capture is not None:
                self.capture.close()
            self.sandbox.close()


class Worker:
    """A thread that runs handler code, reused from one invocation to the next (starting a
    thread per invocation costs more than a warm handler does)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.thread = ours(threading.Thread(target=self._loop, name="mocklambda-handler", daemon=True))
        self.thread.start()

    def run(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def retire(self) -> None:
        self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            # the job has said how it ended; the thread must not die with whatever escaped it, or the
            # next invocation handed to it would wait for ever
            with contextlib.suppress(BaseException):
                job()
