"""Request ids are random version 4 UUIDs, as AWS's are (spec 1.25: the invocation's id)."""

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from mocklambda._core import request_ids


def test_each_id_is_a_version_4_uuid_in_canonical_form() -> None:
    for _ in range(1_000):
        text = request_ids.new_request_id()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_ids_do_not_repeat() -> None:
    ids = {request_ids.new_request_id() for _ in range(50_000)}
    assert len(ids) == 50_000


@given(st.integers(min_value=0, max_value=2**128 - 1))
@settings(max_examples=300)
def test_every_draw_becomes_a_valid_uuid(bits: int) -> None:
    class Fixed:
        def getrandbits(self, k: int) -> int:
            assert k == 128
            return bits

    original = request_ids._random
    request_ids._random = Fixed()  # type: ignore[assignment]
    try:
        text = request_ids.new_request_id()
    finally:
        request_ids._random = original
    parsed = uuid.UUID(text)
    assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
    # every bit that is not the version's or the variant's is the draw's
    mask = ~((0xF000 << 64) | (0xC000 << 48)) & (2**128 - 1)
    assert parsed.int & mask == bits & mask


def test_seeding_the_random_module_does_not_change_our_ids() -> None:
    import random

    random.seed(7)
    first = request_ids.new_request_id()
    random.seed(7)
    assert request_ids.new_request_id() != first
    random.seed(7)
    draws = [random.random() for _ in range(3)]
    random.seed(7)
    request_ids.new_request_id()
    assert [random.random() for _ in range(3)] == draws  # the test's own sequence is untouched


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    import os

    if not hasattr(os, "fork"):
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        os.write(write_end, request_ids.new_request_id().encode())
        os._exit(0)
    os.close(write_end)
    parents = request_ids.new_request_id()
    os.waitpid(pid, 0)
    childs = os.read(read_end, 100).decode()
    os.close(read_end)
    assert uuid.UUID(childs).version == 4 and childs != parents
