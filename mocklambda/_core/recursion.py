"""Recursive loop detection as AWS does it (spec §7): a chain of invocations that one triggering
event sets off is stopped when it invokes the same function more than 16 times. Pure policy: the
function's recursion setting is passed in, not read."""

from __future__ import annotations

from collections.abc import Callable

from .._model import Chain

MAX_INVOCATIONS_PER_FUNCTION = 16
RECURSION_CONDITION = "RecursiveInvocationException"  # spec 3.6 / U3: OPEN, our choice
RECURSION_MESSAGE = (
    "Lambda has detected your function being invoked in a recursive loop with other Amazon Web "
    "Services resources and stopped your function's invocation."
)
ALLOW, TERMINATE = "Allow", "Terminate"

_roots: dict[str, Chain] = {}


def root(function_arn: str) -> Chain:
    """The chain of an invocation that no other invocation made: one per function, shared by all
    such invocations (chains never change; ``extend`` makes a new one)."""
    chain = _roots.get(function_arn)
    if chain is None:
        chain = _roots[function_arn] = Chain({function_arn: 1})
    return chain


def admit(function_arn: str, parent: Chain | None, recursion_config: Callable[[], str]) -> tuple[Chain, bool]:
    """The chain of a new invocation of ``function_arn`` made from ``parent`` (None: a new
    triggering event), and whether AWS lets it run: False when it would be the function's 17th
    invocation on that path (spec 7.2), unless its recursion config is Allow (spec 7.3).
    ``recursion_config`` is asked only then (reading it costs more than the rule)."""
    chain = root(function_arn) if parent is None else parent.extend(function_arn)
    if chain.count(function_arn) <= MAX_INVOCATIONS_PER_FUNCTION:
        return chain, True
    return chain, recursion_config() == ALLOW
