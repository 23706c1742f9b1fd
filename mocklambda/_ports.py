"""The two faces of the door between the pipeline and moto, as Protocols, and the values that
cross it.

The pipeline reads functions and writes outcomes through ``FunctionDirectory``, ``Sinks`` and
``ScheduleSource`` (implemented in ``_moto``); moto's patched methods hand invocations to the
pipeline through ``Intake`` (implemented by ``_pipeline.Pipeline``). Neither side imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ._core.clock import Clock
from ._core.durable.execution import DurableExecution
from ._core.event_filters import FilterSet
from ._core.metric_dimensions import Dimensions
from ._core.records import DeadLetter
from ._core.retry_policy import RetrySettings
from ._model import Chain, ExecutionResult, FunctionSnapshot, QueuedEvent, StreamRecord


@dataclass(frozen=True)
class AsyncConfig:
    """What an attempt and an event's end read of a function's configuration (spec 2.12, 3, 4)."""

    settings: RetrySettings = RetrySettings()
    zero_concurrency: bool = False
    reserved_concurrency: int | None = None
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None


@dataclass(frozen=True)
class SqsMapping:
    """An SQS event source mapping's settings, as the poller reads them before each poll."""

    uuid: str
    function_arn: str
    queue_arn: str
    batch_size: int
    batching_window: int
    enabled: bool
    report_batch_item_failures: bool
    filters: FilterSet  # FilterCriteria, compiled: a message no filter keeps is deleted unseen
    event_metrics: bool = False  # MetricsConfig asks for EventCount: the mapping's event counts


@dataclass(frozen=True)
class StreamMapping:
    """A Kinesis or DynamoDB Streams event source mapping's settings, as the stream poller reads
    them before each batch (AWS's names in the comments)."""

    uuid: str
    function_arn: str  # FunctionArn (qualified when the mapping names a version or alias)
    source_arn: str  # EventSourceArn: a Kinesis stream or a DynamoDB table's stream
    batch_size: int  # BatchSize
    batching_window: int  # MaximumBatchingWindowInSeconds
    starting_position: str  # StartingPosition: LATEST | TRIM_HORIZON | AT_TIMESTAMP
    starting_timestamp: datetime | None  # StartingPositionTimestamp
    maximum_retry_attempts: int  # MaximumRetryAttempts; -1: until the record expires
    maximum_record_age: int  # MaximumRecordAgeInSeconds; -1: until the record expires
    bisect_on_error: bool  # BisectBatchOnFunctionError
    parallelization_factor: int  # ParallelizationFactor
    tumbling_window: int  # TumblingWindowInSeconds; 0: none
    on_failure: str | None  # DestinationConfig.OnFailure.Destination
    report_batch_item_failures: bool  # "ReportBatchItemFailures" in FunctionResponseTypes
    filter_patterns: tuple[str, ...]  # FilterCriteria.Filters[].Pattern, as given
    enabled: bool  # Enabled
    event_metrics: bool = False  # "EventCount" in MetricsConfig.Metrics


class StreamSource(Protocol):
    """What the stream poller reads of Kinesis streams and DynamoDB streams (both in moto)."""

    def shard_ids(self, source_arn: str) -> list[str] | None:
        """The stream's shards, parents before children; None if the stream is gone."""

    def incarnation(self, source_arn: str) -> object:
        """Which life of the stream the ARN names now (a Kinesis stream deleted and made again
        under its name has the same ARN and new shards); None if the stream is gone."""

    def read(self, source_arn: str, shard_id: str, after: str | None, limit: int) -> list[StreamRecord]:
        """Up to ``limit`` records of the shard after sequence number ``after`` (from the oldest
        record still retained when None), oldest first."""

    def newest(self, source_arn: str, shard_id: str) -> str | None:
        """The sequence number of the shard's newest record (LATEST starts after it)."""

    def retention_seconds(self, source_arn: str) -> float:
        """How long the stream keeps a record (Kinesis: its retention period; DynamoDB: 24 h)."""


class StatisticSet:
    """Data of one metric at one instant, kept as CloudWatch's StatisticValues (count, sum, min,
    max): on the virtual clock thousands of attempts share an instant. CloudWatch gets it under
    each of its ``dimension_sets`` (each is a metric of its own there, spec 6.1)."""

    __slots__ = ("account", "region", "namespace", "name", "unit", "at", "dimension_sets", "resolution",
                 "count", "total", "low", "high")

    def __init__(self, account: str, region: str, namespace: str, name: str, unit: str, at: datetime,
                 dimension_sets: tuple[Dimensions, ...], value: float, resolution: int = 60) -> None:
        self.account, self.region, self.namespace, self.name, self.unit = account, region, namespace, name, unit
        self.at, self.dimension_sets, self.resolution = at, dimension_sets, resolution
        self.count, self.total, self.low, self.high = 1, value, value, value

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        if value < self.low:
            self.low = value
        elif value > self.high:
            self.high = value


class FunctionDirectory(Protocol):
    """What the pipeline reads of functions and their settings."""

    def function(self, function_arn: str) -> FunctionSnapshot:
        """The version a (qualified or bare) function ARN names; raises AWS's not-found error if
        it is gone."""

    def function_now(self, invoked_arn: str) -> FunctionSnapshot | None:
        """What an asynchronous event invoked by ``invoked_arn`` runs now, or None if it is gone
        (queued events run the function as it is when their attempt comes, as AWS recorded in
        ``test_async_invoke_queue_upon_function_update``)."""

    def async_config(self, function: FunctionSnapshot, invoked_arn: str) -> AsyncConfig: ...

    def recursion_config(self, function: FunctionSnapshot) -> str:
        """``Allow`` or ``Terminate`` (spec 7.1)."""

    def sqs_mapping(self, mapping_uuid: str) -> SqsMapping | None: ...

    def stream_mapping(self, mapping_uuid: str) -> StreamMapping | None: ...

    def stream_mappings(self, source_arn: str | None) -> list[StreamMapping]:
        """Every mapping (enabled or not) that reads the stream (None: every stream), oldest first."""

    def account_concurrency_limit(self) -> int: ...

    def durable_config(self, function: FunctionSnapshot) -> dict[str, Any] | None:
        """The function's DurableConfig (issue 16); None when it is not a durable function."""


class Sinks(Protocol):
    """Where outcomes go: destinations, dead-letter queues, CloudWatch Logs and metrics."""

    def deliver_record(self, target: str, record: str, succeeded: bool, function_arn: str, at: datetime) -> None:
        """Put an invocation record where ``target`` points; raises when AWS would fail to deliver."""

    def deliver_dead_letter(self, target: str, letter: DeadLetter) -> None: ...

    def processing_result(self, mapping_uuid: str, result: str) -> None:
        """A mapping's ``LastProcessingResult`` (GetEventSourceMapping) from now on."""

    def deliver_stream_failure(self, target: str, record: str, s3_key: str, s3_object: str, account: str) -> None:
        """A stream mapping's on-failure record: ``record`` to SQS or SNS, ``s3_object`` under
        ``s3_key`` to S3 (a bucket ARN names no account: the mapping's); raises when AWS would
        fail to deliver."""

    def write_telemetry(self, logs: list[tuple[FunctionSnapshot, ExecutionResult]],
                        metrics: list[StatisticSet]) -> None: ...


class ScheduleSource(Protocol):
    def fire(self, rule_arn: str, expression: str, at: datetime) -> bool:
        """Run a scheduled rule's Lambda targets; False once the rule is gone, disabled or
        rescheduled (then it stops)."""


class DurableService(Protocol):
    """The running mock's durable executions (``_pipeline.durable.DurableEngine``); each method
    raises ``AwsError`` as AWS refuses the request."""

    def start(self, function: FunctionSnapshot, payload: bytes, name: str | None,
              config: dict[str, Any]) -> DurableExecution: ...

    def check_supported(self) -> None:
        """Raise AWS's 400 naming what is missing when this mock cannot run durable functions (realtime)."""

    def run_to_end(self, execution: DurableExecution, limit_seconds: float) -> bool:
        """A synchronous invocation's wait (virtual time); True if the execution ended."""

    def get(self, arn: str) -> DurableExecution: ...

    def function_arn(self, arn: str) -> str: ...

    def executions(self, function_arn: str) -> list[DurableExecution]: ...

    def checkpoint(self, arn: str, token: str, updates: list[Any], client_token: str | None) -> dict[str, Any]: ...

    def state(self, arn: str, token: str, marker: str | None, max_items: int | None) -> dict[str, Any]: ...

    def callback(self, callback_id: str, outcome: str, result: str | None = None,
                 error: dict[str, Any] | None = None) -> None: ...

    def stop(self, arn: str, error: dict[str, Any] | None) -> datetime: ...

    def pause(self, arn: str, reason: str | None, timeout_paused: bool, client_token: str | None) -> None:
        """PauseDurableExecution (ResourceConflictException unless the execution is RUNNING)."""

    def resume(self, arn: str, reason: str | None, client_token: str | None) -> None:
        """ResumeDurableExecution (ResourceConflictException unless PAUSING or PAUSED)."""

    def delete(self, arn: str) -> datetime:
        """DeleteDurableExecution: only an ended execution (ResourceConflictException otherwise)."""


class Intake(Protocol):
    """What moto's patched methods hand to the running mock."""

    clock: Clock

    @property
    def durable(self) -> DurableService:
        """The mock's durable executions (issue 16)."""

    def caller_chain(self) -> Chain | None:
        """The invocation chain of the calling handler thread (None outside handlers)."""

    def accept(self, function: FunctionSnapshot, payload: bytes, invoked_arn: str, parent: Chain | None,
               request_id: str | None = None) -> QueuedEvent:
        """Queue an asynchronous invocation (recursion admission included)."""

    def invoke_sync(self, function: FunctionSnapshot, request_id: str, payload: bytes, invoked_arn: str,
                    client_context: dict[str, object] | None) -> ExecutionResult:
        """A RequestResponse invoke; raises ``AwsError`` for a stopped loop or a throttle."""

    def invoke_internal(self, function: FunctionSnapshot, payload: bytes, invoked_arn: str) -> ExecutionResult | None:
        """An invocation moto makes itself (None when stopped as a recursive loop)."""

    def before_api_call(self, url: str) -> None:
        """Settle (auto mode) and write telemetry before a call from outside a handler is served."""

    def flush_telemetry(self) -> None:
        """Write the logs and metrics recorded so far (a reader outside the process may look)."""

    def sqs_message_sent(self, mapping: SqsMapping, message_id: str) -> None: ...

    def sqs_mapping_changed(self, mapping_uuid: str) -> None: ...

    def sqs_visibility_changed(self, receipt_handle: str, seconds: int) -> bool:
        """``ChangeMessageVisibility``: True when a mapping holds the message and keeps it hidden
        until its new deadline on the mock's clock (moto is then to keep it hidden)."""

    def sqs_message_deleted(self, receipt_handle: str) -> None:
        """``DeleteMessage``: a mapping holding the message no longer shows it again."""

    def stream_records_arrived(self, source_arn: str) -> None:
        """A Kinesis stream or a DynamoDB table's stream has new records: its mappings poll."""

    def stream_mapping_changed(self, mapping_uuid: str) -> None:
        """A stream mapping was created, updated, enabled, disabled or deleted."""

    def track_schedule(self, rule_arn: str, expression: str) -> None: ...
