"""When a message an SQS mapping holds may be received again (``_core.sqs_inflight``): the
queue's visibility timeout from the receive, or ChangeMessageVisibility's timeout counted from the
call (AWS SQS API reference, ChangeMessageVisibility), never less than the floor of a queue
without a redrive policy; nothing for a deleted message."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.sqs_inflight import HOLD, Held, InFlight


def held(handle: str = "h1", deadline: float = 30.0, floor: float = 0.0) -> Held:
    return Held("mapping", "https://queue/123456789012/jobs", "us-east-1", handle, deadline, floor)


def test_a_received_message_waits_for_the_queues_timeout_once_its_run_is_over() -> None:
    table = InFlight()
    table.receive(held(deadline=30.0))
    assert table.due(["h1"], 30.0) == []  # still with the handler
    assert [h.receipt_handle for h in table.settle(["h1"])] == ["h1"]
    assert table.due(["h1"], 29.9) == []
    assert [h.receipt_handle for h in table.due(["h1"], 30.0)] == ["h1"]
    assert len(table) == 0 and table.due(["h1"], 99.0) == []  # shown once


def test_a_change_counts_from_the_call_and_replaces_the_queues_timeout() -> None:
    table = InFlight()
    table.receive(held(deadline=30.0))
    changed = table.change("h1", now=5.0, seconds=120)
    assert changed is not None and changed.deadline == 125.0
    table.settle(["h1"])
    assert table.due(["h1"], 30.0) == []
    assert len(table.due(["h1"], 125.0)) == 1


def test_zero_is_now_except_below_the_floor_of_a_queue_without_redrive() -> None:
    table = InFlight()
    table.receive(held("redrives", floor=0.0))
    table.receive(held("no-redrive", floor=1.0))
    assert table.change("redrives", now=7.0, seconds=0).deadline == 7.0  # type: ignore[union-attr]
    assert table.change("no-redrive", now=7.0, seconds=0).deadline == 8.0  # type: ignore[union-attr]
    assert held(floor=1.0).background and not held(floor=0.0).background


def test_a_message_it_does_not_hold_is_left_to_moto() -> None:
    table = InFlight()
    assert table.change("someone-elses", now=0.0, seconds=60) is None
    assert table.settle(["someone-elses"]) == [] and table.forget("someone-elses") is None


def test_a_deleted_message_is_never_shown_again() -> None:
    table = InFlight()
    table.receive(held())
    assert table.forget("h1") is not None
    assert table.settle(["h1"]) == [] and table.due(["h1"], 1e9) == []


def test_release_hands_back_everything_held() -> None:
    table = InFlight()
    table.receive(held("a"))
    table.receive(held("b"))
    assert sorted(h.receipt_handle for h in table.release()) == ["a", "b"]
    assert len(table) == 0


def test_the_hold_is_sqs_longest_visibility_timeout() -> None:
    assert HOLD == 12 * 3600  # SQS: "The maximum is 12 hours"


@given(
    visibility=st.integers(0, HOLD),
    floor=st.sampled_from([0.0, 1.0]),
    changes=st.lists(st.tuples(st.floats(0, 1000, allow_nan=False), st.integers(0, HOLD)), max_size=5),
    waits=st.lists(st.floats(0, 2 * HOLD, allow_nan=False), min_size=1, max_size=5),
)
def test_a_message_shows_at_its_last_deadline_never_before(visibility: int, floor: float,
                                                           changes: list[tuple[float, int]],
                                                           waits: list[float]) -> None:
    table = InFlight()
    now = 0.0
    table.receive(held(deadline=now + max(visibility, floor), floor=floor))
    expected = max(visibility, floor)
    for elapsed, seconds in changes:  # the handler changes it, any number of times, as time goes by
        now += elapsed
        table.change("h1", now, seconds)
        expected = now + max(seconds, floor)
    table.settle(["h1"])
    shown: list[float] = []
    for at in sorted(now + wait for wait in waits) + [max(expected, now)]:  # looked at, then at its deadline
        taken = table.due(["h1"], at)
        assert taken == [] or at >= expected  # never before its deadline
        shown.extend(h.deadline for h in taken)
    assert shown == [expected]  # once, with the last deadline set
