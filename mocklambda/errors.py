"""Exceptions for the test author (never for the code under test, which sees AWS's errors)."""

from __future__ import annotations


class MockLambdaError(Exception):
    """Misuse of mocklambda by the test author; the message says what to do instead."""


class NotIdleError(AssertionError):
    """Raised by ``LambdaMock.assert_idle()`` when events are still queued."""


class MockLambdaWarning(UserWarning):
    """Something in the test set-up that mocklambda can run, but probably not as intended."""
