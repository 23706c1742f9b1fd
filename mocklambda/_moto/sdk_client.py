"""The durable SDK's own boto3 client inside a mock (issue 17): ``CheckpointDurableExecution`` and
``GetDurableExecutionState``, the two calls it makes for every step, answered in-process by the
same code that answers them through moto's routing (``durable_api``), without botocore's request
machinery or moto's routing (a checkpoint through both costs ~7 ms, its answer ~0.3 ms).

What the SDK gets is what it would get through boto3: botocore's own event handlers fill the
parameters (the idempotency token), its validator checks them, its parser reads the answer (the
response metadata as moto's routing leaves it, ``after-call`` handlers see it). An error answer
goes back through boto3 itself, already answered for its first attempt (``stubber.answer_next``),
so botocore's retries, its exceptions and the SDK's handling of both are the usual ones; an
injected fault (``call=``) is one of these. Anything else takes the usual way: a client whose
requests would not reach moto (another endpoint, moto's stubber not on it), moto's IAM checks, an
adaptive retry mode (its rate limiter measures each response).
"""

from __future__ import annotations

import json
import re
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from botocore.awsrequest import AWSResponse
from botocore.endpoint import convert_to_response_dict
from botocore.validate import validate_parameters
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber
from moto.utilities.aws_headers import gen_amzn_requestid_long

from . import active, durable_api, stubber
from .answers import Response, answer_of

_ENDPOINT = re.compile(r"^https://lambda\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/?$")
_PATHS = {"CheckpointDurableExecution": "checkpoint", "GetDurableExecutionState": "state"}
_METHODS = {"CheckpointDurableExecution": "checkpoint_durable_execution",
            "GetDurableExecutionState": "get_durable_execution_state"}


class SdkClient:
    """The SDK's boto3 Lambda client with its two calls answered in-process; every other
    attribute is the client's own."""

    __slots__ = ("_client", "_parsers")

    def __init__(self, client: Any) -> None:
        self._client = client
        self._parsers = _parser_factory(client) if _reaches_moto(client) else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def checkpoint_durable_execution(self, **params: Any) -> Any:
        return self._call("CheckpointDurableExecution", params)

    def get_durable_execution_state(self, **params: Any) -> Any:
        return self._call("GetDurableExecutionState", params)

    def _call(self, operation: str, params: dict[str, Any]) -> Any:
        client = self._client
        intake = active.current()
        method = getattr(client, _METHODS[operation])
        if self._parsers is None or intake is None or not botocore_stubber.enabled or stubber.authorizing():
            return method(**params)
        model = client.meta.service_model.operation_model(operation)
        context = _request_context(client, model)
        params = _client_params(client, model, params, context)
        if client.meta.config.parameter_validation:
            validate_parameters(params, model.input_shape)
        arn = params.get("DurableExecutionArn", "")
        url = f"{client.meta.endpoint_url}/2025-12-01/durable-executions/{quote(arn, safe='')}/{_PATHS[operation]}"
        intake.before_api_call(url)
        status, headers, body = _moto_headers(_answer(operation, arn, params))
        if status >= 300:  # botocore reads it, retries it, raises it: as any answer from moto
            with stubber.answer_next(url, (status, headers, body)):
                return method(**params)
        http = AWSResponse(url, status, headers, MockRawResponse(body))
        parsed: dict[str, Any] = self._parsers.create_parser(model.metadata["protocol"]).parse(
            convert_to_response_dict(http, model), model.output_shape)
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
        client.meta.events.emit(f"after-call.{_service_id(client)}.{operation}", http_response=http, parsed=parsed,
                                model=model, context=context)
        return parsed


def _answer(operation: str, arn: str, params: dict[str, Any]) -> Response:
    """The operation's answer, from what its request would carry: for a checkpoint the JSON body
    (every member but the ARN, which is in the path), for a state page the query string."""
    if operation == "CheckpointDurableExecution":
        body = json.loads(json.dumps({name: value for name, value in params.items() if name != "DurableExecutionArn"}))
        return answer_of(durable_api.checkpoint_answer, arn, body)
    items = params.get("MaxItems")
    return answer_of(durable_api.state_answer, arn, params.get("CheckpointToken"), params.get("Marker"),
                     None if items is None else str(items).lower() if isinstance(items, bool) else str(items))


def _moto_headers(answer: Response) -> Response:
    """The headers moto's routing gives an answer: its server and date, the answer's own, the
    status as text and a request id (moto's own generator, so a seeded moto gives the same ids)."""
    status, own, body = answer
    headers = {"server": "amazon.com", "date": formatdate(usegmt=True), **own, "status": str(status)}
    gen_amzn_requestid_long(headers)
    return status, headers, body


def _request_context(client: Any, model: Any) -> dict[str, Any]:
    """The context ``_make_api_call`` gives a call's event handlers."""
    return {"client_region": client.meta.region_name, "client_config": client.meta.config,
            "has_streaming_input": model.has_streaming_input, "auth_type": model.resolved_auth_type,
            "unsigned_payload": model.unsigned_payload,
            "auth_options": client.meta.service_model.metadata.get("auth")}


def _client_params(client: Any, model: Any, params: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The parameters after botocore's ``provide-client-params`` and ``before-parameter-build``
    handlers (``generate_idempotent_uuid`` fills ``ClientToken``)."""
    service_id = _service_id(client)
    params = dict(params)
    responses = client.meta.events.emit(f"provide-client-params.{service_id}.{model.name}", params=params,
                                        model=model, context=context)
    params = next((response for _, response in responses if response is not None), params)
    client.meta.events.emit(f"before-parameter-build.{service_id}.{model.name}", params=params, model=model,
                            context=context)
    return params


def _service_id(client: Any) -> str:
    return str(client.meta.service_model.service_id.hyphenize())


def _reaches_moto(client: Any) -> bool:
    """Whether the client's requests reach moto's stubber (and so ours): AWS's own endpoint, moto's
    ``before-send`` handler on it, and a retry mode that keeps no account of responses."""
    if not _ENDPOINT.match(str(getattr(client.meta, "endpoint_url", ""))):
        return False
    retries = getattr(client.meta.config, "retries", None) or {}
    if retries.get("mode", "legacy") not in ("legacy", "standard"):
        return False
    handlers = getattr(getattr(client.meta.events, "_emitter", None), "_handlers", None)
    try:
        found = list(handlers.prefix_search("before-send.lambda.CheckpointDurableExecution")) if handlers else []
    except Exception:  # botocore's emitter not as we know it: take the usual way
        return False
    return botocore_stubber in found


def _parser_factory(client: Any) -> Any:
    """The factory whose parser reads the client's responses (its endpoint's)."""
    return getattr(getattr(client, "_endpoint", None), "_response_parser_factory", None)
