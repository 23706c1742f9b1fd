"""Invocation records and dead-letter messages in AWS's exact shapes (spec §3-4, destination snapshots)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from .._model import QueuedEvent
from .recursion import RECURSION_MESSAGE

ERROR_MESSAGE_LIMIT = 1024  # DLQ ErrorMessage: "the first 1 KB of the error message" (spec 4.5)
SUCCESS_DETAIL_TYPE = "Lambda Function Invocation Result - Success"
FAILURE_DETAIL_TYPE = "Lambda Function Invocation Result - Failure"
EVENTBRIDGE_SOURCE = "lambda"  # spec 3.12: observed on AWS (docs say aws.lambda; OPEN)


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # made once: dumps with options makes one per call
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner, set in __init__
_last_stamp: tuple[datetime | None, str] = (None, "")


def iso_millis(at: datetime) -> str:
    """``2024-01-02T03:04:05.678Z`` (remembered for the last instant: on the virtual clock many
    records share one)."""
    global _last_stamp
    last, text = _last_stamp
    if last is at:
        return text
    text = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    _last_stamp = (at, text)
    return text


def _json_text(raw: bytes) -> str:
    """A payload spliced into the record verbatim, as AWS does (spec 3.7); non-JSON as a string."""
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return "{}"
    try:
        if _scan(text, 0)[1] == len(text):  # one JSON value, and nothing after it
            return text
    except (StopIteration, ValueError):
        pass
    return json.dumps(text)


def invocation_record(event: QueuedEvent, at: datetime) -> str:
    """The record as JSON text, fields in AWS's order (spec 3.3-3.8)."""
    head = {
        "version": "1.0",
        "timestamp": iso_millis(at),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": event.qualified_arn,
            "condition": event.condition,
            "approximateInvokeCount": event.invoke_count,
        },
    }
    text = _COMPACT.encode(head)[:-1]
    text += ',"requestPayload":' + _json_text(event.request.payload)
    result = event.last_result
    if result is not None:  # never-run events (zero concurrency, expired while throttled) stop here
        context: dict[str, object] = {"statusCode": 200, "executedVersion": event.function.version}
        if result.failed:
            context["functionError"] = "Unhandled"
        text += ',"responseContext":' + _COMPACT.encode(context)
        text += ',"responsePayload":' + _json_text(result.payload)
    return text + "}"


@dataclass(frozen=True)
class DeadLetter:
    """The original event as-is, with AWS's three attributes (spec 4.4-4.5)."""

    body: str
    request_id: str
    error_code: str
    error_message: str


def dead_letter(event: QueuedEvent) -> DeadLetter:
    result = event.last_result
    if event.stopped_as_recursive:
        code, message = "400", RECURSION_MESSAGE  # U6: our choice, the sync error's status and text
    elif result is not None and result.failed:
        code, message = "200", result.error_message or ""
    elif any(attempt.kind == "system_error" for attempt in event.attempts[-1:]):
        code, message = "500", "An error occurred within the Lambda service."  # U6: our choice
    else:  # zero concurrency, or expired while throttled (U6: our choice)
        code, message = "429", "Rate Exceeded."
    encoded = message.encode("utf-8")[:ERROR_MESSAGE_LIMIT]
    return DeadLetter(
        body=event.request.payload.decode("utf-8", errors="replace") or "{}",
        request_id=event.request_id,
        error_code=code,
        error_message=encoded.decode("utf-8", errors="ignore"),
    )


def s3_key(function_name: str, at: datetime) -> str:
    """``aws/lambda/async/<function>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`` (spec 3.13)."""
    at = at.astimezone(timezone.utc)
    return f"aws/lambda/async/{function_name}/{at:%Y/%m/%d}/{at:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
