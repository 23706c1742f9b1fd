"""Injected faults (``lam.inject_throttles`` / ``inject_system_errors``): each (function, call)
pair keeps its own queue, used in the order asked for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._pipeline.attempt import FAULTABLE_CALLS, Faults
from mocklambda.errors import MockLambdaError

ASKED = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(FAULTABLE_CALLS),
                           st.sampled_from(["throttle", "system_error"]), st.integers(0, 3)), max_size=8)


@given(ASKED)
def test_each_function_and_call_uses_its_own_faults_in_order(asked) -> None:
    faults = Faults()
    for function, call, fault, times in asked:
        faults.add(function, fault, times, call)
    for function in ("a", "b"):
        for call in FAULTABLE_CALLS:
            expected = [fault for f, c, fault, times in asked if (f, c) == (function, call) for _ in range(times)]
            used = []
            while (next_fault := faults.next(function, call)) is not None:
                used.append(next_fault)
            assert used == expected


def test_an_invocation_is_the_default_call() -> None:
    faults = Faults()
    faults.add("a", "throttle", 1)
    assert faults.next("a", "CheckpointDurableExecution") is None
    assert faults.next("a") == "throttle"


def test_any_other_call_is_refused() -> None:
    with pytest.raises(MockLambdaError, match="not 'Invoke2'"):
        Faults().add("a", "throttle", 1, "Invoke2")
