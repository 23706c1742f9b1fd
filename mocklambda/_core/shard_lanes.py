"""A shard's records on their way through a stream mapping: batches formed in order, one batch
in flight per lane, and what a failed batch becomes (a retry after a backoff, two halves, a
checkpoint past the records that succeeded, or a batch given up). Pure: the poller
(``_pipeline.stream_poller``) runs it on the mock's clock.

A lane is a shard, or one ``ParallelizationFactor`` slot of a shard (records with one partition
key always share a slot, so their order holds).
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .._model import StreamRecord

PAYLOAD_LIMIT = 6 * 1024 * 1024  # a batch's payload, as for a synchronous invoke
BACKOFF_START = 0.5  # seconds before the first retry, doubling (a choice: it reproduces the recorded
BACKOFF_CAP = 60.0   # approximateInvokeCount 8 of ``test_kinesis_maximum_record_age_exceeded``)


@dataclass(frozen=True)
class LaneRules:
    """The mapping's settings a lane obeys."""

    batch_size: int
    batching_window: float
    maximum_retry_attempts: int  # -1: until the records expire
    maximum_record_age: int  # -1: the stream's retention
    retention: float
    bisect: bool


@dataclass
class Batch:
    """Records invoked together, and what their invocations so far left behind."""

    records: list[StreamRecord]
    attempts: int = 0  # invocations of these records (approximateInvokeCount)
    retries: int = 0  # retries spent against MaximumRetryAttempts (halving spends none)
    request_id: str = ""  # the last invocation's
    executed_version: str | None = None  # the last invocation's, None before the first
    function_error: bool = True  # the last invocation failed (False: it reported failed items)


@dataclass
class Lane:
    pending: deque[StreamRecord] = field(default_factory=deque)  # read, not yet in a batch
    waiting: deque[Batch] = field(default_factory=deque)  # to run before new records: retries, halves
    busy: bool = False
    ready_at: float = 0.0  # a retry's backoff ends then (clock offset)
    window_opened: float | None = None  # when the oldest pending record started waiting
    pending_bytes: int = 0
    endless_retry: bool = False  # its waiting batch is retried until the stream drops it (no limits set)

    def add(self, records: Iterable[StreamRecord], now: float) -> None:
        for record in records:
            if not self.pending:
                self.window_opened = now
            self.pending.append(record)
            self.pending_bytes += record.size

    def idle(self) -> bool:
        return not (self.busy or self.waiting or self.pending)

    def due_at(self, rules: LaneRules, now: float) -> float | None:
        """When the lane's next batch may run; None while one runs or nothing waits."""
        if self.busy or not (self.waiting or self.pending):
            return None
        start = max(self.ready_at, now)
        if self.waiting or rules.batching_window <= 0 or len(self.pending) >= rules.batch_size \
                or self.pending_bytes >= PAYLOAD_LIMIT or self.window_opened is None:
            return start
        return max(start, self.window_opened + rules.batching_window)

    def take(self, rules: LaneRules, now: float) -> Batch | None:
        """The next batch: a waiting one first, else up to BatchSize pending records within
        the payload limit."""
        self.endless_retry = False
        if self.waiting:
            return self.waiting.popleft()
        records: list[StreamRecord] = []
        size = 0
        while self.pending and len(records) < rules.batch_size:
            record = self.pending[0]
            if records and size + record.size > PAYLOAD_LIMIT:
                break
            records.append(self.pending.popleft())
            size += record.size
        self.pending_bytes -= size
        self.window_opened = now if self.pending else None
        return Batch(records) if records else None


def lane_of(partition_key: str, lanes: int) -> int:
    """A partition key's slot: stable across runs, so per-key order holds."""
    return 0 if lanes <= 1 else zlib.crc32(partition_key.encode("utf-8")) % lanes


def split_expired(batch: Batch, rules: LaneRules, now_epoch: float) -> tuple[list[StreamRecord], list[StreamRecord],
                                                                         Batch | None]:
    """Before each invocation, records older than MaximumRecordAgeInSeconds (strictly: stream spec
    S3.13) leave the batch, and so do records the stream no longer keeps (its retention). Records
    arrive in order, so both are the batch's head. Returns (too old, expired from the stream, the
    rest)."""
    records = batch.records
    trimmed = _older_than(records, now_epoch - rules.retention, 0)
    aged = trimmed if rules.maximum_record_age == -1 else _older_than(records, now_epoch - rules.maximum_record_age,
                                                                      trimmed)
    if aged == 0:
        return [], [], batch
    kept = records[aged:]
    rest = Batch(kept, batch.attempts, batch.retries, batch.request_id, batch.executed_version,
                 batch.function_error) if kept else None
    return records[trimmed:aged], records[:trimmed], rest


def _older_than(records: list[StreamRecord], cutoff: float, start: int) -> int:
    index = start
    while index < len(records) and records[index].arrival.timestamp() < cutoff:
        index += 1
    return index


def retry_delay(retry: int) -> float:
    """Seconds before retry number ``retry`` (1, 2, ...): 0.5, 1, 2, 4, ... up to 60."""
    return min(BACKOFF_START * 2.0 ** min(retry - 1, 16), BACKOFF_CAP)


@dataclass(frozen=True)
class Verdict:
    """What follows a failed invocation: ``retry`` (to run next, in order, after ``delay``), or
    the batch ``given_up`` (retries exhausted)."""

    retry: tuple[Batch, ...] = ()
    delay: float = 0.0
    given_up: Batch | None = None


def after_failure(batch: Batch, rules: LaneRules, failed_from: int = 0, function_error: bool = True) -> Verdict:
    """``failed_from``: the index of the first record to process again (ReportBatchItemFailures
    checkpoints at the lowest reported sequence number; 0 when the whole batch failed).

    Records before the checkpoint are done, and the records from it on are a new batch, which
    spends no retry (recorded: ``test_kinesis_report_batch_item_failures`` invokes the failed record
    five times and reports approximateInvokeCount 4 with MaximumRetryAttempts 3). A batch the
    function failed (an error, not reported items) is halved when BisectBatchOnFunctionError is
    on, without spending a retry. Otherwise a retry is spent, if one is left."""
    if failed_from > 0:
        return Verdict(retry=(Batch(batch.records[failed_from:]),))
    if function_error and rules.bisect and len(batch.records) > 1:
        middle = (len(batch.records) + 1) // 2
        halves = tuple(Batch(part, batch.attempts, batch.retries, batch.request_id, batch.executed_version,
                             batch.function_error)
                       for part in (batch.records[:middle], batch.records[middle:]))
        return Verdict(retry=halves)
    if rules.maximum_retry_attempts != -1 and batch.retries >= rules.maximum_retry_attempts:
        return Verdict(given_up=batch)
    batch.retries += 1
    return Verdict(retry=(batch,), delay=retry_delay(batch.retries))
