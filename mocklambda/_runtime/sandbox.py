"""A function's code on disk and its own ``sys.modules``: what makes a warm container in-process.

Each function version gets its zip (and layers) extracted to a private directory, laid out as on
Lambda (``/var/task`` and ``/opt``). Its modules are swapped into ``sys.modules`` only while its code
runs, so two functions that both ship ``handler.py`` never see each other's module, and the
test's own modules of the same name are hidden meanwhile and put back afterwards.
"""

from __future__ import annotations

import importlib
import io
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from ..errors import warn

_RUNTIME_VERSION = re.compile(r"^python(\d+\.\d+)$")


def layer_site_packages(runtime: str | None) -> str:
    """A layer's ``python/lib/pythonX.Y/site-packages`` for the function's own Runtime (a layer
    built for python3.12 imports for a python3.12 function whatever interpreter runs the tests);
    the test interpreter's version when the runtime names none."""
    match = _RUNTIME_VERSION.match(runtime or "")
    version = match.group(1) if match else f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"python/lib/python{version}/site-packages"
# Packages a deployment zip often vendors that must stay the test's own: they carry moto's hooks
# (a vendored boto3 would reach the real AWS) or are already in use by them.
NEVER_SHADOWED = frozenset({"boto3", "botocore", "s3transfer", "moto", "urllib3", "jmespath", "dateutil", "six"})


def _extract(zip_bytes: bytes, dest: Path) -> None:
    """Extract a zip, refusing entries that would escape ``dest`` (zip slip)."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for member in archive.infolist():
            target = (dest / member.filename).resolve()
            if root != target and root not in target.parents:
                continue
            extracted = archive.extract(member, dest)
            executable = (member.external_attr >> 16) & 0o111  # the zip's Unix mode: Lambda keeps it
            if executable and not member.is_dir():
                os.chmod(extracted, os.stat(extracted).st_mode | executable)


def _top_level_names(directory: Path) -> set[str]:
    names: set[str] = set()
    if not directory.is_dir():
        return names
    for entry in directory.iterdir():
        if entry.is_dir():
            names.add(entry.name)
        elif entry.suffix in (".py", ".pyc", ".so", ".pyd"):
            names.add(entry.name.split(".", 1)[0])
    return names


class CodeBundle:
    """A function's deployment package and layers, extracted once."""

    def __init__(self, code_zip: bytes, layer_zips: list[bytes], runtime: str | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mocklambda-"))
        try:
            self._unpack(code_zip, layer_zips, runtime)
        except BaseException:  # nothing of a package that cannot be unpacked stays on disk
            self.remove()
            raise

    def _unpack(self, code_zip: bytes, layer_zips: list[bytes], runtime: str | None) -> None:
        self.task_dir = self.root / "task"
        self.opt_dir = self.root / "opt"
        self.task_dir.mkdir()
        self.opt_dir.mkdir()
        self.bad_zip = False
        if code_zip:
            try:
                _extract(code_zip, self.task_dir)
            except zipfile.BadZipFile:
                self.bad_zip = True  # the handler module will be reported missing, as on Lambda
        for number, layer in enumerate(layer_zips, start=1):  # later layers overwrite earlier ones
            try:
                _extract(layer, self.opt_dir)
            except zipfile.BadZipFile:  # AWS refuses such a layer when it is published; moto keeps it
                warn(f"layer {number} of the function is not a zip file; it is skipped")
        self.search_path = [
            str(self.task_dir),
            str(self.opt_dir / "python"),
            str(self.opt_dir / layer_site_packages(runtime)),
        ]
        self.module_names: set[str] = set()
        for directory in self.search_path:
            self.module_names |= _top_level_names(Path(directory))
        self.module_names -= NEVER_SHADOWED
        importlib.invalidate_caches()

    def aws_path(self, filename: str) -> str:
        """Show a file as Lambda would: ``/var/task/...`` or ``/opt/...``."""
        for local, remote in ((self.task_dir, "/var/task"), (self.opt_dir, "/opt")):
            prefix = str(local)
            if filename.startswith(prefix):
                return remote + filename[len(prefix):]
        return filename

    def local_path(self, filename: str) -> str:
        """Where a path as Lambda shows it (``/var/task/...``, ``/opt/...``) is on this machine."""
        for local, remote in ((self.task_dir, "/var/task"), (self.opt_dir, "/opt")):
            if filename == remote or filename.startswith(remote + "/"):
                return str(local) + filename[len(remote):]
        return filename

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class ModuleSpace:
    """The modules one warm container has imported, kept out of ``sys.modules`` between runs."""

    def __init__(self, bundle: CodeBundle | None) -> None:
        self.bundle = bundle
        self.modules: dict[str, ModuleType] = {}
        self.extra_path: list[str] = []

    def _owns(self, name: str, module: ModuleType | None) -> bool:
        if self.bundle is None:
            return False
        top = name.split(".", 1)[0]
        if top in NEVER_SHADOWED:
            return False
        if top in self.bundle.module_names:
            return True
        filename = getattr(module, "__file__", None) or ""
        return filename.startswith(self._root)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Swap this container's modules in for the block. Costs O(its modules) when warm: the
        whole of ``sys.modules`` is scanned only when the test has a module of a clashing name,
        or when the block imported something new."""
        if self.bundle is None:
            yield
            return
        modules = sys.modules
        names = self.bundle.module_names
        self._root = str(self.bundle.root)
        if any(name in modules for name in names):  # the test has a module of the same name
            hidden = {name: modules.pop(name) for name in list(modules) if name.split(".", 1)[0] in names}
        else:
            hidden = {}
        modules.update(self.modules)
        saved_path = list(sys.path)
        sys.path[:0] = self.bundle.search_path + self.extra_path
        count = len(modules)
        try:
            yield
        finally:
            if len(modules) != count or any(modules.get(name) is not module for name, module in self.modules.items()):
                for name, module in list(modules.items()):  # something was imported: find what is ours
                    if self._owns(name, module):
                        self.modules[name] = modules.pop(name)
            else:
                for name in self.modules:
                    modules.pop(name, None)
            modules.update(hidden)
            if len(sys.path) != len(saved_path) + len(self.bundle.search_path) + len(self.extra_path):
                self.extra_path = [
                    p for p in sys.path if p not in saved_path and p not in self.bundle.search_path
                ]
            sys.path[:] = saved_path
