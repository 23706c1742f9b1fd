"""AWS's retry rules for asynchronous events, as pure functions (spec 2.2-2.9)."""

from __future__ import annotations

from dataclasses import dataclass

FUNCTION_ERROR_DELAYS = (60.0, 120.0)  # spec 2.2: one minute, then two
BACKOFF_START = 1.0  # spec 2.5: throttles and system errors back off from 1 s ...
BACKOFF_MAX = 300.0  # ... to 5 minutes
DEFAULT_MAX_RETRY_ATTEMPTS = 2
DEFAULT_MAX_EVENT_AGE = 21600


@dataclass(frozen=True)
class RetrySettings:
    max_retry_attempts: int = DEFAULT_MAX_RETRY_ATTEMPTS
    max_event_age: int = DEFAULT_MAX_EVENT_AGE


@dataclass(frozen=True)
class Decision:
    """Either retry after ``delay`` seconds, or stop with ``condition``."""

    delay: float | None = None
    condition: str | None = None


def after_function_error(function_errors: int, age: float, settings: RetrySettings) -> Decision:
    """``function_errors`` counts this failure. Gives up early when the next retry would come
    at or after the maximum event age (spec 2.7: age 60 -> 1 attempt, age 90 -> 2)."""
    if function_errors > settings.max_retry_attempts:
        return Decision(condition="RetriesExhausted")
    delay = FUNCTION_ERROR_DELAYS[min(function_errors, len(FUNCTION_ERROR_DELAYS)) - 1]
    if age + delay >= settings.max_event_age:
        return Decision(condition="EventAgeExceeded")
    return Decision(delay=delay)


def after_throttle(throttles: int, age: float, settings: RetrySettings) -> Decision:
    """Throttles and system errors go back to the queue without using a retry (spec 2.5)."""
    delay = min(BACKOFF_MAX, BACKOFF_START * 2 ** min(throttles - 1, 32))  # 2**32 s is past any cap
    if age + delay >= settings.max_event_age:
        return Decision(condition="EventAgeExceeded")
    return Decision(delay=delay)
