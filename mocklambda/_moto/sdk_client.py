"""The durable SDK's own boto3 client inside a mock (issue 17): ``CheckpointDurableExecution`` and
``GetDurableExecutionState``, the calls it makes for every step, answered in-process by the code
that answers them through moto's routing (``durable_api``), without building, signing and sending
an HTTP request and without moto's routing (through both, a checkpoint costs ~7 ms; its answer,
~0.3 ms).

What the SDK gets is what it would get through boto3. botocore's own event handlers fill the
parameters (the idempotency token) and its validator checks them; each answer, with the headers
moto's routing gives it, goes through the events botocore emits once a response is in
(``before-parse``, ``response-received``, ``needs-retry``, ``after-call``), so its retry handler
decides on retries (an injected 500 or 429, ``call=``, is retried as botocore retries it, after
its own sleep) and marks the response; a 2xx answer is read as botocore's parser reads it
(``json_shapes``), an error by botocore's parser itself and raised as botocore raises it. Anything
else goes the usual way: a client whose requests would not reach moto (another endpoint, moto's
stubber not on it), moto's IAM checks, botocore's adaptive retry mode (its rate limiter measures
every request), parameter validation turned off. An answer's request id is random, as moto's is
(not drawn from moto's seeded generator).
"""

from __future__ import annotations

import json
import random
import re
import string
import time
import uuid
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from botocore.awsrequest import AWSResponse
from botocore.endpoint import convert_to_response_dict
from botocore.validate import validate_parameters
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

from . import active, durable_api, json_shapes, stubber
from .answers import Response, answer_of

_ENDPOINT = re.compile(r"^https://lambda\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/?$")
_PATHS = {"CheckpointDurableExecution": "checkpoint", "GetDurableExecutionState": "state"}
_METHODS = {"CheckpointDurableExecution": "checkpoint_durable_execution",
            "GetDurableExecutionState": "get_durable_execution_state"}
_ID_CHARACTERS = string.ascii_letters + string.digits  # moto's request ids: 52 of these
_random = random.Random()


class SdkClient:
    """The SDK's boto3 Lambda client with its two calls answered in-process; every other
    attribute is the client's own."""

    __slots__ = ("_client", "_parser", "_urls")

    def __init__(self, client: Any) -> None:
        self._client = client
        factory = _parser_factory(client) if _reaches_moto(client) else None
        self._parser = factory.create_parser(client.meta.service_model.metadata["protocol"]) if factory else None
        self._urls: dict[tuple[str, str], str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def checkpoint_durable_execution(self, **params: Any) -> Any:
        return self._call("CheckpointDurableExecution", params)

    def get_durable_execution_state(self, **params: Any) -> Any:
        return self._call("GetDurableExecutionState", params)

    def _call(self, operation: str, params: dict[str, Any]) -> Any:
        """``_make_api_call`` with the request answered in-process (see the module's docstring)."""
        client = self._client
        model = client.meta.service_model.operation_model(operation)
        read = json_shapes.reader_for(model.output_shape, self._parser) if self._parser is not None else None
        intake = active.current()
        if read is None or intake is None or not botocore_stubber.enabled or stubber.authorizing() \
                or not client.meta.config.parameter_validation:
            return getattr(client, _METHODS[operation])(**params)
        context = _request_context(client, model)
        params = _client_params(client, model, params, context)
        validate_parameters(params, model.input_shape)
        arn = params.get("DurableExecutionArn", "")
        url = self._url(operation, arn)
        events, prefix = client.meta.events, f"{_service_id(client)}.{operation}"
        retries = context.setdefault("retries", {})
        retries.update({"attempt": 1, "invocation-id": str(uuid.uuid4())})
        attempts = 1
        while True:  # Endpoint._send_request, each request answered here
            intake.before_api_call(url)
            http, parsed = self._received(model, prefix, context, url, _moto_headers(_answer(operation, arn, params)),
                                          read)
            delays = events.emit(f"needs-retry.{prefix}", response=(http, parsed), endpoint=client._endpoint,
                                 operation=model, attempts=attempts, caught_exception=None,
                                 request_dict={"url": url, "method": model.http["method"], "context": context})
            delay = next((delay for _, delay in delays if delay is not None), None)
            if delay is None or delay is False:
                break
            time.sleep(delay)
            attempts += 1
            retries["attempt"] = attempts
        parsed["ResponseMetadata"]["RetryAttempts"] = attempts - 1
        events.emit(f"after-call.{prefix}", http_response=http, parsed=parsed, model=model, context=context)
        if http.status_code >= 300:
            code = context.get("error_code_override") or parsed.get("Error", {}).get("Code")
            raise client.exceptions.from_code(code)(parsed, operation)
        return parsed

    def _received(self, model: Any, prefix: str, context: dict[str, Any], url: str, answer: Response,
                  read: json_shapes.Reader) -> tuple[AWSResponse, dict[str, Any]]:
        """An answer as botocore's endpoint reads it (``_do_get_response``, ``_get_response``)."""
        status, headers, body = answer
        events = self._client.meta.events
        http = AWSResponse(url, status, headers, MockRawResponse(body))
        response = convert_to_response_dict(http, model)
        customized: dict[str, Any] = {}
        events.emit(f"before-parse.{prefix}", operation_model=model, response_dict=response,
                    customized_response_dict=customized)
        if status < 300:
            parsed = json_shapes.parsed_answer(status, headers, body, read)
        else:
            assert self._parser is not None
            parsed = self._parser.parse(response, model.output_shape)
            error_shape = model.service_model.shape_for_error_code(parsed.get("Error", {}).get("Code"))
            if error_shape is not None:  # the error's modeled members (Endpoint._add_modeled_error_fields)
                parsed.update(self._parser.parse(response, error_shape))
        parsed.update(customized)
        events.emit(f"response-received.{prefix}", response_dict=response, parsed_response=parsed, context=context,
                    exception=None)
        return http, parsed

    def _url(self, operation: str, arn: str) -> str:
        """The request's URL, as botocore would send it (the SDK calls with one ARN for a whole
        invocation)."""
        url = self._urls.get((operation, arn))
        if url is None:
            url = self._urls[(operation, arn)] = (f"{self._client.meta.endpoint_url}/2025-12-01/durable-executions/"
                                                  f"{quote(arn, safe='')}/{_PATHS[operation]}")
        return url


def _answer(operation: str, arn: str, params: dict[str, Any]) -> Response:
    """The operation's answer, from what its request would carry."""
    if operation == "CheckpointDurableExecution":
        return answer_of(durable_api.checkpoint_answer, arn, checkpoint_body(params))
    query = state_query(params)
    return answer_of(durable_api.state_answer, arn, query.get("CheckpointToken"), query.get("Marker"),
                     query.get("MaxItems"))


def checkpoint_body(params: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint's JSON body as the server reads it: every member but the ARN (in the path).
    The input shape has only strings, integers, booleans, lists and structures, which botocore's
    serializer writes as they are."""
    body = {name: value for name, value in params.items() if name != "DurableExecutionArn"}
    return dict(json.loads(json.dumps(body)))


def state_query(params: dict[str, Any]) -> dict[str, str]:
    """A state page's query string as the server reads it (botocore writes booleans in lower case)."""
    return {name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in params.items() if name != "DurableExecutionArn" and value is not None}


def _moto_headers(answer: Response) -> Response:
    """The headers moto's routing gives an answer: its server and date, the answer's own, the
    status as text, and a request id like moto's."""
    status, own, body = answer
    headers = {"server": "amazon.com", "date": formatdate(usegmt=True), **own, "status": str(status),
               "x-amzn-requestid": "".join(_random.choices(_ID_CHARACTERS, k=52))}
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
    ``before-send`` handler on it, and a retry mode that keeps no account of request rates."""
    if not _ENDPOINT.match(str(getattr(client.meta, "endpoint_url", ""))) or not hasattr(client, "_endpoint"):
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
