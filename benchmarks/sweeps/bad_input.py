"""Bad-input sweep (issue 13): malformed, oversized and wrongly typed requests, through real boto3
in-process and against ``mocklambda serve`` (boto3 and raw HTTP), checked against what must hold
whatever a client sends.

    python benchmarks/sweeps/bad_input.py                          # the sweep (about 2 minutes)
    python benchmarks/sweeps/bad_input.py --scale 0.1              # a quick look
    python benchmarks/sweeps/bad_input.py --part raw --case 412 -v # one case again, what it sent shown

Three parts, each case drawn from ``random.Random(f"{seed}:{part}:{index}")`` (so a part and a
number repeat it, after the part's fixed set-up):

- ``inprocess``: boto3 with ``Config(parameter_validation=False)`` (botocore refuses much of this
  before sending otherwise) against ``mock_lambda`` in manual mode: payloads (malformed, invalid
  UTF-8, deep, huge, NaN, BOM, ...), function names, qualifiers and ARNs (other regions, accounts
  and partitions, very long, unicode, NUL), ClientContext (not base64, not JSON, deep, huge),
  wrongly typed event-invoke-config, recursion-config and concurrency bodies, CreateFunction with
  bad zips (random bytes, truncated, encrypted flag, long names, symlinks, entries beneath a file,
  paths out of the task root, sizes in the directory past the limit), Runtime and Handler values,
  UpdateFunctionCode / UpdateFunctionConfiguration likewise, PutRule with random schedule
  expressions and EventBridge targets with odd ARNs (then the clock moves so that schedules fire);
- ``server``: the same generators through boto3 against ``mocklambda serve`` (a subprocess);
- ``raw``: raw HTTP against the server: bad ``Host`` and ``Content-Length`` headers, garbage request
  lines and headers, bodies of the wrong JSON types, the control API with bad values.

Invariants: every answer is AWS-shaped (a normal response, or botocore's ClientError with a code);
no 5xx whose message names a host path or carries Python's own text (``TypeError:``, a traceback);
no exception other than ClientError / ParamValidationError raised into the caller (an exception
botocore raises before sending anything is the client's, counted apart); the server never dies and
answers a health request after every batch; every accepted Event invoke (each 202's request id)
reaches a final outcome; ``clock.advance`` / ``run_until_idle`` raise nothing.
Python's text in a 4xx message, and 5xx answers without it, are reported under "noted".
"""

from __future__ import annotations

import argparse
import base64
import collections
import glob
import io
import json
import os
import random
import re
import socket
import stat
import string
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
from common import (
    ACCOUNT,
    PRIVATE_TMP,
    REGION,
    Tally,
    Terminal,
    Violation,
    client_error_shape,
    host_path_in,
    python_text_in,
    where,
)

from mocklambda import mock_lambda
from mocklambda.server import ControlClient

UNVALIDATED = Config(parameter_validation=False, retries={"max_attempts": 0}, read_timeout=30, connect_timeout=5)
CASES = {"inprocess": 4000, "server": 1200, "raw": 2000}

# -- values ------------------------------------------------------------------------------------------

ALPHABETS = [
    string.ascii_letters + string.digits, string.punctuation, " \t\r\n", "".join(map(chr, range(32))),
    "\u00e9\u6f22\u202e\ufeff\u2028\U0001f600", "-_:$./%\\",
]


def junk(rng: random.Random, longest: int = 40) -> str:
    length = rng.choice([0, 1, 2, rng.randint(1, longest), rng.randint(1, longest)])
    pools = rng.sample(ALPHABETS, rng.randint(1, 3))
    return "".join(rng.choice(rng.choice(pools)) for _ in range(length))


def long_text(rng: random.Random) -> str:
    return rng.choice("ab-_1") * rng.choice([63, 64, 65, 129, 140, 170, 256, 1000, 10_000])


FIXTURES = ("target", "fails")  # created by each part's set-up


def function_name(rng: random.Random) -> str:
    kind = rng.randrange(7)
    name = rng.choice([*FIXTURES, "missing", junk(rng), long_text(rng), "target\x00", "tärget", "target "])
    qualifier = rng.choice(["", "", ":$LATEST", ":1", ":alias", ":$latest", ":", "::", ":" + long_text(rng),
                            ":" + junk(rng, 10), ":$LATEST.PUBLISHED"])
    if kind == 0:
        return rng.choice(FIXTURES)
    if kind == 1:
        return name + qualifier
    if kind in (2, 3):
        partition = rng.choice(["aws", "aws", "aws-cn", "aws-us-gov", "xx", ""])
        region = rng.choice([REGION, REGION, "eu-west-1", "us-east-1x", "", "ü", junk(rng, 12)])
        account = rng.choice([ACCOUNT, ACCOUNT, "000000000000", "abc", "1234567890123", "", junk(rng, 14)])
        resource = rng.choice(["function", "function", "layer", "Function", ""])
        return f"arn:{partition}:lambda:{region}:{account}:{resource}:{name}{qualifier}"
    if kind == 4:
        return f"{rng.choice([ACCOUNT, '000000000000', 'x'])}:function:{name}{qualifier}"
    if kind == 5:
        return junk(rng, 80)
    return long_text(rng)


def qualifier(rng: random.Random) -> str | None:
    return rng.choice([None, None, None, "$LATEST", "1", "alias", "$latest", "", junk(rng, 10), long_text(rng)])


def nested(rng: random.Random, depth: int) -> bytes:
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    return opener * depth + b"1" + closer * depth


def payload(rng: random.Random) -> bytes:
    kind = rng.randrange(22)
    if kind == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
    if kind == 1:
        return b'{"a": "\xff\xfe"}'
    if kind == 2:
        text = json.dumps({"a": [1, 2, {"b": "c"}], "d": "e" * rng.randint(0, 100)}).encode()
        return text[:rng.randint(0, len(text) - 1)]
    if kind in (3, 4):
        return nested(rng, rng.choice([999, 1000, 1001, 1002, 5000, 100_000]))
    if kind == 5:
        size = rng.choice([256 * 1024 + 1, 1024 * 1024 - 10, 1024 * 1024 + 1, 6 * 1024 * 1024 + 1, 3 * 1024 * 1024])
        return b'"' + b"x" * (size - 2) + b'"'
    if kind == 6:
        return rng.choice([b"NaN", b"Infinity", b"-Infinity", b'{"a": NaN}', b"[1e999999]", b"-0", b"1" + b"0" * 5000])
    if kind == 7:
        return rng.choice([b'"\\ud800"', b'"\\udfff\\ud800"', b'"\\u0000"', b'"\x01"', b'"\\x"', b'"\\'])
    if kind == 8:
        return b"\xef\xbb\xbf" + b'{"bom": true}'
    if kind == 9:
        return json.dumps({"utf16": True}).encode("utf-16")
    if kind == 10:
        return rng.choice([b"", b" ", b"\n", b"null", b"true", b"0", b'""', b"[]", b"{}"])
    if kind == 11:
        return b'{"a": 1, "a": 2}'
    if kind == 12:
        return rng.choice([b"{", b"}", b"[", b"]]", b'{"a"}', b"{'a': 1}", b"{a: 1}", b"[1,]", b'{"a":1,}', b"01"])
    if kind == 13:
        return junk(rng, 60).encode("utf-8", "surrogatepass")
    if kind == 14:
        return json.dumps({"k" * rng.randint(1, 5000): list(range(rng.randint(0, 500)))}).encode()
    if kind == 15:
        return b"[" + b"1," * 10_000 + b"1]"
    return json.dumps({"fine": rng.randint(0, 10 ** 9), "text": junk(rng)}).encode()


def client_context(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return junk(rng, 60)
    if kind == 1:
        return base64.b64encode(junk(rng, 60).encode()).decode()
    if kind == 2:
        return base64.b64encode(rng.choice([b"[]", b"1", b'"s"', b"null", b"\xff"])).decode()
    if kind == 3:
        return base64.b64encode(b'{"custom": ' + nested(rng, rng.choice([998, 999, 1000, 1001, 20_000])) + b"}").decode()
    if kind == 4:
        return base64.b64encode(json.dumps({"custom": {"x": "y" * rng.choice([2000, 2680, 2700, 5000, 100_000])}}).encode()).decode()
    if kind == 5:
        return base64.b64encode(b'{"custom": {}}').decode().rstrip("=") + rng.choice(["", "=", "===", "!"])
    if kind == 6:
        return base64.b64encode(json.dumps({"w3c": {"a": 1}, "env": 5, "client": "x", "custom": []}).encode()).decode()
    return base64.b64encode(json.dumps({"custom": {"k": junk(rng)}, "env": {"e": junk(rng)}}).encode()).decode()


def wrong_type(rng: random.Random, good: Any) -> Any:
    return rng.choice([good, -1, 0, 3, 1.5, 10 ** 30, "1", "x", True, None, [], {}, [good], {"a": good}, "", 21601])


def odd_arn(rng: random.Random) -> str:
    service = rng.choice(["sqs", "sns", "lambda", "events", "s3", "dynamodb", "xx", ""])
    resource = {
        "sqs": rng.choice(["q", "missing-queue", junk(rng)]),
        "sns": rng.choice(["t", "missing-topic", junk(rng)]),
        "lambda": rng.choice(["function", "function:", "function:target", "function:missing", "function:target:1",
                              "function:target:alias", "function:target:$LATEST", "layer:x", junk(rng)]),
        "events": rng.choice(["event-bus/default", "event-bus/missing", junk(rng)]),
        "s3": rng.choice(["bucket", "", junk(rng)]),
    }.get(service, junk(rng))
    region = rng.choice([REGION, REGION, "eu-west-1", "", junk(rng, 8)])
    account = rng.choice([ACCOUNT, ACCOUNT, "000000000000", "", junk(rng, 13)])
    if rng.random() < 0.1:
        return junk(rng, 80)
    if service == "s3":
        return f"arn:aws:s3:::{resource}"
    return f"arn:aws:{service}:{region}:{account}:{resource}"


# -- zips ---------------------------------------------------------------------------------------------

HANDLER = "def handler(event, context):\n    return event\n"


def zip_of(entries: list[tuple[Any, bytes | str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def forged_size(raw: bytes, size: int) -> bytes:
    """A zip whose central directory says the first entry unzips to ``size`` bytes."""
    data = bytearray(raw)
    at = data.find(b"PK\x01\x02")
    data[at + 24:at + 28] = (size & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(data)


def bad_zip(rng: random.Random) -> bytes:
    kind = rng.randrange(22)
    good = zip_of([("handler.py", HANDLER)])
    if kind == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 3000)))
    if kind == 1:
        return good[:rng.randint(0, len(good) - 1)]
    if kind == 2:
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        return bytes(data)
    if kind == 3:
        data = bytearray(good)
        data[data.find(b"PK\x03\x04") + 6] |= 1
        data[data.find(b"PK\x01\x02") + 8] |= 1
        return bytes(data)
    if kind == 4:
        return zip_of([("handler.py", HANDLER), (rng.choice("ab") * rng.choice([200, 255, 256, 300, 1000]) + ".py", "x")])
    if kind == 5:
        return zip_of([(symlink("link", rng.choice(["/etc", "/tmp", "..", "handler.py", "/"])), "x"),
                       ("handler.py", HANDLER)])
    if kind == 6:
        return zip_of([(symlink("link", "/tmp"), "/tmp"), ("link/evil.txt", "x"), ("handler.py", HANDLER)])
    if kind == 7:
        return zip_of([("handler.py", HANDLER), ("handler.py/beneath.txt", "x")])
    if kind == 8:
        return zip_of([(rng.choice(["/tmp/evil.py", "../evil.py", "a/../../evil.py", "/" + "x" * 10]), "x"),
                       ("handler.py", HANDLER)])
    if kind == 9:
        return forged_size(good, rng.choice([262_144_000, 262_144_001, 2 ** 32 - 1, 300_000_000]))
    if kind == 10:
        return zip_of([(f"f{i}.txt", "") for i in range(rng.choice([0, 1, 2000]))])
    if kind == 11:
        return zip_of([("handler.py", HANDLER), ("handler.py", "raise SystemExit")])
    if kind == 12:
        return zip_of([("inner.zip", good), ("handler.py", HANDLER)])
    if kind == 13:
        return zip_of([(rng.choice(["h\u00e4ndler.py", "dir\\handler.py", "handler.PY", " handler.py", "handler.py "]),
                        HANDLER)])
    if kind == 14:
        info = zipfile.ZipInfo("handler.py")
        info.external_attr = 0
        return zip_of([(info, HANDLER)])
    if kind == 15:
        return zip_of([("dir/", ""), ("dir/sub/", "")])
    if kind == 16:
        return zip_of([("handler.py", HANDLER), ("big.bin", b"\0" * 5_000_000)])
    if kind == 17:
        return b"PK\x05\x06" + b"\0" * 18  # an empty zip
    return good


def runtime(rng: random.Random) -> Any:
    return rng.choice(["python3.12", "python3.12", "python3.99", "", "PYTHON3.12", "python3.12 ", "3.11", "python2.7",
                       "python3.7", "nodejs20.x", "provided.al2023", "java21", junk(rng, 20), "python3.12\x00",
                       long_text(rng), 5, None])


def handler_name(rng: random.Random) -> Any:
    return rng.choice(["handler.handler", "handler.handler", "", "handler", ".handler", "handler.", "a.b.c",
                       "../x.handler", "/abs/x.handler", "h\x00.handler", "h\u00e4ndler.handler", "handler.h\x07",
                       "x" * 129, "x" * 1000 + ".h", junk(rng, 40), "dir/handler.handler", "handler.handler\n", 5])


# -- a target: what the sweep talks to ------------------------------------------------------------------


@dataclass
class Target:
    """The clients of one part, and how to move its clock."""

    clients: dict[str, Any]
    advance: Callable[[float], None]
    run_until_idle: Callable[[], None]
    invocations: Callable[[], list[tuple[str, str | None, list[str | None]]]]  # (request id, condition, errors)


def make_clients(endpoint: str | None) -> dict[str, Any]:
    session = boto3.session.Session(region_name=REGION)
    extra = {"endpoint_url": endpoint} if endpoint else {}
    clients = {name: session.client(name, config=UNVALIDATED, **extra) for name in ("lambda", "iam", "events", "sqs")}
    for client in clients.values():  # whether the request got past botocore's own serialising
        client.meta.events.register("request-created", mark_sent)
    return clients


SENT = threading.local()
SHOW: list[Any] = []  # with -v: where each case says what it sent


def mark_sent(**kwargs: Any) -> None:
    SENT.value = True


def set_up(clients: dict[str, Any]) -> str:
    role = clients["iam"].create_role(RoleName="sweep", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for name, source in (("target", HANDLER), ("fails", "def handler(event, context):\n    raise ValueError('x')\n")):
        clients["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                                          Code={"ZipFile": zip_of([("handler.py", source)])})
    clients["lambda"].publish_version(FunctionName="target")
    clients["lambda"].create_alias(FunctionName="target", Name="alias", FunctionVersion="1")
    clients["sqs"].create_queue(QueueName="q")
    return role


# -- requests through boto3 ----------------------------------------------------------------------------


class Sweep:
    """Cases through boto3; each checks what came back."""

    def __init__(self, part: str, seed: int, target: Target, tally: Tally, role: str) -> None:
        self.part, self.seed, self.target, self.tally, self.role = part, seed, target, tally, role
        self.accepted: set[str] = set()
        self.index = 0
        self.description = ""
        self.families: list[tuple[Callable[[random.Random], None], int]] = [
            (self.invoke, 30), (self.invoke_names, 16), (self.client_context, 6), (self.name_operations, 10),
            (self.event_invoke_config, 8), (self.recursion_config, 3), (self.concurrency, 4),
            (self.create_function, 10), (self.update_function, 5), (self.schedule_rule, 5), (self.pattern_rule, 3),
        ]

    @property
    def lam(self) -> Any:
        return self.target.clients["lambda"]

    def repeat(self) -> str:
        return f"python benchmarks/sweeps/bad_input.py --seed {self.seed} --part {self.part} --case {self.index} -v"

    def broke(self, invariant: str, detail: str) -> None:
        self.tally.violation(invariant, f"#{self.index}: {self.description[:400]}\n   detail: {detail}",
                             self.repeat(), key=self.index)

    def call(self, operation: str, thunk: Callable[[], Any], accept_event: bool = False) -> Any:
        """One request; its outcome counted and checked."""
        self.tally.requests += 1
        SENT.value = False
        try:
            response = thunk()
        except ClientError as error:
            status, code, message = client_error_shape(error)
            self.tally.outcome(f"{operation}: {status} {code}")
            self.check_error(operation, status, code, message)
            return None
        except ParamValidationError:
            self.tally.outcome(f"{operation}: ParamValidationError (client side)")
            return None
        except Exception as error:  # noqa: BLE001 - anything else is the finding, unless botocore's own
            if not SENT.value or (isinstance(error, HTTPClientError) and "Invalid header" in str(error)):
                self.tally.outcome(f"{operation}: {type(error).__name__} in botocore before sending")
                return None
            self.tally.outcome(f"{operation}: raised {type(error).__name__}")
            self.broke(f"{operation} raised {type(error).__name__} into the caller", where(error))
            return None
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        self.tally.outcome(f"{operation}: {status}")
        if accept_event and status == 202:
            self.accepted.add(response["ResponseMetadata"]["RequestId"])
        return response

    def check_error(self, operation: str, status: int, code: str, message: str) -> None:
        path, python = host_path_in(message), python_text_in(message)
        if not code or code == str(status):  # botocore's stand-in when the body names no error
            self.broke(f"{operation} answered a bare {status}, no AWS error", message[:300])
        if status >= 500 and (path or python):
            self.broke(f"{operation} answered {status} naming {'a host path' if path else 'Python text'}",
                       f"{code}: {message[:300]}")
        elif status >= 500:
            self.tally.note(f"{operation}: {status} {code} (AWS-shaped)")
        elif path or python:
            self.tally.note(f"{operation}: {status} {code} with {'a host path' if path else 'Python text'}: "
                            f"{message[:120]!r}")

    def advance(self, seconds: float) -> None:
        try:
            self.target.advance(seconds)
        except Exception as error:  # noqa: BLE001
            self.broke(f"clock.advance raised {type(error).__name__}", where(error))

    # -- families ---------------------------------------------------------------------------------

    def invoke(self, rng: random.Random) -> None:
        body = payload(rng)
        invocation_type = rng.choices(["RequestResponse", "Event", "DryRun", junk(rng, 10)], [40, 40, 10, 10])[0]
        name = rng.choice(["target", "target", "fails", "target:alias"])
        extra: dict[str, Any] = {}
        if rng.random() < 0.2:
            extra["LogType"] = rng.choice(["Tail", "None", junk(rng, 8)])
        self.description = f"Invoke {name} {invocation_type!r} payload {body[:60]!r}... ({len(body)} bytes) {extra}"
        self.call("Invoke", lambda: self.lam.invoke(FunctionName=name, InvocationType=invocation_type, Payload=body,
                                                    **extra), accept_event=True)

    def invoke_names(self, rng: random.Random) -> None:
        name, extra = function_name(rng), {}
        if (q := qualifier(rng)) is not None:
            extra["Qualifier"] = q
        invocation_type = rng.choice(["RequestResponse", "Event"])
        self.description = f"Invoke FunctionName={name[:200]!r} {extra} {invocation_type}"
        if rng.random() < 0.15:
            self.description = f"InvokeAsync FunctionName={name[:200]!r}"
            self.call("InvokeAsync", lambda: self.lam.invoke_async(FunctionName=name, InvokeArgs=payload(rng)),
                      accept_event=True)
            return
        self.call("Invoke", lambda: self.lam.invoke(FunctionName=name, InvocationType=invocation_type, Payload=b"{}",
                                                    **extra), accept_event=True)

    def client_context(self, rng: random.Random) -> None:
        context = client_context(rng)
        invocation_type = rng.choice(["RequestResponse", "Event"])
        self.description = f"Invoke target {invocation_type} ClientContext={context[:100]!r}... ({len(context)} chars)"
        self.call("Invoke", lambda: self.lam.invoke(FunctionName="target", InvocationType=invocation_type,
                                                    ClientContext=context, Payload=b"{}"), accept_event=True)

    def name_operations(self, rng: random.Random) -> None:
        name = function_name(rng)
        operation = rng.choice(["get_function", "get_function_configuration", "get_function_event_invoke_config",
                                "delete_function_event_invoke_config", "get_function_concurrency",
                                "delete_function_concurrency", "get_function_recursion_config", "get_policy",
                                "list_versions_by_function", "list_aliases", "list_function_event_invoke_configs",
                                "get_alias"])
        extra: dict[str, Any] = {}
        if operation == "get_alias":
            extra["Name"] = rng.choice(["alias", junk(rng, 20)])
        elif operation in ("get_function", "get_function_configuration", "get_function_event_invoke_config",
                           "delete_function_event_invoke_config", "get_policy") and rng.random() < 0.4:
            extra["Qualifier"] = qualifier(rng) or "$LATEST"
        if operation.startswith("delete") and name.split(":")[-1] in FIXTURES:
            return self.invoke_names(rng)  # keep the fixtures' settings
        self.description = f"{operation} FunctionName={name[:200]!r} {extra}"
        method = getattr(self.lam, operation)
        self.call(camel(operation), lambda: method(FunctionName=name, **extra))

    def event_invoke_config(self, rng: random.Random) -> None:
        body: dict[str, Any] = {}
        if rng.random() < 0.7:
            body["MaximumRetryAttempts"] = wrong_type(rng, 1)
        if rng.random() < 0.7:
            body["MaximumEventAgeInSeconds"] = wrong_type(rng, 120)
        if rng.random() < 0.6:
            body["DestinationConfig"] = rng.choice([
                {"OnSuccess": {"Destination": odd_arn(rng)}}, {"OnFailure": {"Destination": odd_arn(rng)}},
                {"OnSuccess": wrong_type(rng, {})}, {"OnFailure": {"Destination": wrong_type(rng, "x")}},
                wrong_type(rng, {}), {"Bogus": 1}, {"OnSuccess": {}, "OnFailure": {}},
            ])
        operation = rng.choice(["put_function_event_invoke_config", "update_function_event_invoke_config"])
        name = rng.choice(["target", "target", "fails", "target:alias", "target:1", function_name(rng)])
        extra = {"Qualifier": q} if (q := qualifier(rng)) is not None and rng.random() < 0.3 else {}
        self.description = f"{operation} {name[:100]!r} {extra} {body!r:.300}"
        method = getattr(self.lam, operation)
        self.call(camel(operation), lambda: method(FunctionName=name, **extra, **body))

    def recursion_config(self, rng: random.Random) -> None:
        value = rng.choice(["Allow", "Terminate", "allow", "", 5, None, [], {}, junk(rng, 12), "Allow" * 300])
        name = rng.choice(["target", "target:1", function_name(rng)])
        self.description = f"PutFunctionRecursionConfig {name[:100]!r} RecursiveLoop={value!r:.100}"
        self.call("PutFunctionRecursionConfig",
                  lambda: self.lam.put_function_recursion_config(FunctionName=name, RecursiveLoop=value))
        self.call("PutFunctionRecursionConfig",  # and back, so that other cases see AWS's default
                  lambda: self.lam.put_function_recursion_config(FunctionName="target", RecursiveLoop="Terminate"))

    def concurrency(self, rng: random.Random) -> None:
        value = rng.choice([-1, 0, 1, 5, 900, 901, 999, 1000, 1001, 10 ** 12, 1.5, "5", None, True, [], "x"])
        name = rng.choice(["target", "target:1", "fails", function_name(rng)])
        self.description = f"PutFunctionConcurrency {name[:100]!r} ReservedConcurrentExecutions={value!r}"
        self.call("PutFunctionConcurrency",
                  lambda: self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=value))
        for fixture in FIXTURES:  # a reservation of 0 on a fixture would throttle every later case
            self.call("DeleteFunctionConcurrency", lambda f=fixture: self.lam.delete_function_concurrency(FunctionName=f))

    def function_parameters(self, rng: random.Random) -> dict[str, Any]:
        params: dict[str, Any] = {"Runtime": runtime(rng) if rng.random() < 0.5 else "python3.12",
                                  "Handler": handler_name(rng) if rng.random() < 0.5 else "handler.handler"}
        if rng.random() < 0.2:
            params["Timeout"] = rng.choice([0, -1, 1, 900, 901, 1.5, "3", None])
        if rng.random() < 0.2:
            params["MemorySize"] = rng.choice([0, 127, 128, 10240, 10241, "x"])
        if rng.random() < 0.2:
            params["Environment"] = {"Variables": rng.choice([
                {"A": 5}, {"A": None}, {"1BAD": "x"}, {"A=B": "x"}, {"AWS_REGION": "eu-west-1"}, {"A": "x" * 5000},
                {"": "x"}, {"A\x00": "x"}, {"LAMBDA_TASK_ROOT": "/etc"}, {junk(rng, 10): junk(rng, 20)}, []])}
        if rng.random() < 0.1:
            params["Architectures"] = rng.choice([["arm64"], ["x"], [], ["x86_64", "arm64"]])
        if rng.random() < 0.05:
            params["PackageType"] = rng.choice(["Image", "x"])
        return params

    def create_function(self, rng: random.Random) -> None:
        code = bad_zip(rng) if rng.random() < 0.7 else zip_of([("handler.py", HANDLER)])
        name = f"fn{self.index}" if rng.random() < 0.9 else function_name(rng)
        params = self.function_parameters(rng)
        self.description = f"CreateFunction {name[:100]!r} zip {code[:40]!r}... ({len(code)} bytes) {params!r:.300}"
        role = self.role if rng.random() < 0.95 else junk(rng, 30)
        created = self.call("CreateFunction", lambda: self.lam.create_function(
            FunctionName=name, Role=role, Code={"ZipFile": code}, **params))
        if created is None:
            return
        self.exercise(name)

    def exercise(self, name: str) -> None:
        """A function that was created or updated: a synchronous invoke and an event, then gone."""
        self.call("Invoke (created)", lambda: self.lam.invoke(FunctionName=name, Payload=b'{"k": 1}'))
        self.call("Invoke (created)", lambda: self.lam.invoke(FunctionName=name, InvocationType="Event",
                                                              Payload=b'{"k": 1}'), accept_event=True)
        self.drain()
        self.call("DeleteFunction", lambda: self.lam.delete_function(FunctionName=name))

    def update_function(self, rng: random.Random) -> None:
        name = f"up{self.index}"
        if self.call("CreateFunction", lambda: self.lam.create_function(
                FunctionName=name, Role=self.role, Runtime="python3.12", Handler="handler.handler",
                Code={"ZipFile": zip_of([("handler.py", HANDLER)])})) is None:
            return
        if rng.random() < 0.5:
            code = bad_zip(rng)
            self.description = f"UpdateFunctionCode zip {code[:40]!r}... ({len(code)} bytes)"
            self.call("UpdateFunctionCode", lambda: self.lam.update_function_code(FunctionName=name, ZipFile=code))
        else:
            params = self.function_parameters(rng)
            self.description = f"UpdateFunctionConfiguration {params!r:.300}"
            self.call("UpdateFunctionConfiguration",
                      lambda: self.lam.update_function_configuration(FunctionName=name, **params))
        self.exercise(name)

    def schedule(self, rng: random.Random) -> str:
        kind = rng.randrange(6)
        if kind == 0:
            number = rng.choice(["0", "1", "5", "-1", "1.5", "99999999999999999999", "", " 5", "05", junk(rng, 4)])
            unit = rng.choice(["minute", "minutes", "hour", "hours", "day", "days", "second", "seconds", "week", ""])
            return f"rate({number} {unit})"
        if kind in (1, 2):
            tokens = ["*", "?", "0", "1", "*/0", "*/5", "*/60", "1-5", "5-1", "L", "W", "15W", "LW", "2#1", "9#9",
                      "MON-FRI", "MON", "SUN-SAT", "99", "-1", "1,2", "JAN", "DEC-JAN", "1970", "2099", "3000", "",
                      "0/15", "*/", "/5", "1-", "?/2", junk(rng, 4)]
            return "cron(" + " ".join(rng.choice(tokens) for _ in range(rng.choice([5, 6, 6, 6, 7]))) + ")"
        if kind == 3:
            return rng.choice(["at(2030-01-01T00:00:00)", "at(x)", "rate(5 minutes", "cron()", "rate()",
                               "RATE(5 minutes)", "cron(0 12 * * ? *) ", " rate(1 day)", "rate(1  day)"])
        if kind == 4:
            return junk(rng, 60)
        return rng.choice(["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "cron(0 12 * * ? *)",
                           "cron(*/5 * * * ? *)", "cron(0 0 L * ? *)", "cron(0 0 ? * 6L *)", "cron(0 0 ? * 2#1 *)"])

    def schedule_rule(self, rng: random.Random) -> None:
        events = self.target.clients["events"]
        rule = f"rule{self.index}"
        expression = self.schedule(rng)
        arn = odd_arn(rng) if rng.random() < 0.6 else f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:target"
        extra = {"Input": rng.choice(['{"a": 1}', "not json", "[", ""])} if rng.random() < 0.2 else {}
        self.description = f"PutRule ScheduleExpression={expression!r}, target {arn!r} {extra}"
        if self.call("PutRule", lambda: events.put_rule(Name=rule, ScheduleExpression=expression)) is None:
            return
        self.call("PutTargets", lambda: events.put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": arn, **extra}]))
        self.advance(rng.choice([1, 60, 3600, 86_400, 31 * 86_400]))
        self.call("RemoveTargets", lambda: events.remove_targets(Rule=rule, Ids=["1"]))
        self.call("DeleteRule", lambda: events.delete_rule(Name=rule))

    def pattern_rule(self, rng: random.Random) -> None:
        events = self.target.clients["events"]
        rule = f"pattern{self.index}"
        arn = odd_arn(rng) if rng.random() < 0.7 else f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:target"
        target: dict[str, Any] = {"Id": "1", "Arn": arn}
        if rng.random() < 0.3:
            target[rng.choice(["Input", "InputPath"])] = rng.choice(['{"a": 1}', "not json", "$.detail", "$..x", "["])
        if rng.random() < 0.15:
            target["InputTransformer"] = {"InputPathsMap": {"d": rng.choice(["$.detail", "$.nope", "x"])},
                                          "InputTemplate": rng.choice(['{"d": <d>}', "<d>", '"<d>"', "{", ""])}
        self.description = f"PutRule pattern, target {target!r:.300}, PutEvents"
        pattern = json.dumps({"source": ["sweep"]})
        if self.call("PutRule", lambda: events.put_rule(Name=rule, EventPattern=pattern)) is None:
            return
        self.call("PutTargets", lambda: events.put_targets(Rule=rule, Targets=[target]))
        detail = rng.choice(['{"a": 1}', "{}", "not json", json.dumps({"deep": json.loads(nested(rng, 50))})])
        self.call("PutEvents", lambda: events.put_events(Entries=[{"Source": "sweep", "DetailType": "t",
                                                                   "Detail": detail}]))
        self.call("RemoveTargets", lambda: events.remove_targets(Rule=rule, Ids=["1"]))
        self.call("DeleteRule", lambda: events.delete_rule(Name=rule))

    # -- running ----------------------------------------------------------------------------------

    def run_case(self, index: int) -> None:
        self.index = index
        rng = random.Random(f"{self.seed}:{self.part}:{index}")
        family = rng.choices([f for f, _ in self.families], [w for _, w in self.families])[0]
        self.tally.cases += 1
        self.description = family.__name__
        started = time.monotonic()
        family(rng)
        self.tally.timed(time.monotonic() - started, f"#{index}: {self.description[:150]}")
        for out in SHOW:
            print(f"#{index}: {self.description}", file=out)

    def drain(self) -> None:
        try:
            self.target.run_until_idle()
        except Exception as error:  # noqa: BLE001
            self.broke(f"run_until_idle raised {type(error).__name__}", where(error))

    def check_events(self) -> None:
        """Every 202 reached a final outcome."""
        self.drain()
        try:
            listed = self.target.invocations()
        except Exception as error:  # noqa: BLE001
            self.tally.violation("the mock cannot list its invocations", where(error), "")
            return
        known = {request_id: condition for request_id, condition, _ in listed}
        for request_id in sorted(self.accepted):
            if request_id not in known:
                self.tally.violation("an accepted event is unknown to the mock", request_id, "")
            elif known[request_id] is None:
                self.tally.violation("an accepted event has no final outcome", request_id, "")
        for request_id, condition, errors in listed:
            self.tally.outcome(f"event outcome: {condition}")
            if "MockLambda.InternalError" in errors:
                self.tally.violation("an event got internal retries (MockLambda.InternalError)",
                                     f"event {request_id}: {condition} after {len(errors)} attempts", "")


def camel(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))


# -- the server -------------------------------------------------------------------------------------------


class Server:
    """``mocklambda serve`` (or, for replays, moto's own server) in a subprocess; its log in a file."""

    def __init__(self, moto_alone: bool = False) -> None:
        self.tmp = tempfile.mkdtemp(dir=PRIVATE_TMP)  # where it extracts code: checked after it stops
        environment = {**os.environ, "TMPDIR": self.tmp}
        self.log_path = os.path.join(self.tmp, "server.log")
        self.log = open(self.log_path, "w")  # noqa: SIM115 - open for the server's lifetime
        self.control: ControlClient | None = None
        if moto_alone:
            self.port = free_port()
            self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(self.port)],
                                            stdout=self.log, stderr=self.log, env=environment)
            self.endpoint = f"http://127.0.0.1:{self.port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            return
        self.process = subprocess.Popen([sys.executable, "-m", "mocklambda", "serve", "--port", "0",
                                         "--idle-timeout", "2"], stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        env=environment)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        self.endpoint = line.rsplit(" ", 1)[1].strip()
        self.port = int(self.endpoint.rsplit(":", 1)[1])
        self.control = ControlClient(self.endpoint)

    def alive(self) -> bool:
        if self.process.poll() is not None:
            return False
        if self.control is None:
            return True
        try:
            self.control.clock()
            return True
        except Exception:  # noqa: BLE001
            return False

    def invocations(self) -> list[tuple[str, str | None, list[str | None]]]:
        assert self.control is not None
        return [(i["request_id"], i["condition"], [a["error_type"] for a in i["attempts"]])
                for i in self.control.invocations()]

    def left_on_disk(self) -> list[str]:
        """Extracted code still on disk (checked after a clean stop)."""
        return glob.glob(os.path.join(self.tmp, "mocklambda-*"))

    def stop(self) -> tuple[int | None, str]:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        with open(self.log_path, errors="replace") as log:
            return self.process.returncode, log.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exchange(port: int, request: bytes, timeout: float = 5.0) -> tuple[int | None, bytes, bytes, float]:
    """Send ``request`` raw, close our side, read the answer: (status or None if none came, head, body,
    seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        try:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
        except OSError:  # the server closed first (it read enough to refuse)
            pass
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    elapsed = time.monotonic() - started
    if not answer.startswith(b"HTTP/"):
        return None, b"", answer, elapsed
    head, _, body = answer.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None, b"", answer, elapsed
    return status, head, body, elapsed


SIGNED = ("Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, "
          "SignedHeaders=host, Signature=0")


class RawSweep:
    """Raw HTTP against the server: what no SDK would send."""

    def __init__(self, seed: int, server: Server, tally: Tally) -> None:
        self.seed, self.server, self.tally = seed, server, tally
        self.index = 0
        self.accepted: set[str] = set()

    def repeat(self) -> str:
        return f"python benchmarks/sweeps/bad_input.py --seed {self.seed} --part raw --case {self.index} -v"

    def request(self, rng: random.Random) -> tuple[str, bytes]:
        kind = rng.choices(["host", "length", "line", "headers", "body", "control", "auth", "path"],
                           [14, 14, 12, 12, 22, 10, 6, 10])[0]
        port = self.server.port
        method, path, version = "POST", "/2015-03-31/functions/target/invocations", "HTTP/1.1"
        headers = [f"Host: 127.0.0.1:{port}", SIGNED, "Content-Type: application/json"]
        body = b"{}"
        length: str | None = None
        if kind == "host":
            host = rng.choice(["attacker.example", f"attacker.example:{port}", "127.0.0.1.nip.io", "", "[::1]",
                               f"[::1]:{port}", "LOCALHOST", "localhost.", "a@localhost", "127.0.0.2", "0.0.0.0",
                               "localhost:abc", ":" * 5, "x" * 5000, junk(rng, 30), "s3.localhost", "127.1",
                               "localhost\x00.evil", "[::1", "2130706433"])
            headers[0] = f"Host: {host}"
            if rng.random() < 0.2:
                headers.append("Host: attacker.example")
            if rng.random() < 0.2:
                del headers[0]
        elif kind == "length":
            length = rng.choice(["abc", "-1", "1e3", "99999999999999999999", " 2", "2, 2", "0x2", "", "+2", "2.0",
                                 "0", "1", "3", "\u0662"])
            if rng.random() < 0.2:
                headers.append(f"Content-Length: {rng.choice(['2', '3', '0'])}")
            if rng.random() < 0.15:
                headers.append("Transfer-Encoding: " + rng.choice(["chunked", "gzip", "x"]))
                # a chunk declared longer than what follows, but not by gigabytes: see cut_short_chunk()
                body = rng.choice([b"2\r\n{}\r\n0\r\n\r\n", b"zz\r\n{}\r\n", b"ffff\r\n{}", b"-1\r\n"])
        elif kind == "line":
            method = rng.choice(["GET", "PUT", "DELETE", "BREW", "", "post", "CONNECT", "OPTIONS", "TRACE", junk(rng, 8)])
            version = rng.choice(["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/9.9", "FOO", "", "HTTP/1.1 x"])
            if rng.random() < 0.2:
                return "garbage line", junk(rng, 200).encode("utf-8", "surrogatepass") + b"\r\n\r\n"
        elif kind == "headers":
            choice = rng.randrange(5)
            if choice == 0:
                headers.append("NoColonHere")
            elif choice == 1:
                headers.append("X-Big: " + "x" * rng.choice([8000, 70_000]))
            elif choice == 2:
                headers += [f"X-{i}: {i}" for i in range(rng.choice([100, 1000]))]
            elif choice == 3:
                headers.append(f"X-Amz-Invocation-Type: {rng.choice(['Event', 'event', '', 'DryRun', junk(rng, 10)])}")
                headers.append(f"X-Amz-Client-Context: {junk(rng, 50)}")
            else:
                headers.append("X-Amz-Log-Type: " + rng.choice(["Tail", "x", ""]))
                headers.append("X-Bin: " + junk(rng, 30))
        elif kind == "body":
            choice = rng.randrange(4)
            if choice == 0:
                path = rng.choice(["/2019-09-25/functions/target/event-invoke-config",
                                   "/2024-08-31/functions/target/recursion-config",
                                   "/2017-10-31/functions/target/concurrency"])
                method = "PUT"
                body = rng.choice([b"not json", b"[1]", b'"s"', b"null", b"", b"{", b'{"a":' * 2000,
                                   json.dumps({rng.choice(["MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                                                           "DestinationConfig", "RecursiveLoop",
                                                           "ReservedConcurrentExecutions", "Bogus"]):
                                               wrong_type(rng, 1)}).encode(), bytes(rng.getrandbits(8) for _ in range(50))])
            elif choice == 1:
                body = payload(rng)
                headers.append("X-Amz-Invocation-Type: Event")
            elif choice == 2:
                path = "/2015-03-31/functions"
                body = rng.choice([b"{}", b"not json", json.dumps({"FunctionName": junk(rng), "Runtime": 5, "Role": [],
                                                                   "Handler": None, "Code": "x"}).encode(),
                                   json.dumps({"FunctionName": "x", "Code": {"ZipFile": junk(rng)}}).encode()])
            else:
                path = "/2014-11-13/functions/target/invoke-async/"
                body = payload(rng)
        elif kind == "control":
            action = rng.choice(["clock/advance", "run-until-idle", "invocations", "clock", "timeline", "nope", ""])
            method = rng.choice(["POST", "GET", "PUT"])
            path = "/_mocklambda/" + action
            if action == "invocations" and rng.random() < 0.5:
                path += "?function=" + rng.choice(["target", "%00", "%ff", junk(rng, 20).replace(" ", "+"), "a&function=b"])
            body = json.dumps({"seconds": rng.choice([-1, 0, 1, "x", 1e308, None, [], 60]),
                               "timeout": rng.choice([-1, 0, 0.001, "x", None, 5])}).encode()
            if rng.random() < 0.2:
                body = rng.choice([b"not json", b"[]", b"NaN", b'{"seconds": NaN}', b'{"seconds": Infinity}'])
        elif kind == "auth":
            headers[1] = rng.choice(["", "Authorization: x", "Authorization: AWS4-HMAC-SHA256",
                                     "Authorization: " + junk(rng, 100),
                                     SIGNED.replace("us-east-1/lambda", "eu-west-1/lambda"),
                                     SIGNED.replace("lambda/aws4", "s3/aws4"), SIGNED.replace("lambda/aws4", "xx/aws4")])
        else:
            path = rng.choice(["/", "//", "/..", "/%00", "/2015-03-31/functions/%00/invocations",
                               "/2015-03-31/functions/" + "x" * 9000 + "/invocations", "/2015-03-31/functions/%ff",
                               "/2015-03-31/functions/target/invocations?Qualifier=%00",
                               "/2015-03-31/functions/target/invocations?Qualifier=" + "x" * 200,
                               "/2015-03-31/functions/\u00e9/invocations", "*", "http://attacker.example/",
                               "/" + junk(rng, 40).replace(" ", "%20")])
        if length is None:
            length = str(len(body))
        headers.append(f"Content-Length: {length}")
        headers.append("Connection: close")
        head = f"{method} {path} {version}\r\n" + "".join(f"{h}\r\n" for h in headers if h) + "\r\n"
        return f"{kind}: {head[:300]!r} body {body[:80]!r} ({len(body)} bytes)", \
            head.encode("utf-8", "surrogatepass") + body

    def run_case(self, index: int) -> None:
        self.index = index
        rng = random.Random(f"{self.seed}:raw:{index}")
        description, request = self.request(rng)
        self.tally.cases += 1
        self.tally.requests += 1
        kind = description.split(":", 1)[0]
        try:
            status, head, body, elapsed = exchange(self.server.port, request)
        except OSError as error:
            status, head, body, elapsed = None, b"", repr(error).encode(), 0.0
        self.tally.timed(elapsed, f"#{index}: {description[:150]}")
        for out in SHOW:
            print(f"#{index}: {description}\n   answer: {status} {body[:300]!r}", file=out)
        if status is None and body:  # http.server's answer to a request line it cannot parse
            self.tally.outcome(f"raw {kind}: an error page without a status line (HTTP/0.9 style)")
        elif status is None:
            self.tally.outcome(f"raw {kind}: connection closed, no answer")
        else:
            self.tally.outcome(f"raw {kind}: {status}")
        text = body.decode(errors="replace")
        path, python = host_path_in(text), python_text_in(text)
        if status is not None and status >= 500 and (path or python):
            self.tally.violation(f"raw {kind}: {status} naming {'a host path' if path else 'Python text'}",
                                 f"#{index}: {description}\n   answer: {text[:300]}", self.repeat(), key=index)
        elif status is not None and status >= 400 and (path or python):
            self.tally.note(f"raw {kind}: {status} with {'a host path' if path else 'Python text'}: {text[:120]!r}")
        if status == 202:
            for line in head.split(b"\r\n"):
                name, _, value = line.decode(errors="replace").partition(":")
                if name.lower() == "x-amzn-requestid":
                    self.accepted.add(value.strip())
        if self.server.process.poll() is not None or (index % 25 == 0 and not self.server.alive()):
            self.tally.violation("the server died", f"#{index}: {description}", self.repeat())
            raise SystemExit


# -- main ---------------------------------------------------------------------------------------------


def in_process(seed: int, count: int, only: int | None, tally: Tally) -> None:
    tally.started = time.monotonic()
    with mock_lambda(mode="manual") as lam:
        clients = make_clients(None)
        role = set_up(clients)
        target = Target(clients, lam.clock.advance, lambda: lam.run_until_idle(timeout=60),
                        lambda: [(i.request_id, i.condition, [a.error_type for a in i.attempts])
                                 for i in lam.invocations()])
        sweep = Sweep("inprocess", seed, target, tally, role)
        for index in [only] if only is not None else range(count):
            sweep.run_case(index)
            if index % 200 == 199:
                sweep.drain()
        sweep.check_events()
    left = glob.glob(os.path.join(PRIVATE_TMP, "mocklambda-*"))
    if left:
        tally.violation("extracted code left on disk after stop()", f"{len(left)} mocklambda-* directories", "")
    tally.finish()


def through_server(seed: int, counts: dict[str, int], parts: set[str], only: int | None, tally: Tally,
                   raw_tally: Tally) -> None:
    server = Server()
    try:
        clients = make_clients(server.endpoint)
        role = set_up(clients)
        control = server.control
        assert control is not None
        target = Target(clients, control.advance, lambda: control.run_until_idle(timeout=60), server.invocations)
        sweep = Sweep("server", seed, target, tally, role)
        if "server" in parts:
            tally.started = time.monotonic()
            for index in [only] if only is not None else range(counts["server"]):
                sweep.run_case(index)
                if server.process.poll() is not None:
                    tally.violation("the server died", f"#{index}: {sweep.description}", sweep.repeat())
                    return
            tally.finish()
        raw = RawSweep(seed, server, raw_tally)
        if "raw" in parts:
            raw_tally.started = time.monotonic()
            for index in [only] if only is not None else range(counts["raw"]):
                raw.run_case(index)
            raw_tally.finish()
        if not server.alive():
            tally.violation("the server died", "after the raw cases", "python benchmarks/sweeps/bad_input.py")
            return
        sweep.accepted |= raw.accepted
        sweep.check_events()
    except SystemExit:
        return
    finally:
        code, log = server.stop()
        tracebacks = log.count("Traceback (most recent call last)")
        if tracebacks:
            first = log[log.index("Traceback (most recent call last)"):][:600]
            tally.note(f"server log: {tracebacks} tracebacks, the first: {first!r}")
        if code not in (0, None):
            tally.violation("the server did not stop cleanly on SIGTERM", f"exit status {code}", "")
        elif server.left_on_disk():
            tally.violation("the server left extracted code on disk after stopping",
                            f"{len(server.left_on_disk())} mocklambda-* directories", "")


CUT_SHORT_CHUNK = b"ffffffffffff\r\n"  # a chunk of 281 TB declared, then the client closes


def cut_short_chunk(server: Server, tally: Tally, who: str) -> str | None:
    """One request with a chunked body cut short, against a server of its own (killed after):
    what the server does in the second after the client left. Its own case, apart from the random
    ones, as on werkzeug's development server the request thread keeps reading the closed socket,
    at full CPU and hundreds of MB a second (it would take the machine's memory)."""
    request = (f"POST /2015-03-31/functions/target/invocations HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               f"{SIGNED}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode() + CUT_SHORT_CHUNK
    tally.cases += 1
    tally.requests += 1
    try:
        status = exchange(server.port, request, timeout=2)[0]
        time.sleep(0.5)
        cpu, memory = process_use(server.process.pid)
        time.sleep(1.0)
        cpu_after, memory_after = process_use(server.process.pid)
    except OSError:
        return None  # no /proc here: not measured
    finally:
        server.process.kill()
        server.stop()
    tally.outcome(f"raw chunked body cut short: {status}")
    busy, grown = cpu_after - cpu, memory_after - memory
    if busy > 0.5 or grown > 50:
        return (f"{who}: a chunked body cut short keeps a request thread reading the closed connection: "
                f"{busy:.1f} s of CPU and +{grown} MB in the next second")
    return None


def process_use(pid: int) -> tuple[float, int]:
    """CPU seconds and resident MB of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/statm") as statm:
        resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2 ** 20
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), resident


REPLAYS_PER_KIND = 2  # violating cases of one kind replayed against moto alone
MOTO_TOO = "moto alone fails too"


def nothing(*args: Any) -> Any:
    return []


def attribute(violations: list[Violation], replay: Callable[[int], Tally]) -> None:
    """Run violating cases again against moto alone (the first few of each kind): is it what
    mocklambda adds, or moto's own answer?"""
    replayed: dict[int, Tally] = {}
    per_kind: collections.Counter[str] = collections.Counter()
    for violation in violations:
        if violation.key is None or per_kind[violation.invariant] >= REPLAYS_PER_KIND:
            continue
        per_kind[violation.invariant] += 1
        if violation.key not in replayed:
            replayed[violation.key] = replay(violation.key)
        again = replayed[violation.key]
        operation = re.split(r" answered | raised |: \d", violation.invariant)[0]
        failures = [o for o in again.outcomes if o.startswith(operation + ":") and re.search(r": (5\d\d|raised)", o)]
        if any(v.invariant == violation.invariant for v in again.violations):
            violation.attribution = MOTO_TOO
        elif failures:
            violation.attribution = f"{MOTO_TOO} ({failures[0]})"
        else:
            answers = [o for o in again.outcomes if o.startswith(operation + ":")] or sorted(again.outcomes)
            violation.attribution = "only with mocklambda (moto alone answers " + ", ".join(answers[:3]) + ")"


def replay_in_moto(seed: int, index: int) -> Tally:
    import moto

    tally = Tally("replay")
    with moto.mock_aws():
        clients = make_clients(None)
        role = set_up(clients)
        Sweep("inprocess", seed, Target(clients, nothing, nothing, nothing), tally, role).run_case(index)
    return tally


def replay_on_moto_server(seed: int, violations: list[Violation], part: str) -> None:
    server = Server(moto_alone=True)
    try:
        clients = make_clients(server.endpoint)
        role = set_up(clients)
        if part == "server":
            def replay(index: int) -> Tally:
                tally = Tally("replay")
                Sweep("server", seed, Target(clients, nothing, nothing, nothing), tally, role).run_case(index)
                return tally
        else:
            def replay(index: int) -> Tally:
                tally = Tally("replay")
                RawSweep(seed, server, tally).run_case(index)
                return tally
        attribute(violations, replay)
    finally:
        server.stop()


def summary(tally: Tally) -> list[str]:
    """Answers by status class (and what never reached an answer)."""
    classes: collections.Counter[str] = collections.Counter()
    for name, count in tally.outcomes.items():
        if name.startswith("event outcome:"):
            classes[name] += count
            continue
        answer = name.rsplit(": ", 1)[-1]
        status = answer.split()[0]
        if status.isdigit():
            classes[f"{status[0]}xx"] += count
        elif "before sending" in answer or "client side" in answer:
            classes["refused by botocore before sending"] += count
        elif answer.startswith("raised"):
            classes["an exception other than ClientError"] += count
        else:
            classes[answer] += count
    return ["answers: " + ", ".join(f"{name} {count}" for name, count in sorted(classes.items()))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of the default case counts")
    parser.add_argument("--part", choices=sorted(CASES), help="run this part only")
    parser.add_argument("--case", type=int, help="with --part: run this one case only")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the mock's output and what each case sent")
    parser.add_argument("--log", action="store_true", help="keep the mock's and the server's output in a file")
    options = parser.parse_args()
    counts = {part: max(1, int(count * options.scale)) for part, count in CASES.items()}
    terminal = Terminal(options.verbose, "bad-input.log", options.log)
    warnings.simplefilter("always")
    tallies = {"inprocess": Tally("bad-input sweep: in-process, boto3"),
               "server": Tally("bad-input sweep: mocklambda serve, boto3"),
               "raw": Tally("bad-input sweep: mocklambda serve, raw HTTP")}
    shown = warnings.showwarning

    def count_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        tallies["inprocess"].note(f"warning: {category.__name__}: {str(message)[:90]}")
        shown(message, category, *args, **kwargs)

    warnings.showwarning = count_warning
    if options.case is not None and options.part is None:
        parser.error("--case needs --part")
    parts = {options.part} if options.part else set(CASES)
    if options.verbose:
        SHOW.append(terminal.out)
    if "inprocess" in parts:
        in_process(options.seed, counts["inprocess"], options.case, tallies["inprocess"])
    if parts & {"server", "raw"}:
        through_server(options.seed, counts, parts, options.case, tallies["server"], tallies["raw"])
    if "raw" in parts and options.case is None:
        found = cut_short_chunk(Server(), tallies["raw"], "mocklambda serve")
        if found:
            tallies["raw"].violation(found.split(": ", 1)[1].split(":")[0], found, "python benchmarks/sweeps/"
                                     "bad_input.py --part raw --scale 0.01 (its last case)")
            if cut_short_chunk(Server(moto_alone=True), Tally("replay"), "moto alone"):
                tallies["raw"].violations[-1].attribution = f"{MOTO_TOO} (werkzeug's development server in both)"
    replays = time.monotonic()
    if tallies["inprocess"].violations:
        attribute(tallies["inprocess"].violations, lambda index: replay_in_moto(options.seed, index))
    for part in ("server", "raw"):
        if tallies[part].violations:
            replay_on_moto_server(options.seed, tallies[part].violations, part)
    for tally in tallies.values():
        tally.summary = summary(tally)
    total = Tally("bad-input sweep: all parts")
    for tally in tallies.values():
        total.cases += tally.cases
        total.requests += tally.requests
        total.violations += tally.violations
    terminal.finish([tally for part, tally in tallies.items() if options.part in (None, part)], "requests",
                    f"\n== all parts: {total.cases} cases, {total.requests} requests, {len(total.violations)} "
                    f"violations (replays against moto alone: {time.monotonic() - replays:.0f} s) ==")


if __name__ == "__main__":
    main()
