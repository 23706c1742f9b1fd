"""What every mocklambda-answered Lambda request shares: AWS's errors as responses, and the
JSON response headers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .._core import aws_errors

Response = tuple[int, dict[str, str], Any]
R = TypeVar("R", bound=Callable[..., Response])
JSON_200 = {"status": "200", "Content-Type": "application/json"}
JSON_202 = {"status": "202", "Content-Type": "application/json"}


def answers_aws_errors(method: R) -> R:
    """An ``AwsError`` raised while answering becomes AWS's error response; any other fault of
    ours reaches the caller as AWS's 500, never as a traceback."""

    @functools.wraps(method)
    def answer(self: Any, *args: Any) -> Response:
        return answer_of(method, self, *args)

    return answer  # type: ignore[return-value]


def answer_of(call: Callable[..., Response], *args: Any) -> Response:
    """``call(*args)``'s answer, or the error response it raised (``answers_aws_errors``'s rule)."""
    try:
        return call(*args)
    except aws_errors.AwsError as error:
        return error.response()
    except Exception as error:
        return aws_errors.internal_error(error).response()
