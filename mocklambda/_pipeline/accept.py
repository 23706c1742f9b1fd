"""The accept step: every asynchronous invocation enters the queue here, from ``Invoke``, from an
AWS service (SNS, S3, EventBridge, schedules) or from a Lambda destination (spec §1-2, 7)."""

from __future__ import annotations

import random

from .._core.event_queue import EventQueue
from .._core.recursion import admit
from .._core.request_ids import new_request_id
from .._model import Chain, FunctionSnapshot, InvocationRequest, QueuedEvent
from .._ports import FunctionDirectory
from .telemetry import Telemetry


class Acceptor:
    def __init__(self, queue: EventQueue, directory: FunctionDirectory, telemetry: Telemetry,
                 duplicate_rate: float, seed: int | None) -> None:
        self._queue = queue
        self._directory = directory
        self._telemetry = telemetry
        self._duplicate_rate = duplicate_rate
        self._random = random.Random(seed)

    def accept(self, function: FunctionSnapshot, payload: bytes, invoked_arn: str, parent: Chain | None,
               request_id: str | None = None) -> QueuedEvent:
        """Queue one event. Its chain extends ``parent`` (the invoking handler's, or None); an
        event that would be a recursive loop's next invocation is queued too, and stopped when its
        attempt comes (spec 7.2)."""
        chain, admitted = admit(function.arn, parent, lambda: self._directory.recursion_config(function))
        request = InvocationRequest(request_id or new_request_id(), payload, invoked_arn, chain=chain)
        event = self._queue.submit(function, request, stopped_as_recursive=not admitted)
        self._telemetry.count(function, "AsyncEventsReceived", 1, self._queue.clock.now(), invoked_arn=invoked_arn)
        if self._duplicate_rate and self._random.random() < self._duplicate_rate:
            self._queue.submit(function, request, not admitted)  # at-least-once: delivered twice (spec 2.8)
        return event
