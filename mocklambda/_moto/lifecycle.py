"""moto's own mock lifecycle: starting ``mock_aws`` when no one did, refusing moto's server and
proxy modes, the WSGI app behind ``mocklambda serve``, and ``pytest --mocklambda`` (every
``mock_aws`` runs a mock of ours)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto import mock_aws
from moto.core.models import MockAWS

from ..errors import MockLambdaError
from .compat import server_or_proxy_mode
from .patches import Patch


def moto_active() -> bool:
    return MockAWS._nested_count > 0


def check_not_server_mode() -> None:
    if server_or_proxy_mode():
        raise MockLambdaError(
            "mocklambda runs Lambda in-process and cannot reach a moto server "
            "(TEST_SERVER_MODE or TEST_PROXY_MODE is set); unset it, or run the code under test "
            "inside this process"
        )


def start_moto() -> Callable[[], None]:
    """Start moto's ``mock_aws``; returns what stops it."""
    mock = mock_aws()
    mock.start()
    return mock.stop


def wsgi_app() -> Any:
    """moto's server application (every service), routing Lambda to ``AsyncLambdaBackend``."""
    try:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    except ImportError as error:  # flask is moto's optional server dependency
        raise MockLambdaError(
            f"mocklambda serve needs moto's server dependencies ({error}): pip install 'mocklambda[server]'"
        ) from error
    return DomainDispatcherApplication(create_backend_app)


# ``pytest --mocklambda``: the outermost mock_aws also runs one of our mocks

_mock_aws_patches: list[Patch] = []


def make_mock_aws_lambda_aware(start_mock: Callable[[], Callable[[], None] | None]) -> None:
    """Wrap ``MockAWS.start``/``stop`` so the outermost ``mock_aws`` also runs a mock:
    ``start_mock()`` starts one and returns what stops it (None when one is running already)."""
    if _mock_aws_patches:
        return
    stops: list[Callable[[], None]] = []

    def start(self: Any, *args: Any, **kwargs: Any) -> None:
        START.original(self, *args, **kwargs)
        if MockAWS._nested_count == 1 and not stops:
            try:
                stop_mock = start_mock()
            except BaseException:
                STOP.original(self)  # moto is not left started by a mock that could not start
                raise
            if stop_mock is not None:
                stops.append(stop_mock)

    def stop(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            if MockAWS._nested_count == 1 and stops:
                stops.pop()()
        finally:
            STOP.original(self, *args, **kwargs)

    START, STOP = Patch(MockAWS, "start", start), Patch(MockAWS, "stop", stop)
    for patch in (START, STOP):
        patch.apply()
        _mock_aws_patches.append(patch)


def undo_mock_aws_patch() -> None:
    while _mock_aws_patches:
        _mock_aws_patches.pop().undo()
