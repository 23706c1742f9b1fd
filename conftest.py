"""Shared test helpers: real boto3 clients and functions built from real zip files."""

from __future__ import annotations

import io
import textwrap
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from tests.helpers import REGION


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """As moto recommends: clients made before a mock starts must never find real credentials."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def aws_region(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return REGION


@pytest.fixture
def lambda_client(aws_region: str) -> Any:
    return boto3.client("lambda", region_name=aws_region)


@pytest.fixture
def sqs(aws_region: str) -> Any:
    return boto3.client("sqs", region_name=aws_region)


@pytest.fixture
def role_arn(aws_region: str) -> Callable[[], str]:
    def create() -> str:
        iam = boto3.client("iam", region_name=aws_region)
        try:
            return iam.get_role(RoleName="lambda-role")["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            return iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    return create


@pytest.fixture
def create_function(lambda_client: Any, role_arn: Callable[[], str]) -> Callable[..., dict[str, Any]]:
    """create_function("name", {"handler.py": "..."}, Handler=..., Timeout=...) -> the API response."""

    def create(name: str, files: dict[str, str] | str, **kwargs: Any) -> dict[str, Any]:
        if isinstance(files, str):
            files = {"handler.py": files}
        params: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": "python3.11",
            "Role": role_arn(),
            "Handler": "handler.handler",
            "Code": {"ZipFile": make_zip(files)},
        }
        params.update(kwargs)
        return lambda_client.create_function(**params)

    return create
