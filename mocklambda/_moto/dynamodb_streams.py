"""DynamoDB Streams in moto, as Lambda's stream poller reads them.

moto's ``StreamShard.add`` runs a table's Lambda mappings inline on every write, resending every
record collected so far, then clears them (which also empties ``GetRecords``). While a mock is
active, ``add`` keeps the record as AWS writes it (the table's region, ``eventVersion`` 1.1,
``SizeBytes``, images per view type, stamped on the mock's clock), never invokes, never clears,
and tells the mock that the stream has new records; the poller reads them through
``DynamoDBStreamSource``. Outside a mock moto's own ``add`` runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamRecord as MotoStreamRecord
from moto.dynamodb.models.table import StreamShard, Table

from .._core.dynamodb_events import (
    RETENTION_SECONDS,
    Change,
    Image,
    as_base64,
    as_bytes,
    item_change,
    item_key,
    lambda_record,
    map_binaries,
    records_a_change,
    stream_record,
)
from .._model import Arn, StreamRecord
from . import active
from .patches import Patch

_CHANGE = "mocklambda_change"  # the attribute of moto's record that keeps the change it was made from


def stream_arn(table: Table) -> str:
    """The table's latest stream, as DescribeTable's ``LatestStreamArn`` names it."""
    return f"{table.table_arn}/stream/{table.latest_stream_label}"


def _add(shard: StreamShard, old: Item | None, new: Item | None) -> None:
    intake = active.current()
    if intake is None:
        STREAM_ADD.original(shard, old, new)
        return
    table = shard.table
    specification = table.stream_specification or {}
    if not specification.get("StreamEnabled"):
        return  # moto keeps a disabled stream's shard; AWS records nothing once it is disabled
    old_image, new_image = _image(old), _image(new)
    if not records_a_change(old_image, new_image):
        return
    view_type = specification["StreamViewType"]
    sequence_number = len(shard.items) + shard.starting_sequence_number  # moto's numbering: GetRecords indexes by it
    record = MotoStreamRecord(table, view_type, "", old, new, sequence_number)  # moto's own: its eventID
    item = new_image if new_image is not None else old_image
    assert item is not None
    change = item_change(event_id=record.record["eventID"], region=table.region_name, created=intake.clock.now(),
                         keys={name: item[name] for name in table.table_key_attrs}, old=old_image, new=new_image,
                         sequence_number=str(sequence_number), view_type=view_type)
    record.record = _stored(change)
    setattr(record, _CHANGE, change)
    shard.items.append(record)
    intake.stream_records_arrived(stream_arn(table))


def _image(item: Item | None) -> Image | None:
    """An item in DynamoDB's JSON form, binaries as base64 (moto keeps some as bytes)."""
    return None if item is None else map_binaries(item.to_json()["Attributes"], as_base64)


def _stored(change: Change) -> dict[str, Any]:
    """The record as moto keeps it for GetRecords: AWS's record, binaries as bytes (moto's
    serializer writes them as base64)."""
    record = stream_record(change)
    dynamodb = record["dynamodb"]
    for name in ("Keys", "NewImage", "OldImage"):
        if name in dynamodb:
            dynamodb[name] = map_binaries(dynamodb[name], as_bytes)
    return record


STREAM_ADD = Patch(StreamShard, "add", _add)
PATCHES = (STREAM_ADD,)


class DynamoDBStreamSource:
    """The DynamoDB half of the stream poller's ``StreamSource``: the records moto's tables keep,
    as Lambda's event carries them. A stream is gone (``shard_ids`` None) once its table is
    deleted or its stream replaced by a new one; records older than 24 hours on the running
    mock's clock are trimmed, as DynamoDB Streams trims them (never read)."""

    def shard_ids(self, source_arn: str) -> list[str] | None:
        shard = _shard(source_arn)
        return None if shard is None else [shard.id]

    def incarnation(self, source_arn: str) -> object:
        """A DynamoDB stream's ARN names one life of it (its label changes when it is made again)."""
        return None if self.shard_ids(source_arn) is None else source_arn

    def read(self, source_arn: str, shard_id: str, after: str | None, limit: int) -> list[StreamRecord]:
        shard = _shard(source_arn)
        if shard is None or shard.id != shard_id or limit <= 0:
            return []
        intake = active.current()
        oldest = None if intake is None else intake.clock.now() - timedelta(seconds=RETENTION_SECONDS)
        records: list[StreamRecord] = []
        for item in _after(shard, after):
            change = _change(item, shard.table)
            if oldest is not None and change.created < oldest:
                continue
            records.append(StreamRecord(change.sequence_number, item_key(change.keys), change.created,
                                        change.size_bytes, lambda_record(change, source_arn)))
            if len(records) == limit:
                break
        return records

    def newest(self, source_arn: str, shard_id: str) -> str | None:
        shard = _shard(source_arn)
        if shard is None or shard.id != shard_id or not shard.items:
            return None
        return str(shard.items[-1].record["dynamodb"]["SequenceNumber"])

    def retention_seconds(self, source_arn: str) -> float:
        return RETENTION_SECONDS


def _shard(source_arn: str) -> StreamShard | None:
    """The shard of the table's stream the ARN names; None if there is none. A disabled stream
    stays readable (AWS: "The data in the stream will continue to be readable for 24 hours"),
    it only gets no new records; a deleted table's stream is gone with it in moto."""
    try:
        arn = Arn.parse(source_arn)
        kind, table_name, stream, _label = arn.resource.split("/", 3)
        tables = dynamodb_backends[arn.account][arn.region].tables
    except (ValueError, KeyError):
        return None
    table = tables.get(table_name)
    if (arn.service != "dynamodb" or (kind, stream) != ("table", "stream") or table is None
            or table.stream_shard is None or stream_arn(table) != source_arn):
        return None
    return table.stream_shard


def _after(shard: StreamShard, after: str | None) -> Iterable[MotoStreamRecord]:
    """The shard's records after sequence number ``after`` (all when None), oldest first, as they
    are now (found by place: a poll reads a few of a long shard)."""
    items = shard.items
    start = 0 if after is None else int(after) - shard.starting_sequence_number + 1  # moto numbers them by place
    if after is None or (0 <= start <= len(items) and (start == 0 or _sequence(items[start - 1]) == int(after))):
        return (items[index] for index in range(start, len(items)))
    return [item for item in items if _sequence(item) > int(after)]  # moto cleared the shard once (outside a mock)


def _sequence(item: MotoStreamRecord) -> int:
    return int(item.record["dynamodb"]["SequenceNumber"])


def _change(item: MotoStreamRecord, table: Table) -> Change:
    """The change a record was made from: kept on the records written in a mock; read back from
    moto's own record for those written before it started."""
    change = getattr(item, _CHANGE, None)
    if isinstance(change, Change):
        return change
    record = item.record
    dynamodb = record["dynamodb"]

    def image(name: str) -> Image | None:
        return map_binaries(dynamodb[name], as_base64) if dynamodb.get(name) else None  # moto 5.1 writes {}

    return Change(event_id=record["eventID"], event_name=record["eventName"], region=table.region_name,
                  created=_created(dynamodb["ApproximateCreationDateTime"]), keys=image("Keys") or {},
                  new_image=image("NewImage"), old_image=image("OldImage"),
                  sequence_number=str(dynamodb["SequenceNumber"]), view_type=dynamodb["StreamViewType"])


def _created(value: datetime | str) -> datetime:
    """moto's ``ApproximateCreationDateTime``: a naive UTC datetime (moto 5.2) or its ISO text (5.1)."""
    created = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return created if created.tzinfo is not None else created.replace(tzinfo=timezone.utc)
