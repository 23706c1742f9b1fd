"""EventBridge scheduled rules, fired on the mock's clock: background work that
``run_until_idle`` does not move the clock to reach, and ``clock.advance`` does."""

from __future__ import annotations

from datetime import datetime

from .._core.event_queue import EventQueue
from .._core.schedule_expressions import UnsupportedSchedule, next_run
from .._ports import ScheduleSource
from ..errors import warn


class ScheduledRules:
    def __init__(self, queue: EventQueue, source: ScheduleSource) -> None:
        self._queue = queue
        self._clock = queue.clock
        self._source = source
        self._expressions: dict[str, str] = {}  # rule ARN -> the expression being fired

    def track(self, rule_arn: str, expression: str) -> None:
        """A rule was put or enabled: fire it from now on (once per rule and expression)."""
        if self._expressions.get(rule_arn) == expression:
            return
        self._expressions[rule_arn] = expression
        created = self._clock.now()
        try:
            first = next_run(expression, created, created)
        except UnsupportedSchedule as error:
            warn(f"scheduled rule {rule_arn} will not fire: {error}")
            return
        self._fire_at(rule_arn, expression, created, first)

    def _fire_at(self, rule_arn: str, expression: str, created: datetime, when: datetime) -> None:
        def fire() -> None:
            if self._expressions.get(rule_arn) != expression:
                return
            if not self._source.fire(rule_arn, expression, when):
                self._expressions.pop(rule_arn, None)
                return
            self._fire_at(rule_arn, expression, created, next_run(expression, when, created))

        offset = (when - self._clock.started_at).total_seconds()
        self._queue.call_at(offset, fire, f"scheduled rule {rule_arn} ({expression})", background=True)
