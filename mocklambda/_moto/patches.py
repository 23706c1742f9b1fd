"""A patch of a moto (or botocore) attribute, declared once: ``apply`` keeps what was there and
``undo`` puts it back, as freezegun's undo list and respx's ``Mocker`` targets do."""

from __future__ import annotations

import sys
from typing import Any

_MISSING: Any = object()


class Patch:
    """``owner.name = replacement`` while installed. ``original`` is what the attribute was when
    applied (hooks call it for what they leave to moto); an attribute moto lacks is added, and
    removed again on undo."""

    __slots__ = ("owner", "name", "replacement", "original", "applied", "_saved")

    def __init__(self, owner: Any, name: str, replacement: Any) -> None:
        self.owner = owner
        self.name = name
        self.replacement = replacement
        self.original: Any = getattr(owner, name, None) if owner is not None else None
        self._saved: Any = _MISSING
        self.applied = False

    def apply(self) -> None:
        self.original = getattr(self.owner, self.name, None)
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


class DeferredPatch(Patch):
    """A patch of ``module.owner_path.name`` in a moto module imported only when its service is
    first used (importing ``moto.cloudformation`` costs seconds, which a mock must not add to every
    test): ``apply`` patches it if the module is loaded, and ``apply_if_loaded`` again each time
    moto loads a service, until it is."""

    __slots__ = ("module", "owner_path", "wanted")

    def __init__(self, module: str, owner_path: str, name: str, replacement: Any) -> None:
        super().__init__(None, name, replacement)
        self.module = module
        self.owner_path = owner_path
        self.wanted = False

    def apply(self) -> None:
        self.wanted = True
        self.apply_if_loaded()

    def apply_if_loaded(self) -> None:
        if not self.wanted or self.applied:
            return
        owner: Any = sys.modules.get(self.module)
        if owner is None:
            return
        for part in filter(None, self.owner_path.split(".")):
            owner = getattr(owner, part)
        self.owner = owner
        super().apply()

    def undo(self) -> None:
        self.wanted = False
        super().undo()

    def __repr__(self) -> str:
        return f"DeferredPatch({self.module}:{self.owner_path}.{self.name})"
