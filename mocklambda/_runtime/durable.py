"""The durable execution SDK inside the test's process: handlers run in-process and import the
test's own ``aws_durable_execution_sdk_python``, whose boto3 client is cached on a class (spec
§3.2). Each mock starts and ends with it cleared, so no client of an earlier mock (its region,
its credentials, its endpoint) is reused.

While a mock runs, three patches of the SDK (undone when the last mock stops) take wall-clock waits
and the transport of its calls out of what an invocation costs, and change nothing it does
(issue 17):

- ``ExecutionState.stop_checkpointing`` also wakes the checkpoint thread. The thread looks at its
  stop signal only between waits on its queue of up to ``_STOP_SIGNAL_POLL_SECONDS`` (0.1 s), so
  the end of every invocation waited up to that. The wake is the SDK's own ``REFRESH_WAKE`` item,
  which the thread takes from its queue and drops, and then sees the signal. (Lowering the poll
  constant instead would also shorten how long a batch waits for more operations: a behaviour
  change.)
- ``ExecutionState._read_timeout``: a batch that holds a synchronous checkpoint waits
  ``_BLOCKED_CALLER_WAIT_SECONDS`` (1 ms) for operations from other threads before it is sent.
  When no thread the handler started is running but the checkpoint thread and one other (the
  caller blocked on this batch), and no refresh is pending, nothing can arrive meanwhile: the
  batch is sent at once, the same batch the wait would have sent. With more threads (a map's or
  a parallel's branches, the handler's own) the wait stays.
- ``LambdaClient.initialize_client`` hands the SDK its cached boto3 client wrapped by the mock's
  ``wrap`` (its two calls answered in-process: ``_moto.sdk_client``).

An SDK is patched once it is imported: at a mock's start when it already is, else as soon as a
handler module that imports it has been (``prepare``, from ``Container.initialise``; a copy the
function's zip bundles too). Only an SDK whose internals are the ones these patches were written
for (3.x) is patched; any other runs as it is (slower, the same).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from . import threads

SDK = "aws_durable_execution_sdk_python"
SDK_CLIENT_MODULE = f"{SDK}.lambda_service"
SDK_STATE_MODULE = f"{SDK}.state"

_lock = threading.Lock()
_installed = 0
_wrap: Callable[[Any], Any] | None = None
_undo: list[tuple[Any, str, Any]] = []  # (class, attribute, what it was): put back in reverse
_patched: set[int] = set()  # ids of the classes patched


def forget_sdk_client() -> None:
    module = sys.modules.get(SDK_CLIENT_MODULE)
    client_class = getattr(module, "LambdaClient", None)
    if client_class is not None and hasattr(client_class, "_cached_boto_client"):
        client_class._cached_boto_client = None


def install(wrap: Callable[[Any], Any]) -> None:
    """A mock starts: patch the SDK now if it is imported, and whenever ``prepare`` finds it."""
    global _installed, _wrap
    with _lock:
        _installed += 1
        _wrap = wrap
    prepare()


def uninstall() -> None:
    global _installed, _wrap
    with _lock:
        _installed = max(0, _installed - 1)
        if _installed:
            return
        _wrap = None
        while _undo:
            owner, name, original = _undo.pop()
            setattr(owner, name, original)
        _patched.clear()


def prepare() -> None:
    """Patch the SDK that ``sys.modules`` holds now, if a mock runs and it is not patched yet."""
    modules = sys.modules
    state, service = modules.get(SDK_STATE_MODULE), modules.get(SDK_CLIENT_MODULE)
    if not _installed or (state is None and service is None):
        return
    with _lock:
        if not _installed:
            return
        execution_state = getattr(state, "ExecutionState", None)
        if state is not None and id(execution_state) not in _patched and _batcher_as_known(state):
            _patched.add(id(execution_state))
            own = vars(execution_state)
            _replace(execution_state, "stop_checkpointing",
                     _stop_and_wake(own["stop_checkpointing"], state._Signal.REFRESH_WAKE))
            _replace(execution_state, "_read_timeout", _sent_at_once_alone(own["_read_timeout"]))
        client_class = getattr(service, "LambdaClient", None)
        if client_class is not None and id(client_class) not in _patched \
                and isinstance(vars(client_class).get("initialize_client"), classmethod):
            _patched.add(id(client_class))
            _replace(client_class, "initialize_client", _wrapping(vars(client_class)["initialize_client"]))


def _batcher_as_known(state: Any) -> bool:
    """The SDK 3.x checkpoint thread: a queue it waits on, a stop method, a wake item it drops,
    the read timeout of a batch."""
    signal = getattr(state, "_Signal", None)
    execution_state = getattr(state, "ExecutionState", None)
    return (signal is not None and hasattr(signal, "REFRESH_WAKE") and execution_state is not None
            and "stop_checkpointing" in vars(execution_state) and "_read_timeout" in vars(execution_state)
            and hasattr(state, "_STOP_SIGNAL_POLL_SECONDS") and hasattr(state, "_BLOCKED_CALLER_WAIT_SECONDS"))


def _replace(owner: Any, name: str, replacement: Any) -> None:
    _undo.append((owner, name, vars(owner)[name]))
    setattr(owner, name, replacement)


def _stop_and_wake(stop: Callable[[Any], None], wake: Any) -> Callable[[Any], None]:
    def stop_checkpointing(self: Any) -> None:
        stop(self)
        queue = getattr(self, "_checkpoint_queue", None)
        if queue is not None:
            queue.put(wake)

    return stop_checkpointing


def _sent_at_once_alone(read_timeout: Callable[..., float]) -> Callable[..., float]:
    def _read_timeout(self: Any, batch: Any, now: float, deadline: float) -> float:
        timeout = read_timeout(self, batch, now, deadline)
        return 0.0 if timeout > 0 and _nothing_can_join(self, batch) else timeout

    return _read_timeout


def _nothing_can_join(state: Any, batch: Any) -> bool:
    """The batch's caller is blocked on it, no refresh is pending, and the handler runs no thread
    but that caller and the checkpoint thread (this one)."""
    if not getattr(batch, "has_blocked_caller", False) or getattr(state, "_pending_refreshes", True):
        return False
    running = threads.threads_of_this_invocation()
    return running is not None and running <= 2


def _wrapping(original: classmethod[Any, Any, Any]) -> classmethod[Any, Any, Any]:
    def initialize_client(cls: Any) -> Any:
        client = original.__func__(cls)
        wrap = _wrap
        if wrap is not None:
            client.client = wrap(client.client)
        return client

    return classmethod(initialize_client)
