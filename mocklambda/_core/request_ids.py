"""Request ids as AWS makes them: random (version 4) UUIDs in their text form."""

from __future__ import annotations

import os
import random

_random = random.Random()  # its own generator: a test that seeds ``random`` sees no draws of ours
if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=_random.seed)
_VERSION_4 = 0x4000 << 64  # the version nibble of a UUID's third group
_VARIANT = 0x8000 << 48  # RFC 4122's variant bits, the fourth group's first
_CLEARED = ~((0xF000 << 64) | (0xC000 << 48))


def new_request_id() -> str:
    """A random UUID, as ``str(uuid.uuid4())`` makes it, without a system call per id (the
    generator is seeded from the system's randomness once)."""
    digits = "%032x" % (_random.getrandbits(128) & _CLEARED | _VERSION_4 | _VARIANT)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
