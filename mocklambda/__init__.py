"""mocklambda: AWS Lambda's asynchronous invocation, real inside tests (an extension of moto)."""

from ._api import LambdaMock, mock_lambda
from ._core.clock import Clock
from ._model import Attempt, DurableExecutionView, DurableOperation, Invocation
from .errors import MockLambdaError, MockLambdaWarning, NotIdleError

__all__ = [
    "Attempt",
    "Clock",
    "DurableExecutionView",
    "DurableOperation",
    "Invocation",
    "LambdaMock",
    "MockLambdaError",
    "MockLambdaWarning",
    "NotIdleError",
    "mock_lambda",
]
__version__ = "0.1.0"
