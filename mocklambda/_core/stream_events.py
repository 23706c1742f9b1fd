"""A stream mapping's batch as its function receives it, ``{"Records": [...]}``: the payload's
bytes (what ``json.dumps`` writes) and, for the handler, a fresh copy of what ``json.loads`` of
those bytes gives back. Kinesis records, a batch of up to 10,000 flat records, take
``kinesis_events``' template and copy (several times faster than the general encoder and
decoder, the same text and value); other records are written by json.dumps' own encoder (made
once, ``json_text``) and parsed by the runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._model import StreamRecord
from .json_text import acyclic_dumps
from .kinesis_events import record_copy, records_json


def events(records: Sequence[StreamRecord], role: str) -> list[dict[str, Any]]:
    """The records' events, each Kinesis record naming the function's role."""
    return [record.event if "invokeIdentityArn" not in record.event
            else {**record.event, "invokeIdentityArn": role} for record in records]


def batch_payload(records: Sequence[StreamRecord], role: str) -> bytes:
    """``json.dumps({"Records": events(records, role)})``, encoded: the invocation's payload."""
    if not all(record.kinesis for record in records):
        return _text({"Records": events(records, role)}).encode("utf-8")
    # json.dumps writes a list's items joined by ", " (and an empty one as "[]")
    text = ", ".join(records_json([record.event for record in records], role))
    return f'{{"Records": [{text}]}}'.encode()


_text = acyclic_dumps()  # a batch's events are built here and by the sources: no cycle


def batch_event(records: Sequence[StreamRecord], role: str) -> Callable[[], dict[str, Any]] | None:
    """What makes the handler's ``event`` for ``batch_payload(records, role)`` without parsing it
    (a fresh copy each call: a handler may change its event, and a retry sends the same batch);
    None when the runtime has to parse the payload."""
    if not all(record.kinesis for record in records):
        return None
    kept = tuple(record.event for record in records)
    return lambda: {"Records": [record_copy(event, role) for event in kept]}
