"""DynamoDB Streams records as Lambda's event carries them (``mocklambda._core.dynamodb_events``),
against every DynamoDB record AWS wrote in ``test_lambda_integration_dynamodbstreams`` (event
logs, on-failure payloads, batch-item-failure runs), and the item-size rules ``SizeBytes`` follows
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)."""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.dynamodb_events import (
    Change,
    as_base64,
    as_bytes,
    aws_order,
    creation_seconds,
    item_change,
    item_key,
    item_size,
    lambda_record,
    map_binaries,
    number_size,
    records_a_change,
    stream_record,
    value_size,
)

SNAPSHOTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "localstack-snapshots"
RECORDING = SNAPSHOTS / "event-source-mappings" / "test_lambda_integration_dynamodbstreams.snapshot.json"
AT = datetime(2024, 5, 6, 7, 8, 9, 987654, tzinfo=timezone.utc)
ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-05-06T07:00:00.000"


def recorded_records() -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB record in the recording, with where it was recorded (deduplicated)."""
    if not RECORDING.is_file():
        pytest.skip(f"AWS recordings not found at {RECORDING}")
    found: dict[str, tuple[str, dict[str, Any]]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if value.get("eventSource") == "aws:dynamodb":
                found.setdefault(json.dumps(value), (path, value))
                return
            for key, inner in value.items():
                walk(inner, f"{path}.{key}")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{path}[{index}]")

    for test, entry in json.loads(RECORDING.read_text(encoding="utf-8")).items():
        walk(entry["recorded-content"], test.split("::")[-1])
    return list(found.values())


def rebuilt(recorded: dict[str, Any], created: datetime = AT) -> dict[str, Any]:
    """The builder's record of the change the recorded one describes: the item before and after
    as recorded (an INSERT has no old item) but with their attributes reversed, so that their
    order is the builder's; the ids, region and ARN as the recording masks them."""
    dynamodb = recorded["dynamodb"]

    def written(name: str) -> dict[str, Any] | None:  # the attributes in another order than recorded
        image = dynamodb.get(name)
        return None if image is None else dict(reversed(list(image.items())))

    change = item_change(event_id=recorded["eventID"], region=recorded["awsRegion"], created=created,
                         keys=written("Keys") or {}, old=written("OldImage"), new=written("NewImage"),
                         sequence_number=dynamodb["SequenceNumber"], view_type=dynamodb["StreamViewType"])
    return lambda_record(change, recorded["eventSourceARN"])


def test_every_recorded_record_is_rebuilt_as_aws_wrote_it() -> None:
    """Each recorded record, rebuilt from its change: equal once the creation time is masked as
    the recording masks it, with AWS's key order where the recording keeps it (the handler's own
    log of its event, the S3 on-failure payload); ``SizeBytes`` is computed, never copied."""
    records = recorded_records()
    assert len(records) >= 15  # 18 distinct records in the recording
    for where, recorded in records:
        actual = rebuilt(recorded)
        created = actual["dynamodb"]["ApproximateCreationDateTime"]
        assert isinstance(created, float) and created.is_integer() and int(math.log10(created)) == 9, where
        actual["dynamodb"]["ApproximateCreationDateTime"] = "<approximate-creation-datetime>"
        assert actual == recorded, where
        if list(recorded) == ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                              "eventSourceARN"]:  # AWS's order (the recorder sorted dynamodb_records' keys)
            assert json.dumps(actual) == json.dumps(recorded), where


def test_the_s3_on_failure_payload_keeps_aws_order_inside_dynamodb_too() -> None:
    """test_dynamodb_event_source_mapping_with_s3_on_failure_destination: the record in the
    payload, whose raw order AWS wrote, is what the builder writes, byte for byte once masked."""
    where, recorded = next((w, r) for w, r in recorded_records() if "s3_on_failure" in w)
    actual = rebuilt(recorded)
    actual["dynamodb"]["ApproximateCreationDateTime"] = "<approximate-creation-datetime>"
    assert json.dumps(actual) == json.dumps(recorded)
    assert list(actual["dynamodb"]) == ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber",
                                        "SizeBytes", "StreamViewType"]


KEYS = {"pk": {"S": "a"}, "sk": {"S": "b"}}  # 6 bytes: "pk" + "a", "sk" + "b"
BEFORE = {**KEYS, "data": {"S": "test"}}  # 14
AFTER = {**KEYS, "data": {"S": "hello"}}  # 15


@pytest.mark.parametrize(("view_type", "old", "new", "name", "images", "size"), [
    ("KEYS_ONLY", None, BEFORE, "INSERT", [], 6),
    ("KEYS_ONLY", BEFORE, AFTER, "MODIFY", [], 6),
    ("KEYS_ONLY", AFTER, None, "REMOVE", [], 6),
    ("NEW_IMAGE", None, BEFORE, "INSERT", ["NewImage"], 20),
    ("NEW_IMAGE", BEFORE, AFTER, "MODIFY", ["NewImage"], 21),
    ("NEW_IMAGE", AFTER, None, "REMOVE", [], 6),
    ("OLD_IMAGE", None, BEFORE, "INSERT", [], 6),
    ("OLD_IMAGE", BEFORE, AFTER, "MODIFY", ["OldImage"], 20),
    ("OLD_IMAGE", AFTER, None, "REMOVE", ["OldImage"], 21),
    ("NEW_AND_OLD_IMAGES", None, BEFORE, "INSERT", ["NewImage"], 20),
    ("NEW_AND_OLD_IMAGES", BEFORE, AFTER, "MODIFY", ["NewImage", "OldImage"], 35),
    ("NEW_AND_OLD_IMAGES", AFTER, None, "REMOVE", ["OldImage"], 21),
])
def test_images_follow_the_view_type_and_what_the_change_has(view_type: str, old: Any, new: Any, name: str,
                                                            images: list[str], size: int) -> None:
    """StreamViewType (DynamoDB API, StreamSpecification): KEYS_ONLY writes the key, NEW_IMAGE the
    item after, OLD_IMAGE the item before, NEW_AND_OLD_IMAGES both; an INSERT has no item before
    and a REMOVE none after. SizeBytes counts the key and the images carried."""
    record = lambda_record(item_change(event_id="e", region="eu-west-1", created=AT, keys=KEYS, old=old, new=new,
                                       sequence_number="100000000000000000001", view_type=view_type), ARN)
    assert record["eventName"] == name
    assert [key for key in record["dynamodb"] if key.endswith("Image")] == images
    assert record["dynamodb"]["SizeBytes"] == size
    assert (record["awsRegion"], record["eventSourceARN"], record["eventVersion"]) == ("eu-west-1", ARN, "1.1")


def test_get_records_carries_the_same_record_without_the_arn_and_with_a_datetime() -> None:
    change = item_change(event_id="e", region="eu-west-1", created=AT, keys=KEYS, old=None, new=BEFORE,
                         sequence_number="100000000000000000001", view_type="NEW_IMAGE")
    record, event = stream_record(change), lambda_record(change, ARN)
    assert record["dynamodb"]["ApproximateCreationDateTime"] == AT.replace(microsecond=0)
    assert list(event) == [*record, "eventSourceARN"]
    assert {**record["dynamodb"], "ApproximateCreationDateTime": None} == {**event["dynamodb"],
                                                                           "ApproximateCreationDateTime": None}


def test_the_creation_time_is_rounded_down_to_the_second() -> None:
    """StreamRecord.ApproximateCreationDateTime: "rounded down to the closest second"."""
    assert creation_seconds(AT) == float(int(AT.timestamp())) == 1714979289.0
    assert creation_seconds(AT.replace(microsecond=0)) == 1714979289.0


@pytest.mark.parametrize(("value", "size"), [
    ({"S": "hello world"}, 11),
    ({"S": "\u00e9\u20ac"}, 5),  # UTF-8 bytes, not characters
    ({"B": base64.b64encode(b"foobar").decode()}, 6),  # raw bytes, not the base64 text
    ({"BOOL": False}, 1),
    ({"NULL": True}, 1),
    ({"N": "42"}, 2),  # recorded: numericFilter 42 in a 39-byte record
    ({"N": "101"}, 3),
    ({"N": "-0012300.4500"}, 5),  # 12300.45: leading and trailing zeros trimmed, 7 digits
    ({"N": "0"}, 1),  # no significant digit
    ({"L": []}, 3),
    ({"L": [{"S": "ab"}, {"NULL": True}]}, 3 + (2 + 1) + (1 + 1)),
    ({"M": {"x": {"S": "ab"}}}, 3 + 1 + 2 + 1),
    ({"SS": ["ab", "c"]}, 3),
    ({"NS": ["1", "22"]}, 4),
    ({"BS": [base64.b64encode(b"abc").decode()]}, 3),
])
def test_attribute_sizes_follow_dynamodbs_item_size_rules(value: dict[str, Any], size: int) -> None:
    assert value_size(value) == size


def test_a_record_that_is_no_attribute_value_is_refused() -> None:
    with pytest.raises(ValueError, match="not a DynamoDB AttributeValue"):
        value_size({"X": 1})


def test_a_write_that_changes_nothing_adds_no_record() -> None:
    assert records_a_change(None, BEFORE) and records_a_change(BEFORE, None) and records_a_change(BEFORE, AFTER)
    assert not records_a_change(BEFORE, dict(reversed(list(BEFORE.items()))))


# --- properties ------------------------------------------------------------------------------------------------

NAMES = st.text(min_size=1, max_size=6)
SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=8)),
    st.builds(lambda n: {"N": str(n)}, st.integers(-10**20, 10**20) | st.decimals(allow_nan=False, allow_infinity=False,
                                                                                places=3)),
    st.builds(lambda b: {"B": base64.b64encode(b).decode()}, st.binary(max_size=8)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(max_size=4), min_size=1, max_size=3)),
    st.builds(lambda s: {"BS": [base64.b64encode(b).decode() for b in s]}, st.lists(st.binary(max_size=4),
                                                                                     min_size=1, max_size=3)),
)
VALUES = st.recursive(SCALARS, lambda inner: st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3))
                      | st.builds(lambda items: {"M": items}, st.dictionaries(NAMES, inner, max_size=3)), max_leaves=8)
IMAGES = st.dictionaries(NAMES, VALUES, max_size=4)


@given(IMAGES)
def test_binaries_survive_the_round_trip_through_bytes_and_keep_their_size(image: dict[str, Any]) -> None:
    """Property: an image moto keeps with bytes (for GetRecords) and the image Lambda's event
    carries (base64 text) are one image: converting there and back changes nothing, nor its size."""
    raw = map_binaries(image, as_bytes)
    assert map_binaries(raw, as_base64) == image
    assert item_size(raw) == item_size(image)
    assert json.dumps(image)  # the event's form is JSON


@given(IMAGES, st.sampled_from(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]),
       st.booleans(), st.booleans(), st.integers(0, 10**6))
def test_a_record_always_has_aws_shape(image: dict[str, Any], view_type: str, has_old: bool, has_new: bool,
                                        offset: int) -> None:
    """Property: whatever the item and view type, the record has AWS's keys in AWS's order, an
    image only where the view type and the change both have one, a size that is the sum of what
    it carries, and a creation time at most one second before the write."""
    keys = {"id": {"S": "k"}}
    old = {**image, **keys} if has_old or not has_new else None
    new = {**image, **keys, "v": {"N": str(offset)}} if has_new else None
    created = AT + timedelta(microseconds=offset)
    change = item_change(event_id="e", region="eu-west-1", created=created, keys=keys, old=old, new=new,
                         sequence_number="1" * 21, view_type=view_type)
    record = lambda_record(change, ARN)
    assert list(record) == ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                            "eventSourceARN"]
    dynamodb = record["dynamodb"]
    expected = ["ApproximateCreationDateTime", "Keys"]
    expected += ["NewImage"] if new is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else []
    expected += ["OldImage"] if old is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else []
    assert list(dynamodb) == [*expected, "SequenceNumber", "SizeBytes", "StreamViewType"]
    assert dynamodb["SizeBytes"] == sum(item_size(dynamodb[name]) for name in expected[1:])
    assert 0 <= created.timestamp() - dynamodb["ApproximateCreationDateTime"] < 1


@given(st.dictionaries(NAMES, SCALARS, min_size=1, max_size=2))
def test_an_items_key_is_one_text_whatever_the_order_of_its_attributes(keys: dict[str, Any]) -> None:
    """Property: records of one item share a partition key for ordering, however moto ordered it."""
    assert item_key(keys) == item_key(dict(reversed(list(keys.items()))))
    assert json.loads(item_key(keys)) == keys


@given(IMAGES)
def test_an_items_key_is_json_dumps_sorted_and_compact(keys: dict[str, Any]) -> None:
    """Property: the encoder made once (issue 17) writes what json.dumps writes with those settings."""
    assert item_key(keys) == json.dumps(keys, sort_keys=True, separators=(",", ":"))


@given(IMAGES, IMAGES, st.sampled_from(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]))
def test_the_images_are_ordered_once_and_every_record_carries_that_order(old: dict[str, Any], new: dict[str, Any],
                                                                          view_type: str) -> None:
    """Property: GetRecords' record and each mapping's event share the images ordered once, as
    ``aws_order`` orders them (issue 17), and building a record changes none of them."""
    keys = {"id": {"S": "1"}}
    change = item_change(event_id="e", region="eu-west-1", created=AT, keys=keys, old=old, new=new,
                         sequence_number="1", view_type=view_type)
    expected = [aws_order(image) if image is not None else None
                for image in (change.keys, change.new_image, change.old_image)]
    assert list(change.ordered) == expected
    before = json.dumps(expected)
    for record in (lambda_record(change, ARN), lambda_record(change, ARN), stream_record(change)):
        dynamodb = record["dynamodb"]
        assert [dynamodb.get(name) for name in ("Keys", "NewImage", "OldImage")] == expected
        assert [list(dynamodb.get(name) or {}) for name in ("Keys", "NewImage", "OldImage")] == [
            list(image or {}) for image in expected]  # the attributes' order too
    assert json.dumps(list(change.ordered)) == before


@given(st.integers(1, 10**37), st.integers(0, 5), st.integers(0, 5))
def test_leading_and_trailing_zeros_of_a_number_do_not_count(number: int, leading: int, trailing: int) -> None:
    digits = str(number).rstrip("0")
    assert number_size("0" * leading + str(number) + "0" * trailing) == math.ceil(len(digits) / 2) + 1


def test_a_change_keeps_what_it_was_given() -> None:
    """A record read back from moto's own form (written before a mock started) is rebuilt from
    its fields as they are."""
    change = Change(event_id="e", event_name="REMOVE", region="eu-west-1", created=AT, keys=KEYS, new_image=None,
                    old_image=None, sequence_number="7", view_type="KEYS_ONLY")
    assert lambda_record(change, ARN)["eventName"] == "REMOVE" and change.size_bytes == 6
