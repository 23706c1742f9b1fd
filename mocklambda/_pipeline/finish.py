"""The finish step: an event's final outcome goes to its destination and, when it failed, to the
function's dead-letter queue (spec §3-4). A Lambda destination re-enters the accept step as any
invocation does. A delivery that fails is recorded and counted, never raised into the code under
test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .._core.clock import Clock
from .._core.event_queue import FUNCTION_DELETED
from .._core.records import dead_letter, invocation_record
from .._model import Arn, QueuedEvent
from .._ports import FunctionDirectory, Sinks
from .accept import Acceptor
from .telemetry import Telemetry


class Finisher:
    def __init__(self, clock: Clock, directory: FunctionDirectory, sinks: Sinks, acceptor: Acceptor,
                 telemetry: Telemetry, leave_handlers: Callable[[], None]) -> None:
        self._clock = clock
        self._directory = directory
        self._sinks = sinks
        self._acceptor = acceptor
        self._telemetry = telemetry
        self._leave_handlers = leave_handlers  # puts the test's process state back (see Runtime)

    def finish(self, event: QueuedEvent) -> None:
        if event.condition == FUNCTION_DELETED:  # its configuration, destinations and DLQ went with it
            return
        at = self._clock.now()
        succeeded = event.condition == "Success"
        if not succeeded:
            self._telemetry.count(event.function, "AsyncEventsDropped", 1, at, invoked_arn=event.request.invoked_arn)
        config = self._directory.async_config(event.function, event.request.invoked_arn)
        target = config.on_success if succeeded else config.on_failure
        dlq = None if succeeded else config.dead_letter
        if (target or dlq) and any(arn and Arn.parse(arn).service != "sqs" for arn in (target, dlq)):
            # moto's SNS, EventBridge, S3 may reach HTTP endpoints or make clients, which read the
            # environment: the test's, not the last handler's (into SQS goes straight to the queue)
            self._leave_handlers()
        if target:
            try:
                self._deliver_record(event, target, succeeded, at)
                event.delivered_to += (target,)
            except Exception as error:  # the target is gone, too small, FIFO, ...
                event.delivery_errors += (f"{target}: {type(error).__name__}: {error}",)
                self._telemetry.count(event.function, "DestinationDeliveryFailures", 1, at,
                                      invoked_arn=event.request.invoked_arn)
        if dlq:
            try:
                self._sinks.deliver_dead_letter(dlq, dead_letter(event))
                event.delivered_to += (dlq,)
            except Exception as error:
                event.delivery_errors += (f"{dlq}: {type(error).__name__}: {error}",)
                self._telemetry.count(event.function, "DeadLetterErrors", 1, at,
                                      invoked_arn=event.request.invoked_arn)

    def _deliver_record(self, event: QueuedEvent, target: str, succeeded: bool, at: datetime) -> None:
        record = invocation_record(event, at)
        if Arn.parse(target).service == "lambda":  # asynchronously, through the same queue (spec 3.9)
            function = self._directory.function(target)
            self._acceptor.accept(function, record.encode("utf-8"), target, parent=event.request.chain)
        else:
            self._sinks.deliver_record(target, record, succeeded, event.qualified_arn, at)
