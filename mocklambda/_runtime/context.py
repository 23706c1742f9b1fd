"""The ``context`` object a Python handler receives, with the fields of AWS's runtime (spec 9.1)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CognitoIdentity:
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass
class ClientInfo:
    installation_id: str | None = None
    app_title: str | None = None
    app_version_name: str | None = None
    app_version_code: str | None = None
    app_package_name: str | None = None


@dataclass
class ClientContext:
    """Decoded ``ClientContext`` of a synchronous invoke (spec 1.13)."""

    client: ClientInfo | None = None
    custom: dict[str, Any] | None = None
    env: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientContext:
        raw_client = data.get("client")
        client = None
        if isinstance(raw_client, dict):
            client = ClientInfo(
                installation_id=raw_client.get("installation_id"),
                app_title=raw_client.get("app_title"),
                app_version_name=raw_client.get("app_version_name"),
                app_version_code=raw_client.get("app_version_code"),
                app_package_name=raw_client.get("app_package_name"),
            )
        return cls(client=client, custom=data.get("custom"), env=data.get("env"))


@dataclass
class LambdaContext:
    """Mirrors ``awslambdaric.lambda_context.LambdaContext``."""

    aws_request_id: str
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    log_group_name: str
    log_stream_name: str
    client_context: ClientContext | None = None
    identity: CognitoIdentity = field(default_factory=CognitoIdentity)
    tenant_id: str | None = None
    _deadline: float = 0.0  # time.monotonic() at which the function times out

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def log(self, msg: str) -> None:
        print(msg, end="" if msg.endswith("\n") else "\n")
