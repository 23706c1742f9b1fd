"""EventBridge rules with Lambda targets (spec 8.3): moto raises NotImplementedError for them, AWS
invokes them asynchronously; scheduled rules fire on the mock's clock. ``MotoSchedules`` is the
pipeline's ``ScheduleSource``."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.events.exceptions import ValidationException
from moto.events.models import EventsBackend, Rule, events_backends

from .._core.schedule_expressions import InvalidSchedule, check_syntax
from .._core.service_events import eventbridge_event, input_path
from .._model import Arn
from ..errors import warn
from . import active
from .compat import event_template_parser
from .patches import Patch
from .sources import enqueue_from_service


def _is_lambda(target: dict[str, Any]) -> bool:
    try:
        return Arn.parse(target["Arn"]).service == "lambda"
    except ValueError:
        return False


def _send_to_targets(rule: Any, original_event: Any, transform_input: bool = True) -> None:
    lambda_targets = [t for t in rule.targets if _is_lambda(t)]
    if active.current() is None or not lambda_targets:
        SEND_TO_TARGETS.original(rule, original_event, transform_input)
        return
    if rule.state != "ENABLED" or (rule.scheduled_expression and not getattr(rule.event_pattern, "_pattern", None)):
        return  # a disabled rule, or a schedule-only rule: events on the bus don't reach it
    if not rule.event_pattern.matches_event(original_event):
        return
    _invoke_lambda_targets(lambda_targets, eventbridge_event(original_event), transform_input)
    others = [t for t in rule.targets if t not in lambda_targets]
    if others:
        saved = rule.targets
        rule.targets = others
        try:
            SEND_TO_TARGETS.original(rule, original_event, transform_input)
        finally:
            rule.targets = saved


def _invoke_lambda_targets(targets: list[dict[str, Any]], event: dict[str, Any], transform_input: bool = True) -> None:
    for target in targets:
        try:
            payload = _target_payload(target, event, transform_input)
        except Exception as error:  # noqa: BLE001 - AWS drops what it cannot transform; so do we
            warn(f"EventBridge target {target.get('Id')} ({target['Arn']}) got no event: "
                 f"{type(error).__name__}: {error}")
            continue
        enqueue_from_service(target["Arn"], payload)


def _target_payload(target: dict[str, Any], event: dict[str, Any], transform_input: bool) -> Any:
    """What a target's Input, InputPath or InputTransformer makes of the event."""
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return input_path(event, target["InputPath"])
    if "InputTransformer" in target and transform_input:
        transformer = target["InputTransformer"]
        return event_template_parser().parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    return event


# Scheduled rules: tracked when they are put or enabled, fired from the mock's queue on its clock


def _put_rule(backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    expression = kwargs.get("scheduled_expression", args[4] if len(args) > 4 else None)
    if expression:  # what AWS refuses, not stored to be warned about later (moto checks only the form)
        try:
            check_syntax(expression)
        except InvalidSchedule as error:
            raise ValidationException(str(error)) from None
    rule = PUT_RULE.original(backend, name, *args, **kwargs)
    intake = active.current()
    if intake is not None and rule.scheduled_expression and rule.state == "ENABLED":
        intake.track_schedule(rule.arn, rule.scheduled_expression)
    return rule


def _enable_rule(backend: Any, name: str, event_bus_arn: Any) -> Any:
    result = ENABLE_RULE.original(backend, name, event_bus_arn)
    intake = active.current()
    if intake is not None:
        rule = _find_rule(backend.account_id, backend.region_name, name, event_bus_arn)
        if rule is not None and rule.scheduled_expression and rule.state == "ENABLED":
            intake.track_schedule(rule.arn, rule.scheduled_expression)
    return result


def _find_rule(account: str, region: str, name: str, event_bus: Any = None) -> Any:
    backend = events_backends[account][region]
    bus_name = (event_bus or "default").split("/")[-1] if event_bus else "default"
    bus = backend.event_buses.get(bus_name)
    return None if bus is None else bus.rules.get(name)


def _rule_by_arn(rule_arn: str) -> Any:
    arn = Arn.parse(rule_arn)
    path = arn.resource.split("/")[1:]  # rule/[bus/]name
    return _find_rule(arn.account, arn.region, path[-1], path[0] if len(path) > 1 else None)


class MotoSchedules:
    def fire(self, rule_arn: str, expression: str, at: datetime) -> bool:
        """Run a scheduled rule's Lambda targets as EventBridge would; False once the rule is gone,
        disabled or rescheduled (then it stops)."""
        rule = _rule_by_arn(rule_arn)
        if rule is None or rule.state != "ENABLED" or rule.scheduled_expression != expression:
            return False
        arn = Arn.parse(rule_arn)
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": arn.account, "time": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": arn.region, "resources": [rule_arn], "detail": {},
        }
        _invoke_lambda_targets([t for t in rule.targets if _is_lambda(t)], event)
        return True


SEND_TO_TARGETS = Patch(Rule, "send_to_targets", _send_to_targets)
PUT_RULE = Patch(EventsBackend, "put_rule", _put_rule)
ENABLE_RULE = Patch(EventsBackend, "enable_rule", _enable_rule)
PATCHES = (SEND_TO_TARGETS, PUT_RULE, ENABLE_RULE)
