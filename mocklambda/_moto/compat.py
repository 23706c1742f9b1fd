"""What differs between the moto releases mocklambda supports (5.1.12 to 5.2.x), in one place,
as named shims (moto's own ``core/versions.py`` does the same)."""

from __future__ import annotations

from typing import Any

import moto
from moto import settings


def sqs_attribute(data_type: str, value: str) -> dict[str, str]:
    """Early moto 5.1 releases keep SQS attributes as data_type/string_value, later ones by the API names."""
    return {"DataType": data_type, "StringValue": value, "data_type": data_type, "string_value": value}


def sqs_trace_header_on_request() -> bool:
    """moto 5.2 returns a message's AWSTraceHeader when ReceiveMessage asks for it, as AWS does;
    moto 5.1 returns it in every answer, so a header added there would show where AWS shows none."""
    major, minor = (int(part) for part in moto.__version__.split(".")[:2])
    return (major, minor) >= (5, 2)


def sns_raw_delivery(subscription: Any) -> bool:
    """A subscription's RawMessageDelivery: moto 5.2 keeps a bool, 5.1 the text it was set to."""
    return subscription.attributes.get("RawMessageDelivery") in (True, "true")


def sns_fifo_topic(topic: Any) -> bool:
    """Whether a topic is FIFO: moto 5.2 keeps a bool, 5.1 the text "true" / "false"."""
    return getattr(topic, "fifo_topic", False) in (True, "true")


def queue_delay_seconds(queue: Any) -> int:
    """A queue's DelaySeconds (an attribute moto sets from the queue's attributes)."""
    return int(getattr(queue, "delay_seconds", 0) or 0)


def server_or_proxy_mode() -> bool:
    """moto's TEST_SERVER_MODE, or its proxy mode (a predicate only in later 5.x releases)."""
    proxy_mode = getattr(settings, "is_test_proxy_mode", lambda: False)
    return bool(settings.TEST_SERVER_MODE or proxy_mode())


def request_handler() -> Any:
    """moto's request handler for its server where it has one (5.2), werkzeug's otherwise."""
    from moto.moto_server import werkzeug_app
    from werkzeug.serving import WSGIRequestHandler

    return getattr(werkzeug_app, "MotoRequestHandler", WSGIRequestHandler)


def adopt_backend(backend: Any, cls: type) -> None:
    """Give a Lambda backend created before the swap our class (and the attribute the simple
    backend's ``__init__`` makes, which it then lacks)."""
    if not hasattr(backend, "lambda_simple_results_queue"):
        backend.lambda_simple_results_queue = []
    backend.__class__ = cls


def event_template_parser() -> Any:
    """EventBridge's InputTransformer (not in moto's exports)."""
    from moto.events import models

    return models.EventTemplateParser  # type: ignore[attr-defined]
