"""The mock's clock: virtual (it moves only when told to) or scaled wall time, as one class.

As trio's ``MockClock``: ``rate`` 0 is virtual time, a ``rate`` above 0 is wall time sped up
(``rate=100`` makes 60 s of AWS time pass in 0.6 s). ``advance`` jumps forward in both. The event
queue asks the clock what time it is and moves it to each item's due time (``jump_to``); the
clock knows nothing of the queue except the listener that ``advance`` calls to run what comes due.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ..errors import MockLambdaError

Seconds = int | float | timedelta
MAX_ADVANCE = 100 * 366 * 86400.0  # a century: datetimes end at year 9999


def _as_seconds(value: Seconds) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds != seconds:  # NaN
        raise ValueError("cannot advance the clock by NaN seconds")
    if seconds > MAX_ADVANCE:
        raise ValueError(f"cannot advance the clock by more than a century at once (got {seconds:g} s)")
    if seconds < 0:
        raise ValueError(f"clock.advance() takes a time >= 0, got {seconds}: the virtual clock never goes back")
    return seconds


class Clock:
    """``lam.clock``: ``now()`` starts at the wall-clock time the mock started, so timestamps look
    real; ``advance(seconds)`` moves it forward and runs every queued attempt that comes due, in
    order."""

    def __init__(self, start: datetime | None = None, *, rate: float = 0.0) -> None:
        if not rate >= 0:
            raise MockLambdaError(f"a clock's rate must be >= 0 (0 is virtual time), got {rate!r}")
        self.rate = float(rate)
        self._start = start or datetime.now(timezone.utc)
        self._wall_start = time.monotonic()
        self._jumped = 0.0  # seconds added by advance() and jump_to()
        self._now = (0.0, self._start)  # the last now(), for the many readers of one instant
        self._listener: Callable[[float], None] | None = None

    @property
    def is_virtual(self) -> bool:
        return self.rate == 0.0

    @property
    def time_scale(self) -> float | None:
        """Wall seconds per AWS second on a scaled clock (``mock_lambda(time_scale=...)``);
        None on a virtual one."""
        return None if self.rate == 0.0 else 1.0 / self.rate

    def on_advance(self, listener: Callable[[float], None]) -> None:
        """``listener(offset)`` runs what is due up to ``offset`` when ``advance`` is called."""
        self._listener = listener

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
        if self.rate == 0.0:
            return self._jumped
        return (time.monotonic() - self._wall_start) * self.rate + self._jumped

    @property
    def elapsed(self) -> timedelta:
        """How far the clock has moved since the mock started."""
        return timedelta(seconds=self.offset())

    @property
    def started_at(self) -> datetime:
        """``now()`` when the mock started."""
        return self._start

    def advance(self, seconds: Seconds) -> None:
        """Move the clock forward, running every queued attempt that comes due, in order."""
        delta = _as_seconds(seconds)
        if self.rate == 0.0:
            target = self._jumped + delta
            if self._listener is not None:
                self._listener(target)
            self.jump_to(target)
        else:
            self._jumped += delta
            if self._listener is not None:
                self._listener(self.offset())

    def jump_to(self, offset: float) -> None:
        """Virtual time: move forward to ``offset`` if the clock is behind it. Wall time moves by
        itself: a scaled clock runs an item that is due later early rather than jump for it."""
        if self.rate == 0.0 and offset > self._jumped:
            self._jumped = offset
