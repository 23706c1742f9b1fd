"""How one run's output becomes CloudWatch Logs events (spec 1.9, 9.7; recorded in
``test_invocation_type_event_error`` and ``test_dead_letter_queue``'s log_result)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._model import LogFrame
from mocklambda._runtime.capture import LogSink
from mocklambda._runtime.executor import _error_log

SNAPSHOTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "localstack-snapshots"


def recorded(file: str, test: str) -> dict:
    recordings = json.loads((SNAPSHOTS / file).read_text())
    return next(v["recorded-content"] for k, v in recordings.items() if k.endswith(test))


def test_each_written_line_is_an_event_and_a_record_is_one_event_whatever_its_lines():
    sink = LogSink()
    sink.write("partial ")
    sink.write("line\nsecond")
    sink.record("[INFO]\tt\tid\tmulti\nline record\n")  # ends the line being written
    sink.write("\n")
    sink.write("last without newline")
    assert sink.take() == ["partial line\n", "second", "[INFO]\tt\tid\tmulti\nline record\n", "\n",
                           "last without newline"]


@given(st.lists(st.text(alphabet="ab\n", max_size=8), max_size=8))
def test_stream_writes_keep_every_character_in_order(chunks: list[str]) -> None:
    """Property: splitting into events never loses, adds or reorders a character, and only the
    last event may lack its newline."""
    sink = LogSink()
    for chunk in chunks:
        sink.write(chunk)
    events = sink.take()
    assert "".join(events) == "".join(chunks)
    assert all(event.endswith("\n") for event in events[:-1])
    assert all(event.count("\n") <= 1 for event in events)


def test_the_error_report_is_one_event_indented_with_no_break_spaces_as_recorded():
    golden = recorded("test_lambda.snapshot.json", "test_invocation_type_event_error")["log_events"][2]["message"]
    error = {"errorMessage": "some error occurred", "errorType": "CustomException", "requestId": "r",
             "stackTrace": ['  File "/var/task/handler.py", line 6, in handler\n    raise CustomException("some error occurred")\n']}
    assert _error_log(error) == golden  # spec 9.7: U+00A0 indentation, no final newline


def test_cloudwatch_events_put_init_start_and_init_output_before_start():
    golden = recorded("test_lambda.snapshot.json", "test_invocation_type_event_error")["log_events"]
    frame = LogFrame("req", "$LATEST", ["[ERROR] E: x"], 3.01, 128, 36, 110.1, ["imported\n"],
                     "INIT_START Runtime Version: python:3.10.v1\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab\n")
    events = frame.cloudwatch_events()
    assert events[0].startswith("INIT_START Runtime Version: python:3.10.")
    assert events[1:3] == ["imported\n", "START RequestId: req Version: $LATEST\n"]
    assert events[-2:] == ["END RequestId: req\n", "REPORT RequestId: req\tDuration: 3.01 ms\tBilled Duration: 4 ms\t"
                           "Memory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n"]
    assert [event[-1] == "\n" for event in events] == [e["message"][-1] == "\n" for e in golden[:2]] + [True] + [
        e["message"][-1] == "\n" for e in golden[2:5]]
    assert "INIT_START" not in frame.text() and frame.text().startswith("imported\nSTART RequestId: req")
