"""The durable SDK while a mock runs (``mocklambda._runtime.durable``, issue 17): patched only as
far as its internals are the ones the patches were written for, put back exactly by the last
uninstall; its checkpoint thread woken when told to stop; a batch sent without waiting for other
threads only when no other thread of the handler's runs."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest

from mocklambda._runtime import durable, threads

if sys.version_info < (3, 11):
    pytest.skip("the durable SDK needs Python 3.11+", allow_module_level=True)
state = pytest.importorskip("aws_durable_execution_sdk_python.state")
service = pytest.importorskip("aws_durable_execution_sdk_python.lambda_service")
from aws_durable_execution_sdk_python.plugin import PluginExecutor  # noqa: E402

PATCHED = ((state.ExecutionState, "stop_checkpointing"), (state.ExecutionState, "_read_timeout"),
           (service.LambdaClient, "initialize_client"))


def originals() -> list[Any]:
    return [vars(owner)[name] for owner, name in PATCHED]


@pytest.fixture
def installed() -> Iterator[None]:
    durable.install(lambda client: client)
    try:
        yield
    finally:
        durable.uninstall()


def test_the_last_uninstall_puts_back_exactly_what_was_there() -> None:
    before = originals()
    durable.install(lambda client: ("wrapped", client))
    durable.install(lambda client: ("wrapped", client))  # a nested mock
    try:
        assert all(now is not then for now, then in zip(originals(), before, strict=True))
        durable.uninstall()
        assert all(now is not then for now, then in zip(originals(), before, strict=True))  # the outer mock still runs
    finally:
        durable.uninstall()
    assert all(now is then for now, then in zip(originals(), before, strict=True))


def test_the_sdks_client_is_wrapped_while_a_mock_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = object()
    monkeypatch.setattr(service.LambdaClient, "_cached_boto_client", raw)
    durable.install(lambda client: ("wrapped", client))
    try:
        assert service.LambdaClient.initialize_client().client == ("wrapped", raw)
    finally:
        durable.uninstall()
    assert service.LambdaClient.initialize_client().client is raw


def test_an_sdk_whose_internals_differ_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later SDK without the checkpoint thread's wake item, with a plain ``initialize_client``."""

    class ExecutionState:
        def stop_checkpointing(self) -> None:
            pass

    class LambdaClient:
        def initialize_client(self) -> None:
            pass

    fake_state = types.ModuleType(durable.SDK_STATE_MODULE)
    fake_state.ExecutionState = ExecutionState  # type: ignore[attr-defined]
    fake_service = types.ModuleType(durable.SDK_CLIENT_MODULE)
    fake_service.LambdaClient = LambdaClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, durable.SDK_STATE_MODULE, fake_state)
    monkeypatch.setitem(sys.modules, durable.SDK_CLIENT_MODULE, fake_service)
    before = (vars(ExecutionState)["stop_checkpointing"], vars(LambdaClient)["initialize_client"])
    durable.install(lambda client: client)
    try:
        assert (vars(ExecutionState)["stop_checkpointing"], vars(LambdaClient)["initialize_client"]) == before
    finally:
        durable.uninstall()


class NoCalls:
    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nothing was queued: nothing is sent")


def test_stopping_wakes_the_checkpoint_thread(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the SDK's own poll of its stop signal at 30 s, the thread still ends at once."""
    monkeypatch.setattr(state, "_STOP_SIGNAL_POLL_SECONDS", 30.0)
    execution_state = state.ExecutionState("arn", "token", {}, NoCalls(), PluginExecutor([]))
    thread = threading.Thread(target=execution_state.checkpoint_batches_forever)
    thread.start()
    thread.join(0.2)  # it waits on its empty queue
    execution_state.stop_checkpointing()
    thread.join(10)
    assert not thread.is_alive()


class Batch:
    def __init__(self, blocked: bool) -> None:
        self.has_blocked_caller = blocked


class State:
    def __init__(self, refreshes: list[Any]) -> None:
        self._pending_refreshes = refreshes


def judged(extra_threads: int, batch: Batch, pending: State, *, ours: int = 0, from_handler: bool = True) -> bool:
    """``_nothing_can_join`` as the checkpoint thread of a handler that runs ``extra_threads``
    threads of its own (and ``ours`` threads of mocklambda's) sees it."""
    answer: list[bool] = []
    hold = threading.Event()

    def probe() -> None:
        answer.append(durable._nothing_can_join(pending, batch))

    def handler() -> None:
        threads.become_handler_thread(None)
        try:
            running = [threading.Thread(target=hold.wait) for _ in range(extra_threads)]
            running += [threads.ours(threading.Thread(target=hold.wait)) for _ in range(ours)]
            for thread in running:
                thread.start()
            checkpoint_thread = threading.Thread(target=probe)
            checkpoint_thread.start()
            checkpoint_thread.join()
            hold.set()
            for thread in running:
                thread.join()
        finally:
            threads.leave_handler_thread()

    threads.install()
    try:
        if from_handler:
            root = threading.Thread(target=handler)
            root.start()
            root.join()
        else:
            probe()
    finally:
        threads.uninstall()
    return answer[0]


def test_a_batch_is_sent_at_once_only_when_nothing_can_join_it() -> None:
    blocked, idle, none, some = Batch(True), Batch(False), State([]), State([(0.0, 0, object())])
    assert judged(1, blocked, none)  # the checkpoint thread and the caller blocked on the batch
    assert judged(1, blocked, none, ours=2)  # mocklambda's own threads (its watchdog) add nothing
    assert not judged(2, blocked, none)  # a branch or a thread of the handler's may still add to it
    assert not judged(1, idle, none)  # no caller waits: the SDK's own batching window
    assert not judged(1, blocked, some)  # a refresh may come due meanwhile
    assert not judged(0, blocked, none, from_handler=False)  # not a handler's thread: nothing known
