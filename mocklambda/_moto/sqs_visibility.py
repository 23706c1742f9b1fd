"""What a handler (or a test) does to a message an SQS mapping holds, told to the running mock.

moto counts visibility timeouts in real time, the mock in virtual time. A message a mapping
received stays hidden in moto until the mock shows it; so ``ChangeMessageVisibility`` on it moves
its deadline on the mock's clock (and moto keeps hiding it), and ``DeleteMessage`` ends its
hold. moto validates and answers both calls exactly as it would without the mock.
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import unix_time_millis
from moto.sqs.models import SQSBackend

from .._core.sqs_inflight import HOLD
from . import active
from .patches import Patch


def _change_message_visibility(backend: SQSBackend, queue_name: str, receipt_handle: str,
                               visibility_timeout: int) -> None:
    CHANGE_VISIBILITY.original(backend, queue_name, receipt_handle, visibility_timeout)
    intake = active.current()
    if intake is None:
        return
    seconds = int(visibility_timeout)
    held = intake.sqs_visibility_changed(receipt_handle, seconds)
    if not held and seconds != 0:
        return  # not a mapping's message: moto's own clock counts its timeout
    queue = backend.get_queue(queue_name)
    message = next((m for m in queue._messages if m.had_receipt_handle(receipt_handle)), None)
    if message is None:
        return
    if held:  # the mock shows it at its virtual deadline
        message.visible_at = unix_time_millis() + HOLD * 1000
    else:  # 0 is "visible at once" (moto's own check waits for its clock's next millisecond)
        message.visible_at = 0.0
        queue.pending_messages.discard(message)


def _delete_message(backend: SQSBackend, queue_name: str, receipt_handle: str) -> Any:
    result = DELETE_MESSAGE.original(backend, queue_name, receipt_handle)
    intake = active.current()
    if intake is not None:
        intake.sqs_message_deleted(receipt_handle)
    return result


CHANGE_VISIBILITY = Patch(SQSBackend, "change_message_visibility", _change_message_visibility)
DELETE_MESSAGE = Patch(SQSBackend, "delete_message", _delete_message)
PATCHES = (CHANGE_VISIBILITY, DELETE_MESSAGE)
