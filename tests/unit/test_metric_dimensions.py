"""The dimension sets Lambda publishes a function's metrics under (spec 6.1), as the pure rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.metric_dimensions import EXECUTED_VERSION_METRICS, dimension_sets, is_alias

FN = ("FunctionName", "orders")


@pytest.mark.parametrize(
    ("qualifier", "metric", "expected"),
    [
        # spec 6.1: none (all functions), FunctionName (all versions and aliases), Resource (as invoked)
        (None, "Invocations", ((), (FN,), (FN, ("Resource", "orders")))),
        ("$LATEST", "Invocations", ((), (FN,), (FN, ("Resource", "orders:$LATEST")))),
        ("3", "Errors", ((), (FN,), (FN, ("Resource", "orders:3")))),
        # spec 6.1: ExecutedVersion, "a combination of alias and version", for the runs of an alias
        ("prod", "Invocations", ((), (FN,), (FN, ("Resource", "orders:prod")),
                                 (FN, ("Resource", "orders:prod"), ("ExecutedVersion", "7")))),
        ("prod", "Errors", ((), (FN,), (FN, ("Resource", "orders:prod")),
                            (FN, ("Resource", "orders:prod"), ("ExecutedVersion", "7")))),
        ("prod", "Throttles", ((), (FN,), (FN, ("Resource", "orders:prod")))),
        ("prod", "AsyncEventsReceived", ((), (FN,), (FN, ("Resource", "orders:prod")))),
    ],
)
def test_dimension_sets(qualifier: str | None, metric: str, expected: tuple) -> None:
    assert dimension_sets("orders", qualifier, "7", metric) == expected


@pytest.mark.parametrize(("qualifier", "alias"), [
    (None, False), ("$LATEST", False), ("1", False), ("42", False), ("prod", True), ("v2", True), ("1a", True),
])
def test_is_alias(qualifier: str | None, alias: bool) -> None:
    assert is_alias(qualifier) is alias


NAMES = st.text(st.characters(codec="ascii", categories=["L", "N"]) | st.sampled_from("-_"), min_size=1, max_size=64)
QUALIFIERS = st.none() | st.just("$LATEST") | st.integers(1, 10**6).map(str) | NAMES
METRICS = st.sampled_from(["Invocations", "Errors", "Throttles", "AsyncEventsReceived", "AsyncEventAge",
                           "AsyncEventsDropped", "DeadLetterErrors", "DestinationDeliveryFailures",
                           "RecursiveInvocationsDropped"])


@given(name=NAMES, qualifier=QUALIFIERS, version=st.integers(1, 10**6).map(str), metric=METRICS)
def test_every_datum_is_in_the_aggregates_and_under_its_resource(name: str, qualifier: str | None, version: str,
                                                                   metric: str) -> None:
    sets = dimension_sets(name, qualifier, version, metric)
    assert sets[:2] == ((), (("FunctionName", name),))  # the account-wide and the function's aggregate
    assert len(set(sets)) == len(sets)
    for dimensions in sets[1:]:
        assert dimensions[0] == ("FunctionName", name)
        assert len({key for key, _ in dimensions}) == len(dimensions)
    assert sets[2][1] == ("Resource", name if qualifier is None else f"{name}:{qualifier}")
    executed = [dict(d)["ExecutedVersion"] for d in sets if "ExecutedVersion" in dict(d)]
    through_alias = qualifier is not None and qualifier != "$LATEST" and not qualifier.isdigit()
    assert executed == ([version] if through_alias and metric in EXECUTED_VERSION_METRICS else [])
