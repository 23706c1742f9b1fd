"""Checkpoint tokens and callback ids: opaque to callers, base64 of what the service needs to
recognise them (both match botocore's ``[A-Za-z0-9+/]+={0,2}``).

A checkpoint token names one invocation and one position in its sequence of checkpoints: each
checkpoint consumes it and answers the next one (D16), so a stale or foreign token is refused."""

from __future__ import annotations

import base64
import binascii
import json
from typing import NamedTuple


class CheckpointToken(NamedTuple):
    execution_id: str
    invocation: int
    sequence: int

    def encode(self) -> str:
        raw = json.dumps([self.execution_id, self.invocation, self.sequence], separators=(",", ":"))
        return base64.b64encode(raw.encode()).decode()

    def next(self) -> CheckpointToken:
        return self._replace(sequence=self.sequence + 1)


def decode_checkpoint(text: str) -> CheckpointToken | None:
    """The token ``text`` encodes; None when it is not one of ours."""
    try:
        execution_id, invocation, sequence = json.loads(base64.b64decode(text.encode(), validate=True))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not (isinstance(execution_id, str) and isinstance(invocation, int) and isinstance(sequence, int)):
        return None
    return CheckpointToken(execution_id, invocation, sequence)


def callback_id(execution_arn: str, operation_id: str) -> str:
    raw = json.dumps([execution_arn, operation_id], separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_callback_id(text: str) -> tuple[str, str] | None:
    """(execution ARN, operation id) of a callback id; None when it is not one of ours."""
    try:
        arn, operation_id = json.loads(base64.b64decode(text.encode(), validate=True))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not (isinstance(arn, str) and isinstance(operation_id, str)):
        return None
    return arn, operation_id
