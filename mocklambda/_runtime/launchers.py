"""Which command starts an execution environment's process, per runtime family, and the variables
that family adds to Lambda's common ones: the zip's own ``bootstrap`` for the OS-only runtimes
(``provided.*``), mocklambda's Node.js runtime (``node/index.mjs``) run by the machine's ``node``
for ``nodejs*``. A launcher that cannot start anything says why, as the invocation's error.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._model import FunctionSnapshot
from ..errors import warn
from .python_process import python_command
from .sandbox import CodeBundle

NODE_RUNTIME = Path(__file__).with_name("node") / "index.mjs"
NODE_RUNTIMES = frozenset({"nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"})
# AWS_LAMBDA_EXEC_WRAPPER works for the managed runtimes, not the OS-only ones (AWS's "Modifying the runtime
# environment"); the wrapper gets the runtime's command as its arguments
_WRAPPED = NODE_RUNTIMES
# X-Ray's variables, as the recordings show them on every runtime (the daemon is not emulated)
XRAY_VARIABLES = {"AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1:2000",
                  "_AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1", "_AWS_XRAY_DAEMON_PORT": "2000"}


@dataclass(frozen=True)
class Launch:
    """The process to start (argv) and the variables its runtime family adds."""

    command: list[str]
    environment: dict[str, str] = field(default_factory=dict)
    wrapped: bool = False  # command[0] is the function's AWS_LAMBDA_EXEC_WRAPPER


@dataclass(frozen=True)
class CannotLaunch:
    """Nothing can be started: the invocation's error, and the log line that says why (if any)."""

    error: dict[str, Any]
    log: str | None = None


Launcher = Callable[[FunctionSnapshot, CodeBundle | None, str], "Launch | CannotLaunch"]


def _provided(function: FunctionSnapshot, bundle: CodeBundle | None, request_id: str) -> Launch | CannotLaunch:
    """``/var/task/bootstrap``, else a layer's ``/opt/bootstrap``, as Lambda looks for them."""
    if bundle is not None:
        for candidate in (bundle.task_dir / "bootstrap", bundle.opt_dir / "bootstrap"):
            if candidate.is_file():
                return Launch([str(candidate)])
    return CannotLaunch({"errorType": "Runtime.InvalidEntrypoint", "errorMessage": f"RequestId: {request_id} Error: "
                         "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"})


_warned_no_node = False


def _nodejs(function: FunctionSnapshot, bundle: CodeBundle | None, request_id: str) -> Launch | CannotLaunch:
    """The machine's ``node`` runs mocklambda's runtime, copied to the environment's runtime
    directory (``/var/runtime/index.mjs`` in stack traces); ``NODE_PATH`` as on Lambda."""
    global _warned_no_node
    node = shutil.which("node", path=os.environ.get("PATH", os.defpath))
    if node is None:
        message = (f"RequestId: {request_id} Error: mocklambda runs {function.runtime} functions with the "
                   "machine's Node.js, and no `node` is on PATH: install Node.js (https://nodejs.org, or "
                   "`apt-get install nodejs`, `brew install node`) and run the tests again")
        if not _warned_no_node:
            _warned_no_node = True
            warn(message.split(" Error: ", 1)[1])
        return CannotLaunch({"errorType": "MockLambda.NodeNotFound", "errorMessage": message}, message + "\n")
    if bundle is None:  # a package that does not unzip (made while moto alone was mocking): nothing to import
        module = (function.handler or "").rsplit("/", 1)[-1].split(".", 1)[0]
        return CannotLaunch({"errorType": "Runtime.ImportModuleError", "errorMessage": f"Error: Cannot find module "
                             f"'{module}'\nRequire stack:\n- /var/runtime/index.mjs", "trace": []})
    runtime_dir = bundle.root / "runtime"
    runtime_dir.mkdir(exist_ok=True)
    shutil.copyfile(NODE_RUNTIME, runtime_dir / "index.mjs")
    major = (function.runtime or "").removeprefix("nodejs").removesuffix(".x")
    opt_modules = bundle.opt_dir / "nodejs"
    node_path = [opt_modules / f"node{major}" / "node_modules", opt_modules / "node_modules",
                 runtime_dir / "node_modules", runtime_dir, bundle.task_dir]
    own = function.environment.get("NODE_PATH")  # AWS's bootstrap sets NODE_PATH only when the function has none
    environment = {"NODE_PATH": _local_paths(own, bundle) if own else os.pathsep.join(map(str, node_path)),
                   "PWD": str(bundle.task_dir), "SHLVL": "0", **XRAY_VARIABLES}
    # AWS's bootstrap: `node --expose-gc --max-http-header-size 81920 /var/runtime/index.mjs`
    return Launch([node, "--expose-gc", "--max-http-header-size", "81920", str(runtime_dir / "index.mjs")],
                  environment)


def _local_paths(value: str, bundle: CodeBundle) -> str:
    """A path list the function set, as Lambda paths (``/var/task/...``, ``/opt/...``), made local."""
    return os.pathsep.join(bundle.local_path(entry) for entry in value.split(":"))


LAUNCHERS: dict[str, Launcher] = {
    "provided.al2023": _provided,
    "provided.al2": _provided,
    **dict.fromkeys(NODE_RUNTIMES, _nodejs),
}
PROCESS_RUNTIMES = frozenset(LAUNCHERS)


def _python(function: FunctionSnapshot, bundle: CodeBundle | None, request_id: str) -> Launch | CannotLaunch:
    """A Python function run isolated (``isolation``): AWS's runtime interface client in the test's
    interpreter. A package that does not unzip has no handler to import, as in-process."""
    if bundle is None:
        module = (function.handler or "").rsplit(".", 1)[0]
        return CannotLaunch({"errorType": "Runtime.ImportModuleError", "errorMessage":
                             f"Unable to import module '{module}': No module named '{module}'",
                             "requestId": request_id, "stackTrace": []})
    command, variables = python_command(function, bundle)
    return Launch(command, variables)


def launch(function: FunctionSnapshot, bundle: CodeBundle | None, request_id: str) -> Launch | CannotLaunch:
    """The function's runtime family's launch, behind its ``AWS_LAMBDA_EXEC_WRAPPER`` if it has one.
    A Python function gets here only when it runs isolated."""
    family = _python if function.is_python else LAUNCHERS[function.runtime or ""]
    started = family(function, bundle, request_id)
    wrapper = function.environment.get("AWS_LAMBDA_EXEC_WRAPPER")
    if isinstance(started, Launch) and wrapper and function.runtime in _WRAPPED and bundle is not None:
        return Launch([bundle.local_path(wrapper), *started.command], started.environment, wrapped=True)
    return started


_MISSING_SDK = re.compile(r"Cannot find (?:module|package) '(@aws-sdk/[^'/]+)")


def note_missing_sdk(function: FunctionSnapshot, message: str) -> None:
    """A Node function that found no AWS SDK v3: Lambda's Node runtimes ship one in
    ``/var/runtime/node_modules``, mocklambda does not, so the test author hears why it failed here."""
    missing = _MISSING_SDK.search(message) if function.runtime in NODE_RUNTIMES else None
    if missing is not None:
        warn(f"{function.name}: {missing[1]} is not found. Lambda's Node.js runtimes include the AWS SDK for "
             f"JavaScript v3; mocklambda's does not: bundle {missing[1]} in the function's package (its "
             "node_modules) or in a layer's nodejs/node_modules, as for any other dependency")
