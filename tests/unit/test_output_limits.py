"""The bounds on what one invocation's output can cost (README: choices): a line is cut into events
of at most ``EVENT_BYTES``, a sink keeps at most ``KEPT_BYTES``, a line written in chunks is joined
once; and ``strays`` finds an environment's processes by their exact environment entry."""

from __future__ import annotations

import os
import subprocess
import uuid
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._runtime import capture
from mocklambda._runtime.capture import DROPPED, LogSink, cut
from mocklambda._runtime.strays import kill_carrying

TEXT = st.lists(st.text(alphabet="ab\né€😀", max_size=30), max_size=12)  # characters of 1 to 4 UTF-8 bytes


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_a_line_past_the_event_limit_is_cut_where_lambda_cuts_it():
    line = "x" * (2 * capture.EVENT_BYTES + 5)
    sink = LogSink()
    sink.write(line + "\n")
    assert sink.take() == [line[:capture.EVENT_BYTES], line[capture.EVENT_BYTES:-5], "x" * 5 + "\n"]
    assert capture.EVENT_BYTES == 256 * 1024 - 26  # CloudWatch Logs' 256 KB event, less its 26-byte overhead


def test_a_cut_never_splits_a_character():
    assert cut("a€€", 4) == ["a€", "€"]  # "a€€" is 7 bytes: "a€" fits in 4, a second "€" would not
    assert cut("😀😀", 5) == ["😀", "😀"]
    assert cut("", 4) == [""]


@given(TEXT)
def test_events_keep_every_character_and_none_passes_the_limit(chunks: list[str]) -> None:
    """Property: whatever the writes, the events hold exactly what was written, in order; none is
    longer than the limit (its newline aside); an event without a newline (the last aside) is a
    cut, so it is as full as a character boundary lets it be."""
    limit = 8
    with mock.patch.object(capture, "EVENT_BYTES", limit):
        sink = LogSink()
        for chunk in chunks:
            sink.write(chunk)
        events = sink.take()
    assert "".join(events) == "".join(chunks)
    assert all(size(event.removesuffix("\n")) <= limit and "\n" not in event[:-1] for event in events)
    assert all(size(event) > limit - 4 for event in events[:-1] if not event.endswith("\n"))


@given(TEXT, st.lists(st.text(alphabet="ab\n", max_size=12), max_size=3))
def test_past_the_cap_the_rest_is_dropped_and_one_event_says_so(chunks: list[str], records: list[str]) -> None:
    """Property: the events kept are a prefix of what was written, they cost at most the cap as
    PutLogEvents counts (bytes + 26 each), and once something is dropped the marker is the last
    event; a platform line (the timeout's) still follows it."""
    cap = 120
    with mock.patch.object(capture, "EVENT_BYTES", 8), mock.patch.object(capture, "KEPT_BYTES", cap):
        sink = LogSink()
        for chunk in chunks:
            sink.write(chunk)
        for record in records:
            sink.record(record)
        sink.platform("Task timed out\n")
        events = sink.take()
    assert events[-1] == "Task timed out\n"
    kept = events[:-1]
    if DROPPED in kept:
        assert kept.index(DROPPED) == len(kept) - 1
        kept.pop()
    assert sum(size(event) + 26 for event in kept) <= cap
    assert ("".join(chunks) + "".join(records)).startswith("".join(kept))


def test_a_line_written_in_chunks_is_joined_once_not_once_per_chunk():
    """20 MB without a newline, in 64 KB chunks: what the sink joins and cuts stays within twice
    what was written (appending to one string each time copied it all, 160 times over)."""
    joined = []

    def counting_cut(text: str, limit: int) -> list[str]:
        joined.append(len(text))
        return cut(text, limit)

    chunk, count = "x" * 65536, 320
    with mock.patch.object(capture, "cut", counting_cut), mock.patch.object(capture, "KEPT_BYTES", 1 << 40):
        sink = LogSink()
        for _ in range(count):
            sink.write(chunk)
        events = sink.take()
    assert sum(joined) <= 2 * len(chunk) * count
    assert sum(map(len, events)) == len(chunk) * count and max(map(len, events)) == capture.EVENT_BYTES


def test_kill_carrying_kills_exactly_the_processes_with_that_entry():
    mark = f"MOCKLAMBDA_OUTPUT_TEST={uuid.uuid4().hex}"
    name, value = mark.split("=")
    environment = dict(os.environ)

    def sleeper(entry_value: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["sleep", "60"], env={**environment, name: entry_value}, start_new_session=True)

    carrying, longer = sleeper(value), sleeper(value + "0")  # the entry is matched whole, not as a prefix
    try:
        assert kill_carrying(mark) == [carrying.pid]
        assert carrying.wait(5) == -9 and longer.poll() is None
        assert kill_carrying(mark) == []
    finally:
        longer.kill()
        longer.wait()
        carrying.kill()
        carrying.wait()
