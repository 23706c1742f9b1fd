"""Kinesis records as Lambda hands them to a function, in AWS's key order (recorded:
``test_lambda_integration_kinesis`` ``record_body.payload``, where AWS's own order survives)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def kinesis_record(*, data: str, partition_key: str, sequence_number: str, arrival: datetime, shard_id: str,
                   stream_arn: str, region: str) -> dict[str, Any]:
    """``data`` is already base64, as Kinesis stores it. ``invokeIdentityArn`` is the function's
    role, filled in per mapping (None here keeps the key's place)."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": data,
            "approximateArrivalTimestamp": round(arrival.timestamp(), 3),  # seconds, to the millisecond
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": None,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }
