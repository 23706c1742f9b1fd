"""What the test author sees when something goes wrong around the mock itself: the body's own
error is never buried under one from settling the queue, and ``NotIdleError`` is both kinds of
error a test framework and a ``MockLambdaError`` handler expect."""

from __future__ import annotations

import pytest

from mocklambda import MockLambdaError, MockLambdaWarning, NotIdleError, mock_lambda

INVOKES_ITSELF = """
import boto3

def handler(event, context):
    boto3.client("lambda").invoke(FunctionName=context.function_name, InvocationType="Event", Payload=b"{}")
"""


@pytest.fixture
def endless_loop_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drain gives up after 50 attempts instead of a million (see EventQueue.run_due)."""
    monkeypatch.setattr("mocklambda._core.event_queue.MAX_ATTEMPTS_PER_SETTLE", 50)


def start_endless_loop(lambda_client, create_function) -> None:
    create_function("loop", INVOKES_ITSELF)
    lambda_client.put_function_recursion_config(FunctionName="loop", RecursiveLoop="Allow")  # spec 7.3
    lambda_client.invoke(FunctionName="loop", InvocationType="Event", Payload=b"{}")


def test_a_failing_body_keeps_its_own_error_when_the_queue_cannot_settle(endless_loop_limit, lambda_client,
                                                                         create_function):
    with (
        pytest.raises(ValueError, match="the test's own error"),
        pytest.warns(MockLambdaWarning, match="could not settle its queue.*endless loop"),
        mock_lambda(mode="manual"),
    ):
        start_endless_loop(lambda_client, create_function)
        raise ValueError("the test's own error")


def test_a_passing_body_sees_the_error_of_settling(endless_loop_limit, lambda_client, create_function):
    with pytest.raises(MockLambdaError, match="endless loop"), mock_lambda(mode="manual"):
        start_endless_loop(lambda_client, create_function)


async def test_the_async_context_manager_keeps_the_bodys_error_too(endless_loop_limit, lambda_client,
                                                                   create_function):
    with pytest.raises(KeyError), pytest.warns(MockLambdaWarning, match="could not settle"):
        async with mock_lambda(mode="manual"):
            start_endless_loop(lambda_client, create_function)
            raise KeyError("body")


def test_not_idle_error_is_an_assertion_and_a_mock_lambda_error(lambda_client, create_function):
    with mock_lambda(mode="manual") as lam:
        create_function("idle", "def handler(event, context):\n    return 1\n")
        lambda_client.invoke(FunctionName="idle", InvocationType="Event", Payload=b"{}")
        with pytest.raises(MockLambdaError) as caught:
            lam.assert_idle()
        assert isinstance(caught.value, AssertionError) and isinstance(caught.value, NotIdleError)
        assert "1 event(s)" in str(caught.value)
        lam.run_until_idle()
        lam.assert_idle()


def test_a_body_that_stopped_the_mock_itself_keeps_its_own_error():
    with pytest.raises(ValueError, match="after stopping"), mock_lambda(mode="manual") as lam:
        lam.stop()
        raise ValueError("after stopping")


def test_a_failure_while_closing_still_stops_moto(monkeypatch: pytest.MonkeyPatch):
    """Issue 17 CI: a teardown that raised while closing the mock's environments left moto's mock
    active, and every later test in that worker saw the earlier tests' queues, streams, functions."""
    import boto3
    from moto import mock_aws

    from mocklambda._pipeline.pipeline import Pipeline

    close = Pipeline.close

    def broken_close(self: Pipeline) -> None:
        close(self)  # everything closed, then the failure
        raise OSError(9, "Bad file descriptor")

    sqs = boto3.client("sqs", region_name="us-east-1")
    monkeypatch.setattr(Pipeline, "close", broken_close)
    with pytest.raises(OSError, match="Bad file descriptor"), mock_lambda():
        sqs.create_queue(QueueName="left-behind")
    monkeypatch.undo()
    with mock_aws():
        assert "QueueUrls" not in sqs.list_queues()  # a fresh moto: nothing of the mock before
    with mock_lambda():  # and a new mock starts as usual
        assert sqs.create_queue(QueueName="left-behind")["QueueUrl"].endswith("/left-behind")
