"""Chained invokes and pause/resume in the pure durable logic (``mocklambda._core.durable``), with
``now`` given: target names, outcomes, a CHAINED_INVOKE checkpoint and the pause state machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.aws_errors import AwsError
from mocklambda._core.durable import chained
from tests.unit.test_durable_core import T0, new_execution, step

ACCOUNT, REGION = "123456789012", "us-east-1"
names = st.from_regex(r"[a-zA-Z0-9_-]{1,40}", fullmatch=True)
qualifiers = st.one_of(st.none(), st.just("$LATEST"), st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True),
                       st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True))


@given(names, qualifiers, st.sampled_from(["bare", "partial", "full"]))
def test_a_target_in_every_form_invoke_accepts_parses_to_its_name_and_qualifier(name, qualifier, form):
    prefix = {"bare": "", "partial": f"{ACCOUNT}:function:", "full": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"}
    text = prefix[form] + name + (f":{qualifier}" if qualifier else "")
    assert chained.parse_target(text, ACCOUNT, REGION) == (name, qualifier)


@given(names, st.sampled_from(["eu-west-1", "us-west-2"]), st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_a_target_elsewhere_is_refused(name, region, account):
    for text, problem in ((f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}", "another region"),
                          (f"arn:aws:lambda:{REGION}:{account}:function:{name}", "another account")):
        if account == ACCOUNT and problem == "another account":
            continue
        with pytest.raises(AwsError) as caught:
            chained.parse_target(text, ACCOUNT, REGION)
        assert problem in caught.value.message


@pytest.mark.parametrize("text", ["", "a b", "arn:aws:lambda:function:x", "x" * 257, 42])
def test_a_malformed_target_is_refused(text):
    with pytest.raises(AwsError) as caught:
        chained.parse_target(text, ACCOUNT, REGION)
    assert caught.value.message.startswith("Invalid function ARN")


def test_outcomes_of_a_child_and_of_an_invocation():
    assert chained.child_outcome("SUCCEEDED", '"r"', None, 60) == ("SUCCEEDED", '"r"', None)
    assert chained.child_outcome("TIMED_OUT", None, None, 60) == (
        "TIMED_OUT", None, {"ErrorType": "ChainedInvoke.Timeout",
                            "ErrorMessage": "CHAINED_INVOKE timed out after 60 seconds."})
    assert chained.child_outcome("STOPPED", None, {"ErrorMessage": "x"}, 60) == ("STOPPED", None,
                                                                                  {"ErrorMessage": "x"})
    assert chained.child_outcome("FAILED", None, None, 60)[0] == "FAILED"
    too_big = chained.invocation_outcome("x" * (chained.MAX_PAYLOAD_BYTES + 1), None)
    assert too_big[0] == "FAILED" and "output payload size" in str(too_big[2])
    assert chained.invocation_outcome(None, {"ErrorType": "E"}) == ("FAILED", None, {"ErrorType": "E"})


def invoke_update(**options: object) -> dict[str, object]:
    return {"Id": "c1", "Type": "CHAINED_INVOKE", "SubType": "ChainedInvoke", "Action": "START", "Name": "call",
            "Payload": '{"a": 1}', "ChainedInvokeOptions": {"FunctionName": "other", **options}}


def test_a_chained_invoke_is_dispatched_after_its_checkpoint_and_its_end_owes_an_invocation():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    target = chained.Target("arn:aws:lambda:us-east-1:123456789012:function:other", "$LATEST", None)
    answer = execution.checkpoint(token, [invoke_update()], None, T0, lambda name: target)
    assert answer["NewExecutionState"]["Operations"][-1]["Status"] == "STARTED"
    assert execution.dispatches == [chained.Started("c1", target, '{"a": 1}')]
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    assert execution.status == "RUNNING" and not execution.wants_invocation  # waiting on the target
    execution.complete_chained("c1", "SUCCEEDED", '"done"', None, T0 + timedelta(seconds=5))
    assert execution.wants_invocation
    assert execution.operations["c1"].to_api(str)["ChainedInvokeDetails"] == {"Result": '"done"'}
    assert [e.event_type for e in execution.history.events][-3:] == [
        "ChainedInvokeStarted", "InvocationCompleted", "ChainedInvokeSucceeded"]


def test_a_chained_invoke_start_is_refused_whole():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    for update, problem in ((invoke_update(TenantId="t"), "TenantId"),
                            ({**invoke_update(), "Action": "SUCCEED"}, "Invalid action"),
                            ({**invoke_update(), "ChainedInvokeOptions": None}, "requires ChainedInvokeOptions")):
        with pytest.raises(AwsError) as caught:
            execution.checkpoint(token, [step("START"), update], None, T0, lambda name: chained.Target())
        assert problem in caught.value.message
    assert execution.operations.keys() == {"abc123"} and execution.dispatches == []


def test_pause_without_an_invocation_is_paused_at_once_and_resume_extends_the_timeout():
    execution = new_execution(timeout=3600)
    execution.pause(T0, "why", True)
    assert execution.status == "PAUSED" and execution.deadline == T0 + timedelta(days=366)
    with pytest.raises(AwsError) as caught:
        execution.pause(T0, None, True)
    assert caught.value.status == 409
    execution.resume(T0 + timedelta(days=2), None)
    assert execution.status == "RUNNING" and execution.deadline == T0 + timedelta(days=2, seconds=3600)
    assert [e.event_type for e in execution.history.events][-2:] == ["ExecutionPaused", "ExecutionResumed"]


def test_pausing_withholds_the_next_token_and_the_invocation_ends_paused():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    execution.pause(T0, None, False)
    assert execution.status == "PAUSING"
    answer = execution.checkpoint(token, [step("START"), step("SUCCEED", Payload="1")], None, T0)
    assert "CheckpointToken" not in answer and execution.status == "PAUSED"
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    assert execution.status == "PAUSED" and execution.wants_invocation  # resuming invokes again
    assert execution.deadline == execution.timeout_at  # ExecutionTimeoutPaused=false


@given(st.integers(0, 400 * 86400), st.integers(1, 31_622_400))
def test_a_resumed_timeout_never_passes_366_days_from_the_start(paused_seconds, timeout):
    execution = new_execution(timeout=timeout)
    execution.pause(T0, None, True)
    execution.resume(T0 + timedelta(seconds=paused_seconds), None)
    assert execution.timeout_at == min(T0 + timedelta(seconds=timeout + paused_seconds), T0 + timedelta(days=366))


def test_an_invocation_a_pause_interrupted_is_owed_again_even_if_resumed_before_it_ends():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    execution.pause(T0, None, True)
    execution.checkpoint(token, [step("START")], None, T0)  # the token is withheld: PAUSED
    execution.resume(T0, None)
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    assert execution.status == "RUNNING" and execution.wants_invocation
