"""What a stream mapping's on-failure destination receives when it gives a batch up, in AWS's
shapes (recorded: ``test_lambda_integration_kinesis`` / ``_dynamodbstreams`` on-failure tests).

SQS and SNS get the record (``requestContext``, ``responseContext``, ``version``, ``timestamp``,
``KinesisBatchInfo`` / ``DDBStreamBatchInfo``), without the records themselves; S3 gets one object
holding the record and the batch's event (``payload``), under
``aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .._model import StreamRecord
from .records import iso_millis

RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True)
class GivenUp:
    """A batch a mapping stopped retrying, and why."""

    records: Sequence[StreamRecord]
    condition: str  # RETRIES_EXHAUSTED | RECORD_AGE_EXCEEDED
    invoke_count: int  # approximateInvokeCount
    request_id: str  # the last invocation's (a fresh one when the batch never ran)
    executed_version: str | None  # None: no responseContext (record age ended it)
    function_error: bool  # the last invocation failed (False: it reported failed items)


def _kinesis_time(at: datetime) -> str:
    return iso_millis(at)


def _dynamodb_time(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # whole seconds, as recorded


def batch_info_key(source_arn: str) -> str:
    return "DDBStreamBatchInfo" if ":dynamodb:" in source_arn else "KinesisBatchInfo"


def _batch_info(source_arn: str, shard_id: str, records: Sequence[StreamRecord]) -> dict[str, Any]:
    stamp = _dynamodb_time if ":dynamodb:" in source_arn else _kinesis_time
    return {
        "shardId": shard_id,
        "startSequenceNumber": records[0].sequence_number,
        "endSequenceNumber": records[-1].sequence_number,
        "approximateArrivalOfFirstRecord": stamp(records[0].arrival),
        "approximateArrivalOfLastRecord": stamp(records[-1].arrival),
        "batchSize": len(records),
        "streamArn": source_arn,
    }


def _contexts(given_up: GivenUp, function_arn: str) -> dict[str, Any]:
    head: dict[str, Any] = {"requestContext": {
        "requestId": given_up.request_id,
        "functionArn": function_arn,
        "condition": given_up.condition,
        "approximateInvokeCount": given_up.invoke_count,
    }}
    if given_up.executed_version is not None:
        head["responseContext"] = {
            "statusCode": 200,
            "executedVersion": given_up.executed_version,
            "functionError": "Unhandled" if given_up.function_error else None,
        }
    return head


def _record(given_up: GivenUp, function_arn: str, source_arn: str, shard_id: str, at: datetime) -> dict[str, Any]:
    record = _contexts(given_up, function_arn)
    record["version"] = "1.0"
    record["timestamp"] = iso_millis(at)
    record[batch_info_key(source_arn)] = _batch_info(source_arn, shard_id, given_up.records)
    return record


def failure_record(given_up: GivenUp, function_arn: str, source_arn: str, shard_id: str, at: datetime) -> str:
    """The SQS message body / SNS message (``functionArn`` unqualified, as recorded)."""
    return json.dumps(_record(given_up, function_arn, source_arn, shard_id, at))


def s3_failure_object(given_up: GivenUp, function_arn: str, source_arn: str, shard_id: str, at: datetime,
                      payload: str) -> str:
    """The S3 object: the same record, then ``payload``, the event as the function received it,
    as a JSON string (the recording keeps the event's own key order where it sorts the object's:
    AWS writes the event as text; stream spec S4.5)."""
    record = _record(given_up, function_arn, source_arn, shard_id, at)
    record["payload"] = payload
    return json.dumps(record)


def s3_failure_key(mapping_uuid: str, shard_id: str, at: datetime) -> str:
    """AWS's documented layout ("Configuring destinations for event source mappings")."""
    utc = at.astimezone(timezone.utc)
    return f"aws/lambda/{mapping_uuid}/{shard_id}/{utc:%Y/%m/%d}/{utc:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
