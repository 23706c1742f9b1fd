"""Where every boto3 call reaches moto, whenever its client was made (botocore's ``before-send``
hook, moto's ``botocore_stubber``): the queue settles and telemetry is written before the call is
served, and ``Invoke`` takes a fast path past moto's request routing."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from moto import settings as moto_settings
from moto.core.models import botocore_stubber

from . import active
from .patches import Patch
from .responses import AsyncLambdaResponse, with_our_request_id

_INVOKE_URL = re.compile(r"^https?://lambda\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/2015-03-31/functions/[^/]+/invocations/?$")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


def _settle_then_process(request: Any) -> Any:
    """Settle auto-mode events first, unless the caller is a handler (its events wait until its
    attempt is over); then answer an Invoke ourselves, or let moto."""
    intake = active.current()
    if intake is not None:
        intake.before_api_call(request.url)
        if botocore_stubber.enabled:
            answer = _fast_invoke(request)
            if answer is not None:
                return answer
    return type(botocore_stubber).process_request(botocore_stubber, request)


def authorizing() -> bool:
    """moto checks IAM permissions (``set_initial_no_auth_action_count``): let it route."""
    return bool(float("inf") != moto_settings.INITIAL_NO_AUTH_ACTION_COUNT)


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
    the same ``AsyncLambdaResponse`` code, given the attributes its ``setup_class`` would set.
    Only while moto's IAM authorization is off, since that would be skipped; anything else goes
    the usual way."""
    url = request.url
    if request.method != "POST" or "/invocations" not in url or authorizing():
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
        from moto.iam.models import get_account_id_from  # when needed: importing IAM costs start-up time

        key = _ACCESS_KEY.search(headers_in.get("Authorization", "") or "")
        account = get_account_id_from(key.group(1) if key else "AKIAEXAMPLE")
    response.current_account = account
    status, headers, payload = response.invoke()
    headers = dict(headers)
    headers.pop("status", None)
    return status, with_our_request_id(headers), payload


PATCHES = (Patch(botocore_stubber, "process_request", _settle_then_process),)
