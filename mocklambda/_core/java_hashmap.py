"""The order in which a Java ``HashMap<String, ?>`` iterates its keys.

DynamoDB Streams writes an item's attributes (``Keys``, ``NewImage``, ``OldImage``) in an order
that is neither the order they were written in nor alphabetical: ``{"id2", "id"}``,
``{"numericFilter", "id"}``, ``{"prefix", "id"}``, ``{"id", "presentKey"}``,
``{"binary_key", "my_partition_key"}`` in the recordings, ``{"data", "sk", "pk"}`` and
``{"sk", "pk"}`` in public captures. Every one of them is the iteration order of a default
``java.util.HashMap`` (16 buckets, doubled past a load factor of 0.75) filled in name order, which
mocklambda therefore reproduces (a choice: AWS documents no order).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

INITIAL_CAPACITY = 16
LOAD_FACTOR = 0.75
TREEIFY_THRESHOLD = 8  # a bucket this long makes a table under MIN_TREEIFY_CAPACITY grow instead
MIN_TREEIFY_CAPACITY = 64


def string_hash(text: str) -> int:
    """``String.hashCode()``: ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 code units, as an int32."""
    units = text.encode("utf-16-be", errors="surrogatepass")
    value = 0
    for index in range(0, len(units), 2):
        value = (31 * value + (units[index] << 8 | units[index + 1])) & 0xFFFFFFFF
    return value


def spread(hash_code: int) -> int:
    """``HashMap.hash``: the high half folded into the low half."""
    return hash_code ^ (hash_code >> 16)


def iteration_order(names: Iterable[str]) -> list[str]:
    """The distinct ``names`` as a HashMap filled with them in ``String.compareTo`` order iterates
    them: by bucket, then in insertion order within a bucket (a resize keeps that order). A bucket
    of nine names in a table of 64 or more becomes a tree, whose order is not modelled."""
    return list(_order(frozenset(names)))


@functools.lru_cache(maxsize=4096)  # a stream's records mostly share a few sets of attribute names
def _order(names: frozenset[str]) -> tuple[str, ...]:
    keys = sorted(names, key=lambda name: name.encode("utf-16-be", errors="surrogatepass"))
    capacity = INITIAL_CAPACITY
    chains: dict[int, int] = {}  # bucket -> length of its chain
    for size, name in enumerate(keys, start=1):
        bucket = _bucket(name, capacity)
        chains[bucket] = chains.get(bucket, 0) + 1
        if chains[bucket] > TREEIFY_THRESHOLD and capacity < MIN_TREEIFY_CAPACITY:  # treeifyBin resizes
            capacity *= 2
            chains = _chains(keys[:size], capacity)
        if size > capacity * LOAD_FACTOR:  # putVal: ++size > threshold
            capacity *= 2
            chains = _chains(keys[:size], capacity)
    position = {name: index for index, name in enumerate(keys)}
    return tuple(sorted(keys, key=lambda name: (_bucket(name, capacity), position[name])))


def _bucket(name: str, capacity: int) -> int:
    return spread(string_hash(name)) & (capacity - 1)


def _chains(names: list[str], capacity: int) -> dict[int, int]:
    chains: dict[int, int] = {}
    for name in names:
        bucket = _bucket(name, capacity)
        chains[bucket] = chains.get(bucket, 0) + 1
    return chains
