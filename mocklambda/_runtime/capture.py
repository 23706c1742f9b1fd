"""What a handler prints and logs, captured per invocation as the log events CloudWatch Logs
receives from Lambda's Python runtime (spec 9.7; ``_model.LogFrame`` frames them)."""

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

from .threads import handler_root

EVENT_BYTES = 256 * 1024 - 26
"""The longest log event, in UTF-8 bytes (its newline aside): CloudWatch Logs' 256 KB event less the
26 bytes it counts for each event. Lambda cuts a longer line into events of this size (README: choices)."""

KEPT_BYTES = 4 * 1024 * 1024
"""What one invocation's log keeps, counted as PutLogEvents counts a batch (each event's UTF-8 bytes
plus 26): a process that writes without end must not take the test's memory (README: choices)."""

_EVENT_OVERHEAD = 26
DROPPED = (f"mocklambda: this invocation's output passed {KEPT_BYTES // (1024 * 1024)} MiB; "
           "the rest was dropped\n")


def _size(text: str) -> int:
    """UTF-8 bytes (``isascii`` is O(1): the common case costs nothing)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def cut(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-8 bytes, never splitting a character; only the
    last piece may be shorter. Linear in the text's length."""
    if text.isascii():
        return [text[start:start + limit] for start in range(0, max(len(text), 1), limit)]
    data = text.encode("utf-8", "surrogatepass")
    pieces, start = [], 0
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: the character starts before
            end -= 1
        pieces.append(data[start:end].decode("utf-8", "surrogatepass"))
        start = end
    pieces.append(data[start:].decode("utf-8", "surrogatepass"))
    return pieces


class LogSink:
    """One invocation's log events. A line written to stdout or stderr is one event (Lambda reads
    those streams line by line); a logging record, or the runtime's error report, is one event
    whatever lines it holds (the runtime frames each one). A line longer than ``EVENT_BYTES`` is
    several events; past ``KEPT_BYTES`` the rest is dropped, and one last event says so."""

    __slots__ = ("events", "_partial", "_partial_bytes", "_kept", "_full")

    def __init__(self) -> None:
        self.events: list[str] = []
        self._partial: list[str] = []  # the line being written, in chunks: joined once, when it ends
        self._partial_bytes = 0
        self._kept = 0
        self._full = False

    def write(self, text: str) -> None:
        if self._full:
            return
        size = len(text) if text.isascii() else _size(text)
        if text == "\n":  # print's second write: the line ends (never past EVENT_BYTES, see _cut_partial)
            kept = self._kept + self._partial_bytes + 1 + _EVENT_OVERHEAD
            if kept <= KEPT_BYTES:
                self.events.append("".join(self._partial) + text if self._partial else text)
                self._kept, self._partial, self._partial_bytes = kept, [], 0
                return
        if "\n" not in text:
            self._partial.append(text)
            self._partial_bytes += size
            if self._partial_bytes > EVENT_BYTES:
                self._cut_partial()
            return
        lines = text.split("\n")
        if self._partial:
            lines[0] = "".join(self._partial) + lines[0]
        rest = lines.pop()
        total = self._partial_bytes + size
        if total <= EVENT_BYTES and self._kept + total + _EVENT_OVERHEAD * len(lines) <= KEPT_BYTES:
            self.events.extend([line + "\n" for line in lines])  # short lines, room for them: the usual case
            self._kept += total - _size(rest) + _EVENT_OVERHEAD * len(lines)
        else:
            for line in lines:
                *pieces, last = cut(line, EVENT_BYTES)
                for piece in pieces:
                    self._add(piece)
                self._add(last + "\n")
        self._partial, self._partial_bytes = ([rest], _size(rest)) if rest else ([], 0)
        if self._partial_bytes > EVENT_BYTES:
            self._cut_partial()

    def record(self, event: str) -> None:
        """A framed event: it ends the line being written, if any."""
        self.end_line()
        for piece in cut(event, EVENT_BYTES):
            self._add(piece)

    def platform(self, event: str) -> None:
        """A line of Lambda's own (a timeout's report): kept however much the function wrote."""
        self.end_line()
        self.events.append(event)

    def end_line(self) -> None:
        if self._partial:
            partial, self._partial, self._partial_bytes = "".join(self._partial), [], 0
            self._add(partial)

    def take(self) -> list[str]:
        """Every event so far (a last line without its newline too)."""
        self.end_line()
        return self.events

    def _cut_partial(self) -> None:
        """The line being written is past an event's size: its full events go, the rest stays."""
        *pieces, rest = cut("".join(self._partial), EVENT_BYTES)
        self._partial, self._partial_bytes = [rest], _size(rest)
        for piece in pieces:
            self._add(piece)

    def _add(self, event: str) -> None:
        if self._full:
            return
        self._kept += _size(event) + _EVENT_OVERHEAD
        if self._kept > KEPT_BYTES:
            self._full = True
            self._partial, self._partial_bytes = [], 0
            self.events.append(DROPPED)
            return
        self.events.append(event)


class _ThreadRoutedStream(io.TextIOBase):
    """Stands in for sys.stdout / sys.stderr: a handler thread's writes, and those of the threads
    its handler code started, go to its invocation's log (and still reach the real stream, so
    pytest shows them); every other thread is untouched.

    There is one per stream for the life of the process, and it stays usable after it is taken
    out of ``sys``: a logging handler that a function's module made at import time
    (``StreamHandler(sys.stdout)``, as Powertools, python-json-logger and structlog do) keeps
    writing to it, warm invocation after invocation and mock after mock, and is captured each time."""

    def __init__(self, name: str) -> None:
        self.name_in_sys = name
        self.original: TextIO = getattr(sys, name)
        self.sinks: dict[int, LogSink | None] = {}

    def write(self, text: str) -> int:
        ident = threading.get_ident()
        sink = self.sinks[ident] if ident in self.sinks else self.sinks.get(handler_root(ident))
        if sink is not None:
            sink.write(text)
        try:
            return self.original.write(text)
        except ValueError:  # closed (pytest closes its capture files at a test's end): the process's own
            return getattr(sys, f"__{self.name_in_sys}__").write(text)  # type: ignore[no-any-return]

    def flush(self) -> None:
        with contextlib.suppress(ValueError):
            self.original.flush()

    def close(self) -> None:
        """The real stream is not ours to close (io calls this when the wrapper is collected)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class _LambdaLogFormatter(logging.Formatter):
    """The Lambda Python runtime's text format: ``[INFO]\\t<time>Z\\t<request id>\\t<message>\\n``."""

    def converter(self, seconds: float | None) -> time.struct_time:
        return time.gmtime(seconds)

    def __init__(self) -> None:
        super().__init__("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                         "%Y-%m-%dT%H:%M:%S")


class _SinkHandler(logging.Handler):
    def __init__(self, thread_id: int) -> None:
        super().__init__()
        self.thread_id = thread_id
        self.sink: LogSink | None = None
        self.request_id = ""
        self.text_format = _LambdaLogFormatter()
        self.setFormatter(self.text_format)

    def use(self, log_format: logging.Formatter | None, level: int) -> None:
        """The function's LogFormat JSON (its formatter) and ApplicationLogLevel; None, 0: Text."""
        formatter = log_format or self.text_format
        if formatter is not self.formatter or level != self.level:  # most invocations: as the last one
            self.setFormatter(formatter)
            self.setLevel(level)

    def emit(self, record: logging.LogRecord) -> None:
        sink = self.sink
        if sink is not None and (record.thread == self.thread_id or record.thread not in _log_handlers
                                 and handler_root(record.thread or 0) == self.thread_id):
            record.aws_request_id = self.request_id  # as the runtime's log filter does
            sink.record(self.format(record))


CAPTURE_HANDLER = _SinkHandler  # the type of the mock's own root-logger handlers
_install_lock = threading.Lock()
_log_handlers: dict[int, logging.Handler] = {}
_STREAMS = {name: _ThreadRoutedStream(name) for name in ("stdout", "stderr")}


class ThreadCapture:
    """Collects what one thread prints or logs, invocation by invocation: the routing is put in
    place once (``open``), and each invocation only swaps the sink (``begin`` / ``end``)."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.handler = _SinkHandler(thread_id)
        self.streams: list[_ThreadRoutedStream] = []

    def open(self) -> ThreadCapture:
        with _install_lock:
            for name, stream in _STREAMS.items():
                current = getattr(sys, name)
                if current is not stream:
                    stream.original = current
                    setattr(sys, name, stream)
                self.streams.append(stream)
            _log_handlers[self.thread_id] = self.handler
        logging.getLogger().addHandler(self.handler)
        return self

    def begin(self, request_id: str, log_format: logging.Formatter | None = None, level: int = 0) -> LogSink:
        """A new invocation: what the thread writes from now on is collected in the sink returned
        (its logging records in ``log_format``, from ``level`` up; by default as Text, all)."""
        self.handler.use(log_format, level)
        sink = LogSink()
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
def capture_output(thread_id: int, request_id: str, log_format: logging.Formatter | None = None,
                   level: int = 0) -> Iterator[LogSink]:
    """Collect what ``thread_id`` prints or logs while the block runs."""
    capture = ThreadCapture(thread_id).open()
    try:
        yield capture.begin(request_id, log_format, level)
    finally:
        capture.close()


def release_capture(thread_id: int | None) -> None:
    """Stop capturing a thread's output (also from another thread, for a handler that timed
    out), and put sys.stdout / sys.stderr back once nothing is captured."""
    with _install_lock:
        handler = _log_handlers.pop(thread_id, None) if thread_id is not None else None
        for name, stream in _STREAMS.items():
            stream.sinks.pop(thread_id, None)  # type: ignore[arg-type]
            current = getattr(sys, name)
            # replaced by the handler code that ran on this thread: undone
            replaced_here = current is not stream and current is not stream.original and \
                thread_id == threading.get_ident()
            if current is stream or replaced_here:
                setattr(sys, name, stream if stream.sinks else stream.original)
    if handler is not None:
        logging.getLogger().removeHandler(handler)
