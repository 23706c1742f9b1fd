"""What botocore's REST-JSON parser makes of a successful answer, read without it: a reader made
once per output shape, for the durable SDK's calls answered in-process (``sdk_client``; issue 17).
botocore's parser walks the shape for every response and costs more than the answer itself.

The reader follows botocore's ``RestJSONParser`` rule by rule: structure members in the shape's
order, present and not null; lists (null items kept); maps; strings as they are; integers and
floats through ``int`` and ``float``, booleans through ``ensure_boolean``; timestamps and blobs
through the parser's own functions. Shapes with anything else (header or status-code members, a
payload member, unions, documents, event streams) get no reader: botocore parses those.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import HeadersDict
from botocore.utils import ensure_boolean, lowercase_dict

Reader = Callable[[Any], Any]
_SCALARS: dict[str, Reader] = {"string": lambda value: value, "character": lambda value: value,
                               "integer": int, "long": int, "float": float, "double": float,
                               "boolean": ensure_boolean}
_readers: weakref.WeakKeyDictionary[Any, tuple[Any, Any, Reader | None]] = weakref.WeakKeyDictionary()


class _Unsupported(Exception):
    pass


def reader_for(shape: Any, parser: Any) -> Reader | None:
    """A reader of ``shape``'s JSON body as ``parser`` (a REST-JSON parser) reads it; None when
    botocore must read it."""
    timestamp, blob = getattr(parser, "_timestamp_parser", None), getattr(parser, "_blob_parser", None)
    cached = _readers.get(shape)
    if cached is not None and cached[0] is timestamp and cached[1] is blob:
        return cached[2]
    made: Reader | None = None
    if timestamp is not None and blob is not None and not shape.serialization.get("payload") \
            and not any(member.serialization.get("location") for member in shape.members.values()):
        try:
            made = _reader(shape, timestamp, blob, {})
        except _Unsupported:
            made = None
    _readers[shape] = (timestamp, blob, made)
    return made


def parsed_answer(status: int, headers: dict[str, str], body: str | bytes, read: Reader) -> dict[str, Any]:
    """The parsed response, ``ResponseMetadata`` first, as ``RestJSONParser.parse`` answers a
    2xx response."""
    lowered = {name.lower(): value for name, value in headers.items()}
    received: Any = lowered if len(lowered) == len(headers) else HeadersDict(headers)  # names differing in case
    metadata: dict[str, Any] = {}
    if "x-amzn-requestid" in received:
        metadata["RequestId"] = received["x-amzn-requestid"]
    elif "x-amz-request-id" in received:
        metadata["RequestId"] = received["x-amz-request-id"]
        metadata["HostId"] = received.get("x-amz-id-2", "")
    parsed: dict[str, Any] = {"ResponseMetadata": metadata}
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        document = json.loads(text) if text else {}
    except ValueError:
        document = {"message": text}
    parsed.update(read(document))
    metadata["HTTPStatusCode"] = status
    metadata["HTTPHeaders"] = lowered if received is lowered else lowercase_dict(received)
    return parsed


def _reader(shape: Any, timestamp: Reader, blob: Reader, made: dict[str, Reader]) -> Reader:
    kind = shape.type_name
    if kind in _SCALARS and not shape.serialization.get("jsonvalue"):
        return _SCALARS[kind]
    if kind == "timestamp":
        return timestamp
    if kind == "blob":
        return blob
    if kind == "list":
        return _list_reader(_reader(shape.member, timestamp, blob, made))
    if kind == "map":
        return _map_reader(_reader(shape.key, timestamp, blob, made), _reader(shape.value, timestamp, blob, made))
    if kind == "structure" and not shape.is_document_type and not shape.is_tagged_union \
            and not shape.serialization.get("eventstream"):
        if shape.name in made:  # a recursive shape: its reader, once made
            return lambda value: made[shape.name](value)
        members: list[tuple[str, str, Reader]] = []
        made[shape.name] = _structure_reader(members)
        for name, member in shape.members.items():
            members.append((name, member.serialization.get("name", name), _reader(member, timestamp, blob, made)))
        return made[shape.name]
    raise _Unsupported(kind)


def _structure_reader(members: list[tuple[str, str, Reader]]) -> Reader:
    def read(value: Any) -> Any:
        if value is None:
            return None
        parsed = {}
        for name, key, member in members:
            raw = value.get(key)
            if raw is not None:
                parsed[name] = member(raw)
        return parsed

    return read


def _list_reader(member: Reader) -> Reader:
    return lambda value: [None if item is None else member(item) for item in value]


def _map_reader(key: Reader, value_reader: Reader) -> Reader:
    return lambda value: {key(k): value_reader(v) for k, v in value.items()}
