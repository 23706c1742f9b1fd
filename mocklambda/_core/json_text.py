"""``json.dumps`` for values mocklambda builds itself, which never contain a cycle: the C encoder
made once, without the cycle check (it records every dict and list it enters: for a stream
batch's nested DynamoDB images that check is about a third of the encoding). The text is
``json.dumps``' own."""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any


def acyclic_dumps(*, sort_keys: bool = False, separators: tuple[str, str] = (", ", ": ")) -> Callable[[Any], str]:
    """A function that writes what ``json.dumps(value, sort_keys=..., separators=...)`` writes for
    any value without a cycle (a cycle would end in RecursionError, not ValueError)."""
    item_separator, key_separator = separators
    if c_make_encoder is None:  # pragma: no cover - CPython has the C encoder
        return lambda value: json.dumps(value, sort_keys=sort_keys, separators=separators)
    encode = c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None, key_separator,
                            item_separator, sort_keys, False, True)
    return lambda value: "".join(encode(value, 0))
