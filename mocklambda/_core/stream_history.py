"""What each stream mapping did with each shard's records, for the timeline: every batch it
invoked (when, which sequence numbers, how many records, how the invocation ended) and what
followed (a retry after a backoff, two halves, a checkpoint, the batch given up and where its
records went). Pure and bounded; the stream poller tells it each fact as it happens.

A failing test's timeline then shows where a poison record blocked a shard, how it was cut out,
and where it ended, in the order the mock's clock saw it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from .._model import StreamRecord
from .shard_lanes import Verdict

SHARD_LIMIT = 1000  # lines kept per shard: the newest (older ones are counted, not kept)
MESSAGE_LIMIT = 120  # characters of an error message a line shows
LISTED = 5  # sequence numbers a line lists by name


@dataclass
class _Shard:
    lines: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=SHARD_LIMIT))
    forgotten: int = 0  # lines that fell off the front


@dataclass
class _Mapping:
    source_arn: str
    function_arn: str
    shards: dict[str, _Shard] = field(default_factory=dict)


class StreamHistory:
    """Lines per mapping and shard, in the order they happened (thread-safe: in realtime mode
    the lanes of a mapping run on the worker's threads)."""

    def __init__(self) -> None:
        self._mappings: dict[str, _Mapping] = {}
        self._lock = threading.Lock()

    def note(self, mapping_uuid: str, source_arn: str, function_arn: str, shard_id: str, at: float,
             text: str) -> None:
        """``at``: the mock's clock offset, in seconds."""
        with self._lock:
            mapping = self._mappings.get(mapping_uuid)
            if mapping is None:
                mapping = self._mappings[mapping_uuid] = _Mapping(source_arn, function_arn)
            shard = mapping.shards.get(shard_id)
            if shard is None:
                shard = mapping.shards[shard_id] = _Shard()
            if len(shard.lines) == SHARD_LIMIT:
                shard.forgotten += 1
            shard.lines.append((at, text))

    def __bool__(self) -> bool:
        return bool(self._mappings)

    def render(self) -> list[str]:
        """The timeline's stream sections: one per mapping, one block per shard."""
        with self._lock:
            mappings = [(uuid, m.source_arn, m.function_arn,
                         [(shard_id, s.forgotten, list(s.lines)) for shard_id, s in m.shards.items()])
                        for uuid, m in self._mappings.items()]
        lines: list[str] = []
        for uuid, source_arn, function_arn, shards in mappings:
            lines.append(f"mocklambda: stream mapping {uuid}: {source_arn} -> {function_arn}")
            for shard_id, forgotten, entries in shards:
                lines.append(f"  {shard_id}")
                if forgotten:
                    lines.append(f"    ({forgotten} earlier line(s) not kept)")
                lines.extend(f"    +{at:>8.3f}s  {text}" for at, text in entries)
        return lines


# -- the lines' words -----------------------------------------------------------------------------


def span(records: Sequence[StreamRecord]) -> str:
    """``seq 3..7 (5 records)``: a batch's first and last sequence numbers and its size."""
    first, last = records[0].sequence_number, records[-1].sequence_number
    numbers = first if first == last else f"{first}..{last}"
    return f"seq {numbers} ({len(records)} record{'' if len(records) == 1 else 's'})"


def _seconds(delay: float) -> str:
    return f"{delay:g}s"


def error_text(error_type: str, message: str | None) -> str:
    """``ValueError: cannot process poison``: the type and the message's first line, cut short."""
    first = message.splitlines()[0][:MESSAGE_LIMIT] if message else ""
    return f"{error_type}: {first}" if first else error_type


def invocation(records: Sequence[StreamRecord], error: str | None, failed_from: int | None,
               verdict: Verdict | None, maximum_retry_attempts: int) -> str:
    """One invocation of a batch and what it led to. ``error``: the function's error (None when
    it returned); ``failed_from``: where processing starts again (None: the batch succeeded; 0:
    all of it failed; else the first record the function reported failed)."""
    text = f"batch {span(records)}: "
    if failed_from is None or verdict is None:
        return text + "ok"
    text += error if error is not None else f"reported failures from seq {records[failed_from].sequence_number}"
    if verdict.given_up is not None:
        return text + " -> given up"
    if len(verdict.retry) == 2:
        return text + f" -> bisected into {span(verdict.retry[0].records)} and {span(verdict.retry[1].records)}"
    retry = verdict.retry[0]
    if verdict.delay > 0:  # a retry spent, after its backoff
        limit = "" if maximum_retry_attempts == -1 else f" of {maximum_retry_attempts}"
        again = f"retry {retry.retries}{limit} in {_seconds(verdict.delay)}"
    else:
        again = "again at once (no retry spent)"
    if failed_from:
        return text + f" -> checkpointed at seq {retry.records[0].sequence_number}, {again}"
    return text + f" -> {again}"


def held_back(records: Sequence[StreamRecord], why: str, delay: float) -> str:
    """A batch not invoked this time (throttled, a Lambda service error, the function missing):
    tried again after ``delay`` without spending a retry."""
    return f"batch {span(records)}: {why} -> tried again in {_seconds(delay)} (no retry spent)"


def filtered_out(records: Sequence[StreamRecord]) -> str:
    """Records no filter of the mapping's FilterCriteria matched: skipped, as processed."""
    numbers = [r.sequence_number for r in records]
    shown = ", ".join(numbers[:LISTED]) + (f", ... ({len(numbers) - LISTED} more)" if len(numbers) > LISTED else "")
    return f"{len(numbers)} record(s) filtered out (no filter matched): seq {shown}"


def stream_gone(position: str | None) -> str:
    """The stream was deleted (a stream made again under its name is read from its start)."""
    return f"the stream is gone (read up to seq {position or '-'}); a new stream of its name is read from its start"


def expired(records: Sequence[StreamRecord]) -> str:
    """Records the stream's retention dropped before the mapping processed them."""
    return f"{span(records)}: expired from the stream (its retention) -> gone, no on-failure record"


def given_up(records: Sequence[StreamRecord], condition: str, invoke_count: int, destination: str | None,
             delivery_error: str | None) -> str:
    """A batch the mapping stopped retrying, and where its records went."""
    text = f"given up {span(records)}: {condition} (approximateInvokeCount {invoke_count}) -> "
    if destination is None:
        return text + "dropped (no on-failure destination)"
    if delivery_error is not None:
        return text + f"NOT delivered to {destination}: {delivery_error}; dropped"
    return text + f"on-failure record sent to {destination}"
