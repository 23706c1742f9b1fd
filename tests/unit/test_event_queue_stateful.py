"""The queue's promise, checked by a Hypothesis state machine: every accepted event ends in exactly
one final outcome, at the times AWS's rules give, whatever the mix of events and clock moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mocklambda._core.retry_policy import RetrySettings

from .builders import DEFAULT_SETTINGS, Kind, ScriptedQueue

SIX_HOURS = 21600
RECORD_KIND = {"ok": "run", "fail": "run", "throttle": "throttle", "system_error": "system_error",
               "crash": "system_error"}
FINAL_CONDITION = {"ok": "Success", "zero": "ZeroReservedConcurrency", "recursive": "RecursiveInvocationException"}


@dataclass(frozen=True)
class Expected:
    times: tuple[float, ...]  # clock offsets of every attempt callback
    record_kinds: tuple[str, ...]  # the AttemptRecords the event keeps
    condition: str


def aws_schedule(script: Sequence[Kind], then: Kind, config: RetrySettings, enqueued_at: float) -> Expected:
    """The oracle, straight from the spec: function errors wait 60 s then 120 s and use up
    MaximumRetryAttempts (2.2, 2.4); throttles and system errors back off 1 s, 2 s, 4 s ... at most
    300 s without using retries (2.5); an event gives up when its next try would come at or after
    MaximumEventAgeInSeconds (2.6, 2.7); zero concurrency (2.9) and recursion (7.2) stop it at once.
    An attempt that crashes inside mocklambda is retried as a system error, with the default age."""
    times: list[float] = []
    kinds: list[str] = []
    at, errors, throttles = enqueued_at, 0, 0
    while True:
        kind = script[len(times)] if len(times) < len(script) else then
        times.append(at)
        if kind in FINAL_CONDITION:
            kinds += [RECORD_KIND[kind]] if kind == "ok" else []
            return Expected(tuple(times), tuple(kinds), FINAL_CONDITION[kind])
        kinds.append(RECORD_KIND[kind])
        if kind == "fail":
            errors += 1
            if errors > config.max_retry_attempts:
                return Expected(tuple(times), tuple(kinds), "RetriesExhausted")
            delay = 60.0 if errors == 1 else 120.0
        else:
            throttles += 1
            delay = min(300.0, 2.0 ** (throttles - 1))
        max_age = SIX_HOURS if kind == "crash" else config.max_event_age
        if at - enqueued_at + delay >= max_age:
            return Expected(tuple(times), tuple(kinds), "EventAgeExceeded")
        at += delay


retry_settings = st.builds(
    RetrySettings,
    max_retry_attempts=st.integers(min_value=0, max_value=2),
    # the boundaries: a retry 60 s or 180 s in, throttles' tries at 1, 3, 7 ... 63, 127 ... 511 s
    max_event_age=st.sampled_from([60, 61, 63, 90, 127, 180, 181, 511, SIX_HOURS])
    | st.integers(min_value=60, max_value=SIX_HOURS),
)
retried_kinds = st.sampled_from(["fail", "throttle", "system_error", "crash"])
final_kinds = st.sampled_from(["ok", "zero", "recursive", "fail", "throttle"])  # fail/throttle: for ever
clock_moves = st.integers(min_value=0, max_value=400) | st.floats(min_value=0, max_value=400, allow_nan=False)


class EventQueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.scripted = ScriptedQueue()
        self.expected: dict[str, Expected] = {}
        self.last_offset = 0.0

    @rule(script=st.lists(retried_kinds, max_size=5), then=final_kinds, config=retry_settings)
    def submit(self, script: list[Kind], then: Kind, config: RetrySettings) -> None:
        if config != DEFAULT_SETTINGS:  # a crash is retried with the default age: keep the oracle's view of age simple
            script = ["system_error" if kind == "crash" else kind for kind in script]
        request_id = f"event-{len(self.expected)}"
        event = self.scripted.submit(request_id, script, then, config)
        assert event.enqueued_at == self.scripted.clock.offset()
        self.expected[request_id] = aws_schedule(script, then, config, event.enqueued_at)

    @rule(seconds=clock_moves)
    def advance(self, seconds: float) -> None:
        self.scripted.clock.advance(seconds)
        due = self.scripted.queue.next_due()
        assert due is None or due > self.scripted.clock.offset()  # everything that came due has run

    @rule()
    def run_until_idle(self) -> None:
        self.scripted.queue.run_until_idle()
        self.check_all_finished()

    def check_all_finished(self) -> None:
        assert self.scripted.queue.pending() == []
        assert self.scripted.queue.next_due() is None
        assert all(event.condition is not None for event in self.scripted.events.values())

    @invariant()
    def the_clock_never_goes_back(self) -> None:
        offset = self.scripted.clock.offset()
        assert offset >= self.last_offset
        self.last_offset = offset

    @invariant()
    def attempts_never_go_back_in_time(self) -> None:
        times = [at for _, at in self.scripted.calls]
        assert times == sorted(times)

    @invariant()
    def each_event_follows_awss_rules_and_ends_once(self) -> None:
        finishes = self.scripted.finish_counts()
        pending = {event.request_id for event in self.scripted.queue.pending()}
        for request_id, event in self.scripted.events.items():
            expected = self.expected[request_id]
            times = tuple(self.scripted.times(request_id))
            assert times == expected.times[:len(times)]
            assert tuple(attempt.kind for attempt in event.attempts) == expected.record_kinds[:len(event.attempts)]
            if event.condition is None:  # still queued, never finished, and not overdue
                assert request_id in pending and finishes[request_id] == 0
                assert expected.times[len(times)] >= self.scripted.clock.offset()
            else:
                assert request_id not in pending and finishes[request_id] == 1
                assert (times, event.condition) == (expected.times, expected.condition)
                assert tuple(attempt.kind for attempt in event.attempts) == expected.record_kinds
                assert event.finished_at == times[-1]

    def teardown(self) -> None:
        self.scripted.queue.run_until_idle()  # whatever was left queued ends, too
        self.check_all_finished()
        self.each_event_follows_awss_rules_and_ends_once()


EventQueueMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=20, deadline=None, database=None)
TestEventQueueMachine = EventQueueMachine.TestCase
