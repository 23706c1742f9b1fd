"""mocklambda: AWS Lambda's asynchronous invocation, real inside tests (an extension of moto)."""

from .clock import Clock
from .errors import MockLambdaError, MockLambdaWarning, NotIdleError
from .invocations import Attempt, Invocation
from .mock import LambdaMock, mock_lambda

__all__ = [
    "Attempt",
    "Clock",
    "Invocation",
    "LambdaMock",
    "MockLambdaError",
    "MockLambdaWarning",
    "NotIdleError",
    "mock_lambda",
]
__version__ = "0.1.0"
