"""The durable execution SDK inside the test's process: handlers run in-process and import the
test's own ``aws_durable_execution_sdk_python``, whose boto3 client is cached on a class (spec
§3.2). Each mock starts and ends with it cleared, so no client of an earlier mock (its region,
its credentials, its endpoint) is reused."""

from __future__ import annotations

import sys

SDK_CLIENT_MODULE = "aws_durable_execution_sdk_python.lambda_service"


def forget_sdk_client() -> None:
    module = sys.modules.get(SDK_CLIENT_MODULE)
    client_class = getattr(module, "LambdaClient", None)
    if client_class is not None and hasattr(client_class, "_cached_boto_client"):
        client_class._cached_boto_client = None
