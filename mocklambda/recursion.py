"""Recursive loop detection as AWS does it (spec §7): a chain of invocations that one triggering
event sets off is stopped when it invokes the same function more than 16 times."""

from __future__ import annotations

import threading
from typing import Optional

MAX_INVOCATIONS_PER_FUNCTION = 16
RECURSION_CONDITION = "RecursiveInvocationException"  # spec 3.6 / U3: OPEN, our choice
RECURSION_MESSAGE = (
    "Lambda has detected your function being invoked in a recursive loop with other Amazon Web "
    "Services resources and stopped your function's invocation."
)
ALLOW, TERMINATE = "Allow", "Terminate"


class Chain:
    """The path of invocations that led to one invocation, as AWS carries it in the trace header:
    how often each function already ran on the way. Siblings (a fan-out) don't count for each
    other; only an invocation's own ancestry does."""

    __slots__ = ("_counts",)

    def __init__(self, counts: Optional[dict[str, int]] = None) -> None:
        self._counts = counts or {}

    def extend(self, function_arn: str) -> "Chain":
        """The chain of a new invocation of ``function_arn`` made from this one."""
        counts = dict(self._counts)
        counts[function_arn] = counts.get(function_arn, 0) + 1
        return Chain(counts)

    def within_limit(self, function_arn: str) -> bool:
        return self._counts.get(function_arn, 0) <= MAX_INVOCATIONS_PER_FUNCTION


_roots: dict[str, Chain] = {}


def root(function_arn: str) -> Chain:
    """The chain of an invocation that no other invocation made: one per function, shared by all
    such invocations (chains never change; ``extend`` makes a new one)."""
    chain = _roots.get(function_arn)
    if chain is None:
        chain = _roots[function_arn] = Chain({function_arn: 1})
    return chain


_current = threading.local()


def current_chain() -> Optional[Chain]:
    """The chain of the invocation running on this thread (None outside handlers; set by
    ``handler_threads``)."""
    return getattr(_current, "chain", None)

