"""Reserved concurrency as Put/Get/DeleteFunctionConcurrency check it (recordings
``test_function_concurrency_exceptions``, ``test_function_concurrency_limits``)."""

from __future__ import annotations

from collections.abc import Iterable

from . import aws_errors

MIN_UNRESERVED = 100
"""What AWS keeps for functions without a reservation: "You can reserve up to the Unreserved
account concurrency value, minus 100" (AWS docs, configuration-concurrency)."""


def unqualified_only() -> aws_errors.AwsError:
    """A version or alias named (``name:1``, a qualified ARN): reservations are per function."""
    return aws_errors.invalid_parameter(
        "This operation is permitted on Lambda functions only. Aliases and versions do not support this "
        "operation. Please specify either a function name or an unqualified function ARN."
    )


def check_reservation(requested: int, other_reservations: Iterable[int], account_limit: int) -> None:
    """A reservation must leave ``MIN_UNRESERVED`` of the account's limit to every other function."""
    if account_limit - requested - sum(other_reservations) < MIN_UNRESERVED:
        raise aws_errors.AwsError(  # recorded without the usual "Type"
            400, "InvalidParameterValueException",
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
            f"below its minimum value of [{MIN_UNRESERVED}].",
            typed=False,
        )
