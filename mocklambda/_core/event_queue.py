"""The asynchronous event queue: due-time ordering, AWS's retry policy, one final outcome per event.

Pure Python, no moto: what an attempt *does* (run the handler, see a throttle) and what happens
at the end (records, dead-letter messages) are callbacks supplied by the pipeline.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from typing import Literal, NamedTuple

from .._model import (
    AttemptRecord,
    ExecutionResult,
    FunctionSnapshot,
    Invocation,
    InvocationRequest,
    QueuedEvent,
    Status,
    Timer,
)
from ..errors import MockLambdaError
from .clock import Clock
from .recursion import RECURSION_CONDITION
from .retry_policy import Decision, RetrySettings, after_function_error, after_throttle

MAX_ATTEMPTS_PER_SETTLE = 1_000_000
OutcomeKind = Literal["run", "throttle", "system_error", "zero_concurrency", "recursive_loop", "function_deleted"]
FUNCTION_DELETED = "FunctionDeleted"  # our condition (no AWS one): the event's function went before it ran
Item = QueuedEvent | Timer


class AttemptOutcome(NamedTuple):
    """What one attempt came to: the function ran (``result``), or it did not, and why."""

    kind: OutcomeKind
    result: ExecutionResult | None = None
    settings: RetrySettings = RetrySettings()


class Calendar:
    """Queued items by due time, first in first out within one time. Popping is O(1) for the many
    events due at one instant (the virtual clock's common case: a burst of invokes, a drain) and
    O(log n) over distinct times, where a heap of all items costs O(log n) for each. Items are kept
    as they are (their ``sequence`` orders them within a time): nothing is allocated per item."""

    __slots__ = ("_times", "_slots")

    def __init__(self) -> None:
        self._times: list[float] = []  # a heap of the distinct due times
        self._slots: dict[float, deque[Item]] = {}

    def push(self, due: float, item: Item) -> None:
        """Within one due time items run by ``sequence`` (acceptance order): a retry pushed long
        ago and an event accepted before it was but requeued since run in acceptance order."""
        slot = self._slots.get(due)
        if slot is None:  # the time first: a push cut short (by a handler's timeout) loses nothing
            heapq.heappush(self._times, due)
            self._slots[due] = deque((item,))
        elif not slot or slot[-1].sequence <= item.sequence:  # the common case: pushed in acceptance order
            slot.append(item)
        else:
            position = len(slot)
            while position and slot[position - 1].sequence > item.sequence:
                position -= 1
            slot.insert(position, item)

    def __bool__(self) -> bool:
        times = self._times
        while times and times[0] not in self._slots:  # left by a push cut short, or a duplicate
            heapq.heappop(times)
        return bool(times)

    def next_time(self) -> float:
        return self._times[0]

    def head(self) -> tuple[float, int]:
        """(due time, sequence) of the next item."""
        due = self._times[0]
        return due, self._slots[due][0].sequence

    def pop(self) -> tuple[float, Item]:
        due = self._times[0]
        slot = self._slots[due]
        item = slot.popleft()
        if not slot:
            del self._slots[due]
            heapq.heappop(self._times)
        return due, item

    def pop_due(self, until: float) -> tuple[float, Item] | None:
        """The next item if it is due at or before ``until`` (``bool``, ``next_time`` and ``pop``
        in one: the drain's hot path)."""
        times, slots = self._times, self._slots
        while times:
            due = times[0]
            slot = slots.get(due)
            if slot is None:  # left by a push cut short, or a duplicate
                heapq.heappop(times)
                continue
            if due > until:
                return None
            item = slot.popleft()
            if not slot:
                del slots[due]
                heapq.heappop(times)
            return due, item
        return None

    def entries(self) -> list[tuple[float, Item]]:
        """Every item, in the order they will run."""
        return [(due, item) for due in sorted(self._slots) for item in self._slots[due]]


class EventQueue:
    """Accepted events and timers in due order; runs them through the attempt and finish
    callbacks, applying AWS's retry rules in between."""

    def __init__(
        self,
        clock: Clock,
        attempt: Callable[[QueuedEvent], AttemptOutcome],
        finish: Callable[[QueuedEvent], None],
        around_run: Callable[[], AbstractContextManager[None]] = nullcontext,
        before_timer: Callable[[], None] = lambda: None,
    ) -> None:
        self.clock = clock
        self._attempt = attempt
        self._finish = finish
        self._around_run = around_run  # wraps each run of the queue (the mock batches attempts)
        self._before_timer = before_timer  # a timer's work runs in the test's state, not a handler's
        self._queue = Calendar()
        self._background: list[tuple[float, int, Item]] = []
        self._sequence = itertools.count()
        self._heap_lock = threading.Lock()
        self._run_lock = threading.RLock()
        self._running = False
        self._runner: int | None = None
        self.events: list[QueuedEvent] = []
        self.wakeup = threading.Condition(self._heap_lock)
        clock.on_advance(self.run_due)

    # -- accepting ---------------------------------------------------------------------------

    def submit(self, function: FunctionSnapshot, request: InvocationRequest,
               stopped_as_recursive: bool = False) -> QueuedEvent:
        """``stopped_as_recursive`` is set before the event is visible: in realtime mode a worker may
        take it the moment it is pushed."""
        event = QueuedEvent(function, request, enqueued_at=self.clock.offset(), sequence=next(self._sequence))
        if stopped_as_recursive:  # (set only then: a queued event's progress is made when first set)
            event.stopped_as_recursive = True
        with self._heap_lock:
            self.events.append(event)
            self._push(event, event.enqueued_at)
        return event

    def _push(self, item: Item, due: float) -> None:
        self._queue.push(due, item)
        self.wakeup.notify_all()

    def call_at(self, due: float, callback: Callable[[], None], description: str,
                background: bool = False) -> Timer:
        """Run ``callback`` from the queue at virtual time ``due`` (in order with attempts).

        Background work (a schedule, a message that a queue would redeliver forever) runs when
        the clock passes its time, but ``run_until_idle`` does not move the clock to reach it."""
        timer = Timer(callback, description, background, next(self._sequence))
        with self._heap_lock:
            if background:
                heapq.heappush(self._background, (max(due, self.clock.offset()), timer.sequence, timer))
                self.wakeup.notify_all()
            else:
                self._push(timer, max(due, self.clock.offset()))
        return timer

    # -- running -----------------------------------------------------------------------------

    def next_due(self, include_background: bool = False) -> float | None:
        with self._heap_lock:
            dues = [self._queue.head()[0]] if self._queue else []
            if include_background and self._background:
                dues.append(self._background[0][0])
            return min(dues) if dues else None

    def pending(self) -> list[QueuedEvent]:
        with self._heap_lock:
            return [item for _, item in self._queue.entries() if isinstance(item, QueuedEvent)]

    def pending_timers(self) -> list[tuple[float, Timer]]:
        with self._heap_lock:
            return [(due, item) for due, item in self._queue.entries() if isinstance(item, Timer)]

    def run_due(self, until: float) -> None:
        """Run, in due order, every attempt due at or before ``until`` (including ones that
        those attempts schedule), moving the clock to each attempt's due time.

        Returns at once when re-entered by the thread already running the queue (a delivery);
        another thread waits for that run to end first (handler threads never call this)."""
        with self._run_lock:
            if self._running:
                return
            self._running = True
            self._runner = threading.get_ident()
            try:
                with self._around_run():
                    for _ in range(MAX_ATTEMPTS_PER_SETTLE):
                        event = self.pop_due(until)
                        if event is None:
                            return
                        self.process(event)
                raise MockLambdaError(
                    f"more than {MAX_ATTEMPTS_PER_SETTLE} attempts without the queue draining: "
                    "functions are probably invoking each other in an endless loop"
                )
            finally:
                self._running = False

    def run_until(self, done: Callable[[], bool], until: float) -> None:
        """Run due items in order, moving the clock, until ``done()`` or none is due by ``until``;
        from inside a run too (a stream or SQS batch waiting for a durable execution runs the
        items that come due meanwhile itself, as its synchronous invoke waits on AWS)."""
        with self._run_lock:
            nested = self._running and self._runner == threading.get_ident()
            if not nested:
                self._running, self._runner = True, threading.get_ident()
            try:
                with nullcontext() if nested else self._around_run():
                    while not done():
                        item = self.pop_due(until)
                        if item is None:
                            return
                        self.process(item)
            finally:
                if not nested:
                    self._running = False

    def run_until_idle(self) -> None:
        while True:
            with self._run_lock:  # another thread's run may hold popped events: wait for it to end
                if self._running and self._runner == threading.get_ident():
                    return  # re-entered from inside a run: the outer run drains the queue
                due = self.next_due()
                if due is None:
                    return
                self.run_due(max(due, self.clock.offset()))

    def pop_due(self, until: float) -> Item | None:
        """Take the next item due at or before ``until`` off the queue (moving the clock to it)."""
        with self._heap_lock:
            queue, background = self._queue, self._background
            if not background:  # the drain's common case
                found = queue.pop_due(until)
                if found is None:
                    return None
                due, item = found
            elif background[0][0] <= until and (not queue or background[0][:2] < queue.head()):
                due, _, item = heapq.heappop(background)
            elif queue and queue.next_time() <= until:
                due, item = queue.pop()
            else:
                return None
        self.clock.jump_to(due)
        return item

    def process(self, item: Item) -> None:
        """One attempt of a popped event, and what follows from it (a retry, or the end); or a
        timer's work."""
        if isinstance(item, Timer):
            try:
                self._before_timer()
                item.callback()
            except Exception:  # noqa: BLE001 - a timer's own code records its failures
                pass
            return
        event = item
        now = self.clock.offset()
        at = self.clock.now()
        try:
            outcome = self._attempt(event)
        except KeyboardInterrupt:  # Ctrl-C during an attempt on the test's thread: stop, lose nothing
            with self._heap_lock:
                self._push(event, now)
            raise
        except Exception as error:  # a fault of ours must not lose the event: retry it like a 5xx
            event.attempts += (AttemptRecord(at, "MockLambda.InternalError", f"{type(error).__name__}: {error}",
                                     kind="system_error"),)
            event.throttles += 1
            self._follow(event, after_throttle(event.throttles, now - event.enqueued_at, RetrySettings()), now)
            return
        age = now - event.enqueued_at
        if outcome.kind == "zero_concurrency":  # spec 2.9: no attempt, no retry
            self._final(event, "ZeroReservedConcurrency")
            return
        if outcome.kind == "function_deleted":  # nothing left to run it, nor to deliver to
            self._final(event, FUNCTION_DELETED)
            return
        if outcome.kind == "recursive_loop":  # spec 7.2: stopped, straight to DLQ / on-failure
            self._final(event, RECURSION_CONDITION)
            return
        if outcome.kind in ("throttle", "system_error"):
            event.throttles += 1
            error_type = "Throttled" if outcome.kind == "throttle" else "ServiceException"
            event.attempts += (AttemptRecord(at, error_type, kind=outcome.kind),)
            self._follow(event, after_throttle(event.throttles, age, outcome.settings), now)
            return
        result = outcome.result
        assert result is not None
        event.last_result = result
        event.attempts += (AttemptRecord(at, result.error_type, result.error_message, result.payload),)
        if not result.failed:
            self._final(event, "Success")
            return
        event.function_errors += 1
        self._follow(event, after_function_error(event.function_errors, age, outcome.settings), now)

    def _follow(self, event: QueuedEvent, decision: Decision, now: float) -> None:
        if decision.condition is not None:
            self._final(event, decision.condition)
        else:
            assert decision.delay is not None
            with self._heap_lock:
                self._push(event, now + decision.delay)

    def _final(self, event: QueuedEvent, condition: str) -> None:
        event.condition = condition
        event.finished_at = self.clock.offset()
        try:
            self._finish(event)
        except Exception as error:  # the outcome stands; say why its deliveries did not happen
            event.delivery_errors += (f"mocklambda internal error: {type(error).__name__}: {error}",)
        event.last_result = None  # its records are made; the attempts keep what tests look at

    # -- looking -----------------------------------------------------------------------------

    def snapshot(self, event: QueuedEvent) -> Invocation:
        status: Status = "queued" if event.condition is None else (
            "succeeded" if event.condition == "Success" else "failed")
        start = self.clock.started_at
        return Invocation(
            request_id=event.request_id,
            function_arn=event.qualified_arn,
            payload=event.decoded_payload(),
            status=status,
            condition=event.condition,
            attempts=tuple(attempt.public() for attempt in event.attempts),
            delivered_to=event.delivered_to,
            delivery_errors=event.delivery_errors,
            enqueued_at=start + timedelta(seconds=event.enqueued_at),
            finished_at=None if event.finished_at is None else start + timedelta(seconds=event.finished_at),
        )
