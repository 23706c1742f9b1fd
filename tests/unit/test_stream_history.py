"""The timeline's account of stream batches (``_core.stream_history``): the words of each line,
built from the verdicts ``_core.shard_lanes`` really gives, and a history that keeps each
shard's newest lines in order, however many there were."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from mocklambda._core import stream_history
from mocklambda._core.shard_lanes import Batch, LaneRules, Verdict, after_failure, retry_delay
from mocklambda._core.stream_history import SHARD_LIMIT, StreamHistory
from mocklambda._model import StreamRecord

ARRIVAL = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
SOURCE = "arn:aws:kinesis:us-east-1:123456789012:stream/events"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:reader"


def records(*numbers: int) -> list[StreamRecord]:
    return [StreamRecord(str(n), "k", ARRIVAL, 10, {"n": n}) for n in numbers]


def rules(retries: int = 2, bisect: bool = False) -> LaneRules:
    return LaneRules(batch_size=100, batching_window=0.0, maximum_retry_attempts=retries, maximum_record_age=-1,
                     retention=86400.0, bisect=bisect)


def test_a_span_names_the_first_and_last_sequence_numbers_and_the_size():
    assert stream_history.span(records(7)) == "seq 7 (1 record)"
    assert stream_history.span(records(3, 4, 5)) == "seq 3..5 (3 records)"


def test_an_error_shows_its_type_and_the_first_line_of_its_message_cut_short():
    assert stream_history.error_text("KeyError", "'id'\nmore") == "KeyError: 'id'"
    assert stream_history.error_text("Sandbox.Timedout", None) == "Sandbox.Timedout"
    assert stream_history.error_text("E", "x" * 500) == "E: " + "x" * stream_history.MESSAGE_LIMIT


def test_a_batch_that_succeeded_is_ok():
    assert stream_history.invocation(records(1, 2), None, None, None, 3) == "batch seq 1..2 (2 records): ok"


def test_a_failed_batch_is_retried_and_the_retry_is_numbered_against_the_limit():
    batch = Batch(records(1, 2))
    first = after_failure(batch, rules(retries=2), 0)
    assert stream_history.invocation(batch.records, "ValueError: no", 0, first, 2) == (
        f"batch seq 1..2 (2 records): ValueError: no -> retry 1 of 2 in {retry_delay(1):g}s")
    second = after_failure(first.retry[0], rules(retries=2), 0)
    assert stream_history.invocation(batch.records, "ValueError: no", 0, second, 2) == (
        f"batch seq 1..2 (2 records): ValueError: no -> retry 2 of 2 in {retry_delay(2):g}s")
    third = after_failure(second.retry[0], rules(retries=2), 0)
    assert stream_history.invocation(batch.records, "ValueError: no", 0, third, 2) == (
        "batch seq 1..2 (2 records): ValueError: no -> given up")


def test_endless_retries_have_no_limit_to_name():
    verdict = after_failure(Batch(records(1)), rules(retries=-1), 0)
    assert stream_history.invocation(records(1), "E", 0, verdict, -1) == (
        f"batch seq 1 (1 record): E -> retry 1 in {retry_delay(1):g}s")


def test_a_bisected_batch_names_both_halves():
    verdict = after_failure(Batch(records(1, 2, 3, 4, 5)), rules(bisect=True), 0)
    assert stream_history.invocation(records(1, 2, 3, 4, 5), "E", 0, verdict, 2) == (
        "batch seq 1..5 (5 records): E -> bisected into seq 1..3 (3 records) and seq 4..5 (2 records)")


def again(verdict: Verdict, limit: int = 2) -> str:
    """What follows a retried batch: a retry spent after its backoff, or none (its halves, or the
    records after a checkpoint, as ``shard_lanes`` decides)."""
    if verdict.delay > 0:
        return f"retry {verdict.retry[0].retries} of {limit} in {verdict.delay:g}s"
    return "again at once (no retry spent)"


def test_reported_failures_checkpoint_at_the_lowest_one():
    batch = Batch(records(1, 2, 3, 4))
    verdict = after_failure(batch, rules(bisect=True), 2, function_error=False)  # reported: no halving
    assert [r.sequence_number for r in verdict.retry[0].records] == ["3", "4"]
    assert stream_history.invocation(batch.records, None, 2, verdict, 2) == (
        f"batch seq 1..4 (4 records): reported failures from seq 3 -> checkpointed at seq 3, {again(verdict)}")
    from_the_first = after_failure(Batch(records(1, 2, 3, 4)), rules(), 0, function_error=False)
    assert stream_history.invocation(batch.records, None, 0, from_the_first, 2) == (
        f"batch seq 1..4 (4 records): reported failures from seq 1 -> retry 1 of 2 in {retry_delay(1):g}s")


def test_a_retry_without_a_delay_spends_none():
    halves = Verdict(retry=(Batch(records(1)), Batch(records(2))))
    assert stream_history.invocation(records(1, 2), "E", 0, halves, 2).endswith(
        " -> bisected into seq 1 (1 record) and seq 2 (1 record)")
    at_once = Verdict(retry=(Batch(records(2)),))
    assert stream_history.invocation(records(1, 2), None, 1, at_once, 2) == (
        "batch seq 1..2 (2 records): reported failures from seq 2 -> checkpointed at seq 2, "
        "again at once (no retry spent)")


def test_the_other_lines():
    assert stream_history.held_back(records(1, 2), "throttled", 0.5) == (
        "batch seq 1..2 (2 records): throttled -> tried again in 0.5s (no retry spent)")
    assert stream_history.filtered_out(records(1, 3)) == "2 record(s) filtered out (no filter matched): seq 1, 3"
    assert stream_history.filtered_out(records(*range(1, 9))) == (
        "8 record(s) filtered out (no filter matched): seq 1, 2, 3, 4, 5, ... (3 more)")
    queue = "arn:aws:sqs:us-east-1:123456789012:failed"
    head = "given up seq 4 (1 record): RetryAttemptsExhausted (approximateInvokeCount 3) -> "
    assert stream_history.given_up(records(4), "RetryAttemptsExhausted", 3, None, None) == (
        head + "dropped (no on-failure destination)")
    assert stream_history.given_up(records(4), "RetryAttemptsExhausted", 3, queue, None) == (
        head + f"on-failure record sent to {queue}")
    assert stream_history.given_up(records(4), "RetryAttemptsExhausted", 3, queue, "QueueDoesNotExist: gone") == (
        head + f"NOT delivered to {queue}: QueueDoesNotExist: gone; dropped")


def test_the_history_renders_each_mapping_and_shard_in_the_order_told():
    history = StreamHistory()
    assert not history
    assert history.render() == []
    history.note("m-1", SOURCE, FUNCTION, "shardId-000000000000", 0.0, "first")
    history.note("m-2", SOURCE, FUNCTION + ":2", "shardId-000000000000", 0.25, "other mapping")
    history.note("m-1", SOURCE, FUNCTION, "shardId-000000000001", 1.5, "other shard")
    history.note("m-1", SOURCE, FUNCTION, "shardId-000000000000", 61.0, "second")
    assert history
    assert history.render() == [
        f"mocklambda: stream mapping m-1: {SOURCE} -> {FUNCTION}",
        "  shardId-000000000000",
        "    +   0.000s  first",
        "    +  61.000s  second",
        "  shardId-000000000001",
        "    +   1.500s  other shard",
        f"mocklambda: stream mapping m-2: {SOURCE} -> {FUNCTION}:2",
        "  shardId-000000000000",
        "    +   0.250s  other mapping",
    ]


@given(st.integers(min_value=0, max_value=SHARD_LIMIT * 2 + 5))
@example(SHARD_LIMIT)
@example(SHARD_LIMIT + 1)
@example(SHARD_LIMIT * 2 + 5)
def test_a_shard_keeps_its_newest_lines_and_counts_the_rest(count):
    history = StreamHistory()
    for number in range(count):
        history.note("m", SOURCE, FUNCTION, "shard", float(number), f"line {number}")
    rendered = history.render()
    if count == 0:
        assert rendered == []
        return
    kept = min(count, SHARD_LIMIT)
    lines = [line for line in rendered if line.startswith("    +")]
    assert [line.rsplit(" ", 1)[1] for line in lines] == [str(n) for n in range(count - kept, count)]
    forgotten = [line for line in rendered if "not kept" in line]
    assert forgotten == ([f"    ({count - kept} earlier line(s) not kept)"] if count > kept else [])
