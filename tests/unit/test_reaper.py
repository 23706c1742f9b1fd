"""The watcher that kills what a test process left running when it ended without stopping its
mocks (``_runtime/reaper.py``): only what is still listed when its pipe ends."""

from __future__ import annotations

import io
import subprocess

from mocklambda._runtime.reaper import watch


def sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"], start_new_session=True)


def test_the_groups_still_listed_at_the_end_are_killed_and_forgotten_ones_are_not() -> None:
    listed, forgotten = sleeper(), sleeper()
    try:
        watch(io.BytesIO(f"+{listed.pid} AWS_LAMBDA_RUNTIME_API=127.0.0.1:1\n"
                         f"+{forgotten.pid} AWS_LAMBDA_RUNTIME_API=127.0.0.1:2\n-{forgotten.pid}\n".encode()))
        assert listed.wait(5) == -9
        assert forgotten.poll() is None
    finally:
        for process in (listed, forgotten):
            process.kill()
            process.wait()


def test_a_garbled_line_is_skipped() -> None:
    listed = sleeper()
    try:
        watch(io.BytesIO(f"+x y\n-\n\n+{listed.pid} A=1\n".encode()))
        assert listed.wait(5) == -9
    finally:
        listed.kill()
        listed.wait()
