"""Kinesis streams, read as Lambda's pollers read them. moto invokes a synchronous call per record
inside PutRecord (and ignores every failure setting); while a mock runs, a record is only stored,
stamped with the mock's clock, and the stream's mappings are told records arrived: they poll."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.kinesis.models import Shard, Stream, kinesis_backends

from .._core.kinesis_events import arrival_seconds, kinesis_record
from .._model import Arn, StreamRecord
from . import active
from .patches import Patch
from .reader import existing_backend


def _put_record(stream: Any, partition_key: str, explicit_hash_key: str, data: str) -> tuple[str, str]:
    intake = active.current()
    if intake is None:
        return PUT_RECORD.original(stream, partition_key, explicit_hash_key, data)  # type: ignore[no-any-return]
    shard = stream.get_shard_for_key(partition_key, explicit_hash_key)
    sequence_number = shard.put_record(partition_key, data, explicit_hash_key)
    record = shard.records[int(sequence_number)]
    now = intake.clock.now()
    record.created_at_datetime = now.replace(tzinfo=None)  # moto keeps naive UTC
    record.created_at = now.timestamp()
    intake.stream_records_arrived(stream.arn)
    return sequence_number, shard.shard_id


def _stream(source_arn: str) -> Any | None:
    arn = Arn.parse(source_arn)
    name = arn.resource.split("/", 1)[-1]
    backend = existing_backend(kinesis_backends, arn.account, arn.region)
    stream = None if backend is None else backend.streams.get(name)
    return stream if stream is not None and stream.arn == source_arn else None


class KinesisSource:
    """The Kinesis half of the poller's ``StreamSource``."""

    def shard_ids(self, source_arn: str) -> list[str] | None:
        stream = _stream(source_arn)
        return None if stream is None else [shard.shard_id for shard in stream.shards.values()]

    def incarnation(self, source_arn: str) -> object:
        stream = _stream(source_arn)
        return None if stream is None else (stream.creation_datetime, id(stream))

    def read(self, source_arn: str, shard_id: str, after: str | None, limit: int) -> list[StreamRecord]:
        stream = _stream(source_arn)
        shard = None if stream is None else stream.shards.get(shard_id)
        if shard is None or not shard.records:
            return []
        records = shard.records  # sequence number -> record; moto numbers a shard's records 1, 2, ...
        first = int(after) + 1 if after is not None else shard.get_min_sequence_number()
        region = Arn.parse(source_arn).region
        found: list[StreamRecord] = []
        stamped, arrival, seconds = None, _EPOCH, 0.0  # records put at one instant share them
        for number in range(first, first + limit):
            record = records.get(number)
            if record is None:
                break
            sequence = str(record.sequence_number)
            if record.created_at_datetime != stamped:
                stamped = record.created_at_datetime
                arrival = _aware(stamped)
                seconds = arrival_seconds(arrival)
            event = kinesis_record(data=record.data, partition_key=record.partition_key, sequence_number=sequence,
                                   arrival=seconds, shard_id=shard_id, stream_arn=source_arn, region=region)
            # the record's share of the payload: its JSON (data is base64 already) is ~300 bytes beyond the data
            found.append(StreamRecord(sequence, record.partition_key, arrival, len(record.data) + 300, event, True))
        return found

    def newest(self, source_arn: str, shard_id: str) -> str | None:
        stream = _stream(source_arn)
        shard = None if stream is None else stream.shards.get(shard_id)
        return str(shard.get_max_sequence_number()) if shard is not None and shard.records else None

    def retention_seconds(self, source_arn: str) -> float:
        stream = _stream(source_arn)
        return float((stream.retention_period_hours if stream is not None else 24) * 3600)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _aware(at: datetime) -> datetime:
    """moto stamps naive UTC datetimes."""
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _first_number(shard: Any) -> int:
    """moto's ``Shard.get_min_sequence_number``: the first key of the shard's records (kept in
    order), without copying every key first."""
    return next(iter(shard.records), 0)


def _last_number(shard: Any) -> int:
    """moto's ``Shard.get_max_sequence_number``: the last key, without copying every key first
    (moto asks for it on every put: the n-th record cost O(n), a shard of n records O(n²))."""
    return next(reversed(shard.records), 0)


PUT_RECORD = Patch(Stream, "put_record", _put_record)
FIRST_NUMBER = Patch(Shard, "get_min_sequence_number", _first_number)
LAST_NUMBER = Patch(Shard, "get_max_sequence_number", _last_number)
PATCHES = (PUT_RECORD, FIRST_NUMBER, LAST_NUMBER)
