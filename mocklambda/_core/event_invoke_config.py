"""Function event invoke configs (retries, event age, destinations) exactly as AWS keeps them (spec §5).

Pure: the moto adapter stores one ``EventInvokeConfigStore`` per Lambda backend and asks it questions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .._model import Arn
from . import aws_errors, paging
from .retry_policy import DEFAULT_MAX_EVENT_AGE, DEFAULT_MAX_RETRY_ATTEMPTS, RetrySettings

MAX_RETRIES = (0, 2)
MAX_AGE = (60, 21600)
MAX_ITEMS = (1, 50)
DEFAULT_PAGE_SIZE = 50  # spec 5.11: OPEN; AWS's documented maximum
DESTINATION_PATTERN_TEXT = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
_DESTINATION_PATTERN = re.compile(DESTINATION_PATTERN_TEXT)
_SERVICES = {"OnSuccess": {"sqs", "sns", "lambda", "events"}, "OnFailure": {"sqs", "sns", "lambda", "events", "s3"}}


@dataclass(frozen=True)
class EventInvokeConfig:
    function_arn: str  # qualified
    last_modified: float
    max_retry_attempts: int | None = None
    max_event_age: int | None = None
    on_success: str | None = None
    on_failure: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"LastModified": self.last_modified, "FunctionArn": self.function_arn}
        if self.max_retry_attempts is not None:
            body["MaximumRetryAttempts"] = self.max_retry_attempts
        if self.max_event_age is not None:
            body["MaximumEventAgeInSeconds"] = self.max_event_age
        body["DestinationConfig"] = {  # always present, with both keys (spec 5.5)
            "OnSuccess": {"Destination": self.on_success} if self.on_success else {},
            "OnFailure": {"Destination": self.on_failure} if self.on_failure else {},
        }
        return body

    def retry_settings(self) -> RetrySettings:
        return RetrySettings(
            max_retry_attempts=(DEFAULT_MAX_RETRY_ATTEMPTS if self.max_retry_attempts is None
                                else self.max_retry_attempts),
            max_event_age=DEFAULT_MAX_EVENT_AGE if self.max_event_age is None else self.max_event_age,
        )


def _destination(body: dict[str, Any], which: str) -> str | None:
    return ((body.get("DestinationConfig") or {}).get(which) or {}).get("Destination") or None


def check_ranges(body: dict[str, Any]) -> None:
    """Above-max values reach the service (botocore checks minimums): ValidationException (spec 5.10)."""
    problems = []
    for key, field, (low, high) in (
        ("MaximumRetryAttempts", "maximumRetryAttempts", MAX_RETRIES),
        ("MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", MAX_AGE),
    ):
        value = body.get(key)
        if value is None:
            continue
        if value > high:
            problems.append(aws_errors.constraint_text(field, str(value),
                                                       f"Member must have value less than or equal to {high}"))
        elif value < low:
            problems.append(aws_errors.constraint_text(field, str(value),
                                                       f"Member must have value greater than or equal to {low}"))
    for which, field in (("OnSuccess", "onSuccess"), ("OnFailure", "onFailure")):
        arn = _destination(body, which)
        if arn is not None and not _DESTINATION_PATTERN.fullmatch(arn):
            problems.append(aws_errors.constraint_text(
                f"destinationConfig.{field}.destination", arn,
                f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN_TEXT}",
            ))
    if problems:
        raise aws_errors.validation_errors(problems)


def check_destinations(body: dict[str, Any], function_name: str, lambda_exists: Callable[[str], bool]) -> None:
    """AWS's checks on destination ARNs at Put/Update time (spec 3.14)."""
    on_success, on_failure = _destination(body, "OnSuccess"), _destination(body, "OnFailure")
    for which, arn in (("OnSuccess", on_success), ("OnFailure", on_failure)):
        if arn is None:
            continue
        try:
            parsed: Arn | None = Arn.parse(arn)
        except ValueError:  # kafka://... (self-managed Kafka): not a destination of async invocations
            parsed = None
        service = parsed.service if parsed is not None else ""
        if parsed is None or service not in _SERVICES[which]:
            success = f"OnSuccess(destination={on_success})" if on_success else "null"
            failure = f"OnFailure(destination={on_failure})" if on_failure else "null"
            raise aws_errors.invalid_parameter(
                f"The provided destination config DestinationConfig(onSuccess={success}, onFailure={failure})"
                " is invalid."
            )
        if service == "lambda":
            resource = parsed.resource.split(":")
            target_name = resource[1] if len(resource) > 1 else ""
            if target_name == function_name:
                raise aws_errors.invalid_parameter("You can't specify the function as a destination for itself.")
            if not lambda_exists(arn):
                raise aws_errors.invalid_parameter(f"The destination ARN {arn} is invalid.")


def check_settings_given(body: dict[str, Any]) -> None:
    """Put with no setting at all is refused (spec 5.4)."""
    if not any(key in body for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")):
        raise aws_errors.invalid_parameter(
            "You must specify at least one of error handling or destination setting."
        )


def function_missing() -> aws_errors.AwsError:
    return aws_errors.not_found_message("The function doesn't exist.")


class EventInvokeConfigStore:
    """Configs of one account and region, independent per function qualifier (spec 5.8)."""

    def __init__(self) -> None:
        self._configs: dict[tuple[str, str], EventInvokeConfig] = {}

    @staticmethod
    def _missing(qualified_arn: str) -> aws_errors.AwsError:
        return aws_errors.not_found_message(f"The function {qualified_arn} doesn't have an EventInvokeConfig")

    def put(self, name: str, qualifier: str, qualified_arn: str, body: dict[str, Any]) -> EventInvokeConfig:
        """Put replaces: settings left out are removed (spec 5.2)."""
        check_settings_given(body)
        config = EventInvokeConfig(
            function_arn=qualified_arn,
            last_modified=round(time.time(), 3),
            max_retry_attempts=body.get("MaximumRetryAttempts"),
            max_event_age=body.get("MaximumEventAgeInSeconds"),
            on_success=_destination(body, "OnSuccess"),
            on_failure=_destination(body, "OnFailure"),
        )
        self._configs[(name, qualifier)] = config
        return config

    def update(self, name: str, qualifier: str, qualified_arn: str, body: dict[str, Any]) -> EventInvokeConfig:
        """Update merges into the existing config, which must exist (spec 5.3, 5.9)."""
        existing = self._configs.get((name, qualifier))
        if existing is None:
            raise self._missing(qualified_arn)
        changes: dict[str, Any] = {"last_modified": round(time.time(), 3)}
        if "MaximumRetryAttempts" in body:
            changes["max_retry_attempts"] = body["MaximumRetryAttempts"]
        if "MaximumEventAgeInSeconds" in body:
            changes["max_event_age"] = body["MaximumEventAgeInSeconds"]
        destinations = body.get("DestinationConfig") or {}
        if "OnSuccess" in destinations:
            changes["on_success"] = _destination(body, "OnSuccess")
        if "OnFailure" in destinations:
            changes["on_failure"] = _destination(body, "OnFailure")
        config = replace(existing, **changes)
        self._configs[(name, qualifier)] = config
        return config

    def has_any(self, name: str) -> bool:
        """Whether any qualifier of the function has a config."""
        return any(function == name for function, _ in self._configs)

    def get(self, name: str, qualifier: str, qualified_arn: str) -> EventInvokeConfig:
        config = self._configs.get((name, qualifier))
        if config is None:
            raise self._missing(qualified_arn)
        return config

    def find(self, name: str, qualifier: str) -> EventInvokeConfig | None:
        return self._configs.get((name, qualifier))

    def delete(self, name: str, qualifier: str, qualified_arn: str) -> None:
        if self._configs.pop((name, qualifier), None) is None:
            raise self._missing(qualified_arn)

    def delete_function(self, name: str) -> None:
        for key in [key for key in self._configs if key[0] == name]:
            del self._configs[key]

    def list(self, name: str, marker: str | None, max_items: int | None) -> dict[str, Any]:
        if max_items is not None and not MAX_ITEMS[0] <= max_items <= MAX_ITEMS[1]:
            raise aws_errors.AwsError(
                400, "ValidationException",
                f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy constraint: "
                f"Member must have value {'less' if max_items > MAX_ITEMS[1] else 'greater'} than or equal to "
                f"{MAX_ITEMS[1] if max_items > MAX_ITEMS[1] else MAX_ITEMS[0]}",
            )
        configs = [config for (fn, _), config in self._configs.items() if fn == name]
        start = paging.start_of(marker)
        size = max_items or DEFAULT_PAGE_SIZE
        page = configs[start:start + size]
        result: dict[str, Any] = {"FunctionEventInvokeConfigs": [config.to_json() for config in page]}
        if start + size < len(configs):
            result["NextMarker"] = paging.marker_for(start + size)
        return result
