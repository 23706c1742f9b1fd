"""SQS event source mappings, polled as Lambda's pollers do, on the mock's clock.

A batch that fails is not deleted: each of its messages becomes visible again when its visibility
timeout (virtual) has passed, the queue's own or the one a handler set with
``ChangeMessageVisibility``, is received again, and after ``maxReceiveCount`` receives the queue's
own redrive policy moves it to its dead-letter queue, all in milliseconds. Everything here goes
through boto3, so moto's SQS does the receiving, counting and redriving exactly as it answers any
client; only *when* a held message shows again is decided here (``_core.sqs_inflight``).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import threading
import uuid
from collections.abc import Callable
from typing import Any

from .._core.event_queue import EventQueue
from .._core.recursion import admit
from .._core.service_events import batch_item_failures, sqs_event
from .._core.sqs_inflight import HOLD, Held, InFlight
from .._model import Arn, Chain, ExecutionResult, FunctionSnapshot, InvocationRequest
from .._ports import FunctionDirectory, SqsMapping
from ..errors import warn
from .telemetry import Telemetry

RECEIVE_LIMIT = 10  # messages per ReceiveMessage call
Run = Callable[[FunctionSnapshot, InvocationRequest], ExecutionResult]
ClientFactory = Callable[[str, str], Any]  # (service, region) -> a boto3 client


class SqsPoller:
    """Polls each SQS mapping's queue when messages arrive (and again while any are left)."""

    def __init__(self, queue: EventQueue, directory: FunctionDirectory, run: Run, telemetry: Telemetry,
                 clients: ClientFactory) -> None:
        self._queue = queue
        self._clock = queue.clock
        self._directory = directory
        self._run = run
        self._telemetry = telemetry
        self._clients = clients
        self._scheduled: dict[str, float] = {}  # mapping -> due of its next poll
        self._chains: dict[str, Chain] = {}  # message id -> the chain of the handler that sent it
        self._waiting_since: dict[str, float] = {}  # mapping -> when its batching window opened
        self._in_flight = InFlight()
        self._lock = threading.Lock()  # handlers' threads change visibility while timers show messages

    def message_sent(self, mapping: SqsMapping, message_id: str, chain: Chain | None) -> None:
        if chain is not None:
            self._chains[message_id] = chain
        now = self._clock.offset()
        opened = self._waiting_since.setdefault(mapping.uuid, now)
        self.wake(mapping.uuid, delay=max(0.0, opened + mapping.batching_window - now))

    def wake(self, mapping_uuid: str, delay: float = 0.0) -> None:
        """Poll the mapping's queue ``delay`` seconds from now (unless a poll is due sooner)."""
        due = self._clock.offset() + delay
        scheduled = self._scheduled.get(mapping_uuid)
        if scheduled is not None and scheduled <= due:
            return
        self._scheduled[mapping_uuid] = due
        self._queue.call_at(due, lambda: self._poll(mapping_uuid, due), f"poll of SQS mapping {mapping_uuid}")

    # -- what handlers (or tests) do to the messages a mapping holds ---------------------------------

    def visibility_changed(self, receipt_handle: str, seconds: int) -> bool:
        """``ChangeMessageVisibility`` on a message: True when the mapping holds it and keeps it
        hidden until its new (virtual) deadline; False when it is not the mapping's, or is visible
        again now (then the mapping polls for it)."""
        now = self._clock.offset()
        with self._lock:
            held = self._in_flight.change(receipt_handle, now, seconds)
            if held is None:
                return False
            if held.deadline > now:
                if not held.running:  # waiting to show: a new deadline, a new timer
                    self._show_at([held])
                return True
            self._in_flight.forget(receipt_handle)
        self.wake(held.mapping_uuid)
        return False

    def message_deleted(self, receipt_handle: str) -> None:
        """``DeleteMessage`` (by the handler itself, or by the mapping): nothing to show again."""
        with self._lock:
            self._in_flight.forget(receipt_handle)

    def release(self) -> None:
        """The mock stops: each message still held goes back to moto with the visibility time it
        had left, now counted by moto's own clock."""
        now = self._clock.offset()
        with self._lock:
            released = self._in_flight.release()
        for held in released:
            self._set_visibility(held, math.ceil(max(0.0, held.deadline - now)))

    # -- polling ---------------------------------------------------------------------------------------

    def _poll(self, mapping_uuid: str, due: float) -> None:
        if self._scheduled.get(mapping_uuid) != due:
            return  # superseded by an earlier poll
        del self._scheduled[mapping_uuid]
        mapping = self._directory.sqs_mapping(mapping_uuid)
        if mapping is None or not mapping.enabled:
            return
        queue_arn = Arn.parse(mapping.queue_arn)
        sqs = self._clients("sqs", queue_arn.region)
        url = sqs.get_queue_url(QueueName=queue_arn.resource)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"])
        redrives = "RedrivePolicy" in attributes["Attributes"]
        visibility = int(attributes["Attributes"]["VisibilityTimeout"])
        opened = self._waiting_since.get(mapping_uuid)
        if mapping.batching_window and opened is not None and due < opened + mapping.batching_window:
            waiting = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                          ["Attributes"]["ApproximateNumberOfMessages"])
            if waiting < mapping.batch_size:  # the batching window is still open and the batch not full
                self.wake(mapping_uuid, delay=opened + mapping.batching_window - due)
                return
        self._waiting_since.pop(mapping_uuid, None)
        messages = self._receive(sqs, url, mapping.batch_size)
        if not messages:
            return
        now = self._clock.offset()
        # a queue without redrive would redeliver a failing message at once, forever, at the same
        # virtual instant; hold it back at least a second so the clock must move for it to return
        floor = 0.0 if redrives else 1.0
        with self._lock:
            for message in messages:
                self._in_flight.receive(Held(mapping_uuid, url, queue_arn.region, message["ReceiptHandle"],
                                             now + max(visibility, floor), floor))
        try:
            self._deliver(mapping, sqs, url, messages)
        except Exception as error:  # a fault of ours: the batch returns to the queue, nothing is lost
            warn(f"mocklambda could not deliver an SQS batch from {queue_arn.resource}: "
                 f"{type(error).__name__}: {error}")
            self._settle(messages)
        self.wake(mapping_uuid)  # the rest of the queue: failed messages are invisible meanwhile

    def _deliver(self, mapping: SqsMapping, sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
        messages = self._filtered(mapping, sqs, url, messages)
        if not messages:  # nothing matched: no invocation
            return
        queue_arn = Arn.parse(mapping.queue_arn)
        function = self._directory.function(mapping.function_arn)
        parent = next((self._chains[m["MessageId"]] for m in messages if m["MessageId"] in self._chains), None)
        chain, admitted = admit(function.arn, parent, lambda: self._directory.recursion_config(function))
        if not admitted:  # spec 7.2: a loop through SQS is stopped; the messages leave the queue
            self._telemetry.count(function, "RecursiveInvocationsDropped", 1, self._clock.now(),
                                  invoked_arn=mapping.function_arn)
            self._delete(sqs, url, messages)
            return
        event = sqs_event(messages, mapping.queue_arn, queue_arn.region)
        request = InvocationRequest(str(uuid.uuid4()), json.dumps(event).encode("utf-8"), mapping.function_arn,
                                    chain=chain)
        result = self._run(function, request)
        if result.failed:
            done: list[dict[str, Any]] = []
        else:
            ids = [m["MessageId"] for m in messages]
            failed = batch_item_failures(result.payload, ids) if mapping.report_batch_item_failures else None
            done = [m for m in messages if failed is None or m["MessageId"] not in failed]
        self._delete(sqs, url, done)
        self._settle([m for m in messages if m not in done])

    def _filtered(self, mapping: SqsMapping, sqs: Any, url: str,
                  messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages one of the mapping's filters keeps; the others are deleted unseen (AWS: "if
        a message doesn't satisfy your filter criteria, Lambda automatically removes the message")."""
        if not mapping.filters:
            return messages
        records = sqs_event(messages, mapping.queue_arn, Arn.parse(mapping.queue_arn).region)["Records"]
        keep = [mapping.filters.keeps(record) for record in records]
        self._delete(sqs, url, [m for m, kept in zip(messages, keep, strict=True) if not kept])
        return [m for m, kept in zip(messages, keep, strict=True) if kept]

    def _settle(self, messages: list[dict[str, Any]]) -> None:
        """The run is over: each message kept waits for its deadline (a message the handler
        deleted, or made visible again, is no longer held)."""
        with self._lock:
            settled = self._in_flight.settle([m["ReceiptHandle"] for m in messages])
            self._show_at(settled)

    def _show_at(self, held: list[Held]) -> None:
        """One timer for each deadline (and kind): at it, the messages still due are shown."""
        def key(h: Held) -> tuple[float, bool]:
            return h.deadline, h.background
        for (deadline, background), group in itertools.groupby(sorted(held, key=key), key=key):
            members = list(group)
            queue = members[0].queue_url.rsplit("/", 1)[-1]
            self._queue.call_at(deadline, functools.partial(self._show, [h.receipt_handle for h in members]),
                                f"{len(members)} message(s) visible again on {queue}", background=background)

    def _show(self, receipt_handles: list[str]) -> None:
        """Make those still due visible in moto, and poll for them (a mapping deleted meanwhile
        polls no more, but its messages are shown all the same)."""
        with self._lock:
            due = self._in_flight.due(receipt_handles, self._clock.offset())
        for held in due:
            self._set_visibility(held, 0)
        for mapping_uuid in dict.fromkeys(h.mapping_uuid for h in due):
            self.wake(mapping_uuid)

    def _set_visibility(self, held: Held, seconds: int) -> None:
        sqs = self._clients("sqs", held.region)
        with contextlib.suppress(Exception):  # deleted, purged or moved meanwhile
            sqs.change_message_visibility(QueueUrl=held.queue_url, ReceiptHandle=held.receipt_handle,
                                          VisibilityTimeout=seconds)

    @staticmethod
    def _receive(sqs: Any, url: str, batch_size: int) -> list[dict[str, Any]]:
        """Received messages stay hidden in moto (``HOLD``) until the poller shows them."""
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:
            response = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(RECEIVE_LIMIT, batch_size - len(messages)),
                VisibilityTimeout=HOLD, AttributeNames=["All"], MessageAttributeNames=["All"],
            )
            received = response.get("Messages", [])
            if not received:
                break
            messages.extend(received)
        return messages

    def _delete(self, sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), RECEIVE_LIMIT):
            chunk = messages[start:start + RECEIVE_LIMIT]
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(number), "ReceiptHandle": m["ReceiptHandle"]} for number, m in enumerate(chunk)
            ])
            for message in chunk:
                self._chains.pop(message["MessageId"], None)
                self.message_deleted(message["ReceiptHandle"])
