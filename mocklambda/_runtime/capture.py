"""What a handler prints and logs, captured per invocation (``_model.LogFrame`` frames it)."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class _ThreadRoutedStream(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr: a handler thread's writes go to its invocation log
    (and still reach the real stream, so pytest shows them); every other thread is untouched."""

    def __init__(self, original: TextIO) -> None:
        self.original = original
        self.sinks: dict[int, list[str] | None] = {}

    def write(self, text: str) -> int:
        sink = self.sinks.get(threading.get_ident())
        if sink is not None:
            sink.append(text)
        return self.original.write(text)

    def flush(self) -> None:
        with contextlib.suppress(ValueError):  # closed meanwhile (pytest closes its capture files at a test's end)
            self.original.flush()

    def close(self) -> None:
        """The real stream is not ours to close (io calls this when the wrapper is collected)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class _LambdaLogFormatter(logging.Formatter):
    """The Lambda Python runtime's text format: ``[INFO]\\t<time>Z\\t<request id>\\t<message>``."""

    def converter(self, seconds: float | None) -> time.struct_time:
        return time.gmtime(seconds)

    def __init__(self) -> None:
        super().__init__("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                         "%Y-%m-%dT%H:%M:%S")


class _SinkHandler(logging.Handler):
    def __init__(self, thread_id: int) -> None:
        super().__init__()
        self.thread_id = thread_id
        self.sink: list[str] | None = None
        self.request_id = ""
        self.setFormatter(_LambdaLogFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        sink = self.sink
        if sink is not None and record.thread == self.thread_id:
            record.aws_request_id = self.request_id  # as the runtime's log filter does
            sink.append(self.format(record) + "\n")


_install_lock = threading.Lock()
_log_handlers: dict[int, logging.Handler] = {}


class ThreadCapture:
    """Collects what one thread prints or logs, invocation by invocation: the routing is put in
    place once (``open``), and each invocation only swaps the sink (``begin`` / ``end``)."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.handler = _SinkHandler(thread_id)
        self.streams: list[_ThreadRoutedStream] = []

    def open(self) -> ThreadCapture:
        with _install_lock:
            for name in ("stdout", "stderr"):
                stream = getattr(sys, name)
                if not isinstance(stream, _ThreadRoutedStream):
                    stream = _ThreadRoutedStream(stream)
                    setattr(sys, name, stream)
                self.streams.append(stream)
            _log_handlers[self.thread_id] = self.handler
        logging.getLogger().addHandler(self.handler)
        return self

    def begin(self, request_id: str) -> list[str]:
        """A new invocation: what the thread writes from now on is collected in the list returned."""
        sink: list[str] = []
        for stream in self.streams:
            stream.sinks[self.thread_id] = sink
        self.handler.sink, self.handler.request_id = sink, request_id
        return sink

    def end(self) -> None:
        """Between invocations: the thread's writes reach only the real stream. (The entry stays,
        so that another thread's release never takes the routing away while this one is open.)"""
        self.handler.sink = None
        for stream in self.streams:
            stream.sinks[self.thread_id] = None

    def close(self) -> None:
        self.handler.sink = None
        release_capture(self.thread_id)


@contextmanager
def capture_output(thread_id: int, request_id: str) -> Iterator[list[str]]:
    """Collect what ``thread_id`` prints or logs while the block runs."""
    capture = ThreadCapture(thread_id).open()
    try:
        yield capture.begin(request_id)
    finally:
        capture.close()


def release_capture(thread_id: int | None) -> None:
    """Stop capturing a thread's output (also from another thread, for a handler that timed
    out), and put sys.stdout / sys.stderr back once nothing is captured."""
    with _install_lock:
        handler = _log_handlers.pop(thread_id, None) if thread_id is not None else None
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, _ThreadRoutedStream):
                stream.sinks.pop(thread_id, None)  # type: ignore[arg-type]
                if not stream.sinks:
                    setattr(sys, name, stream.original)
    if handler is not None:
        logging.getLogger().removeHandler(handler)

