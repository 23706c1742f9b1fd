"""Where outcomes land in moto: invocation records and dead letters in SQS, SNS, EventBridge and
S3 (spec §3-4), logs in CloudWatch Logs and metrics in CloudWatch. ``MotoSinks`` is the
pipeline's ``Sinks``."""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import unix_time_millis
from moto.events.models import events_backends
from moto.logs.models import logs_backends
from moto.moto_api._internal import mock_random
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends
from moto.sqs.models import Message, sqs_backends

from .._core.records import EVENTBRIDGE_SOURCE, FAILURE_DETAIL_TYPE, SUCCESS_DETAIL_TYPE, DeadLetter, s3_key
from .._model import Arn, ExecutionResult, FunctionSnapshot
from .._ports import StatisticSet
from .compat import queue_delay_seconds, sqs_attribute, sqs_trace_header_on_request

TRACE_HEADER = sqs_trace_header_on_request()


class MotoSinks:
    def deliver_record(self, target: str, record: str, succeeded: bool, function_arn: str, at: datetime) -> None:
        """Put an invocation record where ``target`` points; raises when AWS would fail to deliver."""
        arn = Arn.parse(target)
        if arn.service == "sqs":
            _send_sqs_message(arn.account, arn.region, arn.resource, record)
        elif arn.service == "sns":
            sns_backends[arn.account][arn.region].publish(record, arn=target)
        elif arn.service == "events":
            detail_type = SUCCESS_DETAIL_TYPE if succeeded else FAILURE_DETAIL_TYPE
            entries = events_backends[arn.account][arn.region].put_events([{
                "Source": EVENTBRIDGE_SOURCE,
                "DetailType": detail_type,
                "Detail": record,
                "EventBusName": target,
                "Resources": [target, function_arn],
                "Time": at.timestamp(),
            }])
            failed = [entry for entry in entries if entry.get("ErrorCode")]
            if failed:
                raise RuntimeError(f"{failed[0]['ErrorCode']}: {failed[0].get('ErrorMessage', '')}")
        elif arn.service == "s3":  # arn:aws:s3:::bucket: the function's own account and the partition
            function = Arn.parse(function_arn)
            s3_backends[arn.account or function.account][arn.partition].put_object(
                arn.resource, s3_key(function.function_name, at), record.encode("utf-8")
            )
        else:  # pragma: no cover - refused at Put time
            raise RuntimeError(f"unsupported destination {target}")

    def deliver_stream_failure(self, target: str, record: str, s3_key: str, s3_object: str, account: str) -> None:
        arn = Arn.parse(target)
        if arn.service == "sqs":
            _send_sqs_message(arn.account, arn.region, arn.resource, record)
        elif arn.service == "sns":
            sns_backends[arn.account][arn.region].publish(record, arn=target)
        elif arn.service == "s3":  # arn:aws:s3:::bucket: the mapping's own account
            s3_backends[arn.account or account][arn.partition].put_object(
                arn.resource, s3_key, s3_object.encode("utf-8"))
        else:
            raise RuntimeError(f"a stream mapping's on-failure destination must be SQS, SNS or S3, not {target}")

    def deliver_dead_letter(self, target: str, letter: DeadLetter) -> None:
        arn = Arn.parse(target)
        attributes = {"RequestID": ("String", letter.request_id), "ErrorCode": ("Number", letter.error_code)}
        if letter.error_message:
            attributes["ErrorMessage"] = ("String", letter.error_message)
        if arn.service == "sqs":
            _send_sqs_message(arn.account, arn.region, arn.resource, letter.body,
                              {k: sqs_attribute(t, v) for k, (t, v) in attributes.items()})
        elif arn.service == "sns":
            sns_backends[arn.account][arn.region].publish(
                letter.body, arn=target,
                message_attributes={k: {"Type": t, "Value": v} for k, (t, v) in attributes.items()},
            )
        else:
            raise RuntimeError(f"a dead-letter queue must be an SQS queue or SNS topic, not {target}")

    def write_telemetry(self, logs: list[tuple[FunctionSnapshot, ExecutionResult]],
                        metrics: list[StatisticSet]) -> None:
        """Logs and metrics into moto in bulk: one write per stream and per account, region and
        namespace. A statistic set is one datum under each of its dimension sets."""
        now = int(unix_time_millis())
        data: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for stats in metrics:
            datum: dict[str, Any] = {
                "MetricName": stats.name,
                "Unit": stats.unit,
                "Timestamp": stats.at.astimezone(timezone.utc).replace(tzinfo=None),
            }
            if stats.resolution != 60:
                datum["StorageResolution"] = stats.resolution
            if stats.count == 1:
                datum["Value"] = stats.total
            else:
                datum["StatisticValues"] = {"SampleCount": stats.count, "Sum": stats.total,
                                            "Minimum": stats.low, "Maximum": stats.high}
            data.setdefault((stats.account, stats.region, stats.namespace), []).extend(
                {**datum, "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions]}
                for dimensions in stats.dimension_sets
            )
        streams: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
        for function, result in logs:
            key = (function.account_id, function.region, function.log_group, result.log_stream)
            streams.setdefault(key, []).extend({"timestamp": now, "message": event} for event in result.log_events())
        for (account, region, namespace), datums in data.items():
            backend = cloudwatch_backends[account][region]
            for start in range(0, len(datums), 1000):
                backend.put_metric_data(namespace, datums[start:start + 1000])
        for (account, region, group_name, stream), events in streams.items():
            logs_backend = logs_backends[account][region]
            if group_name not in logs_backend.groups:
                logs_backend.create_log_group(group_name, {})
            if stream not in logs_backend.groups[group_name].streams:
                logs_backend.create_log_stream(group_name, stream)
            for start in range(0, len(events), 10000):
                logs_backend.put_log_events(group_name, stream, events[start:start + 10000])


def _trace_header() -> str:
    """An X-Ray trace header as Lambda stamps on what it sends to SQS (``Root``, ``Parent``,
    ``Sampled``; the ids are random, as they are for each delivery on AWS)."""
    return (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};"
            "Sampled=0")


def _send_sqs_message(account: str, region: str, queue_name: str, body: str,
                      message_attributes: dict[str, Any] | None = None) -> None:
    """moto's SendMessage, without its cost: moto's ``send_message`` builds every queue attribute
    (counting all messages in the queue) to read one FIFO flag, which makes each send O(queue
    length). A standard queue gets the same validation, message and ``add_message`` here; a FIFO
    queue goes moto's way (it refuses a message without a group id, as AWS refuses the record)."""
    backend = sqs_backends[account][region]
    queue = backend.get_queue(queue_name)
    if queue.fifo_queue:
        backend.send_message(queue_name, body, message_attributes=message_attributes)
        return
    backend._validate_message(queue, body, 0)
    message = Message(str(mock_random.uuid4()), body)
    if TRACE_HEADER:  # spec 3.9
        message.system_attributes = {"AWSTraceHeader": sqs_attribute("String", _trace_header())}
    if message_attributes:
        message.message_attributes = message_attributes
    message.mark_sent(delay_seconds=queue_delay_seconds(queue))
    queue.add_message(message)
