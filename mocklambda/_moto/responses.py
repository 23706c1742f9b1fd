"""The HTTP surface: Invoke and InvokeAsync as AWS answers them, and the Lambda APIs moto lacks or
keeps wrongly (recursion config, event invoke configs). Also the urls module moto routes through
(``url_bases`` / ``url_paths``)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple, cast
from urllib.parse import unquote, urlsplit

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.urls import url_bases as moto_url_bases
from moto.awslambda.urls import url_paths as moto_url_paths

from .._core import aws_errors, function_concurrency, function_names, invoke_request, logging_config, request_body
from .._core import stream_mapping_config as mapping_config
from .._core.event_invoke_config import (
    EventInvokeConfigStore,
    function_missing,
)
from .._core.mapping_metrics import check_metrics_config
from .._core.recursion import ALLOW, TERMINATE
from .._core.request_ids import new_request_id
from .._model import tail
from . import active, deployment, durable_api, mapping_api, reader
from .answers import JSON_200, JSON_202, Response, answers_aws_errors
from .backend import AsyncLambdaBackend
from .reader import (
    MotoFunctions,
    backend_for,
    configuration_may_change,
    logging_settings,
    resolve,
    snapshot,
    unqualified_arn,
)

_PAYLOAD_PATH = re.compile(r"/(invocations|invoke-async)/?$")


def with_our_request_id(headers: dict[str, str]) -> dict[str, str]:
    """The fast path's headers as moto's routing would leave them (see ``_enrich_response``): our
    request id, which the handler saw (the asynchronous invocation's id, spec 1.25)."""
    ours = headers.pop("x-amzn-RequestId", None)
    headers["x-amzn-requestid"] = ours or str(uuid.uuid4())
    return headers


class AsyncLambdaResponse(durable_api.DurableResponses, LambdaResponse):
    def setup_class(self, request: Any, full_url: str, headers: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
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

    def _function_segment(self, suffix: str) -> str:
        """The function name, ARN or ``name:qualifier`` in the path, before ``suffix``."""
        return unquote(self.path.rstrip("/").split("/functions/", 1)[1].rsplit(suffix, 1)[0])

    def _async_backend(self) -> AsyncLambdaBackend:
        """The backend, of our class while a mock is active (the backend dicts are switched)."""
        return cast(AsyncLambdaBackend, self.backend)

    def _raw_body(self) -> bytes:
        body = getattr(self, "raw_body", None)
        if body is None:
            body = self.body
        if body is None:
            return b""
        return body.encode("utf-8") if isinstance(body, str) else bytes(body)

    # -- Invoke -------------------------------------------------------------------------------

    def invoke(self) -> Any:
        if active.current() is None:
            return super().invoke()
        return self._invoke()

    @answers_aws_errors
    def _invoke(self) -> Response:
        intake = active.current()
        assert intake is not None
        kind = invoke_request.invocation_type(self.headers)
        ref, fn, durable = self._invoked()
        body = self._raw_body()
        limit = invoke_request.ASYNC_LIMIT if kind == "Event" else invoke_request.SYNC_LIMIT
        invoke_request.check_payload(body, limit, kind)
        client_context = invoke_request.parse_client_context(self.headers.get("X-Amz-Client-Context"))
        if durable is not None:
            return durable_api.invoke(fn, durable, ref, kind, body, self.headers)
        if kind == "DryRun":
            return 204, {"status": "204"}, ""  # spec 1.5: validated, nothing runs
        if kind == "Event":
            return 202, {"status": "202", "x-amzn-RequestId": _accept_event(fn, ref, body)}, ""
        request_id = new_request_id()
        invoked_arn = unqualified_arn(fn) + (f":{ref.qualifier}" if ref.qualifier else "")
        result = intake.invoke_sync(snapshot(fn), request_id, body, invoked_arn, client_context)
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

    def _invoked(self) -> _Invoked:
        """The function version an Invoke names, with AWS's errors; what a request resolved to is
        kept until a Lambda request other than Invoke is served (one Invoke after another is the
        hot path: resolving costs more than queueing the event)."""
        qualifier = self.querystring.get("Qualifier", [None])[0]
        key = (self.path, qualifier, self.region, self.current_account, self.partition)
        found: _Invoked | None = reader.remembered(key)
        if found is None:
            since = reader.generation()  # read before moto is: a change meanwhile makes it stale
            ref = invoke_request.parse_function_ref(self._function_segment("/invocations"), qualifier)
            fn = resolve(self.backend, ref, self.region, self.current_account, self.partition)
            found = _Invoked(ref, fn, durable_api.config_of(fn))
            reader.remember(key, found, since)
        return found

    def invoke_async(self) -> Any:
        """The deprecated InvokeAsync API (spec 1.27): same queue, 256 KB limit."""
        if active.current() is None:
            return super().invoke_async()
        return self._invoke_async()

    @answers_aws_errors
    def _invoke_async(self) -> Response:
        ref = invoke_request.parse_function_ref(self._function_segment("/invoke-async"), None)
        fn = resolve(self.backend, ref, self.region, self.current_account, self.partition)
        body = self._raw_body()
        invoke_request.check_payload(body, invoke_request.INVOKE_ASYNC_LIMIT, "Event")
        request_id = _accept_event(fn, ref, body)
        return 202, {"status": "202", "x-amzn-RequestId": request_id}, json.dumps({"Status": 202})

    # -- functions: the runtimes and packages AWS refuses (moto keeps any) ------------------------

    def create_function(self) -> Any:
        def check() -> None:
            deployment.check_new_function(self.json_body, self.current_account, self.partition)
            durable_api.check_config(self.json_body)

        return self._checked_first(check, super().create_function)

    def update_function_configuration(self) -> Any:
        return self._checked_first(self._check_configuration_update, super().update_function_configuration)

    def _check_configuration_update(self) -> None:
        deployment.check_configuration(self.json_body)
        try:
            fn = self.backend.get_function(unquote(self.path.rsplit("/", 2)[-2]), None)
        except UnknownFunctionException:
            durable_api.check_config(self.json_body)
            return  # moto answers AWS's 404
        durable_api.check_config(self.json_body, durable_api.config_of(fn) is not None, self._async_settings(fn))
        change = self.json_body.get("LoggingConfig")
        if isinstance(change, dict):  # levels for a function that stays Text are refused
            logging_config.updated(logging_settings(fn), change)

    def _async_settings(self, fn: Any) -> str | None:
        """The asynchronous-invocation settings the function has (a durable one may not)."""
        backend = self._async_backend()
        if backend.dead_letter_targets.get(fn.function_name):
            return "DeadLetterConfig"
        if backend.event_invoke_configs.has_any(fn.function_name):
            return "an EventInvokeConfig"
        return None

    def update_function_code(self) -> Any:
        return self._checked_first(
            lambda: deployment.check_code(self.json_body, self.current_account, self.partition),
            super().update_function_code,
        )

    @staticmethod
    def _checked_first(check: Callable[[], None], moto_answer: Callable[[], Any]) -> Any:
        """AWS's refusal while a mock is active; otherwise moto answers as it would."""
        if active.current() is not None:
            try:
                check()
            except aws_errors.AwsError as error:
                return error.response()
        return moto_answer()

    # -- reserved concurrency: moto takes qualified names and answers 404s in its own shape -----

    def put_function_concurrency(self) -> Any:
        return self._concurrency("put")

    def get_function_concurrency(self) -> Any:
        return self._concurrency("get")

    def delete_function_concurrency(self) -> Any:
        return self._concurrency("delete")

    def _concurrency(self, operation: str) -> Any:
        return self._ours_while_active(f"{operation}_function_concurrency", self._concurrency_operation, operation)

    @answers_aws_errors
    def _concurrency_operation(self, operation: str) -> Response:
        ref = invoke_request.parse_function_ref(self._function_segment("/concurrency"), None,
                                                function_names.FUNCTION_NAME)
        if ref.qualifier is not None:
            raise function_concurrency.unqualified_only()
        body = request_body.parse(self._raw_body(), request_body.FUNCTION_CONCURRENCY) if operation == "put" else {}
        fn = resolve(self.backend, ref, self.region, self.current_account, self.partition)
        backend = backend_for(fn.account_id, fn.region)
        if operation == "get":
            reserved = fn.reserved_concurrency
            body = {} if reserved is None else {"ReservedConcurrentExecutions": int(reserved)}
            return 200, JSON_200, json.dumps(body)
        if operation == "delete":
            backend.delete_function_concurrency(fn.function_name)
            return 204, {"status": "204"}, ""
        requested = body.get("ReservedConcurrentExecutions")
        if requested is None:
            raise aws_errors.validation("reservedConcurrentExecutions", "null", "Member must not be null")
        others = (int(other.reserved_concurrency) for other in backend.list_functions()
                  if other.reserved_concurrency is not None and other.function_name != fn.function_name)
        function_concurrency.check_reservation(requested, others, MotoFunctions().account_concurrency_limit())
        backend.put_function_concurrency(fn.function_name, cast(Any, requested))  # moto keeps it as given: an int
        return 200, JSON_200, json.dumps({"ReservedConcurrentExecutions": requested})

    # -- recursion config (spec 7.1): not in moto ---------------------------------------------

    def put_function_recursion_config(self) -> Any:
        return self._recursion_config("put")

    def get_function_recursion_config(self) -> Any:
        return self._recursion_config("get")

    @answers_aws_errors
    def _recursion_config(self, operation: str) -> Response:
        ref = invoke_request.parse_function_ref(self._function_segment("/recursion-config"), None,
                                                function_names.UNQUALIFIED)
        body = request_body.parse(self._raw_body(), request_body.RECURSION_CONFIG) if operation == "put" else {}
        fn = resolve(self.backend, ref, self.region, self.current_account, self.partition)
        configs = self._async_backend().recursion_configs
        if operation == "put":
            value = body.get("RecursiveLoop")
            if value not in (ALLOW, TERMINATE):
                raise aws_errors.validation(
                    "recursiveLoop", str(value), "Member must satisfy enum value set: [Terminate, Allow]"
                )
            configs[fn.function_name] = value
        current = configs.get(fn.function_name, TERMINATE)
        return 200, JSON_200, json.dumps({"RecursiveLoop": current})

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
        return self._ours_while_active(_EIC_METHODS[operation], self._event_invoke_config_operation, operation)

    def _ours_while_active(self, moto_method: str, ours: Callable[..., Any], *args: Any) -> Any:
        """mocklambda's answer while a mock is active; otherwise moto's own method answers."""
        if active.current() is None:
            return getattr(super(), moto_method)()
        return ours(*args)

    @answers_aws_errors
    def _event_invoke_config_operation(self, operation: str) -> Response:
        raw_name = unquote(self.path.split("/functions/", 1)[1].split("/event-invoke-config", 1)[0])
        qualifier_param = None if operation == "list" else self.querystring.get("Qualifier", [None])[0]
        ref = invoke_request.parse_function_ref(raw_name, qualifier_param)
        if ref.region is not None and ref.region != self.region:
            raise aws_errors.wrong_region(ref.region, self.region)
        account = ref.account_id or self.current_account
        qualifier = ref.qualifier or "$LATEST"
        qualified_arn = f"arn:{self.partition}:lambda:{self.region}:{account}:function:{ref.name}:{qualifier}"
        backend = self._async_backend()
        store: EventInvokeConfigStore = backend.event_invoke_configs
        if operation == "get":
            return 200, JSON_200, json.dumps(store.get(ref.name, qualifier, qualified_arn).to_json())
        if operation == "delete":
            store.delete(ref.name, qualifier, qualified_arn)
            return 204, {"status": "204"}, ""
        if operation != "list":
            body = request_body.parse(self._raw_body(), request_body.EVENT_INVOKE_CONFIG)
            with contextlib.suppress(UnknownFunctionException):  # a missing function: AWS's 404 below
                if durable_api.config_of(backend.get_function(ref.name)) is not None:
                    raise durable_api.refused_for_durable("an EventInvokeConfig")
            config = backend.save_event_invoke_config(operation, ref, qualified_arn, body)
            return 200, JSON_200, json.dumps(config.to_json())
        try:
            fn = backend.get_function(ref.name)
        except UnknownFunctionException:
            raise function_missing() from None
        max_items = self.querystring.get("MaxItems", [None])[0]
        marker = self.querystring.get("Marker", [None])[0]
        listing = store.list(fn.function_name, marker, int(max_items) if max_items else None)
        return 200, JSON_200, json.dumps(listing)

    # -- event source mappings (issue 14): AWS's checks, defaults, states and shapes -------------

    def create_event_source_mapping(self) -> Any:
        return self._ours_while_active("create_event_source_mapping", self._mapping_operation, "create")

    def update_event_source_mapping(self) -> Any:
        return self._ours_while_active("update_event_source_mapping", self._mapping_operation, "update")

    def get_event_source_mapping(self) -> Any:
        return self._ours_while_active("get_event_source_mapping", self._mapping_operation, "get")

    def delete_event_source_mapping(self) -> Any:
        return self._ours_while_active("delete_event_source_mapping", self._mapping_operation, "delete")

    def list_event_source_mappings(self) -> Any:
        return self._ours_while_active("list_event_source_mappings", self._mapping_operation, "list")

    @answers_aws_errors
    def _mapping_operation(self, operation: str) -> Response:
        backend = self._async_backend()
        if operation == "list":
            query = {name: self.querystring.get(name, [None])[0] for name in ("EventSourceArn", "FunctionName",
                                                                              "Marker", "MaxItems")}
            answers = mapping_api.listing(backend, query["EventSourceArn"], query["FunctionName"])
            max_items = query["MaxItems"]
            listing = mapping_config.page(answers, query["Marker"], int(max_items) if max_items else None)
            return 200, JSON_200, json.dumps(listing)
        if operation == "create":
            body = mapping_config.parse_body(self._raw_body())
            check_metrics_config(body)
            esm = backend.create_event_source_mapping(body)
            state = mapping_config.answer_state_on_create(mapping_api.kind_of(esm), bool(esm.enabled))
            return 202, JSON_202, json.dumps(mapping_api.answer(esm, state))
        uuid = unquote(self.path.rstrip("/").rsplit("/", 1)[-1])
        esm = backend.get_event_source_mapping(uuid)
        if operation == "update":
            body = mapping_config.parse_body(self._raw_body())
            check_metrics_config(body)
            enabled_before = bool(esm.enabled) if esm is not None else False
            esm = backend.update_event_source_mapping(uuid, body)
            state = mapping_config.answer_state_on_update(enabled_before, body.get("Enabled"))
            return 202, JSON_202, json.dumps(mapping_api.answer(esm, state))
        if esm is None:
            raise mapping_config.mapping_missing()
        if operation == "delete":
            backend.delete_event_source_mapping(uuid)
            return 202, JSON_202, json.dumps(mapping_api.answer(esm, mapping_config.DELETING))
        return 200, JSON_200, json.dumps(mapping_api.answer(esm))

    @staticmethod
    def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        """moto stamps a random request id on every response (``x-amzn-requestid``): keep ours."""
        ours = headers.pop("x-amzn-RequestId", None)
        headers, body = LambdaResponse._enrich_response(headers, body)
        if ours is not None:
            headers["x-amzn-requestid"] = ours
        return headers, body


class _Invoked(NamedTuple):
    ref: invoke_request.FunctionRef
    fn: Any  # moto's LambdaFunction
    durable: dict[str, Any] | None  # its DurableConfig (issue 16)


def _accept_event(fn: Any, ref: invoke_request.FunctionRef, body: bytes) -> str:
    """Queue a validated asynchronous invocation; its request id is the invocation id (spec 1.25)."""
    intake = active.current()
    assert intake is not None
    function = snapshot(fn)
    invoked_arn = f"{function.arn}:{ref.qualifier}" if ref.qualifier else function.arn  # shared when unqualified
    return intake.accept(function, body, invoked_arn, intake.caller_chain()).request_id


_EIC_METHODS = {
    "put": "put_function_event_invoke_config",
    "update": "update_function_event_invoke_config",
    "get": "get_function_event_invoke_config",
    "delete": "delete_function_event_invoke_config",
    "list": "list_function_event_invoke_configs",
}

url_bases = moto_url_bases
url_paths = dict.fromkeys(moto_url_paths, AsyncLambdaResponse.dispatch)
# moto routes only names of [\w:%-] to these: any other name must reach the syntax check (spec 1.20)
url_paths.update({
    rf"{{0}}/(?P<api_version>[^/]+)/functions/(?P<function_name>[^/]+)/{operation}/?$": AsyncLambdaResponse.dispatch
    for operation in ("recursion-config", "invoke-async", "concurrency")
})
url_paths.update(dict.fromkeys(durable_api.PATHS, AsyncLambdaResponse.dispatch))  # issue 16
