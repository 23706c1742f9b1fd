"""AWS Lambda's error responses, exactly as the service sends them (spec 1.E, snapshots)."""

from __future__ import annotations

import json
from typing import Any

# Body member casing differs per error shape (spec 1.E).
_CAPITALISED = {"ResourceNotFoundException", "ServiceException", "RecursiveInvocationException"}


class AwsError(Exception):
    """An error the code under test must see as a botocore ``ClientError``."""

    def __init__(self, status: int, code: str, message: str, *, typed: bool = True, **extra: Any) -> None:
        """``typed``: the body carries ``"Type": "User"``, as most of AWS's errors do."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.typed = typed
        self.extra = extra

    def response(self) -> tuple[int, dict[str, str], str]:
        key = "Message" if self.code in _CAPITALISED else "message"
        body = {**({"Type": "User"} if self.typed else {}), key: self.message, **self.extra}
        headers = {"x-amzn-ErrorType": self.code, "Content-Type": "application/json", "status": str(self.status)}
        return self.status, headers, json.dumps(body)


def not_found(arn: str) -> AwsError:
    return AwsError(404, "ResourceNotFoundException", f"Function not found: {arn}")


def wrong_region(arn_region: str, region: str) -> AwsError:
    return AwsError(
        404,
        "ResourceNotFoundException",
        f"Functions from '{arn_region}' are not reachable in this region ('{region}')",
    )


def invalid_parameter(message: str) -> AwsError:
    return AwsError(400, "InvalidParameterValueException", message)


def invalid_content(message: str) -> AwsError:
    return AwsError(400, "InvalidRequestContentException", message)


def too_large(message: str) -> AwsError:
    return AwsError(413, "RequestEntityTooLargeException", message)


def throttled(reason: str) -> AwsError:
    return AwsError(429, "TooManyRequestsException", "Rate Exceeded.", Reason=reason)


def constraint_text(field: str, value: str, constraint: str) -> str:
    """One problem of a ``ValidationException``, as AWS words it."""
    return f"Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"


def validation_errors(problems: list[str]) -> AwsError:
    """AWS's combined message: ``N validation error(s) detected: <problem>; <problem>``."""
    count = len(problems)
    return AwsError(
        400,
        "ValidationException",
        f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems),
    )


def validation(field: str, value: str, constraint: str) -> AwsError:
    return validation_errors([constraint_text(field, value, constraint)])


def not_found_message(message: str) -> AwsError:
    return AwsError(404, "ResourceNotFoundException", message)


def internal_error(error: Exception) -> AwsError:
    """A fault of mocklambda's own, as AWS's 500 (never a traceback for the code under test)."""
    return AwsError(500, "ServiceException", f"mocklambda internal error: {type(error).__name__}: {error}")
