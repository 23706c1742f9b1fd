"""Kinesis records as Lambda hands them to a function, in AWS's key order (recorded:
``test_lambda_integration_kinesis`` ``record_body.payload``, where AWS's own order survives).

A batch carries up to 10,000 of them, so besides the record itself this module writes a batch's
records as ``json.dumps`` would (from a template, several times faster than the general encoder)
and copies one as ``json.loads`` of that text would give it back; both are checked against the
general paths (``tests/unit/test_stream_events.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from json.encoder import encode_basestring_ascii as _quote  # json.dumps' own string encoder (C)
from typing import Any

SCHEMA_VERSION = "1.0"
EVENT_SOURCE = "aws:kinesis"
EVENT_VERSION = "1.0"
EVENT_NAME = "aws:kinesis:record"


def arrival_seconds(arrival: datetime) -> float:
    """``approximateArrivalTimestamp``: epoch seconds, to the millisecond."""
    return round(arrival.timestamp(), 3)


def kinesis_record(*, data: str, partition_key: str, sequence_number: str, arrival: float, shard_id: str,
                   stream_arn: str, region: str) -> dict[str, Any]:
    """``data`` is already base64, as Kinesis stores it; ``arrival`` is ``arrival_seconds``'.
    ``invokeIdentityArn`` is the function's role, filled in per mapping (None here keeps the
    key's place)."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": SCHEMA_VERSION,
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": data,
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": EVENT_SOURCE,
        "eventVersion": EVENT_VERSION,
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": EVENT_NAME,
        "invokeIdentityArn": None,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


_HEAD = f'{{"kinesis": {{"kinesisSchemaVersion": {_quote(SCHEMA_VERSION)}, "partitionKey": '
_MIDDLE = (f', "eventSource": {_quote(EVENT_SOURCE)}, "eventVersion": {_quote(EVENT_VERSION)}, "eventID": ')


def records_json(records: Iterable[dict[str, Any]], role: str) -> list[str]:
    """``json.dumps`` of each of ``kinesis_record``'s records naming ``role``, from a template: the
    same text (ASCII, ``", "`` and ``": "`` separators, a float as its ``repr``). The records of a
    batch share their stream, so the text after ``eventID`` is made once for each stream."""
    texts = []
    region = stream_arn = tail = None
    for record in records:
        kinesis = record["kinesis"]
        if record["awsRegion"] != region or record["eventSourceARN"] != stream_arn:
            region, stream_arn = record["awsRegion"], record["eventSourceARN"]
            tail = (f', "eventName": {_quote(EVENT_NAME)}, "invokeIdentityArn": {_quote(role)}, '
                    f'"awsRegion": {_quote(region)}, "eventSourceARN": {_quote(stream_arn)}}}')
        texts.append(f'{_HEAD}{_quote(kinesis["partitionKey"])}, '
                     f'"sequenceNumber": {_quote(kinesis["sequenceNumber"])}, "data": {_quote(kinesis["data"])}, '
                     f'"approximateArrivalTimestamp": {float.__repr__(kinesis["approximateArrivalTimestamp"])}}}'
                     f'{_MIDDLE}{_quote(record["eventID"])}{tail}')
    return texts


def record_copy(record: dict[str, Any], role: str) -> dict[str, Any]:
    """A fresh copy of ``kinesis_record``'s record naming ``role``: equal to ``json.loads`` of its
    ``records_json`` text (its values are strings and one float, which JSON gives back as they
    were), and the handler may change it without touching the record a retry sends again."""
    return {**record, "kinesis": {**record["kinesis"]}, "invokeIdentityArn": role}
