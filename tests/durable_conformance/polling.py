"""The runner's asynchronous validation (``validate.PollingValidator.validate``) on the mock's
clock: the same loop, built from the runner's own pieces (history retrieval, status, callback
extraction and matching, ``CallbackSender``, ``EventHistoryMatcher``, the result check), where
``time.sleep(n)`` is ``lam.clock.advance(n)``: the poll interval, the callback ``Delay`` and the
no-progress timeout are virtual seconds, so a requirement runs as it would against AWS, at once."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_conformance_tests import validate
from aws_durable_execution_conformance_tests.callback import CallbackAction, CallbackError, CallbackSender
from aws_durable_execution_conformance_tests.history import EventHistoryMatcher
from aws_durable_execution_conformance_tests.variables import PlaceholderContext

from mocklambda import LambdaMock


class VirtualPollingValidator(validate.PollingValidator):
    """``validate.PollingValidator`` for ``validate.validate_description`` to use in its place."""

    def __init__(self, lam: LambdaMock, lambda_client: Any, config: validate.AsyncValidationConfig | None = None,
                 context: PlaceholderContext | None = None) -> None:
        super().__init__(lambda_client, config, context)
        self._lam = lam

    def validate(self, execution_arn: str, expected_events: list[dict[str, Any]],
                 expected_result: dict[str, Any] | None,
                 callback_actions: list[CallbackAction] | None = None) -> validate.AsyncValidationResult:
        errors = _poll(self._lam, self._lambda_client, self._config, self._context, execution_arn, expected_events,
                       expected_result, callback_actions or [])
        return validate.AsyncValidationResult(passed=not errors, errors=errors)


def _poll(lam: LambdaMock, client: Any, config: validate.AsyncValidationConfig, context: PlaceholderContext,
          execution_arn: str, expected_events: list[dict[str, Any]], expected_result: dict[str, Any] | None,
          actions: list[CallbackAction]) -> list[str]:
    """Errors, as ``PollingValidator.validate`` reports them (none: the requirement holds)."""
    sender = CallbackSender(client)
    handled: set[str] = set()
    used: set[int] = set()
    errors: list[str] = []
    events: list[dict[str, Any]] = []
    seen, progress_at = 0, lam.clock.offset()
    while True:
        lam.clock.advance(config.poll_interval_seconds)
        history = validate.get_execution_history(execution_arn, client)
        if history is None:
            return ["Failed to retrieve execution history during polling"]
        events = history.get("Events", [])
        if validate.get_execution_status(history) in validate._TERMINAL_STATUSES:
            break
        if len(events) > seen:
            seen, progress_at = len(events), lam.clock.offset()
        elif lam.clock.offset() - progress_at >= config.no_progress_timeout_seconds:
            errors.append(f"No new events for {lam.clock.offset() - progress_at:.1f}s (virtual; timeout: "
                          f"{config.no_progress_timeout_seconds}s)")
            break
        for event in validate.extract_callback_events(events, handled):
            callback_id = event["CallbackStartedDetails"]["CallbackId"]
            action, index = validate.find_matching_action(event, actions, used, context)
            if action is None:
                if actions:
                    errors.append(f"No matching CallbackAction for callback '{event.get('Name')}' (id={callback_id})")
                handled.add(callback_id)
                continue
            if index is not None:
                used.add(index)
            if action.operation != "heartbeat":  # a heartbeat keeps the callback matchable
                handled.add(callback_id)
            if action.delay_seconds > 0:
                lam.clock.advance(action.delay_seconds)
            try:
                sender.send(callback_id, CallbackAction(action.callback_name, action.operation,
                                                        context.substitute(action.payload)))
            except CallbackError as error:
                errors.append(str(error))
        if expected_result is None and expected_events \
                and EventHistoryMatcher(context=context).match(expected_events, events).success:
            return []
    if expected_events:
        matched = EventHistoryMatcher(context=context).match(expected_events, events)
        if not matched.success:
            return errors + matched.errors
    if expected_result:
        errors += validate._validate_execution_result(execution_arn=execution_arn, expected_result=expected_result,
                                                      context=context, lambda_client=client)
    return errors
