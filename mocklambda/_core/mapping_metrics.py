"""Event source mapping metrics (AWS docs, "Types of metrics for Lambda functions" → "Event source
mapping metrics"): a mapping publishes them only when its ``MetricsConfig`` asks for the
``EventCount`` group, in ``AWS/Lambda`` under the ``EventSourceMappingUUID`` dimension. Here: the
checks CreateEventSourceMapping / UpdateEventSourceMapping make on ``MetricsConfig`` (botocore's
model: up to 3 of ``EventCount | ErrorCount | KafkaMetrics``), whether a mapping counts events,
and which records given up count as dropped.
"""

from __future__ import annotations

from typing import Any

from . import aws_errors
from .request_body import json_kind, serialization_error

EVENT_COUNT = "EventCount"
GROUPS = ("EventCount", "ErrorCount", "KafkaMetrics")  # the model's enum, in its order
MAX_GROUPS = 3
FIELD = "metricsConfig.metrics"

# The EventCount group's metrics, per source (the docs' table): SQS deletes, streams drop or send
# records to an on-failure destination.
SQS_METRICS = ("PolledEventCount", "FilteredOutEventCount", "InvokedEventCount", "FailedInvokeEventCount",
               "DeletedEventCount")
STREAM_METRICS = ("PolledEventCount", "FilteredOutEventCount", "InvokedEventCount", "FailedInvokeEventCount",
                  "DroppedEventCount", "OnFailureDestinationDeliveredEventCount")


def check_metrics_config(body: Any) -> None:
    """A request's ``MetricsConfig``, refused as AWS refuses it: a member of the wrong JSON type
    is a ``SerializationException``, more than three groups or a group outside the enum a
    ``ValidationException`` (AWS's wording for a list of enums, as recorded for ``architectures``)."""
    config = body.get("MetricsConfig") if isinstance(body, dict) else None
    if config is None:
        return
    if isinstance(config, list):
        raise serialization_error("Start of list found where not expected")
    if not isinstance(config, dict):
        raise serialization_error(f"{json_kind(config)} can not be converted to a Structure")
    metrics = config.get("Metrics")
    if metrics is None:
        return
    if isinstance(metrics, dict):
        raise serialization_error("Start of structure or map found where not expected.")
    if not isinstance(metrics, list):
        raise serialization_error(f"{json_kind(metrics)} can not be converted to a List")
    for member in metrics:
        if isinstance(member, list):
            raise serialization_error("Start of list found where not expected")
        if isinstance(member, dict):
            raise serialization_error("Start of structure or map found where not expected.")
        if member is not None and not isinstance(member, str):
            raise serialization_error(f"{json_kind(member)} can not be converted to a String")
    shown = "[" + ", ".join("null" if m is None else m for m in metrics) + "]"
    problems = []
    if len(metrics) > MAX_GROUPS:
        problems.append(aws_errors.constraint_text(
            FIELD, shown, f"Member must have length less than or equal to {MAX_GROUPS}"))
    if any(member not in GROUPS for member in metrics):
        problems.append(aws_errors.constraint_text(
            FIELD, shown, "Member must satisfy constraint: [Member must satisfy enum value set: "
                          f"[{', '.join(GROUPS)}], Member must not be null]"))
    if problems:
        raise aws_errors.validation_errors(problems)


def counts_events(metrics_config: Any) -> bool:
    """Whether a stored ``MetricsConfig`` asks for the EventCount group (``ErrorCount`` and
    ``KafkaMetrics`` hold no metric of SQS, Kinesis or DynamoDB mappings)."""
    if not isinstance(metrics_config, dict):
        return False
    metrics = metrics_config.get("Metrics")
    return isinstance(metrics, list) and EVENT_COUNT in metrics


def expired_by_mapping(maximum_record_age: int, retention: float) -> bool:
    """Records that expired left the shard because of the mapping's MaximumRecordAgeInSeconds,
    not the stream's retention: only those count in ``DroppedEventCount`` ("this doesn't include
    the number of records that expire due to exceeding your event source's retention settings")."""
    return maximum_record_age != -1 and maximum_record_age <= retention
