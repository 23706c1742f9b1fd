"""Invoke's JSON nesting limit (issue 13 item 12): Jackson's 1000 levels, found without parsing."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.invoke_request import too_deep_at
from mocklambda._model import MAX_JSON_DEPTH

documents = st.recursive(st.one_of(st.integers(), st.text(alphabet='[]{}"\\ab', max_size=6)),
                         lambda children: st.lists(children, max_size=3)
                         | st.dictionaries(st.text(alphabet="[]{k", max_size=3), children, max_size=3),
                         max_leaves=20)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@given(documents, st.integers(0, 3))
def test_the_limit_is_found_exactly_whatever_the_strings_hold(document: object, padding: int) -> None:
    """Property: a document is too deep exactly when wrapping it puts it past the limit; brackets
    inside strings never count."""
    wrap = MAX_JSON_DEPTH - depth_of(document) + padding - 1
    text = "[" * wrap + json.dumps(document) + "]" * wrap
    assert (too_deep_at(text) is not None) == (wrap + depth_of(document) > MAX_JSON_DEPTH)


def test_the_position_is_the_first_bracket_past_the_limit() -> None:
    assert too_deep_at("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is None
    assert too_deep_at(" " + "{\"a\":" * (MAX_JSON_DEPTH + 1)) == 1 + 5 * MAX_JSON_DEPTH


def test_a_value_nested_to_the_limit_encodes_in_the_room_and_the_limit_comes_back() -> None:
    """``deep_json_room`` for a value about to be encoded (the server's control API): Python's
    encoder manages Invoke's deepest payload inside it, even from a thread already deep in calls."""
    import sys

    from mocklambda._model import deep_json_room

    value: list = []
    for _ in range(MAX_JSON_DEPTH - 1):
        value = [value]
    limit = sys.getrecursionlimit()

    def from_deep_in_the_stack(frames: int) -> str:
        if frames:
            return from_deep_in_the_stack(frames - 1)
        with deep_json_room():
            return json.dumps(value)

    assert from_deep_in_the_stack(100) == "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert sys.getrecursionlimit() == limit
