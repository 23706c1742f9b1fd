"""Exceptions and warnings for the test author (never for the code under test, which sees AWS's errors)."""

from __future__ import annotations

import logging
import warnings


class MockLambdaError(Exception):
    """Misuse of mocklambda by the test author; the message says what to do instead."""


class NotIdleError(MockLambdaError, AssertionError):
    """Raised by ``LambdaMock.assert_idle()`` when events are still queued (an ``AssertionError``
    too, so test frameworks report it as a failed assertion)."""


class MockLambdaWarning(UserWarning):
    """Something in the test set-up that mocklambda can run, but probably not as intended."""


def warn(message: str, category: type[Warning] = MockLambdaWarning) -> None:
    """A warning for the test author that never breaks the code under test, even when warnings
    are turned into errors (``-W error``): then it is logged instead."""
    try:
        warnings.warn(message, category, stacklevel=3)
    except Exception:  # noqa: BLE001 - the filter made it an error; say it another way
        logging.getLogger("mocklambda").warning("%s: %s", category.__name__, message)
