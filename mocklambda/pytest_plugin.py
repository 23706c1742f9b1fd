"""pytest integration: the ``lambda_mock`` fixture and marker, and ``pytest --mocklambda``."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from . import _moto
from ._api import LambdaMock, start_for_mock_aws, started_recently


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mocklambda")
    group.addoption(
        "--mocklambda",
        action="store_true",
        default=False,
        help="make every moto mock_aws in this run behave as mock_lambda (drop-in for a moto suite)",
    )
    parser.addini("mocklambda_isolation", default="in-process",
                  help="the lambda_mock fixture's isolation: 'process' runs Python functions in processes of "
                       "their own under AWS's runtime interface client (default: in-process)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "lambda_mock(mode='auto', time_scale=1.0, isolation='in-process'): options for the lambda_mock fixture",
    )
    if config.getoption("mocklambda", default=False):
        _moto.make_mock_aws_lambda_aware(start_for_mock_aws)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption("mocklambda", default=False):
        _moto.undo_mock_aws_patch()


def pytest_runtest_setup(item: pytest.Item) -> None:
    started_recently.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for lam in started_recently:
            if lam._has_history():
                report.sections.append(("mocklambda timeline", lam.timeline()))


@pytest.fixture
def lambda_mock(request: pytest.FixtureRequest) -> Iterator[LambdaMock]:
    """A started ``LambdaMock`` (and moto, unless one is active); stopped after the test."""
    marker = request.node.get_closest_marker("lambda_mock")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    options.setdefault("isolation", request.config.getini("mocklambda_isolation"))
    with LambdaMock(**options) as lam:
        yield lam
