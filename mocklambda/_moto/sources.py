"""Where moto invokes functions, handed to the running mock as AWS would (spec §8): SNS
subscriptions, S3 notifications and SQS mappings asynchronously or by polling, and moto's own
internal invocations (its SQS mapping runner, SecretsManager rotation, ...) in-process. SNS's
deliveries to SQS queues go here too, so that both carry SNS's own envelope and signature."""

from __future__ import annotations

import json
from typing import Any

import moto.s3.notifications as s3_notifications
from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaFunction
from moto.sns.models import Subscription
from moto.sqs.models import Queue, sqs_backends

from .._core.records import iso_millis
from .._core.recursion import RECURSION_MESSAGE
from .._core.service_events import SnsNotification, s3_event, sns_event, sqs_body
from .._model import Arn
from ..errors import warn
from . import active, sns_signing
from .compat import sns_fifo_topic, sns_raw_delivery
from .patches import Patch
from .reader import function_by_arn, snapshot, sqs_mapping_settings


def enqueue_from_service(function_arn: str, event: dict[str, Any]) -> None:
    """Hand a service's event to a function as an asynchronous invocation, as AWS does: retries,
    event age, DLQ and destinations apply. A function that does not exist gets nothing (AWS's
    services drop such deliveries)."""
    intake = active.current()
    assert intake is not None
    try:
        fn = function_by_arn(function_arn)
    except UnknownFunctionException:
        return
    except (ValueError, IndexError):  # not a function's ARN at all: nothing to invoke, and said so
        warn(f"a trigger's target {function_arn!r} names no Lambda function; nothing was invoked")
        return
    intake.accept(snapshot(fn), json.dumps(event).encode("utf-8"), function_arn, intake.caller_chain())


def _invoke_lambda_in_process(fn: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """Replaces moto's Docker runner for every caller that goes through ``LambdaFunction.invoke``."""
    intake = active.current()
    if intake is None:
        return INVOKE_LAMBDA.original(fn, event)  # type: ignore[no-any-return]
    payload = event if isinstance(event, str) else json.dumps(event)
    result = intake.invoke_internal(snapshot(fn), payload.encode("utf-8"), fn.function_arn)
    if result is None:  # stopped as a recursive loop (spec 7.2)
        error = {"errorMessage": RECURSION_MESSAGE, "errorType": "RecursiveInvocationException"}
        return json.dumps(error), True, ""
    return result.payload.decode("utf-8", errors="replace"), result.failed, result.log


def _sns_publish(subscription: Any, message: str, message_id: str, subject: str | None = None,
                 message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
    """An SNS subscription's delivery: a Lambda subscriber gets an asynchronous event; an SQS one
    (standard topic, raw delivery off) SNS's envelope as AWS writes it, signed as the Lambda event
    is (spec 8.2). FIFO topics (never a Lambda destination) stay moto's."""
    intake = active.current()
    moto_delivers = subscription.protocol == "sqs" and (
        sns_raw_delivery(subscription) or sns_fifo_topic(subscription.topic))
    if intake is None or subscription.protocol not in ("lambda", "sqs") or moto_delivers:
        SNS_PUBLISH.original(subscription, message, message_id, subject, message_attributes, *args, **kwargs)
        return
    matcher = getattr(subscription, "_filter_policy_matcher", None)
    if matcher is not None and not matcher.matches(message_attributes, message):
        return
    structure = kwargs.get("message_structure") or (args[2] if len(args) > 2 else None)
    if structure == "json":
        message = subscription._parse_message_structure(message, subscription.protocol)
    notification = SnsNotification(
        topic_arn=subscription.topic.arn, subscription_arn=subscription.arn, message_id=message_id,
        message=message, subject=subject or None, message_attributes=message_attributes or {},
        timestamp=iso_millis(intake.clock.now()), signature_version=_signature_version(subscription.topic),
    )
    if subscription.protocol == "lambda":
        enqueue_from_service(subscription.endpoint, sns_event(notification, sns_signing.sign(notification)))
        return
    queue = Arn.parse(subscription.endpoint)  # a standard queue: SNS subscribes no FIFO queue to a standard topic
    sqs_backends[queue.account][queue.region].send_message(queue.resource,
                                                           sqs_body(notification, sns_signing.sign(notification)))


def _signature_version(topic: Any) -> str:
    """The topic's SignatureVersion attribute (SetTopicAttributes): "1" unless set to "2"."""
    return "2" if str(getattr(topic, "signature_version", "1")) == "2" else "1"


def _s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    intake = active.current()
    if intake is None:
        S3_INVOKE.original(account_id, event_body, fn_arn, region_name)
        return
    enqueue_from_service(fn_arn, s3_event(event_body, account_id, intake.clock.now()))


def _add_message(queue: Any, message: Any) -> None:
    """moto runs a queue's Lambda mappings inline, inside SendMessage; Lambda polls instead."""
    intake = active.current()
    if intake is None or not queue.lambda_event_source_mappings:
        ADD_MESSAGE.original(queue, message)
        return
    mappings, queue.lambda_event_source_mappings = queue.lambda_event_source_mappings, {}
    try:
        ADD_MESSAGE.original(queue, message)
    finally:
        queue.lambda_event_source_mappings = mappings
    for esm in list(mappings.values()):
        mapping = sqs_mapping_settings(esm)
        if mapping.enabled:
            intake.sqs_message_sent(mapping, message.id)


INVOKE_LAMBDA = Patch(LambdaFunction, "_invoke_lambda", _invoke_lambda_in_process)
SNS_PUBLISH = Patch(Subscription, "publish", _sns_publish)
S3_INVOKE = Patch(s3_notifications, "_invoke_awslambda", _s3_invoke)
ADD_MESSAGE = Patch(Queue, "add_message", _add_message)
PATCHES = (INVOKE_LAMBDA, SNS_PUBLISH, S3_INVOKE, ADD_MESSAGE)
