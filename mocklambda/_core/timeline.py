"""A short, readable account of every asynchronous event: what ran when, and how it ended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .._model import Invocation


def render(invocations: Sequence[Invocation], start: datetime, elapsed_seconds: float) -> str:
    if not invocations:
        return f"mocklambda: no asynchronous events (virtual clock at +{elapsed_seconds:g}s)"
    lines = [f"mocklambda: {len(invocations)} asynchronous event(s), virtual clock at +{elapsed_seconds:g}s"]
    for invocation in invocations:
        ending = invocation.condition or "still queued"
        lines.append(f"  {invocation.function_arn}  {invocation.request_id}  -> {ending}")
        for number, attempt in enumerate(invocation.attempts, start=1):
            at = (attempt.at - start).total_seconds()
            if attempt.kind != "run":
                what = f"{attempt.kind.replace('_', ' ')}, back to the queue"
            elif attempt.error_type is None:
                what = "ok"
            else:
                message = (attempt.error_message or "").splitlines()[0][:120] if attempt.error_message else ""
                what = f"{attempt.error_type}: {message}"
            lines.append(f"    +{at:>8.3f}s  attempt {number}: {what}")
        if not invocation.attempts and invocation.condition:
            lines.append("    (never ran)")
        for target in invocation.delivered_to:
            lines.append(f"    delivered to {target}")
        for failure in invocation.delivery_errors:
            lines.append(f"    NOT delivered: {failure}")
    return "\n".join(lines)
