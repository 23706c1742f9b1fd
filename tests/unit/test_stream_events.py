"""A stream batch's event (``mocklambda._core.stream_events``, ``kinesis_events``): the payload's
fast path writes exactly what ``json.dumps`` writes, and the handler's copy is exactly what
``json.loads`` of that payload gives back, a fresh one each time (issue 17: fast paths must
produce what the slow paths produce)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core import stream_events
from mocklambda._core.dynamodb_events import item_change, lambda_record
from mocklambda._core.kinesis_events import arrival_seconds, kinesis_record, record_copy, records_json
from mocklambda._model import StreamRecord

AT = datetime(2024, 5, 6, 7, 8, 9, 987654, tzinfo=timezone.utc)
ROLE = "arn:aws:iam::123456789012:role/reader"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/events"
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)  # JSON escapes, non-ASCII, astral planes
ARRIVALS = st.floats(0, 4e9).map(lambda seconds: round(seconds, 3))


def exactly(left: Any, right: Any) -> bool:
    """Equal, and of the same types all the way down (``1 == 1.0``, but JSON tells them apart)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(exactly(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(exactly(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def kinesis(number: int, key: str = "k", data: str = "eyJuIjogMX0=", arrival: float = 1714979289.988,
            shard: str = "shardId-000000000000", stream: str = STREAM, region: str = "us-east-1") -> StreamRecord:
    event = kinesis_record(data=data, partition_key=key, sequence_number=str(number), arrival=arrival,
                           shard_id=shard, stream_arn=stream, region=region)
    return StreamRecord(str(number), key, AT, len(data) + 300, event, True)


def dynamodb(number: int) -> StreamRecord:
    change = item_change(event_id=f"event-{number}", region="us-east-1", created=AT, keys={"id": {"S": str(number)}},
                         old=None, new={"id": {"S": str(number)}, "n": {"N": "1.50"}, "b": {"BOOL": True}},
                         sequence_number=str(number), view_type="NEW_AND_OLD_IMAGES")
    return StreamRecord(str(number), str(number), AT, change.size_bytes,
                        lambda_record(change, "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label"))


def general_payload(records: list[StreamRecord], role: str) -> bytes:
    """What the poller wrote before the fast path (and still writes for other records)."""
    return json.dumps({"Records": stream_events.events(records, role)}).encode("utf-8")


@given(st.lists(st.tuples(TEXT, TEXT, st.integers(0, 10**60), ARRIVALS), min_size=1, max_size=5), TEXT, TEXT, TEXT,
       TEXT)
def test_the_kinesis_template_writes_what_json_dumps_writes(values: list[tuple[str, str, int, float]], shard: str,
                                                           stream: str, region: str, role: str) -> None:
    records = [kinesis(number, key, data, arrival, shard, stream, region) for key, data, number, arrival in values]
    assert records_json([r.event for r in records], role) == [
        json.dumps({**r.event, "invokeIdentityArn": role}) for r in records]
    assert stream_events.batch_payload(records, role) == general_payload(records, role)


@given(st.lists(st.tuples(TEXT, ARRIVALS), min_size=1, max_size=4), TEXT)
def test_the_handlers_copy_is_what_json_loads_gives_back(values: list[tuple[str, float]], role: str) -> None:
    records = [kinesis(number, key, arrival=arrival) for number, (key, arrival) in enumerate(values)]
    make = stream_events.batch_event(records, role)
    assert make is not None
    assert exactly(make(), json.loads(stream_events.batch_payload(records, role)))


def test_records_of_several_streams_in_one_list_each_name_their_own() -> None:
    """The template makes the text after ``eventID`` once per stream, and again when it changes."""
    records = [kinesis(1), kinesis(2, stream=STREAM + "-b", region="eu-west-1"), kinesis(3)]
    assert stream_events.batch_payload(records, ROLE) == general_payload(records, ROLE)


def test_each_event_is_a_fresh_copy_that_leaves_the_records_as_they_were() -> None:
    """A handler may change its event; the retry of the same batch sends the records unchanged."""
    records = [kinesis(1), kinesis(2)]
    before = json.dumps([r.event for r in records])
    make = stream_events.batch_event(records, ROLE)
    assert make is not None
    first = make()
    first["Records"][0]["kinesis"]["data"] = "changed"
    first["Records"][1]["eventID"] = "changed"
    first["Records"].append({})
    assert exactly(make(), json.loads(stream_events.batch_payload(records, ROLE)))
    assert json.dumps([r.event for r in records]) == before
    assert records[0].event["invokeIdentityArn"] is None  # the role is the mapping's, not the record's


def test_records_other_than_kinesis_take_the_general_path() -> None:
    """DynamoDB records (nested images) are written by json.dumps and parsed by the runtime."""
    records = [dynamodb(1), dynamodb(2)]
    assert stream_events.batch_payload(records, ROLE) == general_payload(records, ROLE)
    assert stream_events.batch_event(records, ROLE) is None
    mixed = [kinesis(1), dynamodb(2)]
    assert stream_events.batch_payload(mixed, ROLE) == general_payload(mixed, ROLE)
    assert stream_events.batch_event(mixed, ROLE) is None


def test_record_copy_names_the_role_in_the_records_place() -> None:
    record = kinesis(7).event
    copy = record_copy(record, ROLE)
    assert list(copy) == list(record) and copy["invokeIdentityArn"] == ROLE
    assert copy["kinesis"] == record["kinesis"] and copy["kinesis"] is not record["kinesis"]


def test_the_arrival_is_epoch_seconds_to_the_millisecond() -> None:
    assert arrival_seconds(AT) == 1714979289.988
    assert json.dumps(arrival_seconds(datetime(2024, 1, 1, tzinfo=timezone.utc))) == "1704067200.0"
