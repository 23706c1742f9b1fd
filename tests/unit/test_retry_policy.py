"""AWS's retry rules for asynchronous events (spec 2.2-2.9), as table tests of the pure policy."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mocklambda._core.retry_policy import (
    BACKOFF_MAX,
    DEFAULT_MAX_EVENT_AGE,
    DEFAULT_MAX_RETRY_ATTEMPTS,
    Decision,
    RetrySettings,
    after_function_error,
    after_throttle,
)

DEFAULT = RetrySettings()


def retry_settings(retries: int = DEFAULT_MAX_RETRY_ATTEMPTS, max_age: int = DEFAULT_MAX_EVENT_AGE) -> RetrySettings:
    return RetrySettings(max_retry_attempts=retries, max_event_age=max_age)


def retry(delay: float) -> Decision:
    return Decision(delay=delay)


def stop(condition: str) -> Decision:
    return Decision(condition=condition)


def test_defaults_are_awss() -> None:
    # spec 2.4: MaximumRetryAttempts defaults to 2; spec 2.6: MaximumEventAgeInSeconds to 6 hours
    assert (DEFAULT.max_retry_attempts, DEFAULT.max_event_age) == (2, 21600)


@pytest.mark.parametrize(
    ("function_errors", "age", "config", "expected"),
    [
        # spec 2.2: one minute after the first failure, two minutes after the second, then stop
        (1, 0.0, DEFAULT, retry(60.0)),
        (2, 60.0, DEFAULT, retry(120.0)),
        (3, 180.0, DEFAULT, stop("RetriesExhausted")),
        # spec 2.4: MaximumRetryAttempts bounds function-error retries (attempts = retries + 1)
        (1, 0.0, retry_settings(retries=0), stop("RetriesExhausted")),
        (1, 0.0, retry_settings(retries=1), retry(60.0)),
        (2, 60.0, retry_settings(retries=1), stop("RetriesExhausted")),
        (2, 60.0, retry_settings(retries=2), retry(120.0)),
        # spec 2.7: the look-ahead gives up at once when the next try would come at or after the max age
        (1, 0.0, retry_settings(max_age=60), stop("EventAgeExceeded")),  # age 60 -> 1 attempt
        (1, 0.0, retry_settings(max_age=61), retry(60.0)),
        (2, 60.0, retry_settings(max_age=90), stop("EventAgeExceeded")),  # age 90 -> 2 attempts
        (2, 60.0, retry_settings(max_age=180), stop("EventAgeExceeded")),  # exactly at the max age: too late
        (2, 60.0, retry_settings(max_age=181), retry(120.0)),
        (1, 30.0, retry_settings(max_age=90), stop("EventAgeExceeded")),  # the age so far counts (throttles before)
        (1, 29.5, retry_settings(max_age=90), retry(60.0)),
        # with both limits reached, the retry count is checked first
        (1, 0.0, retry_settings(retries=0, max_age=60), stop("RetriesExhausted")),
    ],
)
def test_after_function_error(function_errors: int, age: float, config: RetrySettings, expected: Decision) -> None:
    assert after_function_error(function_errors, age, config) == expected


@pytest.mark.parametrize(
    ("throttles", "delay"),
    # spec 2.5: exponential from 1 second after the first try, to a maximum of 5 minutes
    [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0), (8, 128.0), (9, 256.0), (10, 300.0), (11, 300.0), (80, 300.0)],
)
def test_throttle_backoff_doubles_from_one_second_to_five_minutes(throttles: int, delay: float) -> None:
    assert after_throttle(throttles, 0.0, DEFAULT) == retry(delay)


@pytest.mark.parametrize(
    ("throttles", "age", "config", "expected"),
    [
        # spec 2.5/2.6: throttles and system errors are bounded by the event age only
        (1, 59.0, retry_settings(max_age=60), stop("EventAgeExceeded")),  # 59 + 1 = 60: at the max age
        (1, 58.5, retry_settings(max_age=60), retry(1.0)),
        (6, 31.0, retry_settings(max_age=60), stop("EventAgeExceeded")),  # 31 + 32 >= 60
        (10, 21300.0, DEFAULT, stop("EventAgeExceeded")),  # 21300 + 300 = 6 hours
        (10, 21299.0, DEFAULT, retry(300.0)),
        # spec 2.5: they do not use MaximumRetryAttempts
        (5, 100.0, retry_settings(retries=0), retry(16.0)),
    ],
)
def test_after_throttle_event_age(throttles: int, age: float, config: RetrySettings, expected: Decision) -> None:
    assert after_throttle(throttles, age, config) == expected


@settings(database=None)
@given(st.integers(min_value=1, max_value=200), st.integers(min_value=1, max_value=200))
def test_throttle_backoff_never_shrinks_and_stays_within_bounds(first: int, second: int) -> None:
    low, high = sorted((first, second))
    low_delay, high_delay = after_throttle(low, 0.0, DEFAULT).delay, after_throttle(high, 0.0, DEFAULT).delay
    assert low_delay is not None and high_delay is not None
    assert 1.0 <= low_delay <= high_delay <= BACKOFF_MAX


def test_throttle_backoff_is_capped_for_any_count() -> None:
    """Found by this suite: the doubling overflowed a float from the 1026th throttle."""
    assert after_throttle(1100, 0.0, retry_settings(max_age=10**9)) == retry(BACKOFF_MAX)


def attempts_until_stop(config: RetrySettings) -> tuple[list[float], str]:
    """Every attempt's age for an event whose function always fails, and how it ends."""
    ages: list[float] = []
    age, errors = 0.0, 0
    while True:
        ages.append(age)
        errors += 1
        decision = after_function_error(errors, age, config)
        if decision.condition is not None:
            return ages, decision.condition
        assert decision.delay is not None
        age += decision.delay


@pytest.mark.parametrize(
    ("config", "ages", "condition"),
    [
        (DEFAULT, [0.0, 60.0, 180.0], "RetriesExhausted"),  # spec 2.2: t, t+1 min, t+3 min
        (retry_settings(retries=0), [0.0], "RetriesExhausted"),  # spec 2.4
        (retry_settings(retries=1), [0.0, 60.0], "RetriesExhausted"),
        (retry_settings(max_age=60), [0.0], "EventAgeExceeded"),  # spec 2.7: MaxAge 60 -> 1 attempt
        (retry_settings(max_age=90), [0.0, 60.0], "EventAgeExceeded"),  # spec 2.7: MaxAge 90 -> 2 attempts
        (retry_settings(max_age=180), [0.0, 60.0], "EventAgeExceeded"),
        (retry_settings(max_age=181), [0.0, 60.0, 180.0], "RetriesExhausted"),
    ],
)
def test_a_failing_functions_attempts(config: RetrySettings, ages: list[float], condition: str) -> None:
    assert attempts_until_stop(config) == (ages, condition)
