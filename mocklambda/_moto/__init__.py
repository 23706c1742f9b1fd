"""The one door to moto (5.1-5.2; see shared moto-internals.md): nothing else in mocklambda
imports it.

``install()`` applies every patch in ``PATCHES`` (reference counted: nested mocks share one
installation) and ``uninstall()`` undoes them, in reverse. The adapters: ``backend`` (the swapped
Lambda backend and its stores), ``responses`` and ``stubber`` (the HTTP surface and the fast
Invoke path), ``reader`` (functions and settings, cached), ``sources`` and ``eventbridge``
(where moto invokes functions), ``sqs_visibility`` (what handlers do to messages a mapping
holds), ``kinesis_streams``, ``dynamodb_streams`` and ``streams`` (stream records as mappings
read them), ``sinks`` (where outcomes land), ``cloudwatch`` (metrics read as AWS reads them),
``cloudformation`` (the Lambda resources of stacks), ``lifecycle`` (mock_aws itself), ``http_app``
and ``endpoint`` (moto's server app over HTTP, for serve and for functions that run as processes),
``compat`` (version shims), ``sdk_client`` (the durable SDK's own client, answered in-process).
"""

from __future__ import annotations

import threading
from typing import Any

from . import (
    active,
    backend,
    cloudformation,
    cloudwatch,
    dynamodb_streams,
    eventbridge,
    kinesis_streams,
    reader,
    sources,
    sqs_visibility,
    stubber,
)
from .compat import request_handler
from .endpoint import LoopbackEndpoint
from .eventbridge import MotoSchedules
from .lifecycle import (
    check_not_server_mode,
    make_mock_aws_lambda_aware,
    moto_active,
    start_moto,
    undo_mock_aws_patch,
    wsgi_app,
)
from .patches import Patch
from .reader import MotoFunctions
from .sinks import MotoSinks
from .streams import MotoStreams

PATCHES: tuple[Patch, ...] = (
    *backend.PATCHES,
    *sources.PATCHES,
    *sqs_visibility.PATCHES,
    *eventbridge.PATCHES,
    *stubber.PATCHES,
    *cloudformation.PATCHES,
    *cloudwatch.PATCHES,
    *kinesis_streams.PATCHES,
    *dynamodb_streams.PATCHES,
)

_lock = threading.Lock()
_installed = 0


def wrap_sdk_client(client: Any) -> Any:
    """The durable SDK's boto3 client with its two calls answered in-process (``sdk_client``,
    imported when a durable function first runs: most tests never need it)."""
    from .sdk_client import SdkClient

    return SdkClient(client)


def install() -> None:
    """Route moto's Lambda traffic through ``AsyncLambdaBackend`` and the hooks."""
    global _installed
    with _lock:
        _installed += 1
        if _installed > 1:
            return
        reader.forget_all()
        for patch in PATCHES:
            patch.apply()
        backend.adopt_existing_backends()


def uninstall() -> None:
    global _installed
    with _lock:
        if _installed == 0:
            return
        _installed -= 1
        if _installed > 0:
            return
        reader.forget_all()
        for patch in reversed(PATCHES):
            patch.undo()
        backend.adopt_existing_backends()


__all__ = [
    "LoopbackEndpoint",
    "MotoFunctions",
    "MotoSchedules",
    "MotoSinks",
    "MotoStreams",
    "active",
    "check_not_server_mode",
    "install",
    "make_mock_aws_lambda_aware",
    "moto_active",
    "request_handler",
    "start_moto",
    "uninstall",
    "undo_mock_aws_patch",
    "wrap_sdk_client",
    "wsgi_app",
]
