"""``json_text.acyclic_dumps``: json.dumps' own C encoder made once, without the cycle check
(issue 17). Whatever the value, it writes what json.dumps writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.json_text import acyclic_dumps

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@given(JSON)
def test_it_writes_what_json_dumps_writes(value: Any) -> None:
    assert acyclic_dumps()(value) == json.dumps(value)
    compact = acyclic_dumps(sort_keys=True, separators=(",", ":"))
    assert compact(value) == json.dumps(value, sort_keys=True, separators=(",", ":"))


def test_what_json_cannot_write_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(TypeError, match="Object of type bytes is not JSON serializable"):
        acyclic_dumps()({"data": b"raw"})
