"""Clocks: the virtual one that makes minutes of retries take milliseconds, and the wall one."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Union

from .errors import MockLambdaError

Seconds = Union[int, float, timedelta]


MAX_ADVANCE = 100 * 366 * 86400.0  # a century: datetimes end at year 9999


def _as_seconds(value: Seconds) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds != seconds:  # NaN
        raise ValueError("cannot advance the clock by NaN seconds")
    if seconds > MAX_ADVANCE:
        raise ValueError(f"cannot advance the clock by more than a century at once (got {seconds:g} s)")
    return seconds


class Clock:
    """Virtual time: it moves only when told to, and runs what comes due on the way.

    ``now()`` starts at the wall-clock time the mock started, so timestamps look real.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime.now(timezone.utc)
        self._offset = 0.0
        self._now = (0.0, self._start)  # the last now(), for the many readers of one instant
        # Set by the event queue: runs every item due up to the given offset, in order,
        # moving the clock to each item's due time before running it.
        self._run_due: Callable[[float], None] | None = None

    def now(self) -> datetime:
        """The current (virtual) time, an aware UTC datetime."""
        offset = self.offset()
        last = self._now
        if last[0] == offset:
            return last[1]
        now = self._start + timedelta(seconds=offset)
        self._now = (offset, now)
        return now

    def offset(self) -> float:
        """Seconds since the mock started."""
        return self._offset

    @property
    def elapsed(self) -> timedelta:
        """How far the clock has moved since the mock started."""
        return timedelta(seconds=self.offset())

    def advance(self, seconds: Seconds) -> None:
        """Move the clock forward, running every queued attempt that comes due, in order."""
        delta = _as_seconds(seconds)
        if delta < 0:
            raise ValueError(
                f"clock.advance() takes a time >= 0, got {delta}: the virtual clock never goes back"
            )
        target = self._offset + delta
        if self._run_due is not None:
            self._run_due(target)
        self._offset = max(self._offset, target)

    def _move_to(self, offset: float) -> None:
        self._offset = max(self._offset, offset)


class WallClock(Clock):
    """Real time, optionally sped up: ``time_scale=0.01`` makes 60 s of AWS time pass in 0.6 s.
    ``advance`` jumps it forward on top of that (what is due then runs at once)."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if not time_scale > 0:
            raise MockLambdaError(f"time_scale must be > 0, got {time_scale!r}")
        super().__init__()
        self.time_scale = float(time_scale)
        self._wall_start = time.monotonic()
        self._jumped = 0.0

    def offset(self) -> float:
        return (time.monotonic() - self._wall_start) / self.time_scale + self._jumped

    def advance(self, seconds: Seconds) -> None:
        delta = _as_seconds(seconds)
        if delta < 0:
            raise ValueError(
                f"clock.advance() takes a time >= 0, got {delta}: the virtual clock never goes back"
            )
        self._jumped += delta
        if self._run_due is not None:
            self._run_due(self.offset())

    def _move_to(self, offset: float) -> None:
        """Wall time moves by itself."""
