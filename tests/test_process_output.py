"""The pipe a runtime process writes its logs into is closed once, however many parties close it:
the mock's stop and the thread of an invocation cut short both do (issue 17 CI: the second
``os.close`` closed whatever file had been given that number since, and the mock's teardown failed)."""

from __future__ import annotations

import os
import threading

from mocklambda._runtime.process_runtime import _Output


def test_closing_twice_never_closes_a_file_opened_in_between(tmp_path):
    output = _Output()
    number = output._fd
    output.start()
    output.close()
    other = os.open(tmp_path, os.O_RDONLY)
    if other != number:
        os.dup2(other, number)  # the pipe's old number now names another file, as a reused number does
        os.close(other)
    try:
        output.close()
        assert os.fstat(number)  # still open: the second close did nothing
    finally:
        os.close(number)


def test_closing_from_two_threads_at_once_closes_once(tmp_path):
    for _ in range(50):
        output = _Output()
        output.start()
        closers = [threading.Thread(target=output.close) for _ in range(2)]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()
        other = os.open(tmp_path, os.O_RDONLY)
        try:
            output.close()
            os.fstat(other)
        finally:
            os.close(other)
