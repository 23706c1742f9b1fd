"""Shared test helpers: real boto3 clients and functions built from real zip files."""

from __future__ import annotations

import functools
import gc
import io
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.session
import pytest

from tests.helpers import REGION

# moto gives every mock a fresh default boto3 session, and each new session's loader parsed the
# service models (JSON, about 0.1 s of CPU a client) again: half of the suite's time. One loader a
# data path for the whole run is botocore's own per-session cache made process-wide: the models
# are read-only data, so every client is built from exactly what it was built from before.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)

# Each test leaves tens of thousands of objects (a mock, moto's backends and request mocks, boto3
# sessions and clients) that outlive the young generations, so Python's full collection ran every
# few tests, each going over everything alive: about a third of the run's CPU. Ten times rarer, it
# costs a tenth of that, for some 30 MB more at the peak; what is garbage is still collected.
gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], 100)


@pytest.hookimpl(hookwrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[None]:
    """pytest rewrites each test module's asserts on import and keeps the result as bytecode in
    ``__pycache__`` (git-ignored), unless ``PYTHONDONTWRITEBYTECODE`` is set, as on machines that
    set it for everything: then every run and every xdist worker rewrote and compiled all of them
    again (about 7 s of CPU a process). Written while collecting only: handler code, which runs in
    tests, leaves no bytecode beside its package, as on Lambda."""
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        yield
    finally:
        sys.dont_write_bytecode = dont_write


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
    clients: list[Any] = []  # one IAM client for the test's functions (a client costs more than the call)

    def create() -> str:
        if not clients:
            clients.append(boto3.client("iam", region_name=aws_region))
        iam = clients[0]
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
