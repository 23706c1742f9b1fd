"""What a test can inspect about each asynchronous event: frozen snapshots of the engine's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Optional, Tuple

Status = Literal["queued", "succeeded", "failed"]


@dataclass(frozen=True)
class Attempt:
    """One run (or one throttled try) of an event's handler."""

    at: datetime
    error_type: Optional[str] = None  # None when the attempt succeeded
    error_message: Optional[str] = None
    result: Any = None  # the handler's decoded return value, or AWS's error object
    kind: Literal["run", "throttle", "system_error"] = "run"


@dataclass(frozen=True)
class Invocation:
    """An event accepted with 202, and everything that happened to it so far."""

    request_id: str
    function_arn: str
    payload: Any
    status: Status
    condition: Optional[str]
    attempts: Tuple[Attempt, ...]
    delivered_to: Tuple[str, ...]
    enqueued_at: datetime
    finished_at: Optional[datetime] = None
    delivery_errors: Tuple[str, ...] = ()  # destinations / DLQs that could not be reached, and why

    @property
    def function_name(self) -> str:
        return self.function_arn.split(":")[6]
