"""A shard's lanes (``_core.shard_lanes``): batches formed in order within BatchSize, the batching
window and the payload limit; what a failed batch becomes (a retry after a doubling backoff, two
halves that spend no retry, a new batch from a ReportBatchItemFailures checkpoint, or a batch given
up); records older than the record age or the retention leave a batch's head. The promise kept
under any pattern of failures: every record ends exactly once, succeeded or given up, in order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.shard_lanes import (
    PAYLOAD_LIMIT,
    Batch,
    Lane,
    LaneRules,
    after_failure,
    lane_of,
    retry_delay,
    split_expired,
)
from mocklambda._model import StreamRecord

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def records(count: int, start: int = 1, at: float = 0.0, size: int = 10) -> list[StreamRecord]:
    return [StreamRecord(str(n), f"key-{n}", EPOCH + timedelta(seconds=at), size, {"n": n})
            for n in range(start, start + count)]


def rules(batch_size: int = 100, window: float = 0.0, retries: int = -1, age: int = -1, bisect: bool = False,
          retention: float = 86400.0) -> LaneRules:
    return LaneRules(batch_size, window, retries, age, retention, bisect)


def numbers(batch: Batch | None) -> list[str]:
    return [] if batch is None else [r.sequence_number for r in batch.records]


def test_a_batch_takes_up_to_batch_size_records_in_order() -> None:
    lane = Lane()
    lane.add(records(7), now=0.0)
    assert lane.due_at(rules(batch_size=3), 0.0) == 0.0
    assert numbers(lane.take(rules(batch_size=3), 0.0)) == ["1", "2", "3"]
    assert numbers(lane.take(rules(batch_size=3), 0.0)) == ["4", "5", "6"]
    assert numbers(lane.take(rules(batch_size=3), 0.0)) == ["7"]
    assert lane.take(rules(), 0.0) is None and lane.idle()


def test_the_batching_window_waits_unless_the_batch_is_full() -> None:
    lane = Lane()
    lane.add(records(2), now=10.0)
    assert lane.due_at(rules(batch_size=3, window=5), 12.0) == 15.0  # the window opened at 10
    lane.add(records(1, start=3), now=12.0)
    assert lane.due_at(rules(batch_size=3, window=5), 12.0) == 12.0  # full: at once


def test_the_payload_limit_ends_a_batch_early() -> None:
    lane = Lane()
    lane.add(records(3, size=PAYLOAD_LIMIT // 2), now=0.0)
    assert numbers(lane.take(rules(), 0.0)) == ["1", "2"]
    assert numbers(lane.take(rules(), 0.0)) == ["3"]


def test_a_lane_with_a_batch_in_flight_or_backing_off_is_not_due() -> None:
    lane = Lane()
    lane.add(records(1), now=0.0)
    lane.busy = True
    assert lane.due_at(rules(), 0.0) is None
    lane.busy, lane.ready_at = False, 4.0
    assert lane.due_at(rules(), 1.0) == 4.0


def test_retries_back_off_doubling_from_half_a_second_to_a_minute() -> None:
    assert [retry_delay(n) for n in range(1, 10)] == [0.5, 1, 2, 4, 8, 16, 32, 60, 60]


def test_a_failed_batch_spends_a_retry_until_none_is_left() -> None:
    batch = Batch(records(2), attempts=1)
    verdict = after_failure(batch, rules(retries=1))
    assert verdict.given_up is None and verdict.retry == (batch,) and verdict.delay == 0.5
    batch.attempts += 1
    assert after_failure(batch, rules(retries=1)).given_up is batch  # approximateInvokeCount 2


def test_bisection_halves_a_failed_batch_without_spending_a_retry() -> None:
    verdict = after_failure(Batch(records(5), attempts=1), rules(retries=0, bisect=True))
    assert [numbers(b) for b in verdict.retry] == [["1", "2", "3"], ["4", "5"]]
    assert all(b.retries == 0 and b.attempts == 1 for b in verdict.retry)
    single = after_failure(Batch(records(1), attempts=2), rules(retries=0, bisect=True))
    assert single.given_up is not None  # one record cannot be halved


def test_reported_item_failures_never_bisect_and_a_checkpoint_starts_a_new_batch() -> None:
    batch = Batch(records(3), attempts=1, retries=2)
    verdict = after_failure(batch, rules(retries=2, bisect=True), failed_from=2, function_error=False)
    assert [numbers(b) for b in verdict.retry] == [["3"]]
    assert (verdict.retry[0].attempts, verdict.retry[0].retries) == (0, 0)
    at_head = after_failure(Batch(records(3), attempts=1), rules(retries=1, bisect=True), 0, function_error=False)
    assert [numbers(b) for b in at_head.retry] == [["1", "2", "3"]]  # no progress: a retry, not halves


def test_expired_records_leave_the_head_of_a_batch() -> None:
    batch = Batch(records(2, at=0.0) + records(2, start=3, at=50.0))
    now = (EPOCH + timedelta(seconds=70)).timestamp()
    too_old, trimmed, kept = split_expired(batch, rules(age=60), now)
    assert [r.sequence_number for r in too_old] == ["1", "2"] and trimmed == [] and numbers(kept) == ["3", "4"]
    assert split_expired(batch, rules(age=70), now)[0] == []  # exactly the maximum age is not older (S3.13)
    too_old, trimmed, kept = split_expired(batch, rules(retention=10.0), now)  # no record age: the retention
    assert too_old == [] and len(trimmed) == 4 and kept is None
    too_old, trimmed, kept = split_expired(batch, rules(age=60, retention=65.0), now)
    assert numbers(Batch(trimmed)) == ["1", "2"] and too_old == [] and numbers(kept) == ["3", "4"]
    assert split_expired(batch, rules(), now) == ([], [], batch)


def test_a_partition_key_always_falls_in_the_same_lane() -> None:
    assert len({lane_of("customer-7", 4) for _ in range(10)}) == 1
    assert lane_of("anything", 1) == 0
    assert {lane_of(f"key-{n}", 3) for n in range(100)} == {0, 1, 2}


@given(count=st.integers(1, 40), batch_size=st.integers(1, 10), retries=st.integers(0, 3), bisect=st.booleans(),
       outcomes=st.lists(st.integers(0, 12), min_size=1, max_size=300))
def test_every_record_ends_exactly_once_in_order(count: int, batch_size: int, retries: int, bisect: bool,
                                                outcomes: list[int]) -> None:
    """Run a lane to the end under arbitrary outcomes: 0 succeeds, 1 fails the batch, n > 1
    reports the record at index n - 2 (if any) as failed."""
    lane, rule = Lane(), rules(batch_size=batch_size, retries=retries, bisect=bisect)
    lane.add(records(count), now=0.0)
    done: list[str] = []
    given_up: list[str] = []
    step = 0
    while (batch := lane.take(rule, 0.0)) is not None:
        outcome = outcomes[step % len(outcomes)]
        step += 1
        assert step < 10_000, "the lane never ends"
        batch.attempts += 1
        if outcome == 0 or (outcome > 1 and outcome - 2 >= len(batch.records)):
            done.extend(numbers(batch))
            continue
        failed_from = 0 if outcome == 1 else outcome - 2
        done.extend(numbers(batch)[:failed_from])
        verdict = after_failure(batch, rule, failed_from, function_error=outcome == 1)
        if verdict.given_up is not None:
            given_up.extend(numbers(verdict.given_up))
        lane.waiting.extendleft(reversed(verdict.retry))
    ended = sorted(done + given_up, key=int)
    assert ended == [str(n) for n in range(1, count + 1)]  # each record once
    assert done == sorted(done, key=int)  # successes in shard order
