"""Events in, results out, as AWS's Python runtime does it: the JSON the handler receives and the
JSON its result becomes (spec 9.4-9.5)."""

from __future__ import annotations

import decimal
import functools
import json
import threading
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import Any

from .._model import json_nesting_room


def _decimal_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # the runtime's encoder writes Decimals as numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_DECODER = json.JSONDecoder()
_scan = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner, set in __init__


def decode_event(payload: bytes) -> Any:
    """The handler's ``event``: a fresh object every attempt (an empty payload is ``{}``).
    Payloads are valid JSON by now (Invoke checks them), so the scanner is called directly."""
    with json_nesting_room(payload):
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:  # not from Invoke (validated UTF-8): let json find the encoding
            return json.loads(payload)
        if text[:1] in ("{", "["):
            return _scan(text, 0)[0]
        return _DECODER.decode(text) if text.strip() else {}


_thread_encoders = threading.local()


def marshal(result: Any, runtime: str | None) -> bytes:
    """The handler's result as the Python runtime sends it (``json.dumps``, ASCII before 3.12):
    the C encoder that ``json.dumps`` makes on every call, made once per thread instead."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    ascii_only = not _at_least(runtime, (3, 12))
    if c_make_encoder is None:  # pragma: no cover - CPython always has it
        return json.dumps(result, default=_decimal_default, ensure_ascii=ascii_only).encode("utf-8")
    encoders = getattr(_thread_encoders, "by_ascii", None)
    if encoders is None:
        encoders = _thread_encoders.by_ascii = {}
    encode = encoders.get(ascii_only)
    if encode is None:
        encode = encoders[ascii_only] = c_make_encoder(
            {}, _decimal_default, encode_basestring_ascii if ascii_only else encode_basestring,
            None, ": ", ", ", False, False, True)
    try:
        return "".join(encode(result, 0)).encode("utf-8")
    except BaseException:
        del encoders[ascii_only]  # its cycle markers may be left half-filled
        raise


@functools.lru_cache(maxsize=64)
def _at_least(runtime: str | None, version: tuple[int, int]) -> bool:
    try:
        major, minor = (runtime or "").replace("python", "").split(".")[:2]
        return (int(major), int(minor)) >= version
    except ValueError:
        return True
