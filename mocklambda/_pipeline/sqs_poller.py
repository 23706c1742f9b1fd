"""SQS event source mappings, polled as Lambda's pollers do, on the mock's clock.

A batch that fails is not deleted: it becomes visible again after the queue's visibility timeout
(virtual), is received again, and after ``maxReceiveCount`` receives the queue's own redrive
policy moves it to its dead-letter queue, all in milliseconds. Everything here goes through
boto3, so moto's SQS does the receiving, counting and redriving exactly as it answers any client.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from .._core.event_queue import EventQueue
from .._core.recursion import admit
from .._core.service_events import batch_item_failures, sqs_event
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
        # a queue without redrive would redeliver a failing message at once, forever, at the same
        # virtual instant; hold it back at least a second so the clock must move for it to return
        visibility = max(int(attributes["Attributes"]["VisibilityTimeout"]), 0 if redrives else 1)
        opened = self._waiting_since.get(mapping_uuid)
        if mapping.batching_window and opened is not None and due < opened + mapping.batching_window:
            waiting = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                          ["Attributes"]["ApproximateNumberOfMessages"])
            if waiting < mapping.batch_size:  # the batching window is still open and the batch not full
                self.wake(mapping_uuid, delay=opened + mapping.batching_window - due)
                return
        self._waiting_since.pop(mapping_uuid, None)
        messages = self._receive(sqs, url, mapping.batch_size, visibility)
        if not messages:
            return
        try:
            self._deliver(mapping, sqs, url, messages, visibility, redrives)
        except Exception as error:  # a fault of ours: the batch returns to the queue, nothing is lost
            warn(f"mocklambda could not deliver an SQS batch from {queue_arn.resource}: "
                 f"{type(error).__name__}: {error}")
            self._later(mapping_uuid, url, messages, visibility, background=not redrives, queue=queue_arn.resource)
        self.wake(mapping_uuid)  # the rest of the queue: failed messages are invisible meanwhile

    def _later(self, mapping_uuid: str, url: str, messages: list[dict[str, Any]], visibility: int,
               background: bool, queue: str) -> None:
        """Failed messages become visible again once the (virtual) visibility timeout has passed;
        without a redrive policy that waits for the clock to move (the queue would redeliver them
        until their retention period ends)."""
        self._queue.call_at(
            self._clock.offset() + visibility,
            lambda: self._reappear(mapping_uuid, url, messages),
            f"{len(messages)} message(s) visible again on {queue}",
            background=background,
        )

    def _deliver(self, mapping: SqsMapping, sqs: Any, url: str, messages: list[dict[str, Any]], visibility: int,
                 redrives: bool) -> None:
        mapping_uuid = mapping.uuid
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
        kept = [m for m in messages if m not in done]
        if kept:
            self._later(mapping_uuid, url, kept, visibility, background=not redrives, queue=queue_arn.resource)

    def _reappear(self, mapping_uuid: str, url: str, messages: list[dict[str, Any]]) -> None:
        mapping = self._directory.sqs_mapping(mapping_uuid)
        if mapping is None:
            return
        sqs = self._clients("sqs", Arn.parse(mapping.queue_arn).region)
        for message in messages:
            with contextlib.suppress(Exception):  # deleted or moved meanwhile
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        self.wake(mapping_uuid)

    @staticmethod
    def _receive(sqs: Any, url: str, batch_size: int, visibility: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:
            response = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(RECEIVE_LIMIT, batch_size - len(messages)),
                VisibilityTimeout=visibility, AttributeNames=["All"], MessageAttributeNames=["All"],
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
