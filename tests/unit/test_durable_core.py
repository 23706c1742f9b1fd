"""The pure durable execution logic (``mocklambda._core.durable``): tokens, callback ids, pages,
the operations' state machines and an execution's transitions, with ``now`` given."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.aws_errors import AwsError
from mocklambda._core.durable import arns, config, envelope, tokens
from mocklambda._core.durable.execution import DurableExecution
from mocklambda._core.durable.history import page_of

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders"
TOKEN_PATTERN = r"[A-Za-z0-9+/]+={0,2}"  # botocore's pattern for CheckpointToken and CallbackId


def new_execution(timeout: int = 3600, payload: str = '{"a": 1}') -> DurableExecution:
    arn = arns.ExecutionArn(FUNCTION, "$LATEST", "run-1", "abc123")
    return DurableExecution(arn, payload, {"ExecutionTimeout": timeout, "RetentionPeriodInDays": 1}, T0)


def step(action: str, op_id: str = "s1", **extra: object) -> dict[str, object]:
    return {"Id": op_id, "Type": "STEP", "Action": action, "Name": op_id, **extra}


# --- ARNs, tokens, callback ids ----------------------------------------------------------------------------


def test_an_execution_arn_round_trips_and_ends_with_the_execution_id():
    arn = arns.ExecutionArn(FUNCTION, "3", "order-1", "abc")
    assert str(arn) == f"{FUNCTION}:3/durable-execution/order-1/abc"
    assert arns.parse(str(arn)) == arn
    with pytest.raises(AwsError):
        arns.parse(f"{FUNCTION}:alias/durable-execution/n/i")  # never an alias (botocore's pattern)


@given(st.text(alphabet=st.characters(codec="ascii"), min_size=1, max_size=40), st.integers(0, 10**6),
       st.integers(0, 10**6))
def test_checkpoint_tokens_round_trip_and_match_the_model_pattern(execution_id, invocation, sequence):
    import re

    token = tokens.CheckpointToken(execution_id, invocation, sequence)
    text = token.encode()
    assert re.fullmatch(TOKEN_PATTERN, text)
    assert tokens.decode_checkpoint(text) == token
    assert tokens.decode_checkpoint(token.next().encode()) != token  # rotation makes a different token


@given(st.text(max_size=30))
def test_anything_else_is_not_a_token(text):
    decoded = tokens.decode_checkpoint(text)
    assert decoded is None or decoded.encode() == text


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=64))
def test_callback_ids_round_trip(arn, operation_id):
    assert tokens.decode_callback_id(tokens.callback_id(arn, operation_id)) == (arn, operation_id)


# --- paging ------------------------------------------------------------------------------------------------------


@given(st.lists(st.integers(), max_size=60), st.integers(1, 25))
def test_pages_give_every_item_once_in_order(items, size):
    rows = [{"n": item} for item in items]
    collected, marker, pages = [], None, 0
    while True:
        page = page_of(rows, "Items", marker, size)
        assert len(page["Items"]) <= size
        collected += page["Items"]
        pages += 1
        marker = page.get("NextMarker")
        if marker is None:
            break
    assert collected == rows
    assert pages == max(1, -(-len(rows) // size))


# --- DurableConfig -----------------------------------------------------------------------------------------------


@pytest.mark.skipif(__import__("sys").version_info < (3, 11), reason="Python 3.10 refuses every DurableConfig")
def test_config_defaults():
    assert config.check({"ExecutionTimeout": 60}) == {"ExecutionTimeout": 60, "RetentionPeriodInDays": 14}
    assert config.check({}) == {"ExecutionTimeout": 86400, "RetentionPeriodInDays": 14}


def test_config_ranges_name_every_problem():
    with pytest.raises(AwsError) as caught:
        config.check({"ExecutionTimeout": 0, "RetentionPeriodInDays": 91})
    assert caught.value.message.startswith("2 validation errors detected: ")


# --- the handler's output ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "status", "problem"), [
    (b'{"Status": "SUCCEEDED", "Result": "1"}', "SUCCEEDED", None),
    (b'{"Status": "PENDING"}', "PENDING", None),
    (b'{"Status": "FAILED", "Error": {"ErrorType": "E"}}', "FAILED", None),
    (b'{"Status": "FAILED", "Result": "1"}', None, "Cannot provide a Result for FAILED status."),
    (b'{"Status": "SUCCEEDED", "Error": {}}', None, "Cannot provide an Error for SUCCEEDED status."),
    (b'{"plain": true}', None, "is the handler wrapped in @durable_execution?"),
    (b"not json", None, "not JSON"),
])
def test_handler_output_is_checked(payload, status, problem):
    parsed = envelope.parse_output(payload)
    assert parsed.status == status
    assert (parsed.problem is None) if problem is None else (problem in parsed.problem)


# --- an execution's transitions ------------------------------------------------------------------------------------


def test_the_envelope_holds_the_execution_operation_first():
    execution = new_execution()
    event = execution.begin_invocation()
    assert event["DurableExecutionArn"] == execution.arn
    first = event["InitialExecutionState"]["Operations"][0]
    assert (first["Id"], first["Type"], first["Status"]) == ("abc123", "EXECUTION", "STARTED")
    assert first["ExecutionDetails"] == {"InputPayload": '{"a": 1}'}
    assert first["StartTimestamp"] == int(T0.timestamp() * 1000)  # epoch milliseconds (§3.1)


def test_each_checkpoint_consumes_its_token():
    execution = new_execution()
    first = execution.begin_invocation()["CheckpointToken"]
    answer = execution.checkpoint(first, [step("START")], "c1", T0)
    second = answer["CheckpointToken"]
    assert second != first
    assert [op["Id"] for op in answer["NewExecutionState"]["Operations"]] == ["s1"]
    assert execution.checkpoint(first, [step("START")], "c1", T0) is answer  # the same ClientToken: replayed
    with pytest.raises(AwsError, match="Invalid checkpoint token"):
        execution.checkpoint(first, [], "c2", T0)
    third = execution.checkpoint(second, [], None, T0)
    assert third["NewExecutionState"]["Operations"] == []  # nothing changed since
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    with pytest.raises(AwsError, match="Invalid checkpoint token"):  # the invocation is over
        execution.checkpoint(third["CheckpointToken"], [], None, T0)


def test_a_token_is_recognised_however_it_is_spelled():
    """The token handed out is recognised by its text; another spelling of the same token (its
    JSON spaced out) is decoded and accepted as before, and a consumed one is refused."""
    execution = new_execution()
    first = execution.begin_invocation()["CheckpointToken"]
    respelled = base64.b64encode(json.dumps(json.loads(base64.b64decode(first))).encode()).decode()
    assert respelled != first and tokens.decode_checkpoint(respelled) == tokens.decode_checkpoint(first)
    second = execution.checkpoint(respelled, [step("START")], None, T0)["CheckpointToken"]
    for stale in (first, respelled):
        with pytest.raises(AwsError, match="Invalid checkpoint token"):
            execution.checkpoint(stale, [], None, T0)
    assert execution.checkpoint(second, [], None, T0)["CheckpointToken"] != second


@given(st.lists(st.sampled_from(["step", "wait", "due", "nothing"]), max_size=12))
def test_a_checkpoint_answers_every_operation_changed_since_the_handler_last_heard(actions):
    """NewExecutionState (spec §3.4): the operations changed since the invocation began or since
    the last answer, in start order, whatever changed them (a checkpoint, a wait coming due)."""
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    heard = execution._changes
    now = T0
    for number, action in enumerate(actions):
        if action == "due":
            now += timedelta(seconds=5)
            execution.complete_due(now)
            continue
        updates = {"step": [step("START", f"s{number}"), step("SUCCEED", f"s{number}", Payload="1")],
                   "wait": [{"Id": f"w{number}", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 1}}],
                   "nothing": []}[action]
        expected = [op.id for op in sorted(execution.operations.values(), key=lambda op: op.sequence)
                    if op.changed > heard]
        answer = execution.checkpoint(token, updates, None, now)
        expected += [update["Id"] for update in updates if update["Id"] not in expected][:1]
        assert [op["Id"] for op in answer["NewExecutionState"]["Operations"]] == expected
        token, heard = answer["CheckpointToken"], execution._changes


def test_a_refused_update_changes_nothing():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    with pytest.raises(AwsError, match="Cannot SUCCEED STEP s1: it is SUCCEEDED"):
        execution.checkpoint(token, [step("START"), step("SUCCEED"), step("SUCCEED")], None, T0)
    assert list(execution.operations) == ["abc123"]  # all or nothing
    assert [event.event_type for event in execution.history.events] == ["ExecutionStarted"]
    execution.checkpoint(token, [step("START")], None, T0)  # the token was not consumed


def test_a_step_retry_is_pending_then_ready_and_owes_an_invocation():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    retry = step("RETRY", Error={"ErrorType": "E"}, StepOptions={"NextAttemptDelaySeconds": 30})
    answer = execution.checkpoint(token, [step("START"), retry], None, T0)
    (op,) = answer["NewExecutionState"]["Operations"][-1:]
    assert (op["Status"], op["StepDetails"]["Attempt"]) == ("PENDING", 1)
    assert op["StepDetails"]["NextAttemptTimestamp"] == envelope.epoch_seconds(T0 + timedelta(seconds=30))
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    assert not execution.wants_invocation
    assert [w.due for w in execution.wakeups() if not w.deadline] == [T0 + timedelta(seconds=30)]
    execution.complete_due(T0 + timedelta(seconds=29))
    assert execution.operations["s1"].status == "PENDING"
    execution.complete_due(T0 + timedelta(seconds=30))
    assert execution.operations["s1"].status == "READY" and execution.wants_invocation


def test_callbacks_complete_once_and_time_out():
    execution = new_execution()
    token = execution.begin_invocation()["CheckpointToken"]
    start = {"Id": "cb", "Type": "CALLBACK", "Action": "START", "CallbackOptions": {"TimeoutSeconds": 60}}
    answer = execution.checkpoint(token, [start], None, T0)
    callback_id = answer["NewExecutionState"]["Operations"][0]["CallbackDetails"]["CallbackId"]
    assert tokens.decode_callback_id(callback_id) == (execution.arn, "cb")
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    execution.complete_due(T0 + timedelta(seconds=60))
    assert execution.operations["cb"].status == "TIMED_OUT"
    assert execution.operations["cb"].error == {"ErrorType": "Callback.Timeout", "ErrorMessage": "Callback timed out"}
    with pytest.raises(AwsError) as caught:
        execution.callback("cb", "success", T0 + timedelta(seconds=61), result="late")
    assert caught.value.code == "CallbackTimeoutException"


def test_pending_with_nothing_pending_fails_the_execution():
    execution = new_execution()
    execution.begin_invocation()
    execution.end_invocation(T0, "r1", b'{"Status": "PENDING"}', None)
    assert execution.status == "FAILED"
    assert execution.error == {"ErrorType": "InvalidParameterValueException",
                               "ErrorMessage": "Cannot return PENDING status with no pending operations."}


def test_failed_invocations_are_retried_five_times_then_fail_the_execution():
    execution = new_execution()
    now = T0
    for attempt in range(1, 6):
        execution.begin_invocation()
        execution.end_invocation(now, f"r{attempt}", None, {"ErrorType": "Runtime.ExitError", "ErrorMessage": "x"})
        if attempt < 5:
            assert execution.retry_invocation_at == now + timedelta(seconds=5)
            now += timedelta(seconds=5)
            execution.complete_due(now)
            assert execution.wants_invocation
    assert execution.status == "FAILED"
    assert [e.event_type for e in execution.history.events].count("InvocationCompleted") == 5


def test_the_execution_times_out_and_keeps_its_end():
    execution = new_execution(timeout=10)
    execution.complete_due(T0 + timedelta(seconds=10))
    assert execution.status == "TIMED_OUT" and execution.end == T0 + timedelta(seconds=10)
    assert execution.expires_at == T0 + timedelta(days=1, seconds=10)
    described = execution.describe(FUNCTION, include_data=False)
    assert "InputPayload" not in described and described["ExecutionDataIncluded"] is False
    assert json.dumps(described)  # JSON as it goes on the wire
