"""The messages an SQS mapping has received and not deleted, and when each may be received again,
on the mock's clock.

moto counts a message's visibility timeout in real time; the mock's clock is virtual. So the
poller keeps every message it holds hidden in moto for ``HOLD`` seconds and shows it itself when
its deadline here comes: the queue's visibility timeout from the receive, or what was set since
with ``ChangeMessageVisibility`` (counted from that call, as SQS does). Pure bookkeeping, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

HOLD = 43_200  # seconds: SQS's longest visibility timeout; never reached by a test's real time


@dataclass
class Held:
    """One received message. ``floor`` is its shortest hold: 1 s on a queue without a redrive
    policy (a failing message shown again at once would be received again at the same virtual
    instant forever), else 0. ``running``: its batch is with the handler; its deadline counts
    once the run is over."""

    mapping_uuid: str
    queue_url: str
    region: str
    receipt_handle: str
    deadline: float
    floor: float
    running: bool = True

    @property
    def background(self) -> bool:
        """Without a redrive policy nothing ends the redeliveries: they wait for the clock to be
        moved rather than keep ``run_until_idle`` going."""
        return self.floor > 0


class InFlight:
    """Held messages by receipt handle (the handle in the record the handler got, which is the
    one a handler passes to ``ChangeMessageVisibility`` / ``DeleteMessage``)."""

    def __init__(self) -> None:
        self._held: dict[str, Held] = {}

    def __len__(self) -> int:
        return len(self._held)

    def receive(self, held: Held) -> None:
        self._held[held.receipt_handle] = held

    def change(self, receipt_handle: str, now: float, seconds: int) -> Held | None:
        """``ChangeMessageVisibility``: hidden for ``seconds`` from ``now`` (at least its floor).
        None when the mapping does not hold that message."""
        held = self._held.get(receipt_handle)
        if held is not None:
            held.deadline = now + max(float(seconds), held.floor)
        return held

    def settle(self, receipt_handles: list[str]) -> list[Held]:
        """The run is over: these wait for their deadlines (those deleted or shown meanwhile are
        no longer held and are left out)."""
        settled = [self._held[h] for h in receipt_handles if h in self._held]
        for held in settled:
            held.running = False
        return settled

    def due(self, receipt_handles: list[str], now: float) -> list[Held]:
        """Take out those of ``receipt_handles`` whose deadline has come (a later change moved
        the others' deadline on; each deadline set has a timer of its own)."""
        taken = [h for h in receipt_handles
                 if (held := self._held.get(h)) is not None and not held.running and held.deadline <= now]
        return [self._held.pop(h) for h in taken]

    def forget(self, receipt_handle: str) -> Held | None:
        """Deleted, or visible again: no longer held."""
        return self._held.pop(receipt_handle, None)

    def release(self) -> list[Held]:
        """Everything still held (the mock stops: moto's own clock takes over)."""
        held, self._held = list(self._held.values()), {}
        return held
