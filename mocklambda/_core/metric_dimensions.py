"""The dimension sets under which Lambda publishes a function's metrics in ``AWS/Lambda`` (spec
6.1). CloudWatch treats each set as a separate metric, so one datum is written under every set it
belongs to: a query by ``FunctionName``, by ``FunctionName`` + ``Resource`` or with no dimension
at all then sums the same runs, as on AWS."""

from __future__ import annotations

Dimensions = tuple[tuple[str, str], ...]  # (name, value) pairs, in the order CloudWatch is given them

# ExecutedVersion exists "to compare error rates for two versions of a function that are both
# targets of a weighted alias" (spec 6.1): the metrics of a run, counted for alias invocations
EXECUTED_VERSION_METRICS = frozenset({"Invocations", "Errors"})


def is_alias(qualifier: str | None) -> bool:
    """A qualifier that names an alias: not ``$LATEST`` and not a version number (an alias name
    can't be all digits)."""
    return qualifier is not None and qualifier != "$LATEST" and not (qualifier.isascii() and qualifier.isdigit())


def resource(function_name: str, qualifier: str | None) -> str:
    """The ``Resource`` dimension: the function as it was invoked, ``name`` or ``name:qualifier``."""
    return f"{function_name}:{qualifier}" if qualifier else function_name


def dimension_sets(function_name: str, qualifier: str | None, executed_version: str,
                   metric: str) -> tuple[Dimensions, ...]:
    """Every set one datum of ``metric`` is published under: the account-wide aggregate (none),
    ``FunctionName`` (all versions and aliases), ``FunctionName`` + ``Resource`` (the version or
    alias invoked), and for a run through an alias also ``ExecutedVersion`` (the version it ran)."""
    name = ("FunctionName", function_name)
    invoked = (name, ("Resource", resource(function_name, qualifier)))
    sets: tuple[Dimensions, ...] = ((), (name,), invoked)
    if metric in EXECUTED_VERSION_METRICS and is_alias(qualifier):
        sets += ((*invoked, ("ExecutedVersion", executed_version)),)
    return sets


def mapping_dimensions(mapping_uuid: str) -> tuple[Dimensions, ...]:
    """An event source mapping's metrics (``PolledEventCount``, ...): one set, the mapping's UUID
    (the console's "By Event Source Mapping UUID")."""
    return ((("EventSourceMappingUUID", mapping_uuid),),)
