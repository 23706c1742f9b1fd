"""Parsing and validating an Invoke request before anything runs or is queued (spec §1)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from .._model import MAX_JSON_DEPTH, json_nesting_room
from . import aws_errors, function_names
from .function_names import FunctionRef as FunctionRef  # where requests are parsed, as before

SYNC_LIMIT = 6 * 1024 * 1024  # spec 1.14
ASYNC_LIMIT = 1024 * 1024  # spec 1.14-1.15
INVOKE_ASYNC_LIMIT = 256 * 1024  # spec 1.15: the deprecated InvokeAsync keeps 256 KB
CLIENT_CONTEXT_LIMIT = 3583  # spec 1.12
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


def parse_function_ref(raw: str, explicit_qualifier: str | None,
                       shape: function_names.NameShape = function_names.NAMESPACED) -> FunctionRef:
    """The function a request names, after AWS's syntax checks (spec 1.20): every broken
    constraint is one 400 ``ValidationException``; a qualifier in the name that differs from the
    ``Qualifier`` parameter is ``InvalidParameterValueException`` (spec 1.10)."""
    ref = function_names.check(raw, explicit_qualifier, shape)
    if ref.qualifier is None:
        return FunctionRef(ref.name, explicit_qualifier, ref.region, ref.account_id)
    if explicit_qualifier is not None and ref.qualifier != explicit_qualifier:
        raise aws_errors.invalid_parameter(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return ref


def check_payload(body: bytes, limit: int, operation: str) -> None:
    """Size first, then JSON: both are answered before anything is queued (spec 1.16-1.17)."""
    if len(body) > limit:
        if operation == "Event":
            message = f"{len(body)} byte payload is too large for the Event invocation type (limit {limit} bytes)"
        else:
            message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        raise aws_errors.too_large(message)
    if not body.strip():
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start == 0:  # Jackson reads a leading stray byte as a (Latin-1) character
            detail = _jackson_detail(body.decode("latin-1"), 0)
            column = 1
        else:  # ... and a later one as a broken UTF-8 sequence, counting the column after it
            detail = f"Invalid UTF-8 start byte 0x{body[exc.start]:02x}"
            column = exc.start + 2
        raise aws_errors.invalid_content(
            "Could not parse request body into json: Could not parse payload into json: "
            f"{detail}\n at [Source: REDACTED "
            f"(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: {column}]"
        ) from None
    deepest = too_deep_at(text)
    if deepest is not None:  # Jackson's limit, checked as it reads: before any other fault after it
        raise aws_errors.invalid_content(
            "Could not parse request body into json: Could not parse payload into json: "
            f"Document nesting depth ({MAX_JSON_DEPTH + 1}) exceeds the maximum allowed ({MAX_JSON_DEPTH}, from "
            f"`StreamReadConstraints.getMaxNestingDepth()`)\n at [Source: REDACTED "
            f"(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {text.count(chr(10), 0, deepest) + 1}, "
            f"column: {deepest - text.rfind(chr(10), 0, deepest)}]"
        )
    try:
        with json_nesting_room(text):
            if text.startswith("\ufeff"):  # json.loads's own refusal of a byte order mark
                json.loads(text, parse_constant=_refuse_constant)
            else:  # one decoder for every request: json.loads makes a new one per call
                _STRICT_DECODER.decode(text)
    except _NonStandardToken as exc:
        raise aws_errors.invalid_content(
            "Could not parse request body into json: Could not parse payload into json: "
            f"Non-standard token '{exc.token}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
            f"\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, "
            f"column: {text.find(exc.token) + len(exc.token) + 1}]"
        ) from None
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        column = getattr(exc, "colno", 1)
        raise aws_errors.invalid_content(
            "Could not parse request body into json: Could not parse payload into json: "
            f"{_jackson_detail(text, getattr(exc, 'pos', 0))}\n at [Source: REDACTED "
            f"(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {column}]"
        ) from None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # a string (skipped whole), or a bracket


def too_deep_at(text: str) -> int | None:
    """Where a JSON document first nests deeper than ``MAX_JSON_DEPTH`` (the index of that
    opening bracket), or None. Counting the brackets first keeps the common case at C speed."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return None
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return token.start()
        elif bracket in ("]", "}"):
            depth -= 1
    return None


class _NonStandardToken(ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def _refuse_constant(token: str) -> None:
    """NaN and Infinity are not JSON; Jackson, which AWS uses, refuses them."""
    raise _NonStandardToken(token)


_STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _jackson_detail(text: str, pos: int) -> str:
    """Approximates the Jackson parser message AWS returns for the offending character."""
    if pos >= len(text):
        return "Unexpected end-of-input"
    char = text[pos]
    if char.isalpha():
        word = re.match(r"[A-Za-z0-9_]+", text[pos:])
        token = word.group(0) if word else char
        return (
            f"Unrecognized token '{token}': was expecting "
            "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        )
    if ord(char) < 32 or 127 <= ord(char) < 160:
        shown = f"(CTRL-CHAR, code {ord(char)})"
    else:
        shown = f"'{char}' (code {ord(char)})"
    return (
        f"Unexpected character ({shown}): expected a valid value "
        "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
    )


def parse_client_context(header: str | None) -> dict[str, Any] | None:
    """Decode ``X-Amz-Client-Context`` (spec 1.12); AWS strips a top-level ``w3c`` key (spec 1.13)."""
    if header is None:
        return None
    error = aws_errors.invalid_content("Client context must be a valid Base64-encoded JSON object.")
    if len(header) > CLIENT_CONTEXT_LIMIT:
        raise aws_errors.AwsError(
            400,
            "InvalidParameterValueException",
            f"Client context must be no longer than {CLIENT_CONTEXT_LIMIT} bytes.",
        )
    try:
        document = base64.b64decode(header, validate=True).decode("utf-8")
        if too_deep_at(document) is not None:
            raise error
        with json_nesting_room(document):
            decoded = json.loads(document)
    except (binascii.Error, ValueError):
        raise error from None
    if not isinstance(decoded, dict):
        raise error
    decoded.pop("w3c", None)
    return decoded


def invocation_type(headers: Mapping[str, str]) -> str:
    value = headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    if value not in INVOCATION_TYPES:
        raise aws_errors.validation(
            "invocationType", value, "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        )
    return value
