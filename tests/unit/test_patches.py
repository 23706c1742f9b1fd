"""``Patch`` and ``DeferredPatch``: what is patched while installed is put back exactly on undo,
and a patch of a module moto has not loaded yet waits for it (on fake modules, not moto's)."""

from __future__ import annotations

import sys
import types

import pytest

from mocklambda._moto.patches import DeferredPatch, Patch


class Owner:
    def method(self) -> str:
        return "original"


def test_a_patch_puts_back_what_was_there_and_removes_what_was_not() -> None:
    replaced = Patch(Owner, "method", lambda self: "patched")
    added = Patch(Owner, "extra", "added")
    for patch in (replaced, added):
        patch.apply()
    assert (Owner().method(), Owner.extra) == ("patched", "added")  # type: ignore[attr-defined]
    assert replaced.original(Owner()) == "original"
    for patch in (added, replaced):
        patch.undo()
        patch.undo()  # a second undo changes nothing
    assert Owner().method() == "original" and not hasattr(Owner, "extra")


@pytest.fixture
def module_name(monkeypatch: pytest.MonkeyPatch) -> str:
    name = "mocklambda_test_lazy_module"
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


def test_a_deferred_patch_waits_for_its_module(module_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    patch = DeferredPatch(module_name, "Owner", "method", lambda self: "patched")
    patch.apply()  # not loaded: nothing to patch yet
    assert not patch.applied
    module = types.ModuleType(module_name)
    module.Owner = type("Owner", (), {"method": lambda self: "original"})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module_name, module)
    patch.apply_if_loaded()  # moto loaded it meanwhile
    assert patch.applied and module.Owner().method() == "patched"  # type: ignore[attr-defined]
    patch.undo()
    assert module.Owner().method() == "original"  # type: ignore[attr-defined]
    patch.apply_if_loaded()  # uninstalled: a module loaded later is left alone
    assert not patch.applied and module.Owner().method() == "original"  # type: ignore[attr-defined]


def test_a_deferred_patch_of_a_loaded_module_applies_at_once(module_name: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType(module_name)
    module.function = lambda: "original"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module_name, module)
    patch = DeferredPatch(module_name, "", "function", lambda: "patched")
    patch.apply()
    assert module.function() == "patched" and patch.original() == "original"  # type: ignore[attr-defined]
    patch.undo()
    assert module.function() == "original"  # type: ignore[attr-defined]
