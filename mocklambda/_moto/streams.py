"""The poller's ``StreamSource``: Kinesis streams and DynamoDB streams, told apart by the ARN."""

from __future__ import annotations

from .._model import StreamRecord
from .._ports import StreamSource
from .dynamodb_streams import DynamoDBStreamSource
from .kinesis_streams import KinesisSource


class MotoStreams:
    def __init__(self) -> None:
        self._sources: dict[str, StreamSource] = {"kinesis": KinesisSource(), "dynamodb": DynamoDBStreamSource()}

    def _source(self, source_arn: str) -> StreamSource | None:
        service = source_arn.split(":")[2:3]
        return self._sources.get(service[0]) if service else None

    def shard_ids(self, source_arn: str) -> list[str] | None:
        source = self._source(source_arn)
        return None if source is None else source.shard_ids(source_arn)

    def incarnation(self, source_arn: str) -> object:
        source = self._source(source_arn)
        return None if source is None else source.incarnation(source_arn)

    def read(self, source_arn: str, shard_id: str, after: str | None, limit: int) -> list[StreamRecord]:
        source = self._source(source_arn)
        return [] if source is None else source.read(source_arn, shard_id, after, limit)

    def newest(self, source_arn: str, shard_id: str) -> str | None:
        source = self._source(source_arn)
        return None if source is None else source.newest(source_arn, shard_id)

    def retention_seconds(self, source_arn: str) -> float:
        source = self._source(source_arn)
        return 86400.0 if source is None else source.retention_seconds(source_arn)
