"""The pieces of isolated execution on their own: which functions a mock isolates, how the
command and the error bodies of an isolated Python environment are made, and the memory watch
that enforces ``MemorySize`` on a process (spec 9.6)."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import sysconfig
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._runtime.isolation import Isolation
from mocklambda._runtime.memory_limit import MemoryLimit, resident_mb
from mocklambda._runtime.platform_reports import out_of_memory
from mocklambda._runtime.python_process import as_on_lambda, python_command
from mocklambda._runtime.sandbox import CodeBundle
from mocklambda.errors import MockLambdaError
from tests.test_provided_runtime import alive
from tests.unit.builders import function_arn, make_function


@pytest.mark.parametrize("named, every_version", [("fn", True), (function_arn("fn"), True), ("fn:$LATEST", False),
                                                   (function_arn("fn", "$LATEST"), False)])
def test_isolate_matches_a_name_an_arn_or_a_qualified_name(named, every_version):
    isolation = Isolation()
    isolation.isolate(named)
    assert isolation.applies(make_function("fn"))
    assert not isolation.applies(make_function("other"))
    assert isolation.applies(make_function("fn", version="1")) == every_version


def test_the_default_isolates_nothing_and_process_every_python_function():
    python, custom = make_function(), dataclasses.replace(make_function(), runtime="provided.al2023")
    assert not Isolation().applies(python)
    assert Isolation("process").applies(python)
    assert not Isolation("process").applies(custom)  # it runs as a process anyway, under its own bootstrap


def test_an_unknown_mode_and_an_empty_name_are_refused():
    with pytest.raises(MockLambdaError, match="isolation must be one of in-process, process; got 'threads'"):
        Isolation("threads")  # type: ignore[arg-type]
    with pytest.raises(MockLambdaError, match="isolate\\(\\) takes a function's name or ARN; got ''"):
        Isolation().isolate("")


def test_the_command_is_awslambdaric_under_this_interpreter_with_lambdas_python_path():
    bundle = CodeBundle(b"", [], "python3.12")
    try:
        command, variables = python_command(make_function(), bundle)
        assert command == [sys.executable, "-m", "awslambdaric", "handler.handler"]
        assert variables["PYTHONPATH"].split(":") == [str(bundle.task_dir), str(bundle.opt_dir / "python"),
                                                      str(bundle.opt_dir / "python/lib/python3.12/site-packages")]
    finally:
        bundle.remove()


def test_an_error_body_shows_lambdas_paths():
    bundle = CodeBundle(b"", [], "python3.12")
    stdlib = sysconfig.get_paths()["stdlib"]
    try:
        body = json.dumps({"stackTrace": [f'  File "{bundle.task_dir}/handler.py", line 2, in handler\n',
                                          f'  File "{bundle.opt_dir}/python/lib.py", line 1, in f\n',
                                          f'  File "{stdlib}/json/__init__.py", line 346, in loads\n']}).encode()
        assert json.loads(as_on_lambda(body, "python3.12"))["stackTrace"] == [
            '  File "/var/task/handler.py", line 2, in handler\n', '  File "/opt/python/lib.py", line 1, in f\n',
            '  File "/var/lang/lib/python3.12/json/__init__.py", line 346, in loads\n']
    finally:
        bundle.remove()


@given(st.text())
def test_a_body_naming_no_host_path_is_left_as_it_is(text):
    body = text.replace("mocklambda-", "").replace(sysconfig.get_paths()["stdlib"], "").encode("utf-8", "surrogatepass")
    assert as_on_lambda(body, "python3.12") == body


def test_out_of_memory_is_worded_as_lambda_words_a_killed_runtime():
    assert out_of_memory("id-1") == {"errorType": "Runtime.OutOfMemory",
                                     "errorMessage": "RequestId: id-1 Error: Runtime exited with error: signal: killed"}


def _python(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE)


def test_a_process_past_its_limit_is_killed_with_its_group():
    process = _python("import subprocess, time\n"
                      "print(subprocess.Popen(['sleep', '30']).pid, flush=True)\n"
                      "held = bytearray(200 * 1024 * 1024)\nheld[::4096] = b'x' * len(held[::4096])\ntime.sleep(30)\n")
    watch = MemoryLimit(process, 64)
    try:
        assert process.stdout is not None
        child = int(process.stdout.readline())
        assert process.wait(20) == -signal.SIGKILL
        assert watch.exceeded
        deadline = time.monotonic() + 5
        while alive(child) and time.monotonic() < deadline:  # a signalled process dies when next scheduled
            time.sleep(0.01)
        assert not alive(child)  # what it started went with it
    finally:
        watch.close()
        process.kill()
        process.stdout.close()  # type: ignore[union-attr]


def test_a_process_within_its_limit_is_left_alone_and_the_watch_ends_with_it():
    process = _python("import time\ntime.sleep(0.3)\n")
    watch = MemoryLimit(process, 512)
    assert (resident_mb(process.pid) or 0) < 512
    assert process.wait(20) == 0
    watch.close()
    assert not watch.exceeded
    assert resident_mb(process.pid) is None  # reaped: nothing left to read
    process.stdout.close()  # type: ignore[union-attr]


def _hwm_by_path(pid: int) -> int | None:
    """``VmHWM`` read the plain way: the file opened by path each time."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
    except OSError:
        return None


def test_the_peak_read_through_the_kept_file_is_the_one_read_by_path():
    """``Max Memory Used`` comes from ``/proc/<pid>/status`` held open (one pread per invocation):
    it follows the process as its peak grows, equal to a fresh read by path, and is None once the
    process has exited (a zombie has no memory) or been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "import sys\nheld = []\nfor line in sys.stdin:\n"
                                "    held.append(bytearray(int(line) * 1024 * 1024))\n"
                                "    held[-1][::4096] = b'x' * len(held[-1][::4096])\n    print(flush=True)\n"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
    assert process.stdin is not None and process.stdout is not None
    watch = MemoryLimit(process, 1024)
    try:
        peaks = []
        for megabytes in (1, 40, 80):
            process.stdin.write(f"{megabytes}\n".encode())
            process.stdin.flush()
            process.stdout.readline()
            peaks.append(watch.peak_kb())
            assert peaks[-1] == _hwm_by_path(process.pid)
        assert peaks[0] < peaks[1] < peaks[2]  # type: ignore[operator]
        process.stdin.close()
        deadline = time.monotonic() + 10
        while alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watch.peak_kb() is None is _hwm_by_path(process.pid)  # exited, not yet reaped
        process.wait(10)
        assert watch.peak_kb() is None
    finally:
        watch.close()
        process.kill()
        process.stdout.close()
