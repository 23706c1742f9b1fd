"""A warm execution environment for one function version: its code on disk, its modules, its
variables, and the init phase that imports the handler (spec 9.4)."""

from __future__ import annotations

import contextvars
import importlib
import itertools
import linecache
import re
import sys
import sysconfig
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._model import FunctionSnapshot
from . import durable
from .environment import reserved_variables, trace_id
from .sandbox import CodeBundle, ModuleSpace

Handler = Callable[[Any, Any], Any]


class InitError(Exception):
    """The init phase failed: the payload is the runtime's error object."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def runtime_error(error_type: str, message: str, request_id: str, stack: list[str],
                  runtime: str | None = None) -> dict[str, Any]:
    """An error object as the runtime reports it (``errorMessage``, ``errorType``, ...); the
    python3.8 runtime's has no ``requestId`` (recorded in test_uncaught_exception_invoke[python3.8])."""
    if runtime in RUNTIMES_WITHOUT_REQUEST_ID:
        return {"errorMessage": message, "errorType": error_type, "stackTrace": stack}
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


RUNTIMES_WITHOUT_REQUEST_ID = frozenset({"python3.8", "python3.7", "python3.6", "python2.7"})
_HOST_STDLIB = sysconfig.get_paths()["stdlib"]
_OURS = str(Path(__file__).resolve().parents[1])  # mocklambda's own frames never show


def _frames(tb: Any) -> list[traceback.FrameSummary]:
    """A traceback's frames as ``traceback.extract_tb`` summarises them (``sys.tracebacklimit``
    too), without its check of every file for edits: their lines are read when first asked for."""
    limit = getattr(sys, "tracebacklimit", None)
    frames = []
    for frame, lineno in itertools.islice(traceback.walk_tb(tb), None if limit is None else max(limit, 0)):
        code = frame.f_code
        linecache.lazycache(code.co_filename, frame.f_globals)
        frames.append(traceback.FrameSummary(code.co_filename, lineno, code.co_name, lookup_line=False))
    return frames


# wherever the temporary directory is (TMPDIR may change after import): the path up to the unpacked root
_EXTRACTED = re.compile(r"[^\s'\"]*/mocklambda-[^/\s'\"]+/(task|opt)")


def without_host_paths(text: str) -> str:
    """Where a package is unpacked here, shown as Lambda's ``/var/task`` and ``/opt``."""
    return _EXTRACTED.sub(lambda match: "/var/task" if match[1] == "task" else "/opt", text)


class Container:
    """A warm execution environment for one function version."""

    def __init__(self, function: FunctionSnapshot, bound: Handler | None) -> None:
        self.function = function
        self.unpack_error: str | None = None  # why the package could not be unpacked, if it could not
        self.bundle: CodeBundle | None = None
        if bound is None:
            try:
                self.bundle = CodeBundle(function.code_zip, list(function.layer_zips), function.runtime)
            except Exception as exc:  # CreateFunction refuses such packages; one made otherwise fails its init
                self.unpack_error = without_host_paths(f"{type(exc).__name__}: {exc}")
        self.modules = ModuleSpace(self.bundle)
        self.handler_fn: Handler | None = bound
        now = datetime.now(timezone.utc)
        self.log_stream = f"{now:%Y/%m/%d}/[{function.version}]{uuid.uuid4().hex}"
        self._environment: dict[str, str] | None = None
        self._own_context_vars = contextvars.Context()
        self._context_vars = [self._own_context_vars]  # the sandbox's own contextvars, while not in use

    @property
    def task_root(self) -> str | None:
        """``LAMBDA_TASK_ROOT``: the working directory while its handler runs (None when bound)."""
        return str(self.bundle.task_dir) if self.bundle is not None else None

    def aws_path(self, filename: str) -> str:
        return self.bundle.aws_path(filename) if self.bundle else filename

    def take_context_vars(self) -> contextvars.Context:
        """The sandbox's contextvars; a fresh set for a call made while they are in use (the
        function invoking itself, parallel attempts in realtime mode: other sandboxes on AWS)."""
        try:
            return self._context_vars.pop()
        except IndexError:
            return contextvars.Context()

    def give_back_context_vars(self, context_vars: contextvars.Context) -> None:
        if not self._context_vars and context_vars is self._own_context_vars:
            self._context_vars.append(context_vars)

    def environment(self) -> dict[str, str]:
        """Lambda's variables for one invocation (a new trace id each time)."""
        if self._environment is None:
            self._environment = self._base_environment()
        env = dict(self._environment)
        env["_X_AMZN_TRACE_ID"] = trace_id()
        return env

    def _base_environment(self) -> dict[str, str]:
        task_root = str(self.bundle.task_dir) if self.bundle is not None else None
        return reserved_variables(self.function, self.log_stream, task_root)

    def stack(self, tb: Any, skip: int = 0) -> list[str]:
        """``stackTrace`` as the runtime formats it: (file, line, name, code) tuples, so no
        ``^^^`` lines, with the paths the files have on Lambda (the standard library's under
        ``/var/lang/lib/pythonX.Y`` for the function's Runtime)."""
        lib = f"/var/lang/lib/{(self.function.runtime or 'python3')[:10]}"
        shown = [frame for frame in _frames(tb)[skip:] if not frame.filename.startswith(_OURS)]
        # a file of the extracted package never changes under its path (new code is a new
        # directory): only the others are checked for edits, as traceback.extract_tb checks all
        package = str(self.bundle.root) if self.bundle is not None else None
        for filename in {frame.filename for frame in shown}:
            if package is None or not filename.startswith(package):
                linecache.checkcache(filename)
        frames = []
        for frame in shown:
            filename = frame.filename
            if filename.startswith(_HOST_STDLIB):
                filename = lib + filename[len(_HOST_STDLIB):]
            frames.append((self.aws_path(filename), frame.lineno, frame.name, frame.line))
        return traceback.format_list(frames)  # type: ignore[arg-type]

    def initialise(self) -> Handler:
        """Import the handler module, as the runtime's bootstrap does (spec 9.4)."""
        handler = self.function.handler or ""
        if self.unpack_error is not None:
            name = handler.rsplit(".", 1)[0]
            raise self._init_error("Runtime.ImportModuleError", f"Unable to import module '{name}': "
                                   f"the deployment package could not be unzipped ({self.unpack_error})")
        try:
            module_name, function_name = handler.rsplit(".", 1)
        except ValueError as exc:
            raise self._init_error("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from None
        try:
            if self.bundle is not None and self.bundle.bad_zip:
                raise ImportError(f"No module named '{module_name}'")
            module = importlib.import_module(module_name.replace("/", "."))
        except ImportError as exc:
            raise self._init_error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") \
                from None
        except SyntaxError as exc:
            source = (exc.text or "").strip()
            stack = [f'  File "{self.aws_path(exc.filename or "")}" Line {exc.lineno}\n    {source}\n']
            raise self._init_error("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}",
                                   stack) from None
        except Exception as exc:  # an exception raised by the module's own top-level code
            raise self._init_error(type(exc).__name__, str(exc), self.stack(exc.__traceback__, skip=1)) from None
        durable.prepare()  # the durable SDK, if the module brought it in
        try:
            handler_fn: Handler = getattr(module, function_name)
            return handler_fn
        except AttributeError:
            message = f"Handler '{function_name}' missing on module '{module_name}'"
            raise self._init_error("Runtime.HandlerNotFound", message) from None

    def _init_error(self, error_type: str, message: str, stack: list[str] | None = None) -> InitError:
        return InitError(runtime_error(error_type, message, "", stack or [], self.function.runtime))
