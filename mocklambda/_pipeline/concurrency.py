"""Concurrency as Lambda counts it (spec 1.21, 2.5): in realtime mode attempts overlap, and a
function's reserved concurrency or the account's limit throttles the excess. The virtual modes
run one attempt at a time, so nothing is counted there."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from .._model import FunctionSnapshot


class Concurrency:
    def __init__(self, enforced: bool, account_limit: Callable[[], int]) -> None:
        self._enforced = enforced
        self._account_limit = account_limit
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()

    def acquire(self, function: FunctionSnapshot, reserved: int | None) -> str | None:
        """Take one unit of concurrency, or say why the invocation is throttled."""
        if not self._enforced:
            return None
        with self._lock:
            if reserved is not None and self._in_flight[function.arn] >= reserved:
                return "ReservedFunctionConcurrentInvocationLimitExceeded"
            if sum(self._in_flight.values()) >= self._account_limit():
                return "ConcurrentInvocationLimitExceeded"
            self._in_flight[function.arn] += 1
        return None

    def release(self, function: FunctionSnapshot) -> None:
        if self._enforced:
            with self._lock:
                self._in_flight[function.arn] -= 1
