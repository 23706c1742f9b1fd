"""Lambda's durable execution API (issue 16) over the running mock's ``DurableService``: the
``2025-12-01`` routes moto lacks, Invoke of a durable function (qualified only, D8; Event answers
202 with the execution's ARN), and ``DurableConfig`` on the function's configuration (moto drops it).

``DurableResponses`` is mixed into ``AsyncLambdaResponse``: moto's router finds each operation's
method by its name (``get_durable_execution`` ...), with the ARN label already decoded."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from moto.awslambda.models import LambdaFunction

from .._core import aws_errors, invoke_request
from .._core.durable import config as durable_config
from .._core.durable.envelope import epoch_seconds
from .._core.durable.execution import DurableExecution
from .._core.durable.history import page_of
from .._ports import DurableService, Intake
from . import active
from .answers import JSON_200, JSON_202, Response, answers_aws_errors
from .reader import backend_for, resolve, snapshot, unqualified_arn

EXECUTION_ARN_HEADER = "X-Amz-Durable-Execution-Arn"
NAME_HEADER = "X-Amz-Durable-Execution-Name"
UNQUALIFIED = "You cannot invoke a durable function using an unqualified ARN."  # D8
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "DELETING", "PAUSING", "PAUSED")
PATHS = (r"{0}/2025-12-01/durable-executions/(?P<rest>.+)$",
         r"{0}/2025-12-01/durable-execution-callbacks/(?P<rest>.+)$",
         r"{0}/2025-12-01/functions/(?P<function_name>[^/]+)/durable-executions/?$")


# --- DurableConfig on the function (moto keeps none) -----------------------------------------------


def check_config(body: dict[str, Any], durable_now: bool = False, async_settings: str | None = None) -> None:
    """CreateFunction / UpdateFunctionConfiguration: a DurableConfig out of range is refused, and so
    is a durable function with the asynchronous-invocation settings mocklambda does not apply to one
    (``durable_now``: the function is durable already; ``async_settings``: which it has already)."""
    durable = body.get("DurableConfig") is not None
    if durable:
        durable_config.check(body["DurableConfig"])
    dead_letter = body.get("DeadLetterConfig")
    if (durable or durable_now) and isinstance(dead_letter, dict) and dead_letter.get("TargetArn"):
        raise refused_for_durable("DeadLetterConfig")
    if durable and async_settings:
        raise refused_for_durable(async_settings)


def refused_for_durable(setting: str) -> aws_errors.AwsError:
    """An asynchronous-invocation setting on a durable function: not applied here, so refused."""
    return aws_errors.invalid_parameter(
        f"mocklambda does not apply {setting} to durable functions: an Event invoke of one starts its execution, "
        "which is not retried, sent to destinations or to a dead-letter queue here (README: Durable functions)")


def keep_config(configs: dict[str, dict[str, Any]], name: str, body: dict[str, Any]) -> None:
    if body.get("DurableConfig") is not None:
        configs[name] = durable_config.check(body["DurableConfig"])


def config_of(fn: LambdaFunction) -> dict[str, Any] | None:
    configs: dict[str, dict[str, Any]] = getattr(backend_for(fn.account_id, fn.region), "durable_configs", {})
    return configs.get(fn.function_name)


# --- Invoke of a durable function ------------------------------------------------------------------


def invoke(fn: LambdaFunction, config: dict[str, Any], ref: invoke_request.FunctionRef, kind: str, body: bytes,
           headers: Any) -> Response:
    """A durable function's Invoke: Event starts (or finds) the execution and answers 202 with its
    ARN; RequestResponse waits for its end, up to 15 minutes of the mock's clock (D1)."""
    if ref.qualifier is None:
        raise aws_errors.invalid_parameter(UNQUALIFIED)
    if ref.qualifier == "$LATEST.PUBLISHED":
        raise aws_errors.invalid_parameter("mocklambda does not support the $LATEST.PUBLISHED qualifier (Q8)")
    if kind == "DryRun":
        return 204, {"status": "204"}, ""
    if str(headers.get("X-Amz-Log-Type") or "None") != "None":
        raise aws_errors.invalid_parameter("mocklambda does not support LogType=Tail on an Invoke of a durable "
                                           "function (README: Durable functions)")
    for header, what in NOT_APPLIED:
        if headers.get(header):
            raise aws_errors.invalid_parameter(f"mocklambda does not support {what} on an Invoke of a durable "
                                               "function (README: Durable functions)")
    service = _service()
    function = snapshot(fn)
    execution = service.start(function, body, headers.get(NAME_HEADER), config)
    answer_headers = {EXECUTION_ARN_HEADER: execution.arn, "X-Amz-Executed-Version": str(fn.version),
                      "x-amzn-RequestId": str(uuid.uuid4())}
    if kind == "Event":
        return 202, {"status": "202", **answer_headers}, ""
    limit = min(invoke_request_limit(), float(function.timeout), float(config["ExecutionTimeout"]))
    ended = service.run_to_end(execution, limit)
    answer_headers.update({"status": "200", "Content-Type": "application/json"})
    if ended and execution.status == "SUCCEEDED":
        return 200, answer_headers, (execution.result or "null").encode()
    answer_headers["X-Amz-Function-Error"] = "Unhandled"
    if not ended:
        error = {"errorMessage": f"Task timed out after {limit:.2f} seconds", "errorType": "Sandbox.Timedout"}
    else:
        found = execution.error or {}
        error = {"errorMessage": found.get("ErrorMessage", ""), "errorType": found.get("ErrorType", execution.status)}
        if found.get("StackTrace"):
            error["stackTrace"] = found["StackTrace"]
    return 200, answer_headers, json.dumps(error).encode()


NOT_APPLIED = (("X-Amz-Client-Context", "ClientContext"), ("X-Amz-Tenant-Id", "TenantId"))
"""Invoke settings a durable invocation does not carry here: refused, never dropped. ``LogType=Tail``
is refused apart (``Tail`` only: ``None`` is the default)."""


def invoke_request_limit() -> float:
    return 900.0  # D1: a synchronous invocation of a durable function waits 15 minutes at most


def _intake() -> Intake:
    intake = active.current()
    if intake is None:  # our routes exist only while a mock is installed; one may stop meanwhile
        raise aws_errors.AwsError(500, "ServiceException", "mocklambda: no mock_lambda is running")
    return intake


def _service() -> DurableService:
    return _intake().durable


# --- the 2025-12-01 operations -----------------------------------------------------------------------


class DurableResponses:
    """The durable operations, as methods of moto's Lambda response class."""

    querystring: dict[str, list[str]]
    headers: Any
    path: str
    backend: Any
    region: str
    current_account: str
    partition: str

    def _raw_body(self) -> bytes:
        raise NotImplementedError  # AsyncLambdaResponse's

    def _label(self, name: str) -> str:
        """A URI label as botocore sent it (percent-encoded; ``/`` inside an ARN too), decoded."""
        matched = getattr(self, "uri_match", None)  # moto 5.2: the labels; moto 5.1: its own regex match
        if isinstance(matched, dict) and matched.get(name):
            return str(matched[name])
        rest = self.path.split("/2025-12-01/", 1)[1].split("/", 1)[1]
        for suffix in ("/history", "/state", "/checkpoint", "/stop", "/pause", "/resume", "/succeed", "/fail",
                       "/heartbeat", "/durable-executions"):
            if rest.endswith(suffix):
                rest = rest[: -len(suffix)]
                break
        return unquote(rest)

    def _query(self, name: str) -> str | None:
        values = self.querystring.get(name)
        return values[0] if values else None

    def _flag(self, name: str, default: bool) -> bool:
        value = self._query(name)
        return default if value is None else value.lower() == "true"

    def _max_items(self) -> int | None:
        return max_items(self._query("MaxItems"))

    def _json(self) -> dict[str, Any]:
        raw = self._raw_body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            raise aws_errors.invalid_content("Could not parse request body into json") from None
        if not isinstance(body, dict):
            raise aws_errors.invalid_content("Could not parse request body into json")
        return body

    def _execution(self) -> tuple[DurableService, DurableExecution, str]:
        service = _service()
        arn = self._label("DurableExecutionArn")
        return service, service.get(arn), service.function_arn(arn)

    @answers_aws_errors
    def get_durable_execution(self) -> Response:
        _, execution, function_arn = self._execution()
        answer = execution.describe(function_arn, self._flag("IncludeExecutionData", True))
        return 200, JSON_200, json.dumps(answer)

    @answers_aws_errors
    def get_durable_execution_history(self) -> Response:
        _, execution, _ = self._execution()
        page = execution.history_page(self._flag("IncludeExecutionData", True), self._flag("ReverseOrder", False),
                                      self._query("Marker"), self._max_items())
        return 200, JSON_200, json.dumps(page)

    @answers_aws_errors
    def get_durable_execution_state(self) -> Response:
        return state_answer(self._label("DurableExecutionArn"), self._query("CheckpointToken"), self._query("Marker"),
                            self._query("MaxItems"))

    @answers_aws_errors
    def checkpoint_durable_execution(self) -> Response:
        return checkpoint_answer(self._label("DurableExecutionArn"), self._json())

    @answers_aws_errors
    def stop_durable_execution(self) -> Response:
        service = _service()
        error = _error_object(self._json()) or None
        stopped = service.stop(self._label("DurableExecutionArn"), error)
        return 200, JSON_200, json.dumps({"StopTimestamp": epoch_seconds(stopped)})

    @answers_aws_errors
    def send_durable_execution_callback_success(self) -> Response:
        raw = self._raw_body()
        if len(raw) > CALLBACK_RESULT_LIMIT:
            raise aws_errors.validation("result", "***",
                                        f"Member must have length less than or equal to {CALLBACK_RESULT_LIMIT}")
        result = raw.decode("utf-8", "replace")
        _service().callback(self._label("CallbackId"), "success", result=result)
        return 200, JSON_200, "{}"

    @answers_aws_errors
    def send_durable_execution_callback_failure(self) -> Response:
        _service().callback(self._label("CallbackId"), "failure", error=_error_object(self._json()))
        return 200, JSON_200, "{}"

    @answers_aws_errors
    def send_durable_execution_callback_heartbeat(self) -> Response:
        _service().callback(self._label("CallbackId"), "heartbeat")
        return 200, JSON_200, "{}"

    @answers_aws_errors
    def list_durable_executions_by_function(self) -> Response:
        ref = invoke_request.parse_function_ref(unquote(self._label("FunctionName")), None)
        fn = resolve(self.backend, ref, self.region, self.current_account, self.partition)
        statuses = self.querystring.get("Statuses") or []
        for status in statuses:
            if status not in STATUSES:
                raise aws_errors.validation("statuses", status,
                                            f"Member must satisfy enum value set: [{', '.join(STATUSES)}]")
        qualifier, name = self._query("Qualifier"), self._query("DurableExecutionName")
        after, before = _timestamp(self._query("StartedAfter")), _timestamp(self._query("StartedBefore"))
        function_arn = unqualified_arn(fn)
        found = [
            execution.summary(function_arn) for execution in _service().executions(function_arn)
            if (qualifier is None or execution.parts.version == qualifier)
            and (name is None or execution.name == name)
            and (not statuses or execution.status in statuses)
            and (after is None or execution.start > after)
            and (before is None or execution.start < before)
        ]
        if self._flag("ReverseOrder", False):
            found.reverse()
        return 200, JSON_200, json.dumps(page_of(found, "DurableExecutions", self._query("Marker"),
                                                 self._max_items()))

    @answers_aws_errors
    def delete_durable_execution(self) -> Response:
        deleted = _service().delete(self._label("DurableExecutionArn"))
        return 202, JSON_202, json.dumps({"DeletionRequestTimestamp": epoch_seconds(deleted)})

    @answers_aws_errors
    def pause_durable_execution(self) -> Response:
        body = self._json()
        timeout_paused = body.get("ExecutionTimeoutPaused", True)
        if not isinstance(timeout_paused, bool):
            raise aws_errors.invalid_content("ExecutionTimeoutPaused must be a boolean")
        _service().pause(self._label("DurableExecutionArn"), _reason(body), timeout_paused, _client_token(body))
        return 202, JSON_202, "{}"

    @answers_aws_errors
    def resume_durable_execution(self) -> Response:
        body = self._json()
        _service().resume(self._label("DurableExecutionArn"), _reason(body), _client_token(body))
        return 202, JSON_202, "{}"


def state_answer(arn: str, token: str | None, marker: str | None, items: str | None) -> Response:
    """GetDurableExecutionState, from its URI label and query string (the SDK's in-process calls
    too, ``sdk_client``)."""
    page = _service().state(arn, token or "", marker, max_items(items))
    return 200, JSON_200, json.dumps(page)


def checkpoint_answer(arn: str, body: dict[str, Any]) -> Response:
    """CheckpointDurableExecution, from its URI label and JSON body (the SDK's in-process calls
    too, ``sdk_client``)."""
    updates = body.get("Updates") or []
    if not isinstance(updates, list):
        raise aws_errors.invalid_parameter("Updates must be a list of OperationUpdate")
    answer = _service().checkpoint(arn, str(body.get("CheckpointToken") or ""), updates, _client_token(body))
    return 200, JSON_200, json.dumps(answer)


def max_items(value: str | None) -> int | None:
    """``MaxItems`` as the query string carries it: 0 to 1000 (0 or none: the default)."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise aws_errors.invalid_content(f"MaxItems must be a number: {value!r}") from None
    if not 0 <= number <= 1000:
        raise aws_errors.validation("maxItems", value, "Member must have value less than or equal to 1000")
    return number or None


CALLBACK_RESULT_LIMIT = 1_048_576  # the model's cap on SendDurableExecutionCallbackSuccess's Result
_CLIENT_TOKEN = re.compile(r"[\x21-\x7E]{1,64}")
_ERROR_STRINGS = ("ErrorMessage", "ErrorType", "ErrorData")


def _reason(body: dict[str, Any]) -> str | None:
    """Pause / Resume ``Reason``: a string of at most 1024 characters (botocore checks no maximum)."""
    reason = body.get("Reason")
    if reason is not None and not isinstance(reason, str):
        raise aws_errors.invalid_content("Reason must be a string")
    if reason is not None and len(reason) > 1024:
        raise aws_errors.validation("reason", "***", "Member must have length less than or equal to 1024")
    return reason


def _client_token(body: dict[str, Any]) -> str | None:
    """``ClientToken`` as the model has it: 1-64 printable ASCII characters, no space."""
    token = body.get("ClientToken")
    if token is None:
        return None
    if not isinstance(token, str) or not _CLIENT_TOKEN.fullmatch(token):
        raise aws_errors.validation("clientToken", str(token)[:64],
                                    "Member must satisfy regular expression pattern: [\\x21-\\x7E]+")
    return token


def _error_object(body: dict[str, Any]) -> dict[str, Any]:
    """An ``ErrorObject`` body (Stop, callback failure): string members, ``StackTrace`` a list of
    strings; anything else is a body AWS cannot read, never stored."""
    for key in _ERROR_STRINGS:
        if key in body and not isinstance(body[key], str):
            raise aws_errors.invalid_content(f"{key} must be a string")
    trace = body.get("StackTrace")
    if trace is not None and not (isinstance(trace, list) and all(isinstance(line, str) for line in trace)):
        raise aws_errors.invalid_content("StackTrace must be a list of strings")
    return body


def _timestamp(value: str | None) -> datetime | None:
    """A timestamp query parameter as botocore writes it (ISO 8601)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.fromtimestamp(float(value), timezone.utc)
        except ValueError:
            raise aws_errors.invalid_parameter(f"Invalid timestamp: {value}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

