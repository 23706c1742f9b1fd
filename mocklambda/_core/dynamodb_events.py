"""DynamoDB Streams records as AWS writes them, for GetRecords and for Lambda's event: pure
builders over items in DynamoDB's JSON form (``{"name": {"S": "..."}}``, binaries as base64).

What AWS fixes and these builders follow (recorded in ``test_lambda_integration_dynamodbstreams``;
spec of the DynamoDB Streams API, ``StreamRecord``):

* key order ``eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb`` (Lambda adds
  ``eventSourceARN``), and inside ``dynamodb`` the API's member order: ``ApproximateCreationDateTime,
  Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType``; an item's attributes in
  the order a Java HashMap iterates them (``java_hashmap``: every recorded order);
* ``eventVersion`` "1.1"; the table's own region;
* ``ApproximateCreationDateTime`` rounded down to the second; in Lambda's event, epoch seconds as a
  float (``1693997155.0``: LocalStack's validated test asserts a float);
* ``NewImage`` / ``OldImage`` only as the stream's view type asks and as the change has them
  (an INSERT has no old image, a REMOVE no new one);
* ``SizeBytes``: the DynamoDB item size (``CapacityUnitCalculations``) of ``Keys`` plus the images
  the record carries, which reproduces every size recorded (70, 58, 54, 46, 39, ...).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from .java_hashmap import iteration_order
from .json_text import acyclic_dumps

Image = dict[str, dict[str, Any]]  # attribute name -> AttributeValue ({"S": "x"}, {"M": {...}}, ...)

VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
RETENTION_SECONDS = 24 * 3600.0  # "stores this information in a log for up to 24 hours" (Streams.html)


@dataclass(frozen=True)
class Change:
    """One item-level modification as its stream records it: the images are those the record
    carries (``item_change`` picks them by the stream's view type)."""

    event_id: str
    event_name: str  # INSERT | MODIFY | REMOVE
    region: str
    created: datetime
    keys: Image
    new_image: Image | None
    old_image: Image | None
    sequence_number: str
    view_type: str

    @cached_property  # read for GetRecords, for each read of the shard and for each batch's size
    def size_bytes(self) -> int:
        return sum(item_size(image) for image in (self.keys, self.new_image, self.old_image) if image is not None)

    @cached_property  # made once, for GetRecords and for each mapping's event
    def ordered(self) -> tuple[Image, Image | None, Image | None]:
        """``Keys``, ``NewImage`` and ``OldImage`` in the order DynamoDB Streams writes them."""
        return (aws_order(self.keys), None if self.new_image is None else aws_order(self.new_image),
                None if self.old_image is None else aws_order(self.old_image))


def item_change(*, event_id: str, region: str, created: datetime, keys: Image, old: Image | None,
                new: Image | None, sequence_number: str, view_type: str) -> Change:
    """The change from item ``old`` to item ``new`` (None where there is none: an INSERT has no
    ``old``, a REMOVE no ``new``), with the images the view type asks for."""
    return Change(event_id=event_id, event_name=event_name(old, new), region=region, created=created, keys=keys,
                  new_image=new if view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else None,
                  old_image=old if view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else None,
                  sequence_number=sequence_number, view_type=view_type)


def event_name(old: Image | None, new: Image | None) -> str:
    if old is None:
        return "INSERT"
    return "REMOVE" if new is None else "MODIFY"


def records_a_change(old: Image | None, new: Image | None) -> bool:
    """Whether a write adds a stream record: a PutItem or UpdateItem that leaves the item as it was
    adds none (AWS does not record writes that change no data)."""
    return old is None or new is None or old != new


def stream_record(change: Change) -> dict[str, Any]:
    """The record as DynamoDB Streams' GetRecords returns it (``ApproximateCreationDateTime`` a
    datetime, which the API's serializer writes as epoch seconds)."""
    return _record(change, change.created.replace(microsecond=0))


def lambda_record(change: Change, stream_arn: str) -> dict[str, Any]:
    """The record as a Lambda event's ``Records`` carries it."""
    record = _record(change, creation_seconds(change.created))
    record["eventSourceARN"] = stream_arn
    return record


def _record(change: Change, created: datetime | float) -> dict[str, Any]:
    keys, new_image, old_image = change.ordered
    dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": created, "Keys": keys}
    if new_image is not None:
        dynamodb["NewImage"] = new_image
    if old_image is not None:
        dynamodb["OldImage"] = old_image
    dynamodb.update(SequenceNumber=change.sequence_number, SizeBytes=change.size_bytes,
                    StreamViewType=change.view_type)
    return {"eventID": change.event_id, "eventName": change.event_name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": change.region, "dynamodb": dynamodb}


def aws_order(image: Image) -> Image:
    """``image`` with its attributes, and those of the maps inside it, in the order DynamoDB Streams
    writes them (a Java HashMap's; list elements keep theirs)."""
    return {name: _ordered_value(image[name]) for name in iteration_order(image)}


def _ordered_value(value: dict[str, Any]) -> dict[str, Any]:
    (kind, content), = value.items()
    if kind == "M":
        return {kind: aws_order(content)}
    if kind == "L":
        return {kind: [_ordered_value(element) for element in content]}
    return value


def creation_seconds(at: datetime) -> float:
    """Epoch seconds rounded down to the second, as a float (``1693997155.0``)."""
    return float(math.floor(at.timestamp()))


def item_key(keys: Image) -> str:
    """An item's key as canonical JSON, ``json.dumps(keys, sort_keys=True, separators=(",", ":"))``:
    records with equal keys are one item's changes, which Lambda keeps in order (also across a
    ParallelizationFactor's batches). Made for every record read, so by an encoder made once."""
    return _key_text(keys)


_key_text = acyclic_dumps(sort_keys=True, separators=(",", ":"))


# --- sizes (docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html) ---------------


def item_size(image: Image) -> int:
    """The size of an item (or of its key): each attribute's UTF-8 name plus its value."""
    return sum(_utf8(name) + value_size(value) for name, value in image.items())


def value_size(value: dict[str, Any]) -> int:
    """One AttributeValue's bytes: strings their UTF-8 length, binaries their raw length, numbers
    one byte per two significant digits plus one, booleans and nulls one, lists and maps 3 plus
    each element and one byte per element, sets the sum of their elements."""
    (kind, content), = value.items()
    if kind == "S":
        return _utf8(content)
    if kind == "N":
        return number_size(content)
    if kind == "B":
        return len(_raw(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(text) for text in content)
    if kind == "NS":
        return sum(number_size(text) for text in content)
    if kind == "BS":
        return sum(len(_raw(blob)) for blob in content)
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(_utf8(name) + value_size(element) + 1 for name, element in content.items())
    raise ValueError(f"not a DynamoDB AttributeValue: {value!r}")


def number_size(text: str) -> int:
    """``ceil(significant digits / 2) + 1``: leading and trailing zeros do not count (zero has none)."""
    try:
        digits = "".join(map(str, Decimal(text).as_tuple().digits))
    except InvalidOperation:
        digits = "".join(char for char in text if char.isdigit())
    return math.ceil(len(digits.strip("0")) / 2) + 1


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def _raw(blob: str | bytes) -> bytes:
    if isinstance(blob, bytes):
        return blob
    try:
        return base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return blob.encode("utf-8", errors="surrogatepass")


# --- binaries: base64 text in JSON (the event), bytes for an API answer moto serializes ------------------------


def map_binaries(image: Image, convert: Callable[[Any], Any]) -> Image:
    """A copy of ``image`` with every binary (``B``, each ``BS`` element, nested in lists and
    maps too) passed through ``convert``."""
    return {name: _map_value(value, convert) for name, value in image.items()}


def _map_value(value: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    (kind, content), = value.items()
    if kind == "B":
        return {kind: convert(content)}
    if kind == "BS":
        return {kind: [convert(blob) for blob in content]}
    if kind == "L":
        return {kind: [_map_value(element, convert) for element in content]}
    if kind == "M":
        return {kind: map_binaries(content, convert)}
    return {kind: list(content) if isinstance(content, list) else content}


def as_base64(blob: Any) -> str:
    """A binary as JSON carries it; base64 text is kept as it is."""
    return base64.b64encode(blob).decode("ascii") if isinstance(blob, (bytes, bytearray)) else str(blob)


def as_bytes(blob: Any) -> bytes:
    """A binary as raw bytes (base64 text decoded)."""
    return bytes(blob) if isinstance(blob, (bytes, bytearray)) else _raw(str(blob))
