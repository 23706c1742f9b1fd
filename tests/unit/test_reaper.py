"""The watcher that kills what a test process left running when it ended without stopping its
mocks (``_runtime/reaper.py``): only what is still listed when its pipe ends, only groups whose
leader it saw alive; and the client that starts it, at most once where it cannot."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
import warnings

import pytest

from mocklambda._runtime import reaper as reaper_module
from mocklambda._runtime.reaper import Reaper, _Listed, watch


def sleeper(command: str = "sleep 60") -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sh", "-c", f"exec {command}"], start_new_session=True)


def test_the_groups_still_listed_at_the_end_are_killed_and_forgotten_ones_are_not() -> None:
    listed, forgotten = sleeper(), sleeper()
    try:
        watch(io.BytesIO(f"+{listed.pid} AWS_LAMBDA_RUNTIME_API=127.0.0.1:1\n"
                         f"+{forgotten.pid} AWS_LAMBDA_RUNTIME_API=127.0.0.1:2\n"
                         f"-{forgotten.pid} AWS_LAMBDA_RUNTIME_API=127.0.0.1:2\n".encode()))
        assert listed.wait(5) == -9
        assert forgotten.poll() is None
    finally:
        for process in (listed, forgotten):
            process.kill()
            process.wait()


@pytest.mark.parametrize("lines", [
    "+{pid} A=1\n+{pid} A=2\n-{pid} A=1\n",  # the same group id told twice (a pid reused): one forget keeps the other
    "+x y\n-\n\n+{pid} A=1\n",  # garbled lines are skipped
])
def test_what_is_still_listed_is_killed(lines: str) -> None:
    listed = sleeper()
    try:
        watch(io.BytesIO(lines.format(pid=listed.pid).encode()))
        assert listed.wait(5) == -9
    finally:
        listed.kill()
        listed.wait()


def test_a_group_whose_leader_exited_is_not_signalled_by_its_id() -> None:
    """Its id may belong to another group by then; its processes are found by their entry."""
    leader = subprocess.Popen(["sh", "-c", "sleep 60 & echo $!; read line"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, start_new_session=True)
    assert leader.stdin is not None and leader.stdout is not None
    with leader.stdout:
        member = int(leader.stdout.readline())
    environment = _Listed(leader.pid)  # told while the leader lives
    try:
        leader.stdin.close()
        leader.wait(5)  # then it exits, leaving its child in the group
        environment.kill_group()
        with open(f"/proc/{member}/stat") as stat:
            assert stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # still running
    finally:
        environment.close()
        subprocess.run(["kill", "-9", str(member)], check=False)


def test_the_client_keeps_its_watcher_and_warns_of_nothing() -> None:
    """A watcher let go while running would be a ``ResourceWarning`` (an error under
    ``filterwarnings = error``) on the first cold start."""
    client = Reaper()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.watch(999_999_999, "A=1")
        client.forget(999_999_999, "A=1")
        gc.collect()
    try:
        assert [str(warning.message) for warning in caught] == []
        assert client._watcher is not None and client._watcher.poll() is None
    finally:
        client._drop()


@pytest.mark.parametrize("executable", ["", None])
def test_without_a_usable_interpreter_no_watcher_is_tried_again_and_again(monkeypatch, executable) -> None:
    started: list[object] = []
    monkeypatch.setattr(sys, "executable", executable)
    monkeypatch.setattr(reaper_module.subprocess, "Popen", lambda *args, **kwargs: started.append(args))
    client = Reaper()
    for pgid in range(5):
        client.watch(pgid, "A=1")
        client.forget(pgid, "A=1")
    assert started == [] and client._failed


def test_a_watcher_that_cannot_be_run_is_tried_once(monkeypatch) -> None:
    tries: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        tries.append(args)
        raise PermissionError("not allowed")

    monkeypatch.setattr(reaper_module.subprocess, "Popen", refuse)
    client = Reaper()
    for pgid in range(5):
        client.watch(pgid, "A=1")
    assert len(tries) == 1
