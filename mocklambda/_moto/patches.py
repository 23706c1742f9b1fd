"""A patch of a moto (or botocore) attribute, declared once: ``apply`` keeps what was there and
``undo`` puts it back, as freezegun's undo list and respx's ``Mocker`` targets do."""

from __future__ import annotations

from typing import Any

_MISSING: Any = object()


class Patch:
    """``owner.name = replacement`` while installed. ``original`` is what the attribute was when
    applied (hooks call it for what they leave to moto)."""

    __slots__ = ("owner", "name", "replacement", "original", "applied", "_saved")

    def __init__(self, owner: Any, name: str, replacement: Any) -> None:
        self.owner = owner
        self.name = name
        self.replacement = replacement
        self.original: Any = getattr(owner, name)
        self._saved: Any = _MISSING
        self.applied = False

    def apply(self) -> None:
        self.original = getattr(self.owner, self.name)
        self._saved = vars(self.owner).get(self.name, _MISSING)  # inherited or bound: nothing of its own
        setattr(self.owner, self.name, self.replacement)
        self.applied = True

    def undo(self) -> None:
        if not self.applied:
            return  # never applied (or undone already): nothing of ours is there to take away
        if self._saved is _MISSING:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self._saved)
        self._saved = _MISSING
        self.applied = False

    def __repr__(self) -> str:
        return f"Patch({getattr(self.owner, '__name__', type(self.owner).__name__)}.{self.name})"
