"""What a stream mapping's batches make visible besides the handler's own logs: ``IteratorAge``
for each invocation, ``DestinationDeliveryFailures``, the mapping's event counts when its
``MetricsConfig`` asks for them, and the timeline's history of each shard. The stream poller
tells it each fact where it happens (one call per fact, so the poller stays about polling).

Metrics (AWS docs, "Types of metrics for Lambda functions"): ``IteratorAge`` is "the age of the
last record in the event ... the time between when a stream receives the record and when the
event source mapping sends the event to the function", so it is measured as the invocation
starts, on the mock's clock. The event counts go under ``EventSourceMappingUUID``:
``PolledEventCount`` per poll (0 for an empty one), ``FilteredOutEventCount`` per batch of a
mapping with filters, ``InvokedEventCount`` per invocation (retries count again),
``FailedInvokeEventCount`` when it ends (the records to process again), and for records given up
``OnFailureDestinationDeliveredEventCount`` or ``DroppedEventCount``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .._core import stream_history
from .._core.clock import Clock
from .._core.mapping_metrics import expired_by_mapping
from .._core.shard_lanes import Verdict
from .._core.stream_failure_records import RETRIES_EXHAUSTED, GivenUp
from .._model import ExecutionResult, FunctionSnapshot, StreamRecord
from .._ports import StreamMapping
from .telemetry import Telemetry

Retention = Callable[[str], float]  # a stream's ARN -> seconds it keeps a record


class StreamWatch:
    def __init__(self, clock: Clock, telemetry: Telemetry, retention: Retention) -> None:
        self._clock = clock
        self._telemetry = telemetry
        self._retention = retention
        self.history = stream_history.StreamHistory()

    def polled(self, mapping: StreamMapping, count: int) -> None:
        self._count(mapping, "PolledEventCount", count)

    def filtered(self, mapping: StreamMapping, shard_id: str, before: Sequence[StreamRecord],
                 kept: Sequence[StreamRecord]) -> None:
        """A batch passed through the mapping's FilterCriteria."""
        if not mapping.filter_patterns:
            return
        kept_ids = {id(record) for record in kept}
        out = [record for record in before if id(record) not in kept_ids]
        self._count(mapping, "FilteredOutEventCount", len(out))
        if out:
            self._note(mapping, shard_id, stream_history.filtered_out(out))

    def stream_gone(self, mapping: StreamMapping, shard_id: str, position: str | None) -> None:
        self._note(mapping, shard_id, stream_history.stream_gone(position))

    def expired(self, mapping: StreamMapping, shard_id: str, records: Sequence[StreamRecord]) -> None:
        """The stream dropped them (retention): not counted as dropped by the mapping (AWS)."""
        self._note(mapping, shard_id, stream_history.expired(records))

    def held_back(self, mapping: StreamMapping, shard_id: str, records: Sequence[StreamRecord], why: str,
                  delay: float) -> None:
        self._note(mapping, shard_id, stream_history.held_back(records, why, delay))

    def invoking(self, mapping: StreamMapping, function: FunctionSnapshot, records: Sequence[StreamRecord]) -> None:
        """The batch is sent to the function now."""
        at = self._clock.now()
        age_ms = (at - records[-1].arrival).total_seconds() * 1000
        self._telemetry.count(function, "IteratorAge", age_ms, at, "Milliseconds", invoked_arn=mapping.function_arn)
        self._count(mapping, "InvokedEventCount", len(records))

    def invoked(self, mapping: StreamMapping, shard_id: str, records: Sequence[StreamRecord], result: ExecutionResult,
                failed_from: int | None, verdict: Verdict | None) -> None:
        """The invocation ended: succeeded (``failed_from`` None) or not, and what follows."""
        if failed_from is not None:
            self._count(mapping, "FailedInvokeEventCount", len(records) - failed_from)
        error = (stream_history.error_text(result.error_type or "Unhandled", result.error_message)
                 if result.failed else None)
        self._note(mapping, shard_id, stream_history.invocation(records, error, failed_from, verdict,
                                                                mapping.maximum_retry_attempts))

    def given_up(self, mapping: StreamMapping, shard_id: str, given_up: GivenUp, function: FunctionSnapshot | None,
                 delivery_error: Exception | None) -> None:
        """A batch left the shard: sent to the mapping's on-failure destination, or not."""
        count = len(given_up.records)
        destination = mapping.on_failure
        if destination is not None and delivery_error is None:
            self._count(mapping, "OnFailureDestinationDeliveredEventCount", count)
        else:
            if destination is not None and function is not None:  # a delivery that failed
                self._telemetry.count(function, "DestinationDeliveryFailures", 1, self._clock.now(),
                                      invoked_arn=mapping.function_arn)
            if (destination is not None or given_up.condition == RETRIES_EXHAUSTED
                    or expired_by_mapping(mapping.maximum_record_age, self._retention(mapping.source_arn))):
                self._count(mapping, "DroppedEventCount", count)
        error = (None if delivery_error is None
                 else stream_history.error_text(type(delivery_error).__name__, str(delivery_error)))
        self._note(mapping, shard_id, stream_history.given_up(given_up.records, given_up.condition,
                                                              given_up.invoke_count, destination, error))

    def _count(self, mapping: StreamMapping, name: str, value: int) -> None:
        if mapping.event_metrics:
            self._telemetry.count_for_mapping(mapping.uuid, mapping.function_arn, name, value, self._clock.now())

    def _note(self, mapping: StreamMapping, shard_id: str, text: str) -> None:
        self.history.note(mapping.uuid, mapping.source_arn, mapping.function_arn, shard_id, self._clock.offset(), text)
