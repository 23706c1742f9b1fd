"""The asynchronous event queue and its virtual clock, driven by fake attempt and finish callbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core import event_queue
from mocklambda._core.clock import Clock
from mocklambda._core.event_queue import AttemptOutcome, Calendar, EventQueue, Item
from mocklambda._core.retry_policy import RetrySettings
from mocklambda._model import QueuedEvent, Timer
from mocklambda.errors import MockLambdaError

from .builders import (
    DEFAULT_SETTINGS,
    START,
    Kind,
    ScriptedQueue,
    function_arn,
    make_function,
    make_request,
    ok_result,
)


def note(scripted: ScriptedQueue, name: str) -> Callable[[], None]:
    """A timer callback that logs ``name`` next to the attempts, with the time it ran."""
    return lambda: scripted.calls.append((name, scripted.clock.offset()))


def always_ok(event: QueuedEvent) -> AttemptOutcome:
    return AttemptOutcome("run", ok_result())


# -- the calendar ---------------------------------------------------------------------------------


def description_of(item: Item) -> str:
    assert isinstance(item, Timer)
    return item.description


def drain(calendar: Calendar) -> list[tuple[float, str]]:
    popped = []
    while calendar:
        due, item = calendar.pop()
        popped.append((due, description_of(item)))
    return popped


def test_the_calendar_orders_by_due_time_then_by_acceptance() -> None:
    calendar = Calendar()
    pushes = [(5.0, "a"), (1.0, "b"), (5.0, "c"), (0.0, "d"), (1.0, "e"), (5.0, "f")]
    for sequence, (due, name) in enumerate(pushes):
        calendar.push(due, Timer(lambda: None, name, sequence=sequence))
    expected = [(0.0, "d"), (1.0, "b"), (1.0, "e"), (5.0, "a"), (5.0, "c"), (5.0, "f")]
    assert [(due, description_of(item)) for due, item in calendar.entries()] == expected
    assert (calendar.next_time(), calendar.head()) == (0.0, (0.0, 3))
    assert drain(calendar) == expected
    assert not calendar and calendar.entries() == []


def test_many_items_due_at_one_instant_keep_their_order_across_pops_and_pushes() -> None:
    calendar = Calendar()
    for sequence in range(1000):
        calendar.push(7.0, Timer(lambda: None, str(sequence), sequence=sequence))
    first = [description_of(calendar.pop()[1]) for _ in range(10)]
    calendar.push(7.0, Timer(lambda: None, "late", sequence=1000))  # joins the end of the same instant
    calendar.push(3.0, Timer(lambda: None, "earlier", sequence=1001))
    rest = drain(calendar)
    assert first == [str(n) for n in range(10)]
    assert rest[0] == (3.0, "earlier")
    assert [description for _, description in rest[1:]] == [str(n) for n in range(10, 1000)] + ["late"]


def test_a_time_emptied_by_pops_can_be_used_again() -> None:
    calendar = Calendar()
    calendar.push(1.0, Timer(lambda: None, "a", sequence=0))
    assert drain(calendar) == [(1.0, "a")]
    calendar.push(1.0, Timer(lambda: None, "b", sequence=1))
    assert calendar.head() == (1.0, 1)
    assert drain(calendar) == [(1.0, "b")]


# -- attempts, retries and final conditions -------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "then", "config", "times", "condition", "kinds"),
    [
        ((), "ok", DEFAULT_SETTINGS, [0], "Success", ["run"]),
        (("fail",), "ok", DEFAULT_SETTINGS, [0, 60], "Success", ["run", "run"]),  # spec 2.2
        ((), "fail", DEFAULT_SETTINGS, [0, 60, 180], "RetriesExhausted", ["run"] * 3),  # spec 2.2: 1 min, then 2
        ((), "fail", RetrySettings(max_retry_attempts=0), [0], "RetriesExhausted", ["run"]),  # spec 2.4
        ((), "fail", RetrySettings(max_retry_attempts=1), [0, 60], "RetriesExhausted", ["run"] * 2),
        ((), "fail", RetrySettings(max_event_age=60), [0], "EventAgeExceeded", ["run"]),  # spec 2.7
        ((), "fail", RetrySettings(max_event_age=90), [0, 60], "EventAgeExceeded", ["run"] * 2),  # spec 2.7
        (("throttle",) * 3, "ok", DEFAULT_SETTINGS, [0, 1, 3, 7], "Success", ["throttle"] * 3 + ["run"]),  # spec 2.5
        (("system_error",), "ok", DEFAULT_SETTINGS, [0, 1], "Success", ["system_error", "run"]),  # spec 2.5
        # spec 2.5/2.6: throttled until the next try would come at or after the max age
        ((), "throttle", RetrySettings(max_event_age=60), [0, 1, 3, 7, 15, 31], "EventAgeExceeded", ["throttle"] * 6),
        # spec 2.5: throttles do not use up MaximumRetryAttempts
        (("throttle", "fail", "throttle"), "ok", RetrySettings(max_retry_attempts=1), [0, 1, 61, 63], "Success",
         ["throttle", "run", "throttle", "run"]),
        ((), "zero", DEFAULT_SETTINGS, [0], "ZeroReservedConcurrency", []),  # spec 2.9: no attempt, no retry
        (("fail",), "zero", DEFAULT_SETTINGS, [0, 60], "ZeroReservedConcurrency", ["run"]),
        ((), "recursive", DEFAULT_SETTINGS, [0], "RecursiveInvocationException", []),  # spec 7.2
        (("crash",), "ok", DEFAULT_SETTINGS, [0, 1], "Success", ["system_error", "run"]),  # our fault: retried like a 5xx
    ],
)
def test_attempt_times_and_final_condition(script: Sequence[Kind], then: Kind, config: RetrySettings,
                                           times: list[float], condition: str, kinds: list[str]) -> None:
    scripted = ScriptedQueue()
    event = scripted.submit("e", script, then, config)
    scripted.queue.run_until_idle()
    assert scripted.times("e") == times
    assert event.condition == condition
    assert [attempt.kind for attempt in event.attempts] == kinds
    assert event.invoke_count == kinds.count("run")  # spec 3.5: approximateInvokeCount
    assert scripted.finish_counts() == {"e": 1}
    assert event.finished_at == scripted.times("e")[-1] == scripted.clock.offset()
    assert scripted.queue.pending() == []


def test_attempt_records_keep_what_each_attempt_came_to() -> None:
    scripted = ScriptedQueue()
    event = scripted.submit("e", ("throttle", "system_error", "crash", "fail"), then="ok")
    scripted.queue.run_until_idle()
    assert [(attempt.kind, attempt.error_type, attempt.error_message) for attempt in event.attempts] == [
        ("throttle", "Throttled", None),
        ("system_error", "ServiceException", None),
        ("system_error", "MockLambda.InternalError", "RuntimeError: attempt 3 crashed"),
        ("run", "Err", "failure 4"),
        ("run", None, None),
    ]
    assert [attempt.at for attempt in event.attempts] == [START + timedelta(seconds=s) for s in (0, 1, 3, 7, 67)]


def test_throttles_are_retried_for_up_to_six_hours() -> None:
    scripted = ScriptedQueue()
    event = scripted.submit("e", then="throttle")
    scripted.queue.run_until_idle()
    times = scripted.times("e")
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert gaps[:10] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]  # spec 2.5: from 1 s to at most 5 minutes
    assert set(gaps[9:]) == {300}
    assert times[-1] < 21600 <= times[-1] + 300  # spec 2.6: given up when the next try would be too old
    assert (event.condition, event.invoke_count) == ("EventAgeExceeded", 0)


def test_finish_sees_the_condition_and_last_result_once_per_event() -> None:
    scripted = ScriptedQueue()
    scripted.submit("ran", ("fail",))
    scripted.submit("never-ran", then="zero")
    scripted.queue.run_until_idle()
    assert sorted(scripted.finishes) == [
        ("never-ran", "ZeroReservedConcurrency", 0.0, False),  # spec 2.9: no responseContext to build
        ("ran", "Success", 60.0, True),
    ]
    assert all(event.last_result is None for event in scripted.events.values())  # dropped once the records are made


def test_events_due_at_one_instant_run_in_acceptance_order_and_retries_by_due_time() -> None:
    scripted = ScriptedQueue()
    scripted.submit("a", ("fail",))
    scripted.submit("b")
    scripted.submit("c", ("throttle", "fail"))
    scripted.queue.run_until_idle()
    assert scripted.calls == [("a", 0), ("b", 0), ("c", 0), ("c", 1), ("a", 60), ("c", 61)]


def test_a_retry_due_with_a_new_event_runs_first_as_it_was_queued_first() -> None:
    scripted = ScriptedQueue()
    scripted.submit("retried", ("fail",))
    scripted.queue.run_due(0)
    scripted.clock.jump_to(60)  # the clock is at the retry's time, which has not run yet
    scripted.submit("new")
    scripted.queue.run_until_idle()
    assert scripted.calls == [("retried", 0), ("retried", 60), ("new", 60)]


def test_run_due_stops_at_until_and_moves_the_clock_only_to_each_items_time() -> None:
    scripted = ScriptedQueue()
    event = scripted.submit("e", then="fail")
    scripted.queue.run_due(100)
    assert scripted.times("e") == [0, 60]
    assert scripted.clock.offset() == 60
    assert scripted.queue.next_due() == 180 and scripted.queue.pending() == [event]


def test_run_until_stops_as_soon_as_done_and_never_runs_past_until() -> None:
    scripted = ScriptedQueue()
    for due in (10, 20, 30):
        scripted.queue.call_at(due, note(scripted, f"t{due}"), f"t{due}")
    scripted.queue.run_until(lambda: ("t20", 20) in scripted.calls, 100)
    assert scripted.calls == [("t10", 10), ("t20", 20)] and scripted.clock.offset() == 20
    scripted.queue.run_until(lambda: False, 25)
    assert scripted.calls[-1] == ("t20", 20) and scripted.queue.next_due() == 30


def test_run_until_inside_a_run_runs_what_comes_due_meanwhile_in_order() -> None:
    """A mapping's batch waiting for a durable execution runs the queue from inside its own timer
    (``run_due`` re-entered would return at once)."""
    scripted = ScriptedQueue()
    scripted.queue.call_at(50, note(scripted, "later"), "later")
    scripted.queue.call_at(5, note(scripted, "meanwhile"), "meanwhile")

    def batch() -> None:
        scripted.calls.append(("batch", scripted.clock.offset()))
        scripted.queue.run_until(lambda: ("meanwhile", 5) in scripted.calls, 900)
        scripted.calls.append(("batch done", scripted.clock.offset()))

    scripted.queue.call_at(0, batch, "batch")
    scripted.queue.run_due(0)
    assert scripted.calls == [("batch", 0), ("meanwhile", 5), ("batch done", 5)]
    scripted.queue.run_until_idle()
    assert scripted.calls[-1] == ("later", 50)


@given(st.lists(st.integers(0, 100), max_size=12), st.integers(0, 100))
def test_run_until_runs_exactly_the_items_due_by_until_in_due_order(dues: list[int], until: int) -> None:
    scripted = ScriptedQueue()
    for index, due in enumerate(dues):
        scripted.queue.call_at(due, note(scripted, str(index)), str(index))
    scripted.queue.run_until(lambda: False, until)
    ran = [offset for _, offset in scripted.calls]
    assert ran == sorted(due for due in dues if due <= until)


def test_an_attempt_that_raises_is_retried_and_nothing_is_lost() -> None:
    scripted = ScriptedQueue()
    event = scripted.submit("e", ("crash", "crash"), then="ok")
    scripted.queue.run_until_idle()
    assert scripted.times("e") == [0, 1, 3]  # spec 2.5: backed off like a system error
    assert (event.condition, event.invoke_count, scripted.finish_counts()) == ("Success", 1, {"e": 1})


def test_ctrl_c_during_an_attempt_stops_the_run_and_loses_nothing() -> None:
    interrupts = [KeyboardInterrupt()]
    finished: list[QueuedEvent] = []

    def attempt(event: QueuedEvent) -> AttemptOutcome:
        if interrupts:
            raise interrupts.pop()
        return always_ok(event)

    queue = EventQueue(Clock(start=START), attempt, finished.append)
    event = queue.submit(make_function(), make_request())
    with pytest.raises(KeyboardInterrupt):
        queue.run_until_idle()
    assert queue.pending() == [event] and event.attempts == () and finished == []
    queue.run_until_idle()
    assert event.condition == "Success" and finished == [event]


def test_a_finish_callback_that_raises_keeps_the_outcome_and_says_why() -> None:
    def finish(event: QueuedEvent) -> None:
        raise RuntimeError("destination unreachable")

    queue = EventQueue(Clock(start=START), always_ok, finish)
    event = queue.submit(make_function(), make_request())
    queue.run_until_idle()
    assert event.condition == "Success"
    assert event.delivery_errors == ("mocklambda internal error: RuntimeError: destination unreachable",)


def test_events_submitted_by_an_attempt_run_in_the_same_drain() -> None:
    seen: list[str] = []

    def attempt(event: QueuedEvent) -> AttemptOutcome:
        seen.append(event.request_id)
        if event.request_id == "parent":
            queue.submit(make_function(), make_request("child"))
            queue.run_until_idle()  # re-entered from inside the run: returns at once, the outer run drains
            seen.append("back in parent")
        return always_ok(event)

    queue = EventQueue(Clock(start=START), attempt, lambda event: None)
    queue.submit(make_function(), make_request("parent"))
    queue.run_until_idle()
    assert seen == ["parent", "back in parent", "child"]
    assert [event.condition for event in queue.events] == ["Success", "Success"]


def test_an_endless_chain_of_events_is_reported_and_the_queue_stays_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_queue, "MAX_ATTEMPTS_PER_SETTLE", 5)
    spawning = [True]

    def attempt(event: QueuedEvent) -> AttemptOutcome:
        if spawning[0]:
            queue.submit(make_function(), make_request(f"{event.request_id}+"))
        return always_ok(event)

    queue = EventQueue(Clock(start=START), attempt, lambda event: None)
    queue.submit(make_function(), make_request("r"))
    with pytest.raises(MockLambdaError, match="more than 5 attempts"):
        queue.run_until_idle()
    assert [event.request_id for event in queue.pending()] == ["r+++++"]
    spawning[0] = False
    queue.run_until_idle()
    assert [event.condition for event in queue.events] == ["Success"] * 6


def test_each_run_is_wrapped_by_around_run() -> None:
    inside: list[bool] = []
    state = {"in_run": False}

    @contextmanager
    def around_run() -> Iterator[None]:
        state["in_run"] = True
        try:
            yield
        finally:
            state["in_run"] = False

    def attempt(event: QueuedEvent) -> AttemptOutcome:
        inside.append(state["in_run"])
        return always_ok(event)

    queue = EventQueue(Clock(start=START), attempt, lambda event: None, around_run=around_run)
    for number in range(3):
        queue.submit(make_function(), make_request(f"r{number}"))
    queue.run_until_idle()
    assert inside == [True, True, True] and not state["in_run"]


# -- timers ---------------------------------------------------------------------------------------


def test_timers_run_in_order_with_attempts() -> None:
    scripted = ScriptedQueue()
    scripted.submit("e", then="fail")
    scripted.queue.call_at(30, note(scripted, "t30"), "t30")
    scripted.queue.call_at(60, note(scripted, "t60"), "t60")  # made after e was accepted: runs after its retry
    scripted.queue.call_at(500, note(scripted, "t500"), "t500")  # a timer keeps run_until_idle going
    assert [(due, timer.description) for due, timer in scripted.queue.pending_timers()] == [
        (30, "t30"), (60, "t60"), (500, "t500"),
    ]
    scripted.queue.run_until_idle()
    assert scripted.calls == [("e", 0), ("t30", 30), ("e", 60), ("t60", 60), ("e", 180), ("t500", 500)]
    assert scripted.queue.pending_timers() == []


def test_a_timer_due_in_the_past_runs_now_the_clock_never_goes_back() -> None:
    scripted = ScriptedQueue()
    scripted.clock.advance(100)
    timer = scripted.queue.call_at(10, note(scripted, "late"), "late")
    assert scripted.queue.pending_timers() == [(100, timer)]
    scripted.queue.run_until_idle()
    assert scripted.calls == [("late", 100)] and scripted.clock.offset() == 100


def test_a_failing_timer_does_not_stop_the_queue_and_before_timer_runs_first() -> None:
    log: list[str] = []

    def broken() -> None:
        log.append("broken")
        raise RuntimeError("timer failed")

    queue = EventQueue(Clock(start=START), always_ok, lambda event: log.append(event.request_id),
                       before_timer=lambda: log.append("before"))
    queue.call_at(1, broken, "broken")
    queue.call_at(2, lambda: log.append("fine"), "fine")
    queue.submit(make_function(), make_request("e"))
    queue.run_until_idle()
    assert log == ["e", "before", "broken", "before", "fine"]


def test_background_timers_do_not_keep_run_until_idle_going() -> None:
    scripted = ScriptedQueue()

    def tick() -> None:  # a schedule: fires every 100 s, for ever
        note(scripted, "tick")()
        scripted.queue.call_at(scripted.clock.offset() + 100, tick, "every 100 s", background=True)

    scripted.queue.call_at(100, tick, "every 100 s", background=True)
    scripted.submit("e", then="fail")
    scripted.queue.run_until_idle()
    assert scripted.calls == [("e", 0), ("e", 60), ("tick", 100), ("e", 180)]  # passed on the way: run
    assert scripted.clock.offset() == 180  # ... but the clock was not moved on to reach the next one
    assert scripted.queue.next_due() is None
    assert scripted.queue.next_due(include_background=True) == 200
    scripted.clock.advance(250)
    assert scripted.calls[4:] == [("tick", 200), ("tick", 300), ("tick", 400)]
    assert scripted.clock.offset() == 430


# -- the clock ------------------------------------------------------------------------------------


def test_clock_advance_runs_what_comes_due_at_its_due_time() -> None:
    scripted = ScriptedQueue()
    event = scripted.submit("e", then="fail")
    scripted.clock.advance(0)
    assert scripted.times("e") == [0]
    scripted.clock.advance(59.5)
    assert scripted.times("e") == [0] and scripted.clock.offset() == 59.5
    scripted.clock.advance(0.5)
    assert scripted.times("e") == [0, 60]
    scripted.clock.advance(timedelta(minutes=5))
    assert scripted.times("e") == [0, 60, 180]
    assert (event.condition, event.finished_at, scripted.clock.offset()) == ("RetriesExhausted", 180, 360)
    assert scripted.clock.now() == START + timedelta(seconds=360) and scripted.clock.started_at == START


@pytest.mark.parametrize(
    "amount", [-1, -0.001, float("nan"), timedelta(seconds=-1), float("inf"), 101 * 366 * 86400.0],
)
def test_clock_advance_refuses_to_go_back_or_too_far(amount: float | timedelta) -> None:
    scripted = ScriptedQueue()
    scripted.submit("e")
    with pytest.raises(ValueError):
        scripted.clock.advance(amount)
    assert scripted.clock.offset() == 0 and scripted.calls == []


@pytest.mark.parametrize("rate", [-1.0, float("nan")])
def test_a_clock_rate_must_be_zero_or_more(rate: float) -> None:
    with pytest.raises(MockLambdaError):
        Clock(rate=rate)


def test_the_virtual_clock_moves_only_when_told_and_never_back() -> None:
    clock = Clock(start=START)
    heard: list[tuple[float, float]] = []
    clock.on_advance(lambda target: heard.append((target, clock.offset())))
    assert clock.is_virtual and clock.now() == START and clock.offset() == 0
    clock.jump_to(50)
    clock.jump_to(20)  # behind: ignored
    assert clock.offset() == 50 and clock.elapsed == timedelta(seconds=50)
    clock.advance(10)
    assert heard == [(60, 50)]  # the listener runs what is due before the clock moves
    assert clock.now() == START + timedelta(seconds=60)


def test_a_scaled_clock_runs_by_itself_and_advance_adds_to_it() -> None:
    clock = Clock(rate=100.0, start=START)
    assert not clock.is_virtual
    clock.advance(10)
    first = clock.offset()
    assert first >= 10
    clock.jump_to(first + 1000)  # wall time is not jumped: later items run early instead
    assert first <= clock.offset() < first + 1000


# -- what tests see -------------------------------------------------------------------------------


def test_snapshot_shows_an_events_progress() -> None:
    scripted = ScriptedQueue()
    succeeding, failing = scripted.submit("s", ("fail",)), scripted.submit("f", then="fail")
    queued = scripted.queue.snapshot(succeeding)
    assert (queued.status, queued.condition, queued.attempts, queued.finished_at) == ("queued", None, (), None)
    assert (queued.payload, queued.function_arn, queued.enqueued_at) == ({"key": "value"}, function_arn() + ":$LATEST",
                                                                         START)
    scripted.queue.run_until_idle()
    done = scripted.queue.snapshot(succeeding)
    assert (done.status, done.condition, done.finished_at) == ("succeeded", "Success", START + timedelta(seconds=60))
    assert [attempt.result for attempt in done.attempts] == [{"errorMessage": "failure 1", "errorType": "Err"},
                                                             {"ok": True}]
    assert [attempt.at for attempt in done.attempts] == [START, START + timedelta(seconds=60)]
    assert (scripted.queue.snapshot(failing).status, scripted.queue.snapshot(failing).condition) == (
        "failed", "RetriesExhausted")


def test_a_clock_takes_its_start_first_and_tells_its_time_scale() -> None:
    assert Clock(START).now() == START  # the start stays the first argument, as before the rate came
    assert Clock(START).time_scale is None  # virtual
    assert Clock(START, rate=100.0).time_scale == 0.01  # mock_lambda(mode="realtime", time_scale=0.01)


def test_items_due_at_one_instant_run_in_acceptance_order_whenever_they_were_pushed() -> None:
    """Issue 13 item 14 (README: by due time, then by acceptance): a retry pushed early and an
    event accepted before it but pushed later, both due at one instant."""
    calendar = Calendar()
    calendar.push(63.0, Timer(lambda: None, "retry of the event accepted fifth", sequence=5))
    calendar.push(63.0, Timer(lambda: None, "event accepted second, requeued later", sequence=2))
    calendar.push(63.0, Timer(lambda: None, "ninth", sequence=9))
    calendar.push(63.0, Timer(lambda: None, "first", sequence=1))
    assert [description_of(calendar.pop()[1]) for _ in range(4)] == [
        "first", "event accepted second, requeued later", "retry of the event accepted fifth", "ninth"]


@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 63.0]), st.integers(0, 50)), max_size=40))
def test_the_calendar_pops_by_due_time_then_sequence(pushes: list[tuple[float, int]]) -> None:
    """Property: whatever order items are pushed in, they come out sorted by (due, sequence),
    equal keys in push order."""
    calendar = Calendar()
    for index, (due, sequence) in enumerate(pushes):
        calendar.push(due, Timer(lambda: None, str(index), sequence=sequence))
    popped = []
    while calendar:
        due, item = calendar.pop()
        popped.append((due, int(description_of(item))))
    expected = sorted(((due, sequence, index) for index, (due, sequence) in enumerate(pushes)))
    assert popped == [(due, index) for due, _, index in expected]


@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0, 63.0]), st.integers(0, 50)), max_size=40),
       st.sampled_from([0.0, 1.0, 63.0, 100.0]))
def test_pop_due_is_pop_of_what_is_due(pushes: list[tuple[float, int]], until: float) -> None:
    """Property: ``pop_due(until)`` pops exactly what ``pop`` would while the head is due, then None."""
    calendars = Calendar(), Calendar()
    for index, (due, sequence) in enumerate(pushes):
        for calendar in calendars:
            calendar.push(due, Timer(lambda: None, str(index), sequence=sequence))
    fast, slow = calendars
    expected = []
    while slow and slow.next_time() <= until:
        expected.append(slow.pop())
    popped = []
    while (found := fast.pop_due(until)) is not None:
        popped.append(found)
    assert [(due, description_of(item)) for due, item in popped] == [
        (due, description_of(item)) for due, item in expected]
    assert [(due, description_of(item)) for due, item in fast.entries()] == [
        (due, description_of(item)) for due, item in slow.entries()]


def test_an_event_stopped_as_recursive_is_marked_before_anyone_can_take_it() -> None:
    """Issue 17 review: the mark was set after ``submit`` had pushed the event, so a realtime
    worker could take it first and run the loop's next invocation (spec 7.2)."""
    queue = EventQueue(Clock(rate=0.0, start=START), always_ok, lambda event: None)
    seen: list[bool] = []
    push = queue._push

    def watched_push(item: Item, due: float) -> None:
        assert isinstance(item, QueuedEvent)
        seen.append(item.stopped_as_recursive)  # what a worker woken by this push would see
        push(item, due)

    queue._push = watched_push  # type: ignore[method-assign]
    stopped = queue.submit(make_function(), make_request("loop"), stopped_as_recursive=True)
    admitted = queue.submit(make_function(), make_request("fine"))
    assert seen == [True, False]
    assert (stopped.stopped_as_recursive, admitted.stopped_as_recursive) == (True, False)
