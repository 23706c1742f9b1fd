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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .._core import event_filters
from .._core.aws_errors import AwsError
from .._core.event_queue import EventQueue
from .._core.service_events import batch_item_failures
from .._core.shard_lanes import Batch, Lane, LaneRules, after_failure, lane_of, retry_delay, split_expired
from .._core.stream_failure_records import (
    RECORD_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    GivenUp,
    failure_record,
    s3_failure_key,
    s3_failure_object,
)
from .._model import Arn, ExecutionResult, FunctionSnapshot, InvocationRequest, StreamRecord
from .._ports import FunctionDirectory, Sinks, StreamMapping, StreamSource
from ..errors import warn
from .attempt import Faults
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
    scheduled: float | None = None  # due of its next poll
    processed: bool = False  # a batch ran (LastProcessingResult "OK")


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

    # -- what moto tells -----------------------------------------------------------------------------

    def mapping_changed(self, mapping_uuid: str) -> None:
        """Created, updated, enabled, disabled or deleted: a new mapping takes its starting
        position now; a deleted one is forgotten (its batches in flight finish)."""
        mapping = self._directory.stream_mapping(mapping_uuid)
        if mapping is None:
            self._mappings.pop(mapping_uuid, None)
            return
        state = self._mappings.get(mapping_uuid)
        if state is None:
            state = self._mappings[mapping_uuid] = _Mapping(mapping.source_arn)
            for shard_id in self._source.shard_ids(mapping.source_arn) or []:
                state.shards[shard_id] = _Shard(self._starting_position(mapping, shard_id))
        if mapping.enabled:
            self._wake(mapping_uuid)

    def records_arrived(self, source_arn: str) -> None:
        for mapping in self._directory.stream_mappings(source_arn):
            if mapping.enabled and mapping.uuid in self._mappings:
                self._wake(mapping.uuid)

    def _starting_position(self, mapping: StreamMapping, shard_id: str) -> str | None:
        if mapping.starting_position == "LATEST":
            return self._source.newest(mapping.source_arn, shard_id)
        return None  # TRIM_HORIZON; AT_TIMESTAMP skips older records as it reads

    # -- polling ---------------------------------------------------------------------------------------

    def _wake(self, mapping_uuid: str, at: float | None = None, background: bool = False) -> None:
        state = self._mappings.get(mapping_uuid)
        if state is None:
            return
        due = self._clock.offset() if at is None else at
        if state.scheduled is not None and state.scheduled <= due:
            return
        state.scheduled = due
        self._queue.call_at(due, lambda: self._poll(mapping_uuid, due), f"poll of stream mapping {mapping_uuid}",
                            background=background)

    def _poll(self, mapping_uuid: str, due: float) -> None:
        state = self._mappings.get(mapping_uuid)
        if state is None or state.scheduled != due:
            return  # deleted, or superseded by an earlier poll
        state.scheduled = None
        mapping = self._directory.stream_mapping(mapping_uuid)
        if mapping is None or not mapping.enabled:
            return
        rules = self._rules(mapping)
        self._read(mapping, state)
        now = self._clock.offset()
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
        for shard_id in self._source.shard_ids(mapping.source_arn) or []:
            if shard_id not in state.shards:  # a shard opened since: read from its start
                state.shards[shard_id] = _Shard(None)
        now = self._clock.offset()
        for shard_id, shard in state.shards.items():
            self._fit_lanes(shard, mapping.parallelization_factor)
            while True:
                records = self._source.read(mapping.source_arn, shard_id, shard.position, READ_LIMIT)
                if not records:
                    break
                shard.position = records[-1].sequence_number
                if mapping.starting_timestamp is not None and mapping.starting_position == "AT_TIMESTAMP":
                    records = [r for r in records if r.arrival >= mapping.starting_timestamp]
                lanes = shard.lanes
                if len(lanes) == 1:
                    lanes[0].add(records, now)
                else:
                    for record in records:
                        lanes[lane_of(record.partition_key, len(lanes))].add((record,), now)

    @staticmethod
    def _fit_lanes(shard: _Shard, factor: int) -> None:
        """A new ParallelizationFactor takes effect once the shard's lanes are idle."""
        if len(shard.lanes) != factor and all(lane.idle() for lane in shard.lanes):
            shard.lanes = [Lane() for _ in range(max(1, factor))]

    def _schedule_next(self, mapping: StreamMapping, state: _Mapping, rules: LaneRules) -> None:
        now = self._clock.offset()
        dues = [due for shard in state.shards.values() for lane in shard.lanes
                if (due := lane.due_at(rules, now)) is not None]
        if dues:
            # a batch retried until the stream drops its records (AWS's defaults: no retry or age
            # limit) waits in the background: the shard stays blocked, as on AWS, and settling
            # the queue does not jump a day ahead
            endless = rules.maximum_retry_attempts == -1 and rules.maximum_record_age == -1
            soonest = min(dues)
            self._wake(mapping.uuid, soonest, background=endless and soonest > now)

    # -- one batch -------------------------------------------------------------------------------------

    def _run_batch(self, mapping: StreamMapping, state: _Mapping, shard_id: str, lane: Lane,
                   rules: LaneRules) -> None:
        now = self._clock.offset()
        batch = lane.take(rules, now)
        if batch is None:
            return
        too_old, trimmed, kept = split_expired(batch, rules, self._clock.now().timestamp())
        if trimmed:  # the stream dropped them (its retention): gone without a record, as on AWS
            warn(f"{len(trimmed)} record(s) of {mapping.source_arn} ({shard_id}) expired from the stream before "
                 f"stream mapping {mapping.uuid} could process them; they are gone, as on AWS")
        if too_old:  # never invoked again: the attempt that would have been counts (recorded)
            self._give_up(mapping, shard_id, GivenUp(too_old, RECORD_AGE_EXCEEDED, batch.attempts + 1,
                                                     batch.request_id or str(uuid.uuid4()), None, False))
        if kept is None:
            return
        if mapping.filter_patterns:
            kept.records = self._filtered(mapping, kept.records)
            if not kept.records:  # nothing matched the filters: the records count as processed
                return
        function = self._directory.function_now(mapping.function_arn)
        if function is None:  # the function is gone: the mapping holds its place until it returns
            lane.waiting.appendleft(kept)
            lane.ready_at = now + retry_delay(1)
            return
        fault = self._faults.next(function.name)
        if fault is not None:  # a throttle or a Lambda system error: retried without spending a retry
            if fault == "throttle":
                self._telemetry.count(function, "Throttles", 1, self._clock.now(), invoked_arn=mapping.function_arn)
            lane.waiting.appendleft(kept)
            lane.ready_at = now + retry_delay(1)
            return
        request = InvocationRequest(str(uuid.uuid4()), self._payload(kept.records, function.role),
                                    mapping.function_arn)
        lane.busy = True
        try:
            result = self._run(function, request, True)
        finally:
            lane.busy = False
        state.processed = True
        kept.attempts += 1
        kept.request_id = request.request_id
        kept.executed_version = function.version
        kept.function_error = result.failed
        failed_from = self._failed_from(mapping, kept, result)
        if failed_from is None:
            return
        verdict = after_failure(kept, rules, failed_from, function_error=result.failed)
        if verdict.given_up is not None:
            given_up = verdict.given_up
            self._give_up(mapping, shard_id, GivenUp(given_up.records, RETRIES_EXHAUSTED, given_up.attempts,
                                                     given_up.request_id, given_up.executed_version,
                                                     given_up.function_error))
            return
        lane.waiting.extendleft(reversed(verdict.retry))
        lane.ready_at = self._clock.offset() + verdict.delay

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
    def _payload(records: list[StreamRecord], role: str) -> bytes:
        """The event: ``{"Records": [...]}``, each Kinesis record naming the function's role."""
        events = [record.event if "invokeIdentityArn" not in record.event
                  else {**record.event, "invokeIdentityArn": role} for record in records]
        return json.dumps({"Records": events}).encode("utf-8")

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
            return
        at = self._clock.now()
        function_arn = mapping.function_arn  # unqualified unless the mapping names a version or alias
        record = failure_record(given_up, function_arn, mapping.source_arn, shard_id, at)
        function = self._directory.function_now(mapping.function_arn)
        payload = self._payload(list(given_up.records), function.role if function is not None else "").decode()
        s3_object = s3_failure_object(given_up, function_arn, mapping.source_arn, shard_id, at, payload)
        try:
            self._sinks.deliver_stream_failure(target, record, s3_failure_key(mapping.uuid, shard_id, at), s3_object,
                                               Arn.parse(mapping.function_arn).account)
        except Exception as error:  # AWS cannot deliver either: the records are gone, said aloud here
            warn(f"mocklambda could not deliver the on-failure record of stream mapping {mapping.uuid} to "
                 f"{target}: {type(error).__name__}: {error}")


