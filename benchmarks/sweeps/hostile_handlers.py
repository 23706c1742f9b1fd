"""Hostile-handler sweep (issue 13): handlers that misbehave in every way we could think of, each
case in a fresh mock, checked against what must hold whatever a handler does.

    python benchmarks/sweeps/hostile_handlers.py                # the sweep (about 2 minutes)
    python benchmarks/sweeps/hostile_handlers.py --cases 40     # a quick look
    python benchmarks/sweeps/hostile_handlers.py --case 137 -v  # one case again, its handler source and output shown

A case is a handler module built from 0-3 *mutations* (what handler code does to the process:
chdir, os.environ, sys.stdout, logging, signals, threads, sys.modules, asyncio, recursion, ...)
and one *terminal* (how it ends: an exception of some kind, a result JSON cannot carry, a module
that is not a handler, a loop past its Timeout), each placed at import, on every call, on the
cold call only or on warm calls only; it is invoked synchronously and with InvocationType=Event in
a random order, cold and warm, in the auto, manual or realtime mode, sometimes from inside an
``asyncio.run`` (an async test). Each case comes from ``random.Random(f"{seed}:{index}")``, so
its number repeats it.

Invariants checked per case:

- every Invoke answers as AWS does: a 200 (with or without ``FunctionError``) or a 202, an error
  object naming no host path and not ``MockLambda.InternalError``; never a 5xx naming a host path,
  never an exception other than botocore's ClientError raised into the caller; a synchronous
  answer comes within Timeout + 10 s;
- every Event invoke ends in exactly one final outcome after ``run_until_idle()``: ``Success``
  (the last of at most 3 attempts succeeded) or ``RetriesExhausted`` (exactly 3 failed attempts,
  the retries 60 s and 120 s after the attempt before, spec 2.2); no internal retries;
- ``run_until_idle()`` and ``stop()`` raise nothing into the test;
- after ``stop()``: the working directory, ``os.environ``, ``sys.stdout`` / ``sys.stderr``, the root
  logger's level and handlers, ``logging.disable``, the SIGTERM / SIGINT / SIGALRM handlers, no
  pending ``signal.alarm``, the live threads, ``sys.modules`` and the ``mocklambda-*`` directories
  in the temporary directory are as before the mock started;
- a healthy function created after the hostile one answers correctly within 2 s, and its event
  succeeds.

Process state the README does not promise to restore (``sys.path``, the recursion limit, trace
functions, ``warnings`` filters, the umask, ``gc``, attributes set on ``builtins``) is reported under
"noted", and put back by the sweep so that later cases start clean.

Not tried, as no in-process emulator can contain them (README, Limits): ``os._exit``, ``os.kill`` of
the own process, ``os.fork``, closing file descriptors 0-2, a handler blocked forever in a C call,
one that swallows every interruption in a loop, and patching shared modules (``json.dumps =
...``) or builtins' existing names.
"""

from __future__ import annotations

import argparse
import asyncio
import builtins
import gc
import glob
import io
import itertools
import json
import logging
import os
import random
import signal
import sys
import tempfile
import textwrap
import threading
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError
from common import REGION, Tally, Terminal, client_error_shape, host_path_in, where

from mocklambda import mock_lambda

TIMEOUT_SLACK = 10.0  # a synchronous answer comes within the function's Timeout plus this
HEALTHY_WITHIN = 2.0  # seconds a healthy function's invoke may take after a hostile one
C_CALL_GRACE = 4.0  # seconds a thread blocked in a C call may outlive stop() (README, Limits)
CASE_LIMIT = 90.0  # a case still running after this long is a hang: report and leave

# -- what handler code does ------------------------------------------------------------------------

PRELUDE = '''
import asyncio, builtins, datetime, decimal, gc, io, json, logging, os, signal, sys, tempfile
import threading, time, warnings
import boto3

_calls = 0
_kept = []


class Custom(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.detail = {"not": {"serialisable": object()}}


class Fatal(BaseException):
    pass


class Interrupt(KeyboardInterrupt):
    pass


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")


class Unrepresentable(Exception):
    def __repr__(self):
        raise RuntimeError("no repr for you")


class Neither(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")

    def __repr__(self):
        raise RuntimeError("no repr for you")


class NotAString(Exception):
    def __str__(self):
        return 5


class BadDict(dict):
    def items(self):
        raise RuntimeError("no items")

    def keys(self):
        raise RuntimeError("no keys")


class LoudStr(str):
    def __str__(self):
        raise RuntimeError("no str")


class DelRaises:
    def __del__(self):
        raise RuntimeError("raised in __del__")


def recurse(n):
    return recurse(n + 1) + 1


def dive(n):
    if n == 0:
        raise ValueError("raised 400 frames down")
    return dive(n - 1)


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def keep_sending(url):
    sqs = boto3.client("sqs", region_name="us-east-1")
    while True:
        sqs.send_message(QueueUrl=url, MessageBody="late")
        time.sleep(0.02)


def keep_sleeping():
    while True:
        time.sleep(0.01)


def spin_forever():
    while True:
        pass


def lam():
    import mocklambda._api
    return mocklambda._api.started_recently[-1]
'''

# name -> code; each runs at import, on every call, on the cold call only or on warm calls only
MUTATIONS: dict[str, str] = {
    "chdir-root": 'os.chdir("/")',
    "chdir-tmp": "os.chdir(tempfile.gettempdir())",
    "environ-clear": "os.environ.clear()",
    "environ-aws": 'os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"\nos.environ["AWS_ACCESS_KEY_ID"] = "hostile"',
    "environ-del-path": 'os.environ.pop("PATH", None)',
    "environ-rebind": "os.environ = dict(os.environ)",
    "stdout-replace": "sys.stdout = io.StringIO()",
    "stderr-none": "sys.stderr = None",
    "stdout-close": "sys.stdout.close()",
    "print-huge": 'print("x" * 2_000_000)',
    "print-surrogate": 'print("\\udcff lone surrogate")',
    "print-bytes-fd": 'os.write(1, b"\\xff\\xfe raw bytes\\n")',
    "log-root-level": "logging.getLogger().setLevel(logging.DEBUG)",
    "log-add-handler": "logging.getLogger().addHandler(logging.StreamHandler(sys.stdout))",
    "log-disable": "logging.disable(logging.CRITICAL)",
    "log-basicconfig-force": "logging.basicConfig(level=logging.INFO, force=True)",
    "log-clear-handlers": "logging.getLogger().handlers.clear()",
    "log-bad-format": 'logging.getLogger().error("%d items", "not a number")',
    "signal-sigterm": "signal.signal(signal.SIGTERM, lambda signum, frame: None)",
    "signal-sigint-ignore": "signal.signal(signal.SIGINT, signal.SIG_IGN)",
    "signal-sigalrm": "signal.signal(signal.SIGALRM, lambda signum, frame: None)",
    "signal-sigrtmax": "signal.signal(signal.SIGRTMAX, signal.SIG_IGN)",
    "signal-alarm": "signal.alarm(30)",
    "signal-setitimer": "signal.setitimer(signal.ITIMER_REAL, 30)",
    "asyncio-run": "asyncio.run(asyncio.sleep(0))",
    "asyncio-new-loop": "asyncio.set_event_loop(asyncio.new_event_loop())",
    "recursion-caught": "try:\n    recurse(0)\nexcept RecursionError:\n    pass",
    "recursion-limit-low": "sys.setrecursionlimit(120)",
    "modules-del-json": 'sys.modules.pop("json", None)',
    "modules-del-boto3": 'for _name in [m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")]:\n'
                         "    del sys.modules[_name]",
    "modules-del-mocklambda": 'for _name in [m for m in sys.modules if m.split(".")[0] == "mocklambda"]:\n'
                              "    del sys.modules[_name]",
    "modules-del-logging": 'sys.modules.pop("logging", None)',
    "sys-path-clear": "sys.path.clear()",
    "sys-path-insert": 'sys.path.insert(0, "/nonexistent")',
    "thread-moto-writer": 'threading.Thread(target=keep_sending, args=(os.environ.get("QUEUE", ""),), daemon=True).start()',
    "thread-non-daemon": "threading.Thread(target=keep_sleeping).start()",
    "thread-busy": "threading.Thread(target=spin_forever, daemon=True).start()",
    "excepthooks": "sys.excepthook = lambda *args: None\nthreading.excepthook = lambda args: None",
    "warnings-error": 'warnings.simplefilter("error")',
    "warnings-ignore": 'warnings.filterwarnings("ignore")',
    "umask": "os.umask(0o777)",
    "settrace": "sys.settrace(lambda *args: None)",
    "gc-disable": "gc.disable()",
    "builtins-mark": "builtins.HOSTILE_MARK = 1",
    "fd-leak": "_kept.extend(open(__file__) for _ in range(20))",
    "del-raises": "_kept.append(DelRaises())\n_kept.clear()",
    "event-clear": "event.clear() if isinstance(event, dict) else None",
    "context-abuse": "context.aws_request_id = None\ndel context.function_name",
    "self-invoke-event": 'if event.get("depth", 0) < 2:\n'
                         '    boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="hostile", '
                         'InvocationType="Event", Payload=json.dumps({"depth": event.get("depth", 0) + 1}))',
    "self-invoke-sync": 'if event.get("depth", 0) < 1:\n'
                        '    boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="hostile", '
                        'Payload=json.dumps({"depth": event.get("depth", 0) + 1}))',
    "calls-run-until-idle": "lam().run_until_idle()",
    "calls-clock-advance": "lam().clock.advance(60)",
    "sleep-short": "time.sleep(0.02)",
}
IN_HANDLER_ONLY = {"event-clear", "context-abuse", "self-invoke-event", "self-invoke-sync"}

RAISES: dict[str, str] = {
    "Exception": 'raise Exception("hostile")',
    "ValueError": 'raise ValueError("nope")',
    "custom-with-attributes": 'raise Custom("custom")',
    "BaseException": 'raise BaseException("base")',
    "BaseException-subclass": 'raise Fatal("fatal")',
    "KeyboardInterrupt": "raise KeyboardInterrupt",
    "KeyboardInterrupt-subclass": "raise Interrupt()",
    "SystemExit(0)": "raise SystemExit(0)",
    "SystemExit(1)": "raise SystemExit(1)",
    "SystemExit('x')": 'raise SystemExit("x")',
    "SystemExit(object)": "raise SystemExit(object())",
    "sys.exit()": "sys.exit()",
    "GeneratorExit": "raise GeneratorExit",
    "StopIteration": "raise StopIteration(1)",
    "MemoryError": "raise MemoryError()",
    "RecursionError": "recurse(0)",
    "str-raises": "raise Unprintable()",
    "repr-raises": "raise Unrepresentable()",
    "str-and-repr-raise": "raise Neither()",
    "str-not-a-string": "raise NotAString()",
    "huge-message": 'raise ValueError("x" * 8_000_000)',
    "surrogate-message": 'raise ValueError("\\udcff lone surrogate")',
    "nul-message": 'raise ValueError("a\\x00b")',
    "unserialisable-args": 'raise ValueError(object(), {1, 2}, b"\\xff")',
    "cyclic-cause": 'a, b = ValueError("a"), TypeError("b")\na.__cause__, b.__cause__ = b, a\nraise a',
    "deep-traceback": "dive(400)",
    "odd-class-name": 'raise type("\\u00fc\\n\\x00", (Exception,), {})("odd")',
    "empty-class-name": 'raise type("", (Exception,), {})()',
    "exception-group": 'raise ExceptionGroup("group", [ValueError(1), TypeError(2)])',
    "odd-notes": 'error = ValueError("noted")\nerror.__notes__ = [object(), 5]\nraise error',
    "no-traceback": 'raise ValueError("bare").with_traceback(None)',
    "OSError": 'open("/nonexistent/file")',
    "AssertionError": 'assert False, "nope"',
    "import-error-in-handler": "import nonexistent_module_for_the_sweep",
}

RETURNS: dict[str, str] = {
    "None": "return None",
    "dict": 'return {"ok": True, "event": event}',
    "object": "return object()",
    "set": "return {1, 2}",
    "bytes": 'return b"raw bytes"',
    "invalid-utf8-bytes": 'return b"\\xff\\xfe"',
    "datetime": "return datetime.datetime.now()",
    "Decimal": 'return decimal.Decimal("1.10")',
    "nan": 'return float("nan")',
    "inf": 'return float("-inf")',
    "complex": "return 1j",
    "nested-100k": "return nested(100_000)",
    "nested-900": "return nested(900)",
    "tuple-keys": "return {(1, 2): 3}",
    "circular": "value = []\nvalue.append(value)\nreturn value",
    "7MB": 'return "x" * 7_000_000',
    "5MB": 'return "x" * 5_000_000',
    "huge-int": "return 10 ** 5000",
    "generator": "return (i for i in range(3))",
    "coroutine": "return asyncio.sleep(0)",
    "dict-whose-items-raise": "return BadDict(a=1)",
    "str-subclass-str-raises": 'return LoudStr("loud")',
    "lone-surrogate": 'return "\\udcff"',
    "big-list": "return list(range(1_000_000))",
    "mock": "import unittest.mock\nreturn unittest.mock.MagicMock()",
}

# whole modules that are not a handler as the runtime expects one
SHAPES: dict[str, str | bytes] = {
    "async-def-handler": "async def handler(event, context):\n    return 1\n",
    "not-callable": "handler = 5\n",
    "no-arguments": "def handler():\n    return 1\n",
    "missing": "def other(event, context):\n    return 1\n",
    "syntax-error": "def handler(event, context) return 1\n",
    "import-error": "import nonexistent_module_for_the_sweep\ndef handler(event, context):\n    return 1\n",
    "class-handler": "class handler:\n    def __init__(self, event, context):\n        pass\n",
    "generator-handler": "def handler(event, context):\n    yield 1\n",
    "lambda-handler": "handler = lambda event, context: event\n",
    "invalid-utf8-source": b"# \xff\xfe\ndef handler(event, context):\n    return 1\n",
    "nul-in-source": b"def handler(event, context):\n    return '\x00'\n\x00",
    "bom-source": b"\xef\xbb\xbfdef handler(event, context):\n    return 1\n",
    "shadows-json": "import json\ndef handler(event, context):\n    return json.dumps(1)\n",
}
EXTRA_FILES = {"shadows-json": {"json.py": "raise RuntimeError('the shipped json.py was imported')\n"}}

LOOPS: dict[str, str] = {  # each runs past a Timeout of 1 s
    "spin": "spin_forever()",
    "sleep-loop": "keep_sleeping()",
    "loop-catching-Exception": "while True:\n    try:\n        time.sleep(0.05)\n    except Exception:\n        pass",
    "one-long-C-sleep": "time.sleep(3)",
}

PLACEMENTS = ("import", "every", "cold", "warm")
PATTERNS = (("sync", "sync", "event", "event"), ("event", "event", "sync"), ("event", "sync", "event"),
            ("sync", "event", "sync", "event", "event"), ("event", "drain", "event", "sync"))


@dataclass
class Case:
    index: int
    seed: int
    mutations: list[tuple[str, str]] = field(default_factory=list)  # (name, placement)
    terminal: tuple[str, str, str] = ("returns", "dict", "every")  # (family, name, placement)
    steps: tuple[str, ...] = ()
    mode: str = "manual"
    async_test: bool = False
    timeout: int = 3

    @property
    def slow(self) -> bool:
        return self.terminal[0] == "loops"

    def label(self) -> str:
        mutations = ", ".join(f"{name}@{where}" for name, where in self.mutations) or "no mutation"
        family, name, where = self.terminal
        test = "async test" if self.async_test else "sync test"
        return (f"#{self.index}: {mutations}; ends {family[:-1]} {name}@{where}; {'/'.join(self.steps)}; "
                f"{self.mode} mode, {test}, Timeout={self.timeout}")

    def repeat(self) -> str:
        return f"python benchmarks/sweeps/hostile_handlers.py --seed {self.seed} --case {self.index} -v"

    def source(self) -> str | bytes:
        family, name, where = self.terminal
        if family == "shapes":
            return SHAPES[name]
        code = {"raises": RAISES, "returns": RETURNS, "loops": LOOPS}[family][name]
        at_import = [MUTATIONS[m] for m, w in self.mutations if w == "import"]
        if where == "import":
            at_import.append(code)
        body = ["global _calls", "_calls += 1", "cold = _calls == 1"]
        for mutation, placement in self.mutations:
            if placement == "import":
                continue
            guard = {"every": "if True:", "cold": "if cold:", "warm": "if not cold:"}[placement]
            body += [guard, textwrap.indent(MUTATIONS[mutation], "    ")]
        if where != "import":
            guard = {"every": "if True:", "cold": "if cold:", "warm": "if not cold:"}[where]
            body += [guard, textwrap.indent(code, "    ")]
        body.append('return {"calls": _calls}')
        return (PRELUDE + "\n" + "\n".join(at_import) + "\n\n\ndef handler(event, context):\n"
                + textwrap.indent("\n".join(body), "    ") + "\n")


def draw(seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:{index}")
    case = Case(index, seed)
    family = rng.choices(["raises", "returns", "shapes", "loops"], weights=[46, 36, 14, 1.6])[0]
    names = {"raises": RAISES, "returns": RETURNS, "shapes": SHAPES, "loops": LOOPS}[family]
    name = rng.choice(sorted(names))
    if family == "raises":
        where = rng.choice(PLACEMENTS)
    elif family == "loops":
        where = rng.choice(["every", "warm"])
    else:
        where = "every"
    case.terminal = (family, name, where)
    if family != "shapes":
        for mutation in rng.sample(sorted(MUTATIONS), rng.choices([0, 1, 2, 3], weights=[25, 45, 25, 5])[0]):
            placements = PLACEMENTS[1:] if mutation in IN_HANDLER_ONLY else PLACEMENTS
            case.mutations.append((mutation, rng.choice(placements)))
    if case.slow:
        case.steps, case.mode, case.timeout = ("sync", "event"), rng.choice(["manual", "auto"]), 1
    else:
        case.steps = rng.choice(PATTERNS)
        case.mode = rng.choices(["manual", "auto", "realtime"], weights=[45, 45, 10])[0]
    case.async_test = rng.random() < 0.15
    return case


# -- the process, before and after ---------------------------------------------------------------

def pending_alarm() -> int:
    remaining = signal.alarm(0)
    return remaining


def snapshot() -> dict[str, Any]:
    root = logging.getLogger()
    return {
        "cwd": os.getcwd(),
        "os.environ": (os.environ is ENVIRON, dict(os.environ)),
        "sys.stdout/stderr": (sys.stdout, sys.stderr),
        "root logger level": root.level,
        "root logger handlers": list(root.handlers),
        "logging.disable": logging.root.manager.disable,
        "signal handlers": {s.name: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)},
        "pending alarm": (pending_alarm(), signal.getitimer(signal.ITIMER_REAL)),
        "threads": set(threading.enumerate()),
        "function modules in sys.modules": sorted(function_modules()),
        "mocklambda-* directories": set(glob.glob(tempfile.gettempdir() + "/mocklambda-*")),
    }


def extra_snapshot() -> dict[str, Any]:
    """Process state the README does not promise to restore."""
    umask = os.umask(0o022)
    os.umask(umask)
    return {
        "sys.path": list(sys.path), "recursion limit": sys.getrecursionlimit(),
        "trace function": (sys.gettrace(), sys.getprofile()),
        "excepthooks": (sys.excepthook, threading.excepthook), "warnings filters": list(warnings.filters),
        "umask": umask, "gc enabled": gc.isenabled(), "builtins.HOSTILE_MARK": hasattr(builtins, "HOSTILE_MARK"),
        "SIGRTMAX handler": signal.getsignal(signal.SIGRTMAX),
        "open file descriptors": len(os.listdir("/proc/self/fd")),
        "sys.modules": dict(sys.modules),
    }


ENVIRON = os.environ


def function_modules() -> list[str]:
    """Modules of a function's package (its file under an extraction directory, or its name)."""
    root = tempfile.gettempdir() + "/mocklambda-"
    return [name for name, module in list(sys.modules.items())
            if name == "handler" or (getattr(module, "__file__", None) or "").startswith(root)]


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    found = []
    for key, value in before.items():
        now = after[key]
        if key == "threads":
            extra = now - value
            if extra:
                found.append(f"threads: {len(extra)} more alive ({', '.join(sorted(t.name for t in extra))})")
        elif key == "sys.modules":
            missing = [name for name in value if name not in now]
            replaced = [name for name in value if name in now and now[name] is not value[name]]
            if missing or replaced:
                found.append(f"sys.modules: {len(missing)} missing {missing[:3]}, {len(replaced)} replaced {replaced[:3]}")
        elif key == "open file descriptors":
            if now > value + 5:
                found.append(f"open file descriptors: {value} -> {now}")
        elif now != value:
            found.append(f"{key}: {abbreviate(value)} -> {abbreviate(now)}")
    return found


def abbreviate(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 100 else text[:97] + "..."


def repair(before: dict[str, Any], extra: dict[str, Any]) -> None:
    """Put the process back so that the next case starts clean (after a leak was recorded)."""
    os.chdir(before["cwd"])
    os.environ = ENVIRON  # noqa: B003 - the original mapping back, after a handler rebound it
    os.environ.clear()
    os.environ.update(before["os.environ"][1])
    sys.stdout, sys.stderr = before["sys.stdout/stderr"]
    root = logging.getLogger()
    root.setLevel(before["root logger level"])
    root.handlers[:] = before["root logger handlers"]
    logging.disable(before["logging.disable"])
    for name, handler in before["signal handlers"].items():
        signal.signal(signal.Signals[name], handler)
    signal.signal(signal.SIGRTMAX, extra["SIGRTMAX handler"])
    signal.setitimer(signal.ITIMER_REAL, 0)
    for name, module in extra["sys.modules"].items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
    sys.path[:] = extra["sys.path"]
    sys.setrecursionlimit(extra["recursion limit"])
    sys.settrace(None)
    sys.setprofile(None)
    sys.excepthook, threading.excepthook = extra["excepthooks"]
    warnings.filters[:] = extra["warnings filters"]
    warnings._filters_mutated()  # type: ignore[attr-defined]
    os.umask(extra["umask"])
    gc.enable()
    if hasattr(builtins, "HOSTILE_MARK"):
        del builtins.HOSTILE_MARK


# -- running a case --------------------------------------------------------------------------------

def zip_of(case: Case) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", case.source())
        for name, text in EXTRA_FILES.get(case.terminal[1], {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


# made once: clients made before a mock starts are mocked too, and a client costs ~0.1 s to make
CLIENTS = {service: boto3.client(service, region_name=REGION) for service in ("lambda", "iam", "sqs")}
HEALTHY = "def handler(event, context):\n    return {'healthy': event}\n"


class Run:
    """One case: its calls, what they answered, and what broke."""

    def __init__(self, case: Case, tally: Tally) -> None:
        self.case, self.tally = case, tally
        self.lambda_client = CLIENTS["lambda"]
        self.events_sent = 0

    def broke(self, invariant: str, detail: str = "") -> None:
        self.tally.violation(invariant, self.case.label() + (f"\n   detail: {detail}" if detail else ""),
                             self.case.repeat())

    def deploy(self, name: str, code: bytes, timeout: int, environment: dict[str, str]) -> None:
        iam = CLIENTS["iam"]
        try:
            role = iam.get_role(RoleName="sweep")["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            role = iam.create_role(RoleName="sweep", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                           Handler="handler.handler", Code={"ZipFile": code}, Timeout=timeout,
                                           Environment={"Variables": environment})

    def sync(self, name: str) -> Any:
        self.tally.requests += 1
        started = time.monotonic()
        try:
            response = self.lambda_client.invoke(FunctionName=name, Payload=b'{"depth": 0}')
        except ClientError as error:
            status, code, message = client_error_shape(error)
            self.tally.outcome(f"{name} sync: ClientError {status} {code}")
            if status >= 500 or host_path_in(message):
                self.broke(f"sync invoke answered {status} {code}", message[:300])
            return None
        except BaseException as error:  # noqa: BLE001 - that is the finding
            self.broke(f"sync invoke raised {type(error).__name__} into the caller", where(error))
            return None
        finally:
            elapsed = time.monotonic() - started
        if elapsed > self.case.timeout + TIMEOUT_SLACK:
            self.broke("sync invoke answered after Timeout + 10 s", f"{elapsed:.1f} s")
        raw = response["Payload"].read()
        if response["StatusCode"] != 200:
            self.broke(f"sync invoke answered {response['StatusCode']}")
        if "FunctionError" not in response:
            self.tally.outcome(f"{name} sync: 200")
            return raw
        try:
            error_object = json.loads(raw)
            error_type = error_object["errorType"]
        except (ValueError, KeyError, TypeError):
            self.broke("a FunctionError answer is not an AWS error object", raw[:300].decode(errors="replace"))
            return None
        self.tally.outcome(f"{name} sync: {response['FunctionError']} {error_type or repr(error_type)}")
        text = raw.decode(errors="replace")
        if host_path_in(text):
            self.broke("an error object names a host path", f"{host_path_in(text)} in {text[:300]}")
        if error_type.startswith("MockLambda.Internal"):
            self.broke("an error object is MockLambda.InternalError", text[:300])
        return error_object

    def event(self, name: str) -> None:
        try:
            response = self.lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"depth": 0}')
        except BaseException as error:  # noqa: BLE001 - that is the finding
            self.broke(f"Event invoke raised {type(error).__name__} into the caller", where(error))
            return
        if response["StatusCode"] != 202:
            self.broke(f"Event invoke answered {response['StatusCode']}")
        self.events_sent += 1

    def drain(self, lam: Any) -> bool:
        try:
            lam.run_until_idle(timeout=60)
            return True
        except BaseException as error:  # noqa: BLE001 - that is the finding
            self.broke(f"run_until_idle() raised {type(error).__name__}", where(error))
            return False

    def check_events(self, lam: Any, name: str, at_least: int) -> None:
        invocations = lam.invocations(name)
        if len(invocations) < at_least:
            self.broke("an accepted event was lost", f"{at_least} sent, {len(invocations)} known")
        for invocation in invocations:
            runs = [a for a in invocation.attempts if a.kind == "run"]
            other = [a for a in invocation.attempts if a.kind != "run"]
            self.tally.requests += len(runs)
            condition = invocation.condition
            last = runs[-1].error_type if runs else None
            self.tally.outcome(f"hostile event: {condition} after {len(runs)} ({'ok' if last is None else last or repr(last)})")
            if condition is None:
                self.broke("an event has no final outcome after run_until_idle()")
                continue
            if other:
                self.broke("an event got internal retries", f"{[(a.error_type, a.error_message) for a in other][:2]}")
            if condition == "Success":
                if not runs or runs[-1].error_type is not None or len(runs) > 3 or any(
                        a.error_type is None for a in runs[:-1]):
                    self.broke("Success does not end a run of failed attempts", str([a.error_type for a in runs]))
            elif condition == "RetriesExhausted":
                if len(runs) != 3 or any(a.error_type is None for a in runs):
                    self.broke("a function error is not retried exactly twice", str([a.error_type for a in runs]))
            else:
                self.broke(f"an event ended {condition}", str([(a.error_type, a.error_message) for a in runs])[:300])
            if self.case.mode != "realtime" and len(runs) >= 2:
                gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(runs)]
                if not all(60 <= gap <= 60 + self.case.timeout + 1 for gap in gaps[:1]) or not all(
                        120 <= gap <= 120 + self.case.timeout + 1 for gap in gaps[1:2]):
                    self.broke("retries are not 60 s and 120 s apart (spec 2.2)", str(gaps))
            for attempt in runs:
                if attempt.error_type and attempt.error_type.startswith("MockLambda.Internal"):
                    self.broke("an attempt is MockLambda.InternalError", attempt.error_message or "")

    def check_healthy(self, lam: Any) -> None:
        self.deploy("healthy", HEALTHY_ZIP, 3, {})
        started = time.monotonic()
        answer = self.sync("healthy")
        elapsed = time.monotonic() - started
        if answer != b'{"healthy": {"depth": 0}}':
            self.broke("a healthy function's invoke fails after the hostile one", repr(answer)[:300])
        elif elapsed > HEALTHY_WITHIN:
            self.broke(f"a healthy function's invoke takes over {HEALTHY_WITHIN} s after the hostile one",
                       f"{elapsed:.1f} s")
        self.event("healthy")
        if self.drain(lam):
            conditions = [i.condition for i in lam.invocations("healthy")]
            self.tally.requests += len(conditions)
            self.tally.outcome(f"healthy event: {', '.join(map(str, conditions))}")
            if conditions != ["Success"]:
                self.broke("a healthy function's event does not succeed after the hostile one", str(conditions))

    def steps(self, lam: Any) -> None:
        queue = CLIENTS["sqs"].create_queue(QueueName="sweep-out")["QueueUrl"]
        self.deploy("hostile", zip_of(self.case), self.case.timeout, {"QUEUE": queue})
        for step in self.case.steps:
            if step == "sync":
                self.sync("hostile")
            elif step == "event":
                self.event("hostile")
            else:
                self.drain(lam)
        if self.drain(lam):
            self.check_events(lam, "hostile", self.events_sent)
            self.check_healthy(lam)

    def run(self) -> None:
        kwargs: dict[str, Any] = {"mode": self.case.mode}
        if self.case.mode == "realtime":
            kwargs["time_scale"] = 0.001
        lam = mock_lambda(**kwargs)
        try:
            lam.start()
        except BaseException as error:  # noqa: BLE001
            self.broke(f"start() raised {type(error).__name__}", repr(error)[:300])
            return
        try:
            if self.case.async_test:
                async def body() -> None:
                    self.steps(lam)
                asyncio.run(body())
            else:
                self.steps(lam)
        except BaseException as error:  # noqa: BLE001 - anything out of the steps is the finding
            self.broke(f"the test's own code got {type(error).__name__}", where(error))
        try:
            lam.stop()
        except BaseException as error:  # noqa: BLE001
            self.broke(f"stop() raised {type(error).__name__}", where(error))


HEALTHY_ZIP = b""


def wait_for(threads: set[threading.Thread], seconds: float) -> bool:
    """Whether ``threads`` all end within ``seconds``."""
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def run_case(case: Case, tally: Tally) -> None:
    pending_alarm()
    before, extra = snapshot(), extra_snapshot()
    tally.cases += 1
    Run(case, tally).run()
    after, extra_after = snapshot(), extra_snapshot()
    outlived = after["threads"] - before["threads"]
    if outlived and wait_for(outlived, C_CALL_GRACE):
        # README, Limits: a handler blocked inside a C call is interrupted only when the call returns
        tally.note("a thread blocked in a C call outlived stop() and ended within "
                   f"{C_CALL_GRACE:.0f} s (README Limits)")
        after["threads"] = before["threads"]
    for difference in differences(before, after):
        Run(case, tally).broke(f"left behind after stop(): {difference.split(':')[0]}", difference)
    for difference in differences(extra, extra_after):
        tally.note(f"left behind (not promised): {difference.split(':')[0]}")
    repair(before, extra)


def watchdog(tally: Tally, terminal: Terminal, current: list[Any]) -> None:
    """A case that runs past CASE_LIMIT is a hang: report it and leave."""
    while True:
        time.sleep(1)
        case, since = current
        if case is not None and time.monotonic() - since > CASE_LIMIT:
            tally.violation(f"a case hung for over {CASE_LIMIT:.0f} s", case.label(), case.repeat())
            terminal.finish([tally], "handler runs (sync invokes and event attempts)")


def main() -> None:
    global HEALTHY_ZIP
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cases", type=int, default=360)
    parser.add_argument("--case", type=int, help="run this one case only")
    parser.add_argument("-v", "--verbose", action="store_true", help="show handler output (and the source)")
    parser.add_argument("--log", action="store_true", help="keep handler output in a file")
    options = parser.parse_args()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HEALTHY)
    HEALTHY_ZIP = buffer.getvalue()
    indices = [options.case] if options.case is not None else list(range(options.cases))
    terminal = Terminal(options.verbose, "hostile-handlers.log", options.log)
    tally = Tally("hostile-handler sweep")
    current: list[Any] = [None, 0.0]
    threading.Thread(target=watchdog, args=(tally, terminal, current), daemon=True, name="sweep-watchdog").start()
    warnings.simplefilter("ignore")  # mocklambda's warnings (a thread still blocked at stop()) are expected
    for index in indices:
        case = draw(options.seed, index)
        if options.case is not None:
            source = case.source()
            print(case.label(), "\n", source if isinstance(source, str) else source.decode(errors="replace"),
                  file=terminal.out)
        current[:] = [case, time.monotonic()]
        run_case(case, tally)
        tally.timed(time.monotonic() - current[1], case.label())
        current[:] = [None, 0.0]
    tally.summary = summary(tally)
    terminal.finish([tally], "handler runs (sync invokes and event attempts)")


def summary(tally: Tally) -> list[str]:
    """The hostile functions' answers in a few totals."""
    def total(prefix: str) -> int:
        return sum(count for name, count in tally.outcomes.items() if name.startswith(prefix))

    attempts = sum(count * int(name.split(" after ")[1].split()[0])
                   for name, count in tally.outcomes.items() if name.startswith("hostile event:"))
    kinds = {name.split(" ", 3)[3] for name in tally.outcomes if name.startswith("hostile sync: Unhandled")}
    return [f"hostile functions: {total('hostile sync:')} synchronous invokes ({total('hostile sync: 200')} 200, "
            f"{total('hostile sync: Unhandled')} FunctionError Unhandled of {len(kinds)} errorTypes, "
            f"{total('hostile sync: ClientError')} ClientError); {total('hostile event:')} events "
            f"({total('hostile event: Success')} Success, {total('hostile event: RetriesExhausted')} RetriesExhausted, "
            f"{attempts} attempts)",
            f"healthy function after each: {total('healthy sync:')} invokes, {total('healthy event:')} events"]


if __name__ == "__main__":
    main()
