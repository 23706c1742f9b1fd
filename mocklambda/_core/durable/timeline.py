"""The durable executions' part of a failing test's timeline: each execution, how it ended, and
its history (every operation's transitions and each invocation) on the virtual clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .execution import DurableExecution


def render(executions: Sequence[DurableExecution], start: datetime) -> list[str]:
    if not executions:
        return []
    lines = [f"mocklambda: {len(executions)} durable execution(s)"]
    for execution in executions:
        lines.append(f"  {execution.arn}  -> {execution.status}")
        for event in execution.history.events:
            at = (event.at - start).total_seconds()
            what = event.event_type
            if event.name or event.operation_id:
                what += f" {event.name or event.operation_id}"
            detail = event.details
            if "FunctionName" in detail:
                what += f" -> {detail['FunctionName']}"
            error = detail.get("Error")
            if isinstance(error, dict) and isinstance(error.get("Payload"), dict) and error["Payload"]:
                found = error["Payload"]
                message = (str(found.get("ErrorMessage") or "").splitlines() or [""])[0][:120]
                what += f": {found.get('ErrorType', '')}: {message}"
            lines.append(f"    +{at:>8.3f}s  {what}")
    return lines
