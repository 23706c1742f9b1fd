"""Tumbling windows (``TumblingWindowInSeconds``) of Kinesis and DynamoDB stream mappings: which
window a record falls in, the event each invocation of a window gets, the state carried between
them, and when the window's final invoke is due. Pure: the stream poller
(``_pipeline.stream_poller``) applies it to each lane on the mock's clock.

What AWS documents ("Time windows" in "Using AWS Lambda with Amazon Kinesis" / "... with Amazon
DynamoDB"), numbered as in the stream spec (``tests/reference/stream-mappings-spec.md`` §5; tests
cite ``stream spec S5.4``):

- S5.2 the event: ``Records``, ``window`` {``start``, ``end``} (``2020-12-09T07:04:00Z``), ``state``,
  ``shardId``, ``eventSourceARN``, ``isFinalInvokeForWindow``, ``isWindowTerminatedEarly``, in that
  order (``KinesisTimeWindowEvent``, ``DynamodbTimeWindowEvent``).
- S5.3 "Lambda determines tumbling window boundaries based on the time when records were inserted
  into the stream"; each record belongs to one window.
- S5.4 "Each invocation receives a state"; "If the response does not contain a ``state`` property,
  Lambda considers this a failed invocation." The response is ``{"state": {...},
  "batchItemFailures": [...]}``.
- S5.5 "Your state can be a maximum of 1 MB per shard. If it exceeds that size, Lambda terminates
  the window early." AWS's runtime libraries (aws-lambda-go ``TimeWindowProperties``,
  aws-lambda-java-events ``KinesisTimeWindowEvent``) say of ``isWindowTerminatedEarly``: "Set to
  true if window is terminated prematurely. Subsequent invoke will continue the same window with a
  fresh state."
- S5.6 "At the end of the window, the flag ``isFinalInvokeForWindow`` is set to ``true`` [...] and
  then the state is dropped"; "If invocation is unsuccessful, your Lambda function suspends further
  processing until a successful invocation."
- S5.7 "Tumbling windows fully support the existing retry policies ``maxRetryAttempts`` and
  ``maxRecordAge``."

Where AWS is silent this module chooses (README, choices table): windows are aligned to the epoch,
as both of AWS's sample windows are (``07:04:00Z``-``07:06:00Z`` of 120 s, ``17:00:00Z``-
``17:05:00Z``); the final invoke has no records; a state is a JSON object, measured as compact UTF-8
JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

STATE_LIMIT = 1024 * 1024  # bytes of a window's state, as compact JSON (S5.5: "1 MB per shard")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROS = 1_000_000


def _micros(at: datetime) -> int:
    """Whole microseconds since the epoch: exact, where a float timestamp may round across a
    window's boundary."""
    delta = at - _EPOCH
    return (delta.days * 86400 + delta.seconds) * _MICROS + delta.microseconds


def _iso_second(epoch: int) -> str:
    """``2020-12-09T07:04:00Z``, as the window's bounds appear in AWS's sample events."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in whole epoch seconds."""

    start: int
    end: int

    def holds(self, at: datetime) -> bool:
        return self.start * _MICROS <= _micros(at) < self.end * _MICROS

    def ended(self, now: datetime) -> bool:
        return _micros(now) >= self.end * _MICROS

    def end_time(self) -> datetime:
        return datetime.fromtimestamp(self.end, tz=timezone.utc)

    def as_event(self) -> dict[str, str]:
        return {"start": _iso_second(self.start), "end": _iso_second(self.end)}


def window_of(at: datetime, length: int) -> Window:
    """The window of ``length`` seconds a record that arrived at ``at`` belongs to."""
    start = _micros(at) // (length * _MICROS) * length
    return Window(start, start + length)


def leading_in_window(arrivals: Sequence[datetime], length: int) -> int:
    """How many of a batch's records (oldest first) share the first one's window: an invocation
    carries one window, so a batch is cut there."""
    if not arrivals:
        return 0
    window = window_of(arrivals[0], length)
    count = 1
    while count < len(arrivals) and window.holds(arrivals[count]):
        count += 1
    return count


def window_event(records: list[dict[str, Any]], window: Window, state: dict[str, Any], shard_id: str,
                 source_arn: str, *, final: bool = False, terminated_early: bool = False) -> dict[str, Any]:
    """The event, its keys in the order of AWS's samples (``KinesisTimeWindowEvent``,
    ``DynamodbTimeWindowEvent``)."""
    return {
        "Records": records,
        "window": window.as_event(),
        "state": state,
        "shardId": shard_id,
        "eventSourceARN": source_arn,
        "isFinalInvokeForWindow": final,
        "isWindowTerminatedEarly": terminated_early,
    }


def returned_state(payload: bytes) -> dict[str, Any] | None:
    """The ``state`` a response hands to the window's next invocation; None when the response has
    none (S5.4: a failed invocation). A state must be a JSON object (AWS's samples, and the runtime
    libraries' map types)."""
    try:
        response = json.loads(payload)
    except ValueError:
        return None
    state = response.get("state") if isinstance(response, dict) else None
    return state if isinstance(state, dict) else None


def state_size(state: dict[str, Any]) -> int:
    return len(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


@dataclass
class OpenWindow:
    """One lane's window, from its first invocation until its final invoke succeeds."""

    window: Window
    state: dict[str, Any] = field(default_factory=dict)
    terminated_early: bool = False  # its state outgrew STATE_LIMIT: the final invoke is due now
    failed_finals: int = 0  # final invokes that failed in a row (their retries back off)
    retry_at: float | None = None  # (clock offset) when a failed final invoke is tried again
    timer_at: float | None = None  # (clock offset) the poll already asked for on its behalf

    def keep(self, state: dict[str, Any]) -> None:
        """A response's state: the next invocation of the window gets it."""
        self.state = state
        self.terminated_early = state_size(state) > STATE_LIMIT

    def closes(self, now: datetime, next_arrival: datetime | None) -> bool:
        """The final invoke is due: the state outgrew the limit, or the window has ended and the
        lane's next record (``next_arrival``; None when none is left) is not one of its own."""
        if self.terminated_early:
            return True
        return self.window.ended(now) and (next_arrival is None or not self.window.holds(next_arrival))

    def final_event(self, shard_id: str, source_arn: str) -> dict[str, Any]:
        """The final invoke: the window's state, and no records."""
        return window_event([], self.window, self.state, shard_id, source_arn, final=True,
                            terminated_early=self.terminated_early)

    def after_final(self) -> OpenWindow | None:
        """What follows a successful final invoke: nothing (the state is dropped, S5.6), or, when the
        window ended early, the same window again with a fresh state."""
        return OpenWindow(self.window) if self.terminated_early else None
