"""Tumbling windows' pure rules (``_core.tumbling_windows``): windows partition time, a batch is
cut where its window ends, the event's fields in AWS's order, the state a response returns, and
what an open window does until and after its final invoke. ``S5.<n>``: the stream spec's numbers
(``tests/reference/stream-mappings-spec.md`` §5)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.tumbling_windows import (
    STATE_LIMIT,
    OpenWindow,
    Window,
    leading_in_window,
    returned_state,
    state_size,
    window_event,
    window_of,
)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc))
lengths = st.integers(min_value=1, max_value=900)  # TumblingWindowInSeconds (0: none)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                       max_size=3), max_leaves=4)
states = st.dictionaries(st.text(max_size=4), json_values, max_size=3)
counts = st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=3)  # a running aggregate


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_the_windows_of_awss_sample_events() -> None:
    """S5.2: the Kinesis sample (a 120 s window holding a record that arrived at 1607497475.000) and
    the DynamoDB one (300 s) are aligned to the epoch, bounds in whole seconds with a Z."""
    arrival = EPOCH + timedelta(seconds=1607497475)
    assert window_of(arrival, 120).as_event() == {"start": "2020-12-09T07:04:00Z", "end": "2020-12-09T07:06:00Z"}
    assert window_of(at("2020-07-30T17:03:12.500000"), 300).as_event() == {"start": "2020-07-30T17:00:00Z",
                                                                      "end": "2020-07-30T17:05:00Z"}


def test_a_record_at_a_windows_end_belongs_to_the_next_one() -> None:
    window = window_of(at("2024-01-01T00:00:59.999999"), 60)
    assert window.holds(at("2024-01-01T00:00:59.999999")) and not window.holds(at("2024-01-01T00:01:00"))
    assert window_of(at("2024-01-01T00:01:00"), 60) == Window(window.end, window.end + 60)
    assert not window.ended(at("2024-01-01T00:00:59.999999")) and window.ended(at("2024-01-01T00:01:00"))


@given(times, lengths)
def test_windows_partition_time(arrival: datetime, length: int) -> None:
    """S5.3: every instant belongs to exactly one window, aligned to a multiple of its length."""
    window = window_of(arrival, length)
    assert window.holds(arrival)
    assert window.end - window.start == length and window.start % length == 0
    assert not Window(window.start - length, window.start).holds(arrival)
    assert not Window(window.end, window.end + length).holds(arrival)
    assert window_of(window.end_time() - timedelta(microseconds=1), length) == window
    assert window_of(window.end_time(), length).start == window.end


@given(st.lists(times, min_size=1, max_size=20).map(sorted), lengths)
def test_a_batch_is_cut_where_its_first_window_ends(arrivals: list[datetime], length: int) -> None:
    count = leading_in_window(arrivals, length)
    first = window_of(arrivals[0], length)
    assert 1 <= count <= len(arrivals)
    assert all(first.holds(arrival) for arrival in arrivals[:count])
    assert count == len(arrivals) or not first.holds(arrivals[count])


def test_an_empty_batch_has_nothing_to_cut() -> None:
    assert leading_in_window([], 60) == 0


def test_the_event_has_awss_fields_in_awss_order() -> None:
    """S5.2: KinesisTimeWindowEvent / DynamodbTimeWindowEvent."""
    event = window_event([{"eventID": "1"}], Window(0, 60), {"1": 282}, "shardId-000000000006", "arn:stream")
    assert list(event) == ["Records", "window", "state", "shardId", "eventSourceARN", "isFinalInvokeForWindow",
                           "isWindowTerminatedEarly"]
    assert event["window"] == {"start": "1970-01-01T00:00:00Z", "end": "1970-01-01T00:01:00Z"}
    assert (event["isFinalInvokeForWindow"], event["isWindowTerminatedEarly"]) == (False, False)


@given(states, st.lists(st.fixed_dictionaries({"itemIdentifier": st.text(max_size=3)}), max_size=2))
def test_a_responses_state_is_what_the_window_keeps(state: dict[str, object], failures: list[object]) -> None:
    """S5.4: ``{"state": {...}, "batchItemFailures": [...]}``."""
    payload = json.dumps({"state": state, "batchItemFailures": failures}).encode()
    assert returned_state(payload) == state


@given(st.one_of(json_values.filter(lambda value: not isinstance(value, dict)),
                 st.dictionaries(st.text(max_size=3).filter(lambda key: key != "state"), json_values, max_size=3),
                 st.builds(lambda value: {"state": value}, json_values.filter(lambda v: not isinstance(v, dict)))))
def test_a_response_without_a_state_object_has_none(response: object) -> None:
    """S5.4: then the invocation failed (a state that is not an object is none: ours)."""
    assert returned_state(json.dumps(response).encode()) is None


def test_a_response_that_is_not_json_has_no_state() -> None:
    assert returned_state(b"not json") is None
    assert returned_state(b"") is None


@given(st.lists(counts, min_size=1, max_size=5), times)
def test_the_final_invoke_carries_the_state_of_the_windows_last_invocation(kept: list[dict[str, object]],
                                                                           arrival: datetime) -> None:
    """S5.4, S5.6: each response's state replaces the last; the final invoke hands over the last one
    and has no records; then the window is over (its state dropped)."""
    open_window = OpenWindow(window_of(arrival, 60))
    assert open_window.state == {}
    for state in kept:
        open_window.keep(state)
    final = open_window.final_event("shardId-000000000000", "arn:stream")
    assert final["state"] == kept[-1] and final["Records"] == []
    assert final["isFinalInvokeForWindow"] is True and final["isWindowTerminatedEarly"] is False
    assert open_window.after_final() is None


@given(times, st.integers(min_value=0, max_value=59))
def test_the_final_invoke_is_due_once_the_window_ended_and_its_records_are_done(arrival: datetime,
                                                                               later: int) -> None:
    open_window = OpenWindow(window_of(arrival, 60))
    end = open_window.window.end_time()
    assert not open_window.closes(end - timedelta(microseconds=1), None)  # still open
    assert open_window.closes(end, None)
    assert not open_window.closes(end, end - timedelta(seconds=later, microseconds=1))  # one of its records waits
    assert open_window.closes(end, end + timedelta(seconds=later))  # the next window's record waits behind it


def test_a_state_over_1_mb_ends_the_window_early_and_it_starts_over() -> None:
    """S5.5: measured as compact UTF-8 JSON (ours)."""
    open_window = OpenWindow(window_of(at("2024-01-01T00:00:10"), 60))
    at_limit = {"a": "x" * (STATE_LIMIT - len('{"a":""}'))}
    assert state_size(at_limit) == STATE_LIMIT
    open_window.keep(at_limit)
    assert not open_window.terminated_early and not open_window.closes(at("2024-01-01T00:00:11"), None)
    over = {"a": "é" * ((STATE_LIMIT - len('{"a":""}')) // 2 + 1)}  # two bytes each
    open_window.keep(over)
    assert open_window.terminated_early and open_window.closes(at("2024-01-01T00:00:11"), None)
    final = open_window.final_event("shardId-000000000000", "arn:stream")
    assert (final["state"], final["isFinalInvokeForWindow"], final["isWindowTerminatedEarly"]) == (over, True, True)
    after = open_window.after_final()
    assert after is not None and after.window == open_window.window and after.state == {}
    assert not after.terminated_early and not after.closes(at("2024-01-01T00:00:11"), None)
