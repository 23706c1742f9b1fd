"""CloudFormation's side of the Lambda resources mocklambda provisions: the schema checks of
``AWS::Lambda::EventInvokeConfig`` (the resource type's registry schema, checked before any Lambda
call), the PutFunctionEventInvokeConfig request its handler makes, and the status reasons of a
resource that fails, worded as CloudFormation words them. Pure: the moto adapter asks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .aws_errors import AwsError

EVENT_INVOKE_CONFIG = "AWS::Lambda::EventInvokeConfig"
SETTINGS = ("DestinationConfig", "MaximumEventAgeInSeconds", "MaximumRetryAttempts")
_PROPERTIES = ("FunctionName", "Qualifier", *SETTINGS)
_REQUIRED = ("FunctionName", "Qualifier")
_INTEGERS = {"MaximumRetryAttempts": (0, 2), "MaximumEventAgeInSeconds": (60, 21600)}
_FUNCTION_NAME = re.compile(
    r"^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?(-iso([a-z])?)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
    r"([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$"
)
_QUALIFIER = re.compile(r"^(|[a-zA-Z0-9$_-]{1,129})$")
_DESTINATION = re.compile(
    r"^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?(-iso([a-z])?)?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
_DESTINATION_MAX_LENGTH = 350
_INTEGER_TEXT = re.compile(r"^-?\d+$")
_HANDLER_ERROR_CODES = {400: "InvalidRequest", 404: "NotFound", 409: "ResourceConflict", 429: "Throttling"}


def type_name(value: Any) -> str:
    """The JSON type a value is, as CloudFormation's schema validator names it."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "JSONArray"
    if isinstance(value, dict):
        return "JSONObject"
    return "Null"


def integer(value: Any) -> int | None:
    """An integer property's value: CloudFormation turns a numeric string (a parameter's ``Ref``)
    into the schema's integer; anything else is no integer (None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.match(value):
        return int(value)
    return None


def _keys(value: Mapping[str, Any], path: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    problems = [f"{path}: required key [{key}] not found" for key in required if key not in value]
    return problems + [f"{path}: extraneous key [{key}] is not permitted" for key in value if key not in allowed]


def _string(value: Any, path: str, pattern: re.Pattern[str], max_length: int | None = None) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected type: String, found: {type_name(value)}"]
    if max_length is not None and len(value) > max_length:
        return [f"{path}: expected maxLength: {max_length}, actual: {len(value)}"]
    if not pattern.match(value):
        return [f"{path}: string [{value}] does not match pattern {pattern.pattern}"]
    return []


def _destinations(value: Any) -> list[str]:
    path = "#/DestinationConfig"
    if not isinstance(value, dict):
        return [f"{path}: expected type: JSONObject, found: {type_name(value)}"]
    problems = _keys(value, path, ("OnFailure", "OnSuccess"), ())
    for which in ("OnFailure", "OnSuccess"):
        if which not in value:
            continue
        target, where = value[which], f"{path}/{which}"
        if not isinstance(target, dict):
            problems.append(f"{where}: expected type: JSONObject, found: {type_name(target)}")
            continue
        problems += _keys(target, where, ("Destination",), ("Destination",))
        if "Destination" in target:
            problems += _string(target["Destination"], f"{where}/Destination", _DESTINATION, _DESTINATION_MAX_LENGTH)
    return problems


def event_invoke_config_problems(properties: Mapping[str, Any]) -> list[str]:
    """What the resource type's schema refuses in an ``AWS::Lambda::EventInvokeConfig``'s
    properties, one message per violation (empty when they are valid)."""
    problems = _keys(properties, "#", _PROPERTIES, _REQUIRED)
    if "FunctionName" in properties:
        problems += _string(properties["FunctionName"], "#/FunctionName", _FUNCTION_NAME)
    if "Qualifier" in properties:
        problems += _string(properties["Qualifier"], "#/Qualifier", _QUALIFIER)
    for key, (low, high) in _INTEGERS.items():
        if key not in properties:
            continue
        number = integer(properties[key])
        if number is None:
            problems.append(f"#/{key}: expected type: Integer, found: {type_name(properties[key])}")
        elif number < low:
            problems.append(f"#/{key}: {number} is not greater or equal to {low}")
        elif number > high:
            problems.append(f"#/{key}: {number} is not less or equal to {high}")
    if "DestinationConfig" in properties:
        problems += _destinations(properties["DestinationConfig"])
    return problems


def put_request(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The PutFunctionEventInvokeConfig body the resource's handler sends: the settings the
    template gives (integers as integers), nothing else; a setting left out is removed (spec 5.2)."""
    body: dict[str, Any] = {key: properties[key] for key in SETTINGS if key in properties}
    for key in _INTEGERS:
        if key in body:
            body[key] = integer(body[key])
    return body


def physical_id(function_name: str, qualifier: str) -> str:
    """The resource's identifier (its ``Ref``): the schema's primary identifier, FunctionName and
    Qualifier, joined as CloudFormation joins compound identifiers."""
    return f"{function_name}|{qualifier}"


def validation_failed(logical_id: str, problems: list[str]) -> str:
    """The status reason of a resource whose properties the schema refuses."""
    return f"Properties validation failed for resource {logical_id} with message: {' '.join(problems)}"


def handler_failed(error: AwsError, request_id: str, request_token: str) -> str:
    """The status reason of a resource whose Lambda call failed: the SDK's message, then the
    handler's error code."""
    code = _HANDLER_ERROR_CODES.get(error.status, "ServiceInternalError" if error.status >= 500 else "InvalidRequest")
    return (
        f'Resource handler returned message: "{error.message} (Service: Lambda, Status Code: {error.status}, '
        f'Request ID: {request_id})" (RequestToken: {request_token}, HandlerErrorCode: {code})'
    )


def rollback_reason(logical_ids: list[str]) -> str:
    """The stack's ROLLBACK_IN_PROGRESS reason after resources failed to create."""
    return f"The following resource(s) failed to create: [{', '.join(logical_ids)}]. Rollback requested by user."
