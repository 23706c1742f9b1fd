"""Kinesis and DynamoDB Streams event source mappings, polled as Lambda's pollers do, on the
mock's clock.

Each mapping reads each shard in order into lanes (one per ``ParallelizationFactor`` slot) and
keeps one batch in flight per lane. A failed batch blocks its lane: it is retried after a backoff,
halved (``BisectBatchOnFunctionError``), or retried from the lowest failed record
(``ReportBatchItemFailures``) until it succeeds, its retries are spent, or its records are older
than ``MaximumRecordAgeInSeconds`` or the stream keeps them; then its on-failure destination gets
AWS's record and the lane moves on. The batching rules and the failure policy are pure
(``_core.shard_lanes``); this module reads moto through ``StreamSource`` and runs handlers.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .._core import event_filters, stream_events
from .._core.aws_errors import AwsError
from .._core.event_queue import EventQueue
from .._core.service_events import batch_item_failures
from .._core.shard_lanes import BACKOFF_CAP, Batch, Lane, LaneRules, after_failure, lane_of, retry_delay, split_expired
from .._core.stream_failure_records import (
    RECORD_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    GivenUp,
    failure_record,
    s3_failure_key,
    s3_failure_object,
)
from .._core.tumbling_windows import OpenWindow, leading_in_window, returned_state, window_event, window_of
from .._model import Arn, ExecutionResult, FunctionSnapshot, InvocationRequest, StreamRecord
from .._ports import FunctionDirectory, Sinks, StreamMapping, StreamSource
from ..errors import warn
from .attempt import Faults
from .stream_watch import StreamWatch
from .telemetry import Telemetry

READ_LIMIT = 10000  # records per read of a shard (Kinesis GetRecords' limit)
Run = Callable[[FunctionSnapshot, InvocationRequest, bool], ExecutionResult]  # (..., inline)


@dataclass
class _Shard:
    position: str | None  # the sequence number of the last record read (None: from the oldest)
    lanes: list[Lane] = field(default_factory=lambda: [Lane()])


@dataclass
class _Mapping:
    source_arn: str
    shards: dict[str, _Shard] = field(default_factory=dict)
    scheduled: dict[bool, float] = field(default_factory=dict)  # background? -> due of that next poll
    started: bool = False  # its starting positions are taken (when it is first enabled: stream spec O8)
    incarnation: object = None  # which life of the stream its positions are in
    polling: bool = False  # a poll of it runs now (realtime mode runs timers on many threads)
    again: bool = False  # another poll came due meanwhile: poll once more when this one ends
    result: str = ""  # the LastProcessingResult last written
    windows: dict[tuple[str, int], OpenWindow] = field(default_factory=dict)  # (shard, lane index): open


def _lane_index(state: _Mapping, shard_id: str, lane: Lane) -> int:
    return next(index for index, candidate in enumerate(state.shards[shard_id].lanes) if candidate is lane)


def _lane_at(state: _Mapping, shard_id: str, index: int) -> Lane | None:
    """None when the shard's lanes were refitted to fewer since (ParallelizationFactor)."""
    shard = state.shards.get(shard_id)
    return shard.lanes[index] if shard is not None and index < len(shard.lanes) else None


def _next_arrival(lane: Lane | None) -> datetime | None:
    """When the lane's next record arrived; None when it holds none."""
    if lane is None:
        return None
    if lane.waiting and lane.waiting[0].records:
        return lane.waiting[0].records[0].arrival
    return lane.pending[0].arrival if lane.pending else None


class StreamPoller:
    """Polls each stream mapping's shards when records arrive and when a lane's batch is due."""

    def __init__(self, queue: EventQueue, directory: FunctionDirectory, source: StreamSource, run: Run,
                 telemetry: Telemetry, sinks: Sinks, faults: Faults) -> None:
        self._queue = queue
        self._clock = queue.clock
        self._directory = directory
        self._source = source
        self._run = run
        self._telemetry = telemetry
        self._sinks = sinks
        self._faults = faults
        self._mappings: dict[str, _Mapping] = {}
        self._lock = threading.RLock()  # guards the mappings' scheduling; never held while a handler runs
        self._watch = StreamWatch(self._clock, telemetry, source.retention_seconds)
        self.history = self._watch.history  # what the timeline shows of each shard

    # -- what moto tells -----------------------------------------------------------------------------

    def mapping_changed(self, mapping_uuid: str) -> None:
        """Created, updated, enabled, disabled or deleted: a mapping takes its starting position
        when it is first enabled (stream spec O8); a deleted one is forgotten (a batch in flight
        ends with its invocation: no retry, no on-failure record, S2.8)."""
        mapping = self._directory.stream_mapping(mapping_uuid)
        with self._lock:
            if mapping is None:
                self._mappings.pop(mapping_uuid, None)
                return
            state = self._mappings.get(mapping_uuid)
            if state is None:
                state = self._mappings[mapping_uuid] = _Mapping(mapping.source_arn)
            first_enabled = mapping.enabled and not state.started
            state.started = state.started or mapping.enabled
        if first_enabled:  # its starting position: now
            state.incarnation = self._source.incarnation(mapping.source_arn)
            for shard_id in self._source.shard_ids(mapping.source_arn) or []:
                state.shards[shard_id] = _Shard(self._starting_position(mapping, shard_id))
        if mapping.enabled:
            self._wake(mapping_uuid)

    def adopt_existing(self) -> None:
        """Mappings stored before this mock started (under an earlier mock, or moto alone) are
        polled from now on, from the newest record of each shard: what was put before belongs
        to whoever ran then (moto invokes inline)."""
        for mapping in self._directory.stream_mappings(None):
            with self._lock:
                if mapping.uuid in self._mappings:
                    continue
                state = self._mappings[mapping.uuid] = _Mapping(mapping.source_arn, started=True)
            state.incarnation = self._source.incarnation(mapping.source_arn)
            for shard_id in self._source.shard_ids(mapping.source_arn) or []:
                state.shards[shard_id] = _Shard(self._source.newest(mapping.source_arn, shard_id))

    def records_arrived(self, source_arn: str) -> None:
        for mapping in self._directory.stream_mappings(source_arn):
            if mapping.enabled and mapping.uuid in self._mappings:
                self._wake(mapping.uuid)

    def _starting_position(self, mapping: StreamMapping, shard_id: str) -> str | None:
        if mapping.starting_position == "LATEST":
            return self._source.newest(mapping.source_arn, shard_id)
        return None  # TRIM_HORIZON; AT_TIMESTAMP skips older records as it reads

    # -- tumbling windows (TumblingWindowInSeconds; the rules are _core.tumbling_windows') ---------------
    # Each lane keeps its own window (one lane per shard unless ParallelizationFactor says more),
    # in ``_Mapping.windows`` under (shard id, lane index), from its first invocation until its
    # final invoke succeeds.

    def _window_payload(self, mapping: StreamMapping, state: _Mapping, shard_id: str, lane: Lane, batch: Batch,
                        role: str) -> bytes:
        """The batch's event with its window and the window's state (S5.2); the first batch of a
        window opens it with ``{}``. An invocation carries one window (S5.3, S5.4): the batch's
        records of a later window go back to wait for the next batch."""
        count = leading_in_window([record.arrival for record in batch.records], mapping.tumbling_window)
        if count < len(batch.records):
            lane.waiting.appendleft(Batch(batch.records[count:]))
            batch.records = batch.records[:count]
        records = batch.records
        key = (shard_id, _lane_index(state, shard_id, lane))
        open_window = state.windows.get(key)
        if open_window is None or not open_window.window.holds(records[0].arrival):
            open_window = state.windows[key] = OpenWindow(window_of(records[0].arrival, mapping.tumbling_window))
        event = window_event(stream_events.events(records, role), open_window.window, open_window.state, shard_id,
                             mapping.source_arn)
        return json.dumps(event).encode("utf-8")

    def _window_response(self, state: _Mapping, shard_id: str, lane: Lane, result: ExecutionResult,
                         failed_from: int | None) -> int | None:
        """A response without a ``state`` fails the whole batch (S5.4: retried by the mapping's
        policy, S5.7; not halved, as the function did not fail); otherwise its state is the
        window's, a partial batch response's too (it counts the records before the checkpoint)."""
        returned = returned_state(result.payload)
        if returned is None:
            return 0
        open_window = state.windows.get((shard_id, _lane_index(state, shard_id, lane)))
        if open_window is not None:
            open_window.keep(returned)
        return failed_from

    def _window_blocks(self, state: _Mapping, shard_id: str, lane: Lane) -> bool:
        """The lane's next batch waits for its window's final invoke (S5.6)."""
        open_window = state.windows.get((shard_id, _lane_index(state, shard_id, lane)))
        return open_window is not None and (
            open_window.retry_at is not None or open_window.closes(self._clock.now(), _next_arrival(lane)))

    def _close_windows(self, mapping: StreamMapping, state: _Mapping) -> None:
        """The final invokes that are due (S5.6), and failed ones whose retry has come."""
        now, offset = self._clock.now(), self._clock.offset()
        for key, open_window in list(state.windows.items()):
            lane = _lane_at(state, *key)
            if open_window.retry_at is not None:
                if open_window.retry_at <= offset:
                    self._final_invoke(mapping, state, key, open_window, lane)
            elif open_window.closes(now, _next_arrival(lane)):
                self._final_invoke(mapping, state, key, open_window, lane)

    def _final_invoke(self, mapping: StreamMapping, state: _Mapping, key: tuple[str, int],
                      open_window: OpenWindow, lane: Lane | None) -> None:
        """Hands the window's state over (no records). Until it succeeds the lane is held, as one
        batch in flight: AWS retries it until it succeeds (S5.6), whatever the retry settings."""
        function = self._directory.function_now(mapping.function_arn)
        fault = None if function is None else self._faults.next(function.name)
        result: ExecutionResult | None = None
        if function is not None and fault is None:
            event = open_window.final_event(key[0], mapping.source_arn)
            request = InvocationRequest(str(uuid.uuid4()), json.dumps(event).encode("utf-8"), mapping.function_arn)
            result = self._run(function, request, True)
            self._processing_result(mapping, state, "PROBLEM: Function call failed" if result.failed else "OK")
        elif function is not None and fault == "throttle":
            self._telemetry.count(function, "Throttles", 1, self._clock.now(), invoked_arn=mapping.function_arn)
        if result is not None and not result.failed and returned_state(result.payload) is not None:
            after = open_window.after_final()
            if after is None:
                del state.windows[key]
            else:
                state.windows[key] = after
            if lane is not None:
                lane.busy = False
            return
        if result is not None and not result.failed and open_window.failed_finals == 0:
            warn(f"the final invoke of a tumbling window of stream mapping {mapping.uuid} returned no `state`; "
                 "Lambda counts that as a failed invocation and retries it, and the shard waits until one succeeds")
        open_window.failed_finals += 1
        open_window.retry_at = self._clock.offset() + retry_delay(open_window.failed_finals)
        if lane is not None:
            lane.busy = True  # its next batch waits (the poller skips a busy lane)

    def _offset_of(self, at: datetime) -> float:
        """The clock offset whose ``now()`` is ``at``, a tenth of a microsecond early (``now()``
        rounds to microseconds): ``clock.advance(end - clock.now())`` computes the same instant
        through other float sums, which may land an ulp short of the exact one."""
        return (at - self._clock.started_at).total_seconds() - 1e-7

    def _schedule_windows(self, mapping_uuid: str, state: _Mapping) -> None:
        """A poll for each open window's next step: now, when its final invoke is due; its end
        (the clock closes it, S5.6); a failed final invoke's retry. Retries are background work:
        they may never succeed, and settling the queue must not chase them."""
        now = self._clock.now()
        for (shard_id, index), open_window in state.windows.items():
            if open_window.retry_at is not None:
                due, background = open_window.retry_at, True
            elif open_window.closes(now, _next_arrival(_lane_at(state, shard_id, index))):
                self._wake(mapping_uuid)
                continue
            elif not open_window.window.ended(now):
                due, background = self._offset_of(open_window.window.end_time()), False
            else:
                continue  # the window's own records come first; their batches wake the poller
            if open_window.timer_at != due:
                open_window.timer_at = due
                self._queue.call_at(due, lambda: self._wake(mapping_uuid),
                                    f"tumbling window of stream mapping {mapping_uuid}", background=background)

    # -- polling ---------------------------------------------------------------------------------------

    def _wake(self, mapping_uuid: str, at: float | None = None, background: bool = False) -> None:
        """Poll the mapping at ``at`` (now), unless a poll of the same kind is due sooner.
        Background polls (endless retries) run only when the clock passes them."""
        with self._lock:
            state = self._mappings.get(mapping_uuid)
            if state is None:
                return
            due = self._clock.offset() if at is None else at
            scheduled = state.scheduled.get(background)
            if scheduled is not None and scheduled <= due:
                return
            state.scheduled[background] = due
        self._queue.call_at(due, lambda: self._poll(mapping_uuid, due, background),
                            f"poll of stream mapping {mapping_uuid}", background=background)

    def _poll(self, mapping_uuid: str, due: float, background: bool = False) -> None:
        """One poll of a mapping at a time: in realtime mode a poll that comes due while another
        runs (a record put meanwhile) makes that one poll again when it ends, so a shard's batches
        never overlap or pass each other."""
        with self._lock:
            state = self._mappings.get(mapping_uuid)
            if state is None or state.scheduled.get(background) != due:
                return  # deleted, or superseded by an earlier poll
            del state.scheduled[background]
            if state.polling:
                state.again = True
                return
            state.polling = True
        try:
            self._poll_once(mapping_uuid, state)
        except Exception as error:  # a fault of ours: said aloud; the lanes keep their records
            warn(f"mocklambda could not poll stream mapping {mapping_uuid}: {type(error).__name__}: {error}")
        finally:
            with self._lock:
                state.polling, again = False, state.again
                state.again = False
        if again:
            self._wake(mapping_uuid)

    def _poll_once(self, mapping_uuid: str, state: _Mapping) -> None:
        mapping = self._directory.stream_mapping(mapping_uuid)
        if mapping is None or not mapping.enabled:
            return
        rules = self._rules(mapping)
        self._read(mapping, state)
        now = self._clock.offset()
        if state.windows:
            self._close_windows(mapping, state)
        for shard_id, shard in list(state.shards.items()):
            for lane in shard.lanes:
                if lane.due_at(rules, now) == now:
                    self._run_batch(mapping, state, shard_id, lane, rules)
        self._schedule_next(mapping, state, rules)

    def _rules(self, mapping: StreamMapping) -> LaneRules:
        return LaneRules(batch_size=mapping.batch_size, batching_window=float(mapping.batching_window),
                         maximum_retry_attempts=mapping.maximum_retry_attempts,
                         maximum_record_age=mapping.maximum_record_age,
                         retention=self._source.retention_seconds(mapping.source_arn), bisect=mapping.bisect_on_error)

    def _read(self, mapping: StreamMapping, state: _Mapping) -> None:
        """New records of every shard (new shards too) into their lanes."""
        shard_ids = self._source.shard_ids(mapping.source_arn)
        incarnation = self._source.incarnation(mapping.source_arn)
        if incarnation != state.incarnation and state.shards:  # the stream is gone (or made again): so are
            # its records and the positions in them
            for shard_id, shard in state.shards.items():
                self._watch.stream_gone(mapping, shard_id, shard.position)
            state.shards.clear()
            state.windows.clear()
        state.incarnation = incarnation
        for shard_id in shard_ids or []:
            if shard_id not in state.shards:  # a shard opened since (or a new stream): read from its start
                state.shards[shard_id] = _Shard(None)
        now = self._clock.offset()
        polled = 0
        for shard_id, shard in state.shards.items():
            self._fit_lanes(shard, mapping.parallelization_factor)
            while True:
                records = self._source.read(mapping.source_arn, shard_id, shard.position, READ_LIMIT)
                if not records:
                    break
                shard.position = records[-1].sequence_number
                if mapping.starting_timestamp is not None and mapping.starting_position == "AT_TIMESTAMP":
                    records = [r for r in records if r.arrival >= mapping.starting_timestamp]
                polled += len(records)
                lanes = shard.lanes
                if len(lanes) == 1:
                    lanes[0].add(records, now)
                else:
                    for record in records:
                        lanes[lane_of(record.partition_key, len(lanes))].add((record,), now)
        self._watch.polled(mapping, polled)

    @staticmethod
    def _fit_lanes(shard: _Shard, factor: int) -> None:
        """A new ParallelizationFactor takes effect once the shard's lanes are idle."""
        if len(shard.lanes) != factor and all(lane.idle() for lane in shard.lanes):
            shard.lanes = [Lane() for _ in range(max(1, factor))]

    def _schedule_next(self, mapping: StreamMapping, state: _Mapping, rules: LaneRules) -> None:
        """The next poll for what is due soonest. A retry that only the stream's retention would
        end (AWS's defaults: no retry or age limit) waits in the background: the shard stays
        blocked, as on AWS, but settling the queue does not jump a day ahead. Anything else (a
        batching window, a throttled batch, a bounded retry) is foreground."""
        now = self._clock.offset()
        dues: dict[bool, float] = {}
        for shard in state.shards.values():
            for lane in shard.lanes:
                due = lane.due_at(rules, now)
                if due is not None:
                    background = lane.endless_retry and due > now
                    dues[background] = min(due, dues.get(background, due))
        for background, due in dues.items():
            self._wake(mapping.uuid, due, background=background)
        if state.windows:
            self._schedule_windows(mapping.uuid, state)

    # -- one batch -------------------------------------------------------------------------------------

    def _run_batch(self, mapping: StreamMapping, state: _Mapping, shard_id: str, lane: Lane,
                   rules: LaneRules) -> None:
        now = self._clock.offset()
        if state.windows and self._window_blocks(state, shard_id, lane):
            return
        batch = lane.take(rules, now)
        if batch is None:
            return
        too_old, trimmed, kept = split_expired(batch, rules, self._clock.now().timestamp())
        if trimmed:  # the stream dropped them (its retention): gone without a record, as on AWS
            self._watch.expired(mapping, shard_id, trimmed)
            warn(f"{len(trimmed)} record(s) of {mapping.source_arn} ({shard_id}) expired from the stream before "
                 f"stream mapping {mapping.uuid} could process them; they are gone, as on AWS")
        if too_old:  # never invoked again: the attempt that would have been counts (recorded)
            self._give_up(mapping, shard_id, GivenUp(too_old, RECORD_AGE_EXCEEDED, batch.attempts + 1,
                                                     batch.request_id or str(uuid.uuid4()), None, False))
        if kept is None:
            return
        if mapping.filter_patterns:
            before = kept.records
            kept.records = self._filtered(mapping, kept.records)
            self._watch.filtered(mapping, shard_id, before, kept.records)
            if not kept.records:  # nothing matched the filters: the records count as processed
                return
        function = self._directory.function_now(mapping.function_arn)
        if function is None:  # the function is gone: the mapping holds its place (in the background)
            lane.waiting.appendleft(kept)
            lane.ready_at = now + BACKOFF_CAP
            lane.endless_retry = True
            self._watch.held_back(mapping, shard_id, kept.records, "function not found", BACKOFF_CAP)
            return
        if self._directory.async_config(function, mapping.function_arn).zero_concurrency:
            # reserved concurrency 0: every invoke is throttled until it changes; the shard waits
            self._telemetry.count(function, "Throttles", 1, self._clock.now(), invoked_arn=mapping.function_arn)
            lane.waiting.appendleft(kept)
            lane.ready_at = now + BACKOFF_CAP
            lane.endless_retry = True
            self._watch.held_back(mapping, shard_id, kept.records, "throttled (reserved concurrency 0)", BACKOFF_CAP)
            return
        fault = self._faults.next(function.name)
        if fault is not None:  # a throttle or a Lambda system error: retried without spending a retry
            if fault == "throttle":
                self._telemetry.count(function, "Throttles", 1, self._clock.now(), invoked_arn=mapping.function_arn)
            lane.waiting.appendleft(kept)
            lane.ready_at = now + retry_delay(1)
            self._watch.held_back(mapping, shard_id, kept.records, _FAULTS[fault], retry_delay(1))
            return
        if mapping.tumbling_window:
            request = InvocationRequest(str(uuid.uuid4()),
                                        self._window_payload(mapping, state, shard_id, lane, kept, function.role),
                                        mapping.function_arn)
        else:
            request = InvocationRequest(str(uuid.uuid4()), stream_events.batch_payload(kept.records, function.role),
                                        mapping.function_arn,
                                        event=stream_events.batch_event(kept.records, function.role))
        self._watch.invoking(mapping, function, kept.records)
        lane.busy = True
        try:
            result = self._run(function, request, True)
        finally:
            lane.busy = False
        if self._mappings.get(mapping.uuid) is not state:  # deleted while it ran: nothing follows (S2.8)
            return
        self._processing_result(mapping, state, "PROBLEM: Function call failed" if result.failed else "OK")
        kept.attempts += 1
        kept.request_id = request.request_id
        kept.executed_version = function.version
        kept.function_error = result.failed
        failed_from = self._failed_from(mapping, kept, result)
        if mapping.tumbling_window and not result.failed:
            failed_from = self._window_response(state, shard_id, lane, result, failed_from)
        if failed_from is None:
            self._watch.invoked(mapping, shard_id, kept.records, result, None, None)
            return
        verdict = after_failure(kept, rules, failed_from, function_error=result.failed)
        self._watch.invoked(mapping, shard_id, kept.records, result, failed_from, verdict)
        if verdict.given_up is not None:
            given_up = verdict.given_up
            self._give_up(mapping, shard_id, GivenUp(given_up.records, RETRIES_EXHAUSTED, given_up.attempts,
                                                     given_up.request_id, given_up.executed_version,
                                                     given_up.function_error))
            return
        lane.waiting.extendleft(reversed(verdict.retry))
        lane.ready_at = self._clock.offset() + verdict.delay
        lane.endless_retry = verdict.delay > 0 and rules.maximum_retry_attempts == -1 \
            and rules.maximum_record_age == -1

    def _processing_result(self, mapping: StreamMapping, state: _Mapping, result: str) -> None:
        """GetEventSourceMapping's ``LastProcessingResult``: ``OK`` once a batch ran (recorded:
        ``test_kinesis_empty_provided``), written when it changes."""
        if state.result != result:
            state.result = result
            self._sinks.processing_result(mapping.uuid, result)

    @staticmethod
    def _filtered(mapping: StreamMapping, records: list[StreamRecord]) -> list[StreamRecord]:
        """The records a FilterCriteria keeps; the others are skipped, as processed (stream spec
        S2.10). Create/Update refuse what Lambda refuses, so only a mapping stored before the mock
        started can hold criteria that do not compile: they are ignored, loudly."""
        try:
            filters = event_filters.compiled(mapping.filter_patterns, event_filters.source_of(mapping.source_arn) or "")
        except AwsError:
            warn(f"stream mapping {mapping.uuid} has FilterCriteria that Lambda refuses (stored before mocklambda "
                 "started); its filters are ignored")
            return records
        return [record for record in records if filters.keeps(record.event)]

    @staticmethod
    def _failed_from(mapping: StreamMapping, batch: Batch, result: ExecutionResult) -> int | None:
        """Where processing starts again: None when the batch succeeded, 0 when all of it
        failed, else the index of the lowest sequence number the handler reported."""
        if result.failed:
            return 0
        if not mapping.report_batch_item_failures:
            return None
        numbers = [record.sequence_number for record in batch.records]
        failed = batch_item_failures(result.payload, numbers)
        if not failed:
            return None
        lowest = min(failed, key=int)
        return numbers.index(lowest)

    def _give_up(self, mapping: StreamMapping, shard_id: str, given_up: GivenUp) -> None:
        """The records leave the shard; the on-failure destination, if any, gets AWS's record."""
        target = mapping.on_failure
        if target is None:
            self._watch.given_up(mapping, shard_id, given_up, None, None)
            return
        at = self._clock.now()
        function_arn = mapping.function_arn  # unqualified unless the mapping names a version or alias
        record = failure_record(given_up, function_arn, mapping.source_arn, shard_id, at)
        function = self._directory.function_now(mapping.function_arn)
        payload = stream_events.batch_payload(given_up.records, function.role if function is not None else "").decode()
        s3_object = s3_failure_object(given_up, function_arn, mapping.source_arn, shard_id, at, payload)
        try:
            self._sinks.deliver_stream_failure(target, record, s3_failure_key(mapping.uuid, shard_id, at), s3_object,
                                               Arn.parse(mapping.function_arn).account)
        except Exception as error:  # AWS cannot deliver either: the records are gone, said aloud here
            warn(f"mocklambda could not deliver the on-failure record of stream mapping {mapping.uuid} to "
                 f"{target}: {type(error).__name__}: {error}")
            self._watch.given_up(mapping, shard_id, given_up, function, error)
        else:
            self._watch.given_up(mapping, shard_id, given_up, function, None)


_FAULTS = {"throttle": "throttled", "system_error": "Lambda service error"}


