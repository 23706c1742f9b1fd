"""The one module that touches moto's internals (moto 5.1-5.2; see shared moto-internals.md).

It swaps moto's Lambda backend class for a subclass (the seam moto itself routes every Lambda call
through), answers Invoke with AWS's behaviour, runs moto's internal invocations in-process, writes
logs into moto's CloudWatch Logs and starts/stops ``mock_aws``. Everything else in mocklambda is
plain Python that never imports moto.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import uuid
from datetime import datetime, timezone
from dataclasses import dataclass
from typing import Any, Callable
import re
from urllib.parse import parse_qs, unquote, urlsplit

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.urls import url_bases as _moto_url_bases
from moto.awslambda.urls import url_paths as _moto_url_paths
from moto.awslambda_simple.models import LambdaSimpleBackend, lambda_simple_backends
from moto import mock_aws
from moto import settings as moto_settings
from moto.core.models import MockAWS, botocore_stubber
from moto.cloudwatch.models import cloudwatch_backends
import moto.s3.notifications as s3_notifications
from moto.events.models import EventsBackend, EventTemplateParser, Rule, events_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.sns.models import Subscription, sns_backends
from moto.moto_api._internal import mock_random
from moto.sqs.models import Message, Queue, sqs_backends

from . import active, aws_errors, invoke_request
from .errors import MockLambdaError, MockLambdaWarning
from .event_invoke_config import (
    EventInvokeConfig,
    EventInvokeConfigStore,
    check_destinations,
    check_ranges,
    function_missing,
)
from .logs import tail
from .records import EVENTBRIDGE_SOURCE, FAILURE_DETAIL_TYPE, SUCCESS_DETAIL_TYPE, DeadLetter, s3_key
from .recursion import ALLOW, RECURSION_MESSAGE, TERMINATE, Chain, current_chain, root
from .retry_policy import RetrySettings
from .sqs_polling import Mapping
from .triggers import eventbridge_event, input_path, s3_event, sns_event
from .handler_threads import in_handler
from .runtime import ExecutionResult, FunctionSpec, Request

_BACKEND_DICTS = (lambda_backends, lambda_simple_backends)
_PAYLOAD_PATH = re.compile(r"/(invocations|invoke-async)/?$")


# --------------------------------------------------------------------------------------------
# The backend: moto's, plus in-process execution while a mock is active


def _changing(method: Callable[..., Any]) -> Callable[..., Any]:
    """A moto method that changes what attempts read (CloudFormation calls some of them without
    any Lambda request): cached configurations and snapshots are stale, before and after."""

    def changed(*args: Any, **kwargs: Any) -> Any:
        configuration_may_change()
        try:
            return method(*args, **kwargs)
        finally:
            configuration_may_change()

    return changed


class AsyncLambdaBackend(LambdaSimpleBackend):
    """moto's Lambda backend with AWS's invocation behaviour while a ``LambdaMock`` is active."""

    @property
    def _url_module(self) -> Any:
        return sys.modules[__name__]

    def invoke(self, function_name: str, qualifier: str | None, body: Any, headers: Any,
               response_headers: Any) -> str | bytes | None:
        """moto's internal callers (SQS event source mappings, SecretsManager rotation, ...)."""
        if active.current() is None or LambdaSimpleBackend.invoke is not _SIMPLE_INVOKE:
            # no mock, or a test patched moto's simple backend (moto's own suite does): defer to it
            return super().invoke(function_name=function_name, qualifier=qualifier, body=body,
                                  headers=headers, response_headers=response_headers)
        return LambdaBackend.invoke(self, function_name=function_name, qualifier=qualifier, body=body,
                                    headers=headers, response_headers=response_headers)

    @property
    def event_invoke_configs(self) -> EventInvokeConfigStore:
        store = self.__dict__.get("_mocklambda_eic")
        if store is None:
            store = self.__dict__["_mocklambda_eic"] = EventInvokeConfigStore()
        return store

    @property
    def dead_letter_targets(self) -> dict[str, str]:
        """Function name -> DLQ ARN: function-level, shared by every version (spec 4.2)."""
        return self.__dict__.setdefault("_mocklambda_dlq", {})

    @property
    def recursion_configs(self) -> dict[str, str]:
        """Function name -> "Allow" | "Terminate" (spec 7.1; Terminate when unset)."""
        return self.__dict__.setdefault("_mocklambda_recursion", {})

    # Changes made straight on the backend (CloudFormation, tests) reach cached configurations too.
    put_function_concurrency = _changing(LambdaSimpleBackend.put_function_concurrency)
    delete_function_concurrency = _changing(LambdaSimpleBackend.delete_function_concurrency)

    @_changing
    def create_function(self, spec: dict[str, Any]) -> LambdaFunction:
        fn = super().create_function(spec)
        self._keep_dead_letter_config(fn.function_name, spec)
        return fn

    @_changing
    def update_function_configuration(self, function_name: str, qualifier: str, body: dict[str, Any]) -> Any:
        fn = self.get_function(function_name, qualifier)
        self._keep_dead_letter_config(fn.function_name, body)
        return super().update_function_configuration(function_name, qualifier, body)

    @_changing
    def delete_function(self, function_name: str, qualifier: str | None = None) -> None:
        name = self.get_function(function_name, qualifier).function_name
        super().delete_function(function_name, qualifier)
        if qualifier is None:
            self.event_invoke_configs.delete_function(name)
            self.dead_letter_targets.pop(name, None)
            self.recursion_configs.pop(name, None)

    def create_event_source_mapping(self, spec: dict[str, Any]) -> Any:
        esm = super().create_event_source_mapping(spec)
        self._poll_if_sqs(esm)
        return esm

    def update_event_source_mapping(self, uuid: str, spec: dict[str, Any]) -> Any:
        esm = super().update_event_source_mapping(uuid, spec)
        self._poll_if_sqs(esm)
        return esm

    @staticmethod
    def _poll_if_sqs(esm: Any) -> None:
        """A new or re-enabled SQS mapping starts polling: messages already waiting are read."""
        mock = active.current()
        if mock is not None and esm is not None and ":sqs:" in esm.event_source_arn and esm.enabled:
            mock._sqs_poller.wake(esm.uuid)

    def _keep_dead_letter_config(self, name: str, spec: dict[str, Any]) -> None:
        """moto drops DeadLetterConfig; AWS keeps it (an empty TargetArn clears it)."""
        if "DeadLetterConfig" in spec:
            target = (spec.get("DeadLetterConfig") or {}).get("TargetArn") or ""
            if target:
                self.dead_letter_targets[name] = target
            else:
                self.dead_letter_targets.pop(name, None)


_SIMPLE_INVOKE = LambdaSimpleBackend.invoke
_original_invoke_lambda = LambdaFunction._invoke_lambda
_original_get_configuration = LambdaFunction.get_configuration


def _get_configuration_with_dead_letter(fn: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    configuration = _original_get_configuration(fn, *args, **kwargs)
    backend = backend_for(fn.account_id, fn.region)
    target = getattr(backend, "dead_letter_targets", {}).get(fn.function_name)
    if target:
        configuration["DeadLetterConfig"] = {"TargetArn": target}
    return configuration


def _invoke_lambda_in_process(fn: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """Replaces moto's Docker runner for every caller that goes through ``LambdaFunction.invoke``."""
    mock = active.current()
    if mock is None:
        return _original_invoke_lambda(fn, event)
    payload = event if isinstance(event, str) else json.dumps(event)
    chain, admitted = admit(function_spec(fn), current_chain())
    request = Request(str(uuid.uuid4()), payload.encode("utf-8"), fn.function_arn, chain=chain)
    if not admitted:
        emit_metric(function_spec(fn), "RecursiveInvocationsDropped", 1, mock.clock.now())
        error = {"errorMessage": RECURSION_MESSAGE, "errorType": "RecursiveInvocationException"}
        return json.dumps(error), True, ""
    result = run_sync(fn, request)
    return result.payload.decode("utf-8", errors="replace"), result.failed, result.log


# --------------------------------------------------------------------------------------------
# AWS services that invoke functions asynchronously (spec §8): SNS, S3, EventBridge


def enqueue_from_service(function_arn: str, event: dict[str, Any]) -> None:
    """Hand a service's event to a function as an asynchronous invocation, as AWS does: retries,
    event age, DLQ and destinations apply. A function that does not exist gets nothing (AWS's
    services drop such deliveries)."""
    mock = active.current()
    assert mock is not None
    parts = function_arn.split(":")
    try:
        fn = backend_for(parts[4], parts[3]).get_function(parts[6], parts[7] if len(parts) > 7 else None)
    except UnknownFunctionException:
        return
    spec = function_spec(fn)
    chain, admitted = admit(spec, current_chain())
    request = Request(str(uuid.uuid4()), json.dumps(event).encode("utf-8"), function_arn, chain=chain)
    mock._enqueue(spec, request, recursive=not admitted)


_original_sns_publish = Subscription.publish


def _sns_publish(subscription: Any, message: str, message_id: str, subject: str | None = None,
                 message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
    if active.current() is None or subscription.protocol != "lambda":
        return _original_sns_publish(subscription, message, message_id, subject, message_attributes, *args, **kwargs)
    matcher = getattr(subscription, "_filter_policy_matcher", None)
    if matcher is not None and not matcher.matches(message_attributes, message):
        return None
    structure = kwargs.get("message_structure") or (args[2] if len(args) > 2 else None)
    if structure == "json":
        message = subscription._parse_message_structure(message, subscription.protocol)
    event = sns_event(
        subscription_arn=subscription.arn, topic_arn=subscription.topic.arn, message_id=message_id,
        message=message, subject=subject, message_attributes=message_attributes, at=active.current().clock.now(),
    )
    enqueue_from_service(subscription.endpoint, event)
    return None


_original_s3_invoke = s3_notifications._invoke_awslambda


def _s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    mock = active.current()
    if mock is None:
        return _original_s3_invoke(account_id, event_body, fn_arn, region_name)
    enqueue_from_service(fn_arn, s3_event(event_body, account_id, mock.clock.now()))
    return None


_original_add_message = Queue.add_message


def _add_message(queue: Any, message: Any) -> None:
    """moto runs a queue's Lambda mappings inline, inside SendMessage; Lambda polls instead."""
    mock = active.current()
    if mock is None or not queue.lambda_event_source_mappings:
        return _original_add_message(queue, message)
    mappings, queue.lambda_event_source_mappings = queue.lambda_event_source_mappings, {}
    try:
        _original_add_message(queue, message)
    finally:
        queue.lambda_event_source_mappings = mappings
    chain = current_chain() if in_handler() else None
    for esm in list(mappings.values()):
        mapping = _mapping(esm)
        if mapping.enabled:
            mock._sqs_poller.message_sent(mapping, message.id, chain)
    return None


def _mapping(esm: Any) -> Mapping:
    return Mapping(
        uuid=esm.uuid,
        function_arn=esm.function_arn,
        queue_arn=esm.event_source_arn,
        batch_size=int(esm.batch_size or 10),
        batching_window=int(esm.max_batch_window or 0),
        enabled=bool(esm.enabled),
        report_batch_item_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
    )


def sqs_mapping(mapping_uuid: str) -> Mapping | None:
    """An SQS event source mapping's current settings, wherever it lives."""
    for account in list(lambda_backends.values()) + list(lambda_simple_backends.values()):
        for backend in list(account.values()):
            esm = backend.get_event_source_mapping(mapping_uuid)
            if esm is not None and ":sqs:" in esm.event_source_arn:
                return _mapping(esm)
    return None


_original_send_to_targets = Rule.send_to_targets


def _send_to_targets(rule: Any, original_event: Any, transform_input: bool = True) -> None:
    """moto raises NotImplementedError for Lambda targets; AWS invokes them asynchronously."""
    lambda_targets = [t for t in rule.targets if t["Arn"].split(":")[2:3] == ["lambda"]]
    if active.current() is None or not lambda_targets:
        return _original_send_to_targets(rule, original_event, transform_input)
    if rule.state != "ENABLED" or (rule.scheduled_expression and not getattr(rule.event_pattern, "_pattern", None)):
        return None  # a disabled rule, or a schedule-only rule: events on the bus don't reach it
    if not rule.event_pattern.matches_event(original_event):
        return None
    _invoke_lambda_targets(lambda_targets, eventbridge_event(original_event), transform_input)
    others = [t for t in rule.targets if t not in lambda_targets]
    if others:
        saved = rule.targets
        rule.targets = others
        try:
            _original_send_to_targets(rule, original_event, transform_input)
        finally:
            rule.targets = saved
    return None


def _invoke_lambda_targets(targets: list[dict[str, Any]], event: dict[str, Any], transform_input: bool = True) -> None:
    for target in targets:
        try:
            payload = _target_payload(target, event, transform_input)
        except Exception as error:  # noqa: BLE001 - AWS drops what it cannot transform; so do we
            from .handler_threads import warn

            warn(f"EventBridge target {target.get('Id')} ({target['Arn']}) got no event: "
                 f"{type(error).__name__}: {error}", MockLambdaWarning)
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
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    return event


# Scheduled rules: tracked when they are put, fired from the mock's queue on its clock

_original_put_rule = EventsBackend.put_rule
_original_enable_rule = EventsBackend.enable_rule


def _track_schedule(backend: Any, name: str, event_bus_arn: Any) -> None:
    mock = active.current()
    if mock is None:
        return
    rule = find_rule(backend.account_id, backend.region_name, name, event_bus_arn)
    if rule is not None and rule.scheduled_expression and rule.state == "ENABLED":
        mock._track_schedule(rule.arn, rule.scheduled_expression)


def _put_rule(backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    rule = _original_put_rule(backend, name, *args, **kwargs)
    mock = active.current()
    if mock is not None and rule.scheduled_expression and rule.state == "ENABLED":
        mock._track_schedule(rule.arn, rule.scheduled_expression)
    return rule


def _enable_rule(backend: Any, name: str, event_bus_arn: Any) -> Any:
    result = _original_enable_rule(backend, name, event_bus_arn)
    _track_schedule(backend, name, event_bus_arn)
    return result


def find_rule(account: str, region: str, name: str, event_bus: Any = None) -> Any:
    backend = events_backends[account][region]
    bus_name = (event_bus or "default").split("/")[-1] if event_bus else "default"
    bus = backend.event_buses.get(bus_name)
    return None if bus is None else bus.rules.get(name)


def rule_by_arn(rule_arn: str) -> Any:
    parts = rule_arn.split(":")
    path = parts[5].split("/")[1:]  # rule/[bus/]name
    return find_rule(parts[4], parts[3], path[-1], path[0] if len(path) > 1 else None)


def fire_schedule(rule_arn: str, expression: str, at: datetime) -> bool:
    """Run a scheduled rule's Lambda targets as EventBridge would; False once the rule is gone,
    disabled or rescheduled (then it stops)."""
    rule = rule_by_arn(rule_arn)
    if rule is None or rule.state != "ENABLED" or rule.scheduled_expression != expression:
        return False
    parts = rule_arn.split(":")
    event = {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": parts[4], "time": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": parts[3], "resources": [rule_arn], "detail": {},
    }
    _invoke_lambda_targets([t for t in rule.targets if t["Arn"].split(":")[2:3] == ["lambda"]], event)
    return True


# --------------------------------------------------------------------------------------------
# Reading moto's function model


def unqualified_arn(fn: LambdaFunction) -> str:
    return f"arn:{fn.partition}:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"


_specs: dict[int, tuple[int, LambdaFunction, FunctionSpec]] = {}


def function_spec(fn: LambdaFunction) -> FunctionSpec:
    """The runtime's snapshot of a function version, made once and kept until a Lambda request
    other than Invoke is served (one snapshot is shared by every event queued meanwhile)."""
    generation = _generation  # read before moto is: a change meanwhile makes this entry stale
    cached = _specs.get(id(fn))
    if cached is not None and cached[0] == generation and cached[1] is fn:
        return cached[2]
    spec = _read_function_spec(fn)
    _specs[id(fn)] = (generation, fn, spec)
    return spec


def _read_function_spec(fn: LambdaFunction) -> FunctionSpec:
    backend = backend_for(fn.account_id, fn.region)
    layer_zips = []
    for layer in fn.layers or []:
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is not None and getattr(version, "code_bytes", None):
            layer_zips.append(version.code_bytes)
    return FunctionSpec(
        name=fn.function_name,
        arn=unqualified_arn(fn),
        version=str(fn.version),
        region=fn.region,
        account_id=fn.account_id,
        runtime=fn.run_time,
        handler=fn.handler,
        timeout=float(fn.timeout or 3),
        memory_size=int(fn.memory_size or 128),
        environment=dict(fn.environment_vars or {}),
        code_sha256=getattr(fn, "code_sha_256", "") or "",
        package_type=fn.package_type or "Zip",
        code_zip=getattr(fn, "code_bytes", b"") or b"",
        layer_zips=tuple(layer_zips),
    )


def backend_for(account_id: str, region: str) -> LambdaBackend:
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def run_sync(fn: LambdaFunction, request: Request) -> ExecutionResult:
    """Run one invocation now and write its log to CloudWatch Logs, as Lambda does."""
    mock = active.current()
    assert mock is not None
    spec = function_spec(fn)
    result = mock._execute(spec, request)
    record_run(spec, result, mock.clock.now())
    return result


def record_run(spec: FunctionSpec, result: ExecutionResult, at: datetime, event_age_ms: float | None = None) -> None:
    """What Lambda records of one run: its log, and Invocations / Errors (and AsyncEventAge for
    an asynchronous event, measured when its attempt started) (spec §6)."""
    mock = active.current()
    if mock is None:
        return
    if result.log_stream:
        mock._logs.append((spec, result))
    metrics = mock._metrics
    with mock._telemetry_lock:
        if event_age_ms is not None:
            _count(metrics, spec, "AsyncEventAge", event_age_ms, at, "Milliseconds")
        _count(metrics, spec, "Invocations", 1, at, "Count")
        if result.error_type is not None:
            _count(metrics, spec, "Errors", 1, at, "Count")


def emit_metric(spec: FunctionSpec, name: str, value: float, at: datetime, unit: str = "Count") -> None:
    """Count one datum for moto's CloudWatch, namespace AWS/Lambda, dimension FunctionName (spec §6)."""
    mock = active.current()
    if mock is None:
        return
    with mock._telemetry_lock:
        _count(mock._metrics, spec, name, value, at, unit)


def _count(metrics: dict[tuple[Any, ...], list[Any]], spec: FunctionSpec, name: str, value: float,
           at: datetime, unit: str) -> None:
    """Data of one function, metric and instant are kept as one statistic set (count, sum, min,
    max): on the virtual clock thousands of attempts share an instant. (Keyed by the instant's
    identity, as an aware datetime is slow to hash; the set keeps it alive.)"""
    key = (spec.arn, name, unit, id(at))
    stats = metrics.get(key)
    if stats is None:
        metrics[key] = [1, value, value, value, spec, at]
        return
    stats[0] += 1
    stats[1] += value
    if value < stats[2]:
        stats[2] = value
    elif value > stats[3]:
        stats[3] = value


def flush_telemetry(mock: Any, metrics: bool = True) -> None:
    """Write queued logs (and metrics) into moto in bulk, one write per stream and per account and
    region instead of one per invocation."""
    logs, metrics = mock._take_telemetry(with_metrics=metrics)
    if not logs and not metrics:
        return
    from moto.core.utils import unix_time_millis

    now = int(unix_time_millis())
    data: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for (_, name, unit, _), (count, total, low, high, spec, at) in metrics.items():
        datum: dict[str, Any] = {
            "MetricName": name,
            "Unit": unit,
            "Timestamp": at.astimezone(timezone.utc).replace(tzinfo=None),
            "Dimensions": [{"Name": "FunctionName", "Value": spec.name}],
        }
        if count == 1:
            datum["Value"] = total
        else:
            datum["StatisticValues"] = {"SampleCount": count, "Sum": total, "Minimum": low, "Maximum": high}
        data.setdefault((spec.account_id, spec.region), []).append(datum)
    streams: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for spec, result in logs:
        key = (spec.account_id, spec.region, spec.log_group, result.log_stream)
        streams.setdefault(key, []).extend({"timestamp": now, "message": line} for line in result.log.splitlines())
    for (account, region), datums in data.items():
        backend = cloudwatch_backends[account][region]
        for start in range(0, len(datums), 1000):
            backend.put_metric_data("AWS/Lambda", datums[start:start + 1000])
    for (account, region, group_name, stream), events in streams.items():
        logs_backend = logs_backends[account][region]
        if group_name not in logs_backend.groups:
            logs_backend.create_log_group(group_name, {})
        if stream not in logs_backend.groups[group_name].streams:
            logs_backend.create_log_stream(group_name, stream)
        for start in range(0, len(events), 10000):
            logs_backend.put_log_events(group_name, stream, events[start:start + 10000])


# --------------------------------------------------------------------------------------------
# Delivering records and dead letters into moto's other services (spec §3-4)


def deliver_record(target: str, record: str, succeeded: bool, function_arn: str, at: datetime) -> None:
    """Put an invocation record where ``target`` points; raises when AWS would fail to deliver."""
    parts = target.split(":")
    service, region, account = parts[2], parts[3], parts[4]
    if service == "sqs":
        _send_sqs_message(account, region, parts[5], record)
    elif service == "sns":
        sns_backends[account][region].publish(record, arn=target)
    elif service == "events":
        detail_type = SUCCESS_DETAIL_TYPE if succeeded else FAILURE_DETAIL_TYPE
        entries = events_backends[account][region].put_events([{
            "Source": EVENTBRIDGE_SOURCE,
            "DetailType": detail_type,
            "Detail": record,
            "EventBusName": target,
            "Resources": [target, function_arn],
            "Time": at.timestamp(),
        }])
        failed = [entry for entry in entries if entry.get("ErrorCode")]
        if failed:
            raise RuntimeError(f"{failed[0]['ErrorCode']}: {failed[0].get('ErrorMessage', '')}")
    elif service == "s3":
        function_name = function_arn.split(":")[6]
        bucket = target.split(":::", 1)[1]
        s3_backends[account or function_arn.split(":")[4]][parts[1]].put_object(
            bucket, s3_key(function_name, at), record.encode("utf-8")
        )
    else:  # pragma: no cover - refused at Put time
        raise RuntimeError(f"unsupported destination {target}")


def deliver_dead_letter(target: str, letter: DeadLetter) -> None:
    parts = target.split(":")
    service, region, account = parts[2], parts[3], parts[4]
    attributes = {"RequestID": ("String", letter.request_id), "ErrorCode": ("Number", letter.error_code)}
    if letter.error_message:
        attributes["ErrorMessage"] = ("String", letter.error_message)
    if service == "sqs":
        _send_sqs_message(account, region, parts[5], letter.body,
                          {k: _sqs_attribute(t, v) for k, (t, v) in attributes.items()})
    elif service == "sns":
        sns_backends[account][region].publish(
            letter.body, arn=target, message_attributes={k: {"Type": t, "Value": v} for k, (t, v) in attributes.items()}
        )
    else:
        raise RuntimeError(f"a dead-letter queue must be an SQS queue or SNS topic, not {target}")


def _send_sqs_message(account: str, region: str, queue_name: str, body: str,
                      message_attributes: dict[str, Any] | None = None) -> None:
    """moto's SendMessage, without its cost: moto's ``send_message`` builds every queue attribute
    (counting all messages in the queue) to read one FIFO flag, which makes each send O(queue
    length). A standard queue gets the same validation, message and ``add_message`` here; a FIFO
    queue goes moto's way (it refuses a message without a group id, as AWS refuses the record)."""
    backend = sqs_backends[account][region]
    queue = backend.get_queue(queue_name)
    if queue.fifo_queue:
        backend.send_message(queue_name, body, message_attributes=message_attributes)
        return
    backend._validate_message(queue, body, 0)
    message = Message(str(mock_random.uuid4()), body)
    if message_attributes:
        message.message_attributes = message_attributes
    message.mark_sent(delay_seconds=int(queue.delay_seconds or 0))
    queue.add_message(message)


def _sqs_attribute(data_type: str, value: str) -> dict[str, str]:
    """Early moto 5.1 releases keep SQS attributes as data_type/string_value, later ones by the API names."""
    return {"DataType": data_type, "StringValue": value, "data_type": data_type, "string_value": value}


def lambda_target(target: str) -> FunctionSpec:
    """The function a Lambda destination names (raises if it no longer exists)."""
    parts = target.split(":")
    fn = backend_for(parts[4], parts[3]).get_function(parts[6], parts[7] if len(parts) > 7 else None)
    return function_spec(fn)


def resolve(backend: LambdaBackend, ref: invoke_request.FunctionRef, region: str, account_id: str) -> LambdaFunction:
    """Find the function version a request names, with AWS's errors (spec 1.10-1.11, 1.18-1.19).
    An ARN naming another account is looked up in that account."""
    if ref.region is not None and ref.region != region:
        raise aws_errors.wrong_region(ref.region, region)
    account = ref.account_id or account_id
    arn = f"arn:aws:lambda:{region}:{account}:function:{ref.name}:{ref.qualifier or '$LATEST'}"
    qualifier = ref.qualifier
    if qualifier is not None and qualifier.lower() == "$latest" and qualifier != "$LATEST":
        raise aws_errors.not_found(arn)  # qualifiers are case-sensitive on AWS, not in moto
    if account != account_id:
        backend = backend_for(account, region)
    try:
        return backend.get_function(ref.name, qualifier)
    except UnknownFunctionException:
        raise aws_errors.not_found(arn)


@dataclass(frozen=True)
class AsyncConfig:
    """What an attempt and an event's end read of a function's configuration (spec 2.12, 3, 4)."""

    settings: RetrySettings = RetrySettings()
    zero_concurrency: bool = False
    reserved_concurrency: int | None = None
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None


_generation = 0  # moves whenever a Lambda request other than Invoke is served
_configs: dict[tuple[str, str, str, str], tuple[int, AsyncConfig]] = {}


def configuration_may_change() -> None:
    global _generation
    _generation += 1
    _specs.clear()


def async_config(spec: FunctionSpec, invoked_arn: str) -> AsyncConfig:
    """The invoked qualifier's configuration, read from moto once and kept until a Lambda request
    other than Invoke is served (every attempt reads it; reading moto costs more than an attempt)."""
    key = (spec.account_id, spec.region, spec.name, invoked_arn)
    generation = _generation  # read before moto is: a change meanwhile makes this entry stale
    cached = _configs.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    config = _read_async_config(spec, invoked_arn)
    _configs[key] = (generation, config)
    return config


def _read_async_config(spec: FunctionSpec, invoked_arn: str) -> AsyncConfig:
    backend = backend_for(spec.account_id, spec.region)
    dead_letter = getattr(backend, "dead_letter_targets", {}).get(spec.name)
    try:
        latest = backend.get_function(spec.name)
    except UnknownFunctionException:
        return AsyncConfig(dead_letter=dead_letter)
    eic = event_invoke_config(backend, spec.name, invoked_arn)
    reserved = None if latest.reserved_concurrency is None else int(latest.reserved_concurrency)
    return AsyncConfig(
        settings=eic.retry_settings() if eic is not None else RetrySettings(),
        zero_concurrency=reserved == 0,
        reserved_concurrency=reserved,
        on_success=eic.on_success if eic is not None else None,
        on_failure=eic.on_failure if eic is not None else None,
        dead_letter=dead_letter,
    )


def event_invoke_config(backend: LambdaBackend, name: str, invoked_arn: str) -> EventInvokeConfig | None:
    qualifier = invoked_arn.split(":")[7] if invoked_arn.count(":") > 6 else "$LATEST"
    store = getattr(backend, "event_invoke_configs", None)
    return store.find(name, qualifier) if store is not None else None


def admit(spec: FunctionSpec, parent: Chain | None) -> tuple[Chain, bool]:
    """The chain of a new invocation of ``spec`` made from ``parent`` (None: a new triggering
    event), and whether AWS lets it run: False when it would be the function's 17th invocation on
    that path (spec 7.2), unless the function's recursion config is Allow (spec 7.3)."""
    chain = root(spec.arn) if parent is None else parent.extend(spec.arn)
    if chain.within_limit(spec.arn):
        return chain, True
    backend = backend_for(spec.account_id, spec.region)
    return chain, getattr(backend, "recursion_configs", {}).get(spec.name) == ALLOW


def account_concurrency_limit() -> int:
    """AWS's default of 1000, or moto's own knob when set."""
    return int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000"))


# --------------------------------------------------------------------------------------------
# The HTTP surface: Invoke and InvokeAsync as AWS answers them


class AsyncLambdaResponse(LambdaResponse):
    def setup_class(self, request: Any, full_url: str, headers: Any, *args: Any, **kwargs: Any) -> Any:
        """Keep Invoke payloads as bytes: moto would fail decoding a non-UTF-8 body, which AWS
        answers with InvalidRequestContentException (spec 1.17)."""
        self._may_change = not _PAYLOAD_PATH.search(urlsplit(full_url).path)
        if not self._may_change and not args:
            kwargs["use_raw_body"] = True
        if self._may_change:
            configuration_may_change()  # any other Lambda request may change what attempts read
        return super().setup_class(request, full_url, headers, *args, **kwargs)

    def call_action(self) -> Any:
        try:
            return super().call_action()
        finally:
            if getattr(self, "_may_change", False):  # and once it has: a read meanwhile is stale
                configuration_may_change()

    def invoke(self) -> Any:
        if active.current() is None:
            return super().invoke()
        try:
            return self._invoke()
        except aws_errors.AwsError as error:
            return error.response()
        except Exception as error:  # a fault of ours reaches the caller as AWS's 500, not a traceback
            return aws_errors.AwsError(500, "ServiceException", f"mocklambda internal error: {type(error).__name__}: {error}").response()

    def _invoke(self) -> tuple[int, dict[str, str], bytes | str]:
        mock = active.current()
        assert mock is not None
        kind = invoke_request.invocation_type(self.headers)
        raw_name = unquote(self.path.split("/functions/", 1)[1].rsplit("/invocations", 1)[0])
        ref = invoke_request.parse_function_ref(raw_name, self.querystring.get("Qualifier", [None])[0])
        fn = resolve(self.backend, ref, self.region, self.current_account)
        body = self._raw_body()
        limit = invoke_request.ASYNC_LIMIT if kind == "Event" else invoke_request.SYNC_LIMIT
        invoke_request.check_payload(body, limit, kind)
        client_context = invoke_request.parse_client_context(self.headers.get("X-Amz-Client-Context"))
        if kind == "DryRun":
            return 204, {"status": "204"}, ""  # spec 1.5: validated, nothing runs
        if kind == "Event":
            return 202, {"status": "202", "x-amzn-RequestId": _accept_event(fn, ref, body)}, ""
        request_id = str(uuid.uuid4())
        invoked_arn = unqualified_arn(fn) + (f":{ref.qualifier}" if ref.qualifier else "")
        spec = function_spec(fn)
        chain, admitted = admit(spec, current_chain())
        if not admitted:
            emit_metric(spec, "RecursiveInvocationsDropped", 1, mock.clock.now())
            raise aws_errors.AwsError(400, "RecursiveInvocationException", RECURSION_MESSAGE)  # spec 7.2
        config = async_config(spec, invoked_arn)
        if config.zero_concurrency:
            emit_metric(spec, "Throttles", 1, mock.clock.now())
            raise aws_errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")  # spec 1.23
        reason = mock._acquire(spec, config.reserved_concurrency)
        if reason is not None:  # realtime mode enforces concurrency (spec 1.21)
            emit_metric(spec, "Throttles", 1, mock.clock.now())
            raise aws_errors.throttled(reason)
        try:
            result = run_sync(fn, Request(request_id, body, invoked_arn, client_context, chain=chain))
        finally:
            mock._release(spec)
        headers = {
            "status": "200",
            "X-Amz-Executed-Version": str(fn.version),
            "x-amzn-RequestId": request_id,
            "Content-Type": "application/json",
        }
        if result.failed:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if self.headers.get("X-Amz-Log-Type") == "Tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(tail(result.log).encode("utf-8")).decode("ascii")
        return 200, headers, result.payload

    def invoke_async(self) -> Any:
        """The deprecated InvokeAsync API (spec 1.27): same queue, 256 KB limit."""
        mock = active.current()
        if mock is None:
            return super().invoke_async()
        try:
            path = self.path.rstrip("/")
            raw_name = unquote(path.split("/functions/", 1)[1].rsplit("/invoke-async", 1)[0])
            ref = invoke_request.parse_function_ref(raw_name, None)
            fn = resolve(self.backend, ref, self.region, self.current_account)
            body = self._raw_body()
            invoke_request.check_payload(body, invoke_request.INVOKE_ASYNC_LIMIT, "Event")
            request_id = _accept_event(fn, ref, body)
            return 202, {"status": "202", "x-amzn-RequestId": request_id}, json.dumps({"Status": 202})
        except aws_errors.AwsError as error:
            return error.response()

    # -- recursion config (spec 7.1): not in moto

    def put_function_recursion_config(self) -> Any:
        return self._recursion_config("put")

    def get_function_recursion_config(self) -> Any:
        return self._recursion_config("get")

    def _recursion_config(self, operation: str) -> Any:
        try:
            raw_name = unquote(self.path.split("/functions/", 1)[1].split("/recursion-config", 1)[0])
            ref = invoke_request.parse_function_ref(raw_name, None)
            fn = resolve(self.backend, ref, self.region, self.current_account)
            configs = self.backend.recursion_configs
            if operation == "put":
                value = json.loads(self._raw_body() or b"{}").get("RecursiveLoop")
                if value not in (ALLOW, TERMINATE):
                    raise aws_errors.validation(
                        "recursiveLoop", str(value), "Member must satisfy enum value set: [Terminate, Allow]"
                    )
                configs[fn.function_name] = value
            current = configs.get(fn.function_name, TERMINATE)
            return 200, {"status": "200", "Content-Type": "application/json"}, json.dumps({"RecursiveLoop": current})
        except aws_errors.AwsError as error:
            return error.response()

    # -- event invoke config (spec §5): moto's store appends, ignores Qualifier and never merges

    def put_function_event_invoke_config(self) -> Any:
        return self._event_invoke_config("put")

    def update_function_event_invoke_config(self) -> Any:
        return self._event_invoke_config("update")

    def get_function_event_invoke_config(self) -> Any:
        return self._event_invoke_config("get")

    def delete_function_event_invoke_config(self) -> Any:
        return self._event_invoke_config("delete")

    def list_function_event_invoke_configs(self) -> Any:
        return self._event_invoke_config("list")

    def _event_invoke_config(self, operation: str) -> Any:
        if active.current() is None:
            return getattr(super(), _EIC_METHODS[operation])()
        try:
            return self._event_invoke_config_operation(operation)
        except aws_errors.AwsError as error:
            return error.response()

    def _event_invoke_config_operation(self, operation: str) -> tuple[int, dict[str, str], str]:
        raw_name = unquote(self.path.split("/functions/", 1)[1].split("/event-invoke-config", 1)[0])
        qualifier_param = None if operation == "list" else self.querystring.get("Qualifier", [None])[0]
        ref = invoke_request.parse_function_ref(raw_name, qualifier_param)
        if ref.region is not None and ref.region != self.region:
            raise aws_errors.wrong_region(ref.region, self.region)
        account = ref.account_id or self.current_account
        qualifier = ref.qualifier or "$LATEST"
        qualified_arn = f"arn:{self.partition}:lambda:{self.region}:{account}:function:{ref.name}:{qualifier}"
        backend = self.backend
        store: EventInvokeConfigStore = backend.event_invoke_configs
        ok = {"status": "200", "Content-Type": "application/json"}
        if operation == "get":
            return 200, ok, json.dumps(store.get(ref.name, qualifier, qualified_arn).to_json())
        if operation == "delete":
            store.delete(ref.name, qualifier, qualified_arn)
            return 204, {"status": "204"}, ""
        body = json.loads(self._raw_body() or b"{}") if operation != "list" else {}
        if operation != "list":
            check_ranges(body)
        try:
            fn = backend.get_function(ref.name, ref.qualifier if operation != "list" else None)
        except UnknownFunctionException:
            raise function_missing()
        if operation == "list":
            max_items = self.querystring.get("MaxItems", [None])[0]
            marker = self.querystring.get("Marker", [None])[0]
            listing = store.list(fn.function_name, marker, int(max_items) if max_items else None)
            return 200, ok, json.dumps(listing)
        check_destinations(body, fn.function_name, _lambda_exists)
        method = store.put if operation == "put" else store.update
        config = method(fn.function_name, qualifier, qualified_arn, body)
        return 200, ok, json.dumps(config.to_json())

    def _raw_body(self) -> bytes:
        body = getattr(self, "raw_body", None)
        if body is None:
            body = self.body
        if body is None:
            return b""
        return body.encode("utf-8") if isinstance(body, str) else bytes(body)

    @staticmethod
    def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        """moto stamps a random request id on every response; keep ours, which the handler saw."""
        ours = headers.pop("x-amzn-RequestId", None)
        headers, body = LambdaResponse._enrich_response(headers, body)
        if ours is not None:
            headers["x-amzn-requestid"] = ours
        return headers, body


def _accept_event(fn: LambdaFunction, ref: invoke_request.FunctionRef, body: bytes) -> str:
    """Queue a validated asynchronous invocation; its request id is the invocation id (spec 1.25)."""
    mock = active.current()
    assert mock is not None
    request_id = str(uuid.uuid4())
    spec = function_spec(fn)
    invoked_arn = f"{spec.arn}:{ref.qualifier}" if ref.qualifier else spec.arn  # shared when unqualified
    chain, admitted = admit(spec, current_chain())
    mock._enqueue(spec, Request(request_id, body, invoked_arn, chain=chain), recursive=not admitted)
    return request_id


_EIC_METHODS = {
    "put": "put_function_event_invoke_config",
    "update": "update_function_event_invoke_config",
    "get": "get_function_event_invoke_config",
    "delete": "delete_function_event_invoke_config",
    "list": "list_function_event_invoke_configs",
}


def _lambda_exists(arn: str) -> bool:
    parts = arn.split(":")
    if len(parts) < 7:
        return False
    try:
        backend_for(parts[4], parts[3]).get_function(parts[6], parts[7] if len(parts) > 7 else None)
    except UnknownFunctionException:
        return False
    return True


url_bases = _moto_url_bases
url_paths = {path: AsyncLambdaResponse.dispatch for path in _moto_url_paths}
url_paths[r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/recursion-config/?$"] = (
    AsyncLambdaResponse.dispatch
)


# --------------------------------------------------------------------------------------------
# Installing the seam, and moto's mock lifecycle

_original_update_configuration = LambdaFunction.update_configuration
_original_update_function_code = LambdaFunction.update_function_code


_install_lock = threading.Lock()
_install_count = 0
_original_classes: dict[int, type] = {}


def install() -> None:
    """Route moto's Lambda traffic through ``AsyncLambdaBackend`` (reference counted)."""
    global _install_count
    with _install_lock:
        _install_count += 1
        if _install_count > 1:
            return
        _configs.clear()
        _specs.clear()
        for backend_dict in _BACKEND_DICTS:
            _original_classes[id(backend_dict)] = backend_dict.backend
            backend_dict.backend = AsyncLambdaBackend
            _convert_instances(backend_dict, AsyncLambdaBackend)
        LambdaFunction._invoke_lambda = _invoke_lambda_in_process  # type: ignore[method-assign]
        LambdaFunction.update_configuration = _changing(_original_update_configuration)  # type: ignore[method-assign]
        LambdaFunction.update_function_code = _changing(_original_update_function_code)  # type: ignore[method-assign]
        LambdaFunction.get_configuration = _get_configuration_with_dead_letter  # type: ignore[method-assign]
        Subscription.publish = _sns_publish  # type: ignore[method-assign]
        s3_notifications._invoke_awslambda = _s3_invoke
        Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
        Queue.add_message = _add_message  # type: ignore[method-assign]
        EventsBackend.put_rule = _put_rule  # type: ignore[method-assign]
        EventsBackend.enable_rule = _enable_rule  # type: ignore[method-assign]
        botocore_stubber.process_request = _settle_then_process  # type: ignore[method-assign]


METRIC_READER = "://monitoring."  # CloudWatch's endpoint
FLUSH_AT = 10_000  # metric sets written anyway, so that they never pile up


def _settle_then_process(request: Any) -> Any:
    """Every boto3 call reaches moto here, whenever its client was made: settle auto-mode events
    first, unless the caller is a handler (its events wait until its attempt is over). Logs are
    written before any such call (log subscription filters deliver as they are written), metrics
    before a CloudWatch call."""
    mock = active.current()
    if mock is not None and not in_handler():
        mock._before_api_call()
        with_metrics = bool(mock._metrics) and (METRIC_READER in request.url or len(mock._metrics) >= FLUSH_AT)
        if mock._logs or with_metrics:
            flush_telemetry(mock, metrics=with_metrics)
    if mock is not None and botocore_stubber.enabled:
        answer = _fast_invoke(request)
        if answer is not None:
            return answer
    return type(botocore_stubber).process_request(botocore_stubber, request)


_INVOKE_URL = re.compile(r"^https?://lambda\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/2015-03-31/functions/[^/]+/invocations/?$")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


class _DecodedHeaders:
    """A request's headers as moto's responses read them (text, any case), decoded when read."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Any) -> None:
        self._raw = raw  # botocore's HeadersDict: case-insensitive, values often bytes

    def get(self, name: str, default: Any = None) -> Any:
        value = self._raw.get(name)
        if value is None:
            return default
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value

    def __getitem__(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._raw


def _fast_invoke(request: Any) -> Any:
    """Answer Invoke without moto's request routing (which costs more than the invocation):
    the same AsyncLambdaResponse code, given what it reads. Only while moto's IAM authorization
    is off, since that would be skipped; anything else goes the usual way."""
    url = request.url
    if request.method != "POST" or "/invocations" not in url or moto_settings.INITIAL_NO_AUTH_ACTION_COUNT != float("inf"):
        return None
    parts = urlsplit(url)
    match = _INVOKE_URL.match(f"{parts.scheme}://{parts.netloc}{parts.path}")
    if match is None:
        return None
    headers_in = _DecodedHeaders(request.headers)
    response = AsyncLambdaResponse.__new__(AsyncLambdaResponse)
    response.headers = headers_in
    response.path = parts.path
    response.querystring = parse_qs(parts.query) if parts.query else {}
    response.region = match.group(1)
    response.partition = "aws-cn" if match.group(2) else "aws"
    body = request.body
    response.raw_body = body.read() if hasattr(body, "read") else (body or b"")
    response.body = response.raw_body
    account = os.environ.get("MOTO_ACCOUNT_ID") or headers_in.get("x-moto-account-id")
    if not account:
        from moto.iam.models import get_account_id_from

        key = _ACCESS_KEY.search(headers_in.get("Authorization", "") or "")
        account = get_account_id_from(key.group(1) if key else "AKIAEXAMPLE")
    response.current_account = account
    status, headers, payload = response.invoke()
    headers = dict(headers)
    headers.pop("status", None)
    request_id = headers.pop("x-amzn-RequestId", None)
    headers["x-amzn-requestid"] = request_id or str(uuid.uuid4())
    return status, headers, payload


def uninstall() -> None:
    global _install_count
    with _install_lock:
        if _install_count == 0:
            return
        _install_count -= 1
        if _install_count > 0:
            return
        _configs.clear()
        _specs.clear()
        for backend_dict in _BACKEND_DICTS:
            original = _original_classes.pop(id(backend_dict))
            backend_dict.backend = original
            _convert_instances(backend_dict, original)
        LambdaFunction._invoke_lambda = _original_invoke_lambda  # type: ignore[method-assign]
        LambdaFunction.update_configuration = _original_update_configuration  # type: ignore[method-assign]
        LambdaFunction.update_function_code = _original_update_function_code  # type: ignore[method-assign]
        LambdaFunction.get_configuration = _original_get_configuration  # type: ignore[method-assign]
        Subscription.publish = _original_sns_publish  # type: ignore[method-assign]
        s3_notifications._invoke_awslambda = _original_s3_invoke
        Rule.send_to_targets = _original_send_to_targets  # type: ignore[method-assign]
        Queue.add_message = _original_add_message  # type: ignore[method-assign]
        EventsBackend.put_rule = _original_put_rule  # type: ignore[method-assign]
        EventsBackend.enable_rule = _original_enable_rule  # type: ignore[method-assign]
        del botocore_stubber.process_request


def _convert_instances(backend_dict: Any, cls: type) -> None:
    """Backends created before the swap keep their functions: change their class in place."""
    for account in list(backend_dict.values()):
        for backend in list(account.values()):
            if not hasattr(backend, "lambda_simple_results_queue"):
                backend.lambda_simple_results_queue = []
            backend.__class__ = cls


def wsgi_app() -> Any:
    """moto's server application (every service), routing Lambda to AsyncLambdaBackend."""
    try:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    except ImportError as error:  # flask is moto's optional server dependency
        raise MockLambdaError(
            f"mocklambda serve needs moto's server dependencies ({error}): pip install 'mocklambda[server]'"
        ) from error
    return DomainDispatcherApplication(create_backend_app)


def request_handler() -> Any:
    """moto's request handler where it has one (5.2), werkzeug's otherwise."""
    try:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
    except ImportError:
        from werkzeug.serving import WSGIRequestHandler as MotoRequestHandler
    return MotoRequestHandler


def moto_active() -> bool:
    return MockAWS._nested_count > 0


def check_not_server_mode() -> None:
    from moto import settings

    if settings.TEST_SERVER_MODE or getattr(settings, "is_test_proxy_mode", lambda: False)():
        raise MockLambdaError(
            "mocklambda runs Lambda in-process and cannot reach a moto server "
            "(TEST_SERVER_MODE or TEST_PROXY_MODE is set); unset it, or run the code under test "
            "inside this process"
        )


def start_moto() -> Any:
    mock = mock_aws()
    mock.start()
    return mock


def stop_moto(mock: Any) -> None:
    mock.stop()


# --------------------------------------------------------------------------------------------
# ``pytest --mocklambda``: every mock_aws behaves as mock_lambda

_patched: dict[str, Callable[..., Any]] = {}


def make_mock_aws_lambda_aware(factory: Callable[[], Any]) -> None:
    """Wrap ``MockAWS.start``/``stop`` so the outermost ``mock_aws`` also runs a LambdaMock."""
    if _patched:
        return
    original_start, original_stop = MockAWS.start, MockAWS.stop
    _patched.update(start=original_start, stop=original_stop)
    owned: list[Any] = []

    def start(self: Any, *args: Any, **kwargs: Any) -> None:
        original_start(self, *args, **kwargs)
        if MockAWS._nested_count == 1 and not active.any_active():
            lam = factory()
            lam._start_inside_moto()
            owned.append(lam)

    def stop(self: Any, *args: Any, **kwargs: Any) -> None:
        if MockAWS._nested_count == 1 and owned:
            owned.pop()._stop_inside_moto()
        original_stop(self, *args, **kwargs)

    MockAWS.start = start  # type: ignore[method-assign]
    MockAWS.stop = stop  # type: ignore[method-assign]


def undo_mock_aws_patch() -> None:
    if _patched:
        MockAWS.start = _patched.pop("start")  # type: ignore[method-assign]
        MockAWS.stop = _patched.pop("stop")  # type: ignore[method-assign]
