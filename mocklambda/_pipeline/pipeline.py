"""One running mock's pipeline, wired: accept → queue (+ clock) → attempt → finish → delivery.

``Pipeline`` builds each step with the collaborators it needs and is what moto's patched
methods talk to (it implements ``_ports.Intake``). It holds no logic of its own beyond the
mode's rules: when the queue settles (auto mode) and who runs it (realtime mode).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, Literal

from .._core.clock import Clock
from .._core.durable.timeline import render as render_durable
from .._core.event_queue import EventQueue
from .._core.timeline import render
from .._model import Chain, ExecutionResult, FunctionSnapshot, Invocation, InvocationRequest, QueuedEvent
from .._ports import FunctionDirectory, ScheduleSource, Sinks, SqsMapping, StreamSource
from .._runtime.executor import Runtime
from .._runtime.isolation import Isolation
from .._runtime.threads import current_chain, in_handler
from ..errors import MockLambdaError
from .accept import Acceptor
from .attempt import Bindings, Dispatcher, Faults
from .concurrency import Concurrency
from .durable import DurableEngine
from .finish import Finisher
from .realtime import RealtimeRunner
from .scheduled_rules import ScheduledRules
from .sqs_poller import ClientFactory, SqsPoller
from .stream_poller import StreamPoller
from .telemetry import Telemetry

Mode = Literal["auto", "manual", "realtime"]


class Pipeline:
    def __init__(self, mode: Mode, time_scale: float, duplicate_rate: float, seed: int | None,
                 directory: FunctionDirectory, sinks: Sinks, schedules: ScheduleSource, streams: StreamSource,
                 clients: ClientFactory,
                 bindings: Bindings, faults: Faults, endpoint: Callable[[], str],
                 isolation: Isolation | None = None) -> None:
        self.mode = mode
        realtime = mode == "realtime"
        self.clock = Clock(rate=1.0 / time_scale if realtime else 0.0)  # AWS seconds per wall second
        self.runtime = Runtime(endpoint, isolation)  # endpoint: where functions run as processes send AWS calls
        self.telemetry = Telemetry(sinks)
        dispatcher = Dispatcher(self.clock, directory, self.runtime, bindings, faults,
                                Concurrency(realtime, directory.account_concurrency_limit), self.telemetry)
        self._dispatcher = dispatcher
        self.queue = EventQueue(
            # the finisher comes after the queue: a Lambda destination re-enters accept, which queues
            self.clock, dispatcher.attempt, lambda event: self._finisher.finish(event),
            # virtual modes run warm attempts on the thread that moves the clock (see Runtime.inline_batch)
            around_run=nullcontext if realtime else self.runtime.inline_batch,
            before_timer=self.runtime.leave_handlers,
        )
        self.clock.on_advance(self._run_due)  # the queue's own listener, refused to handler code
        self.acceptor = Acceptor(self.queue, directory, self.telemetry, duplicate_rate, seed)
        self._finisher = Finisher(self.clock, directory, sinks, self.acceptor, self.telemetry,
                                  self.runtime.leave_handlers)
        self._directory = directory
        self.sqs_poller = SqsPoller(self.queue, directory, self._run_mapped, self.telemetry, clients)
        self.stream_poller = StreamPoller(self.queue, directory, streams, self._run_mapped, self.telemetry, sinks,
                                          faults)
        self.scheduled_rules = ScheduledRules(self.queue, schedules)
        self.realtime = RealtimeRunner(self.queue) if realtime else None
        self.durable = DurableEngine(self.clock, self.queue, dispatcher, directory, self.telemetry, faults, realtime)
        self._started = False

    def _run_mapped(self, function: FunctionSnapshot, request: InvocationRequest,
                    inline: bool = False) -> ExecutionResult:
        """A mapping's batch: one invocation, or for a durable function a whole execution (D3)."""
        if self._directory.durable_config(function) is not None:
            return self.durable.run_for_mapping(function, request)
        return self._dispatcher.run_now(function, request, inline)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._started = True
        self.stream_poller.adopt_existing()
        if self.realtime is not None:
            self.realtime.start()

    def stop(self) -> None:
        """Run what is still queued to its final outcome and write what was recorded."""
        try:
            if self.realtime is not None:
                self.realtime.stop()
            self.queue.run_until_idle()
            self.sqs_poller.release()
            self.telemetry.flush()
        finally:
            self._started = False

    def close(self) -> None:
        self.runtime.close()

    # -- looking -----------------------------------------------------------------------------

    def run_until_idle(self, timeout: float) -> None:
        _refuse_in_handler("lam.run_until_idle()")
        if self.realtime is None:
            self.queue.run_until_idle()
        else:
            self.realtime.run_until_idle(timeout, self.timeline)

    def _run_due(self, until: float) -> None:
        _refuse_in_handler("lam.clock.advance()")
        self.queue.run_due(until)

    def invocations(self, function_name: str | None = None) -> list[Invocation]:
        events = list(self.queue.events)
        if function_name is not None:
            events = [e for e in events if function_name in (e.function.name, e.function.arn, e.qualified_arn)]
        return [self.queue.snapshot(event) for event in events]

    def timeline(self) -> str:
        """Every asynchronous event, then each stream mapping's batches, shard by shard, then each
        durable execution's history."""
        text = render(self.invocations(), self.clock.started_at, self.clock.offset())
        durable = render_durable(self.durable.all(), self.clock.started_at)
        return "\n".join([text, *self.stream_poller.history.render(), *durable])

    def has_history(self) -> bool:
        """Anything for a timeline to show: an asynchronous event, a stream batch or a durable execution."""
        return bool(self.queue.events) or bool(self.stream_poller.history) or bool(self.durable.all())

    # -- the Intake port: what moto's patched methods call ------------------------------------

    def caller_chain(self) -> Chain | None:
        return current_chain()

    def accept(self, function: FunctionSnapshot, payload: bytes, invoked_arn: str, parent: Chain | None,
               request_id: str | None = None) -> QueuedEvent:
        return self.acceptor.accept(function, payload, invoked_arn, parent, request_id)

    def invoke_sync(self, function: FunctionSnapshot, request_id: str, payload: bytes, invoked_arn: str,
                    client_context: dict[str, Any] | None) -> ExecutionResult:
        return self._dispatcher.invoke_sync(function, request_id, payload, invoked_arn, client_context)

    def invoke_internal(self, function: FunctionSnapshot, payload: bytes, invoked_arn: str) -> ExecutionResult | None:
        return self._dispatcher.invoke_internal(function, payload, invoked_arn)

    def before_api_call(self, url: str) -> None:
        """Auto mode: whoever calls AWS from outside a handler sees every queued event settled,
        and the logs and metrics recorded so far. A handler's own calls wait for nothing (its
        events run once its attempt is over)."""
        if in_handler():
            return
        if self.mode == "auto" and self._started:
            self.queue.run_until_idle()
        self.telemetry.before_call(url)

    def flush_telemetry(self) -> None:
        self.telemetry.flush()

    def sqs_message_sent(self, mapping: SqsMapping, message_id: str) -> None:
        self.sqs_poller.message_sent(mapping, message_id, current_chain() if in_handler() else None)

    def sqs_mapping_changed(self, mapping_uuid: str) -> None:
        """A new or re-enabled SQS mapping starts polling: messages already waiting are read."""
        self.sqs_poller.wake(mapping_uuid)

    def sqs_visibility_changed(self, receipt_handle: str, seconds: int) -> bool:
        return self.sqs_poller.visibility_changed(receipt_handle, seconds)

    def sqs_message_deleted(self, receipt_handle: str) -> None:
        self.sqs_poller.message_deleted(receipt_handle)

    def stream_records_arrived(self, source_arn: str) -> None:
        self.stream_poller.records_arrived(source_arn)

    def stream_mapping_changed(self, mapping_uuid: str) -> None:
        self.stream_poller.mapping_changed(mapping_uuid)

    def track_schedule(self, rule_arn: str, expression: str) -> None:
        self.scheduled_rules.track(rule_arn, expression)


def _refuse_in_handler(call: str) -> None:
    """Handler code moving the mock's time would wait for the queue its own attempt is part of."""
    if in_handler():
        raise MockLambdaError(
            f"{call} was called from handler code: the queue runs handlers, so a handler cannot wait "
            "for it. Call it from the test, after the invoke that runs this handler."
        )
