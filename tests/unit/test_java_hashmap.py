"""The attribute order DynamoDB Streams writes: a Java ``HashMap``'s iteration order
(``mocklambda._core.java_hashmap``), checked against every order AWS recorded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.java_hashmap import iteration_order, string_hash


def test_string_hash_is_javas() -> None:
    """``String.hashCode`` values as the JDK computes them (int32, shown unsigned)."""
    assert string_hash("") == 0
    assert string_hash("hello") == 99162322
    assert string_hash("id") == 3355
    assert string_hash("polygenelubricants") == 2**31  # Integer.MIN_VALUE, the classic overflow
    assert string_hash("\U0001f600") == (0xD83D * 31 + 0xDE00)  # over UTF-16 code units


def test_every_recorded_attribute_order() -> None:
    """NewImage orders in test_lambda_integration_dynamodbstreams (event_logs, lambda-*-log-events)
    and in public captures of real events (Keys and images of a pk/sk table)."""
    recorded = [["binary_key", "my_partition_key"], ["id2", "id"], ["numericFilter", "id"], ["prefix", "id"],
                ["id", "presentKey"], ["data", "sk", "pk"], ["sk", "pk"]]
    for order in recorded:
        assert iteration_order(reversed(order)) == order
        assert iteration_order(sorted(order)) == order


def test_a_growing_table_reorders_by_its_larger_buckets() -> None:
    """Past 12 names the table has 32 buckets (load factor 0.75), past 24 it has 64."""
    names = [f"attribute{number}" for number in range(30)]
    order = iteration_order(names)
    buckets = [(string_hash(n) ^ (string_hash(n) >> 16)) & 63 for n in order]
    assert buckets == sorted(buckets)


@given(st.lists(st.text(max_size=6), max_size=40))
def test_the_order_is_a_permutation_whatever_order_names_come_in(names: list[str]) -> None:
    """Property: every distinct name once, and the same order however the item listed them."""
    order = iteration_order(names)
    assert sorted(order) == sorted(set(names))
    assert iteration_order(reversed(names)) == order


@given(st.lists(st.text(max_size=6), max_size=12))
def test_each_call_returns_a_list_of_its_own(names: list[str]) -> None:
    """The order of a set of names is worked out once (issue 17): a caller that changes the list
    it got changes no later answer."""
    order = iteration_order(names)
    expected = list(order)
    order.append("changed")
    order.reverse()
    assert iteration_order(names) == expected
