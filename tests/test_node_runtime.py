"""Node.js functions (issue 15, item 3): ``nodejs18.x`` to ``nodejs24.x`` run in a process under
mocklambda's Node runtime (``mocklambda/_runtime/node/index.mjs``, after AWS's runtime interface
client), through the Runtime API, under the same engine as Python functions. The handlers of the
golden tests are LocalStack's multi-runtime ones (``tests/node_functions``), compared with what AWS
answered them (``test_lambda_common.snapshot.json``)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from mocklambda import MockLambdaWarning
from tests.helpers import FN_ARN, invoke_json, make_queue, receive, send_event
from tests.test_golden_snapshots import (
    COMMON,
    COMMON_TEST,
    LAMBDA,
    LAMBDA_TEST,
    _snapshot_file,
    as_recorded,
    assert_shape,
    recorded,
)
from tests.test_logs import log_events, tail

FUNCTIONS = Path(__file__).with_name("node_functions")
RECORDED_RUNTIMES = ["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"]  # those with recordings
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(?P<id>[^\t]+)\t(?P<level>[A-Z]+)\t(?P<message>.*)$",
                  re.DOTALL)  # the runtime's text log line (LogPatch.js)

STATEFUL = """
let count = 0;
console.log("init", process.pid);
exports.handler = async (event, context) => {
  count += 1;
  if (event.fail) throw new TypeError(event.fail);
  if (event.exit !== undefined) process.exit(event.exit);
  if (event.sleep) await new Promise((resolve) => setTimeout(resolve, event.sleep * 1000));
  return {count, pid: process.pid, event};
};
"""
"""Counts its invocations (module state); fails, exits or sleeps as the event asks."""


def source(scenario: str) -> str:
    return (FUNCTIONS / scenario / "index.js").read_text()


@pytest.fixture
def create_node(create_function):
    """A Node.js function (nodejs20.x, ``index.handler`` unless told) from ``files`` (or one index.js)."""

    def create(name: str, files: dict[str, str] | str, **kwargs: Any) -> dict:
        kwargs.setdefault("Runtime", "nodejs20.x")
        kwargs.setdefault("Handler", "index.handler")
        return create_function(name, {"index.js": files} if isinstance(files, str) else files, **kwargs)

    return create


def test_the_recordings_cover_these_runtimes():
    """Every nodejs runtime recorded in test_lambda_common is one this file runs (and mocklambda runs)."""
    recorded(COMMON, COMMON_TEST + "test_echo_invoke[nodejs20.x]")  # skips when the recordings are not there
    keys = _snapshot_file(COMMON)
    recorded_runtimes = {m for key in keys for m in re.findall(r"\[(nodejs[\d.]+x)\]", key)} - {"nodejs16.x"}
    assert recorded_runtimes <= set(RECORDED_RUNTIMES)  # nodejs16.x: deprecated, CreateFunction refuses it


# --- golden: LocalStack's multi-runtime tests, against AWS's answers --------------------------------------------


@pytest.mark.parametrize("runtime", RECORDED_RUNTIMES)
def test_echo_invoke(lambda_mock, lambda_client, create_node, runtime):
    """test_echo_invoke: any JSON comes back as sent, 5 MB included; no payload is ``{}``."""
    recorded(COMMON, COMMON_TEST + f"test_echo_invoke[{runtime}]")
    create_node("echo", source("echo"), Runtime=runtime, MemorySize=1024, Timeout=5)
    payloads = [{"hello": "world"}, {"hello": "'\" some other ''\"\" quotes, a emoji 🥳 and some brackets {[}}[([]))"},
                True, False, None, [1, 2], 1]
    if runtime == "nodejs20.x":
        payloads.append({"hello": "obi wan!" * 128 * 1024 * 5})
    for payload in payloads:
        response = lambda_client.invoke(FunctionName="echo", Payload=json.dumps(payload).encode())
        assert (response["StatusCode"], "FunctionError" in response) == (200, False)
        assert json.load(response["Payload"]) == payload
    assert json.load(lambda_client.invoke(FunctionName="echo")["Payload"]) == {}


MACHINE_VALUES = ("PATH", "LD_LIBRARY_PATH", "AWS_LAMBDA_RUNTIME_API")
"""This machine's, not Lambda's (LocalStack's recorder skips them too): compared as present only."""
MOCKLAMBDA_ADDS = ("AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_ENDPOINT_URL")
"""Set by mocklambda on purpose: the fake credentials' other spellings, the endpoint of the mock."""


def as_lambda_shows_it(payload: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The introspection payload with this machine's directories shown as Lambda's (the package's
    root holds task/, opt/ and runtime/: /var/task, /opt, /var/runtime), ``remaining_time_in_millis``
    as a string (as the recorder stores it), and the machine's values as recorded."""
    env = payload["environment"]
    root = os.path.dirname(env["LAMBDA_TASK_ROOT"])
    text = json.dumps(payload)
    for local, remote in (("task", "/var/task"), ("opt", "/opt"), ("runtime", "/var/runtime")):
        text = text.replace(os.path.join(root, local), remote)
    shown = json.loads(text)
    shown["ctx"]["remaining_time_in_millis"] = str(shown["ctx"]["remaining_time_in_millis"])
    for key in MACHINE_VALUES:
        assert shown["environment"][key]
        shown["environment"][key] = expected["environment"][key]
    for key in MOCKLAMBDA_ADDS:
        shown["environment"].pop(key, None)
    return shown


@pytest.mark.parametrize("runtime", RECORDED_RUNTIMES)
def test_introspection_invoke(lambda_mock, lambda_client, create_node, runtime):
    """test_introspection_invoke: the handler's whole environment, in order, and its context, unqualified
    and with ``:$LATEST`` (the same warm environment: one log stream)."""
    golden = recorded(COMMON, COMMON_TEST + f"test_introspection_invoke[{runtime}]")
    created = create_node("introspection", source("introspection"), Runtime=runtime, MemorySize=1024,
                          Environment={"Variables": {"TEST_KEY": "TEST_VAL"}})
    first = invoke_json(lambda_client, "introspection", {"simple": "payload"})
    qualified = invoke_json(lambda_client, created["FunctionArn"] + ":$LATEST", {"simple": "payload"})
    pairs = []
    for actual, name in ((first, "invocation_result_payload"), (qualified, "invocation_result_payload_qualified")):
        expected = json.loads(json.dumps(golden[name]))
        expected["environment"].pop("NODE_EXTRA_CA_CERTS", None)  # nodejs18.x's AWS CA bundle: no such file here
        pairs.append((as_lambda_shows_it(actual, expected), expected))
    assert_shape(pairs)
    assert first["environment"]["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{runtime}"
    assert first["ctx"]["invoked_function_arn"] == FN_ARN.format("introspection")
    assert 2000 < first["ctx"]["remaining_time_in_millis"] <= 3000  # the function's 3 s, counting down


@pytest.mark.parametrize("runtime", RECORDED_RUNTIMES)
def test_uncaught_exception_invoke(lambda_mock, lambda_client, create_node, runtime):
    """test_uncaught_exception_invoke: ``{"errorType", "errorMessage", "trace"}``, in that order."""
    golden = recorded(COMMON, COMMON_TEST + f"test_uncaught_exception_invoke[{runtime}]")
    create_node("uncaught", source("uncaughtexception"), Runtime=runtime, MemorySize=1024)
    response = as_recorded(lambda_client.invoke(FunctionName="uncaught", Payload=b'{"error_msg": "some_error_msg"}'))
    assert_shape([(response, golden["error_result"])])
    trace = json.loads(response["Payload"])["trace"]
    assert trace[:2] == ["Error: Error: some_error_msg", "    at exports.handler (/var/task/index.js:2:11)"]
    assert all("/tmp" not in line and "mocklambda" not in line for line in trace)  # no path of this machine


def test_runtime_wrapper_invoke(lambda_mock, lambda_client, create_node):
    """test_runtime_wrapper_invoke: ``AWS_LAMBDA_EXEC_WRAPPER`` runs with the runtime's command as its
    arguments, and what it exports reaches the handler."""
    recorded(COMMON, COMMON_TEST + "test_runtime_wrapper_invoke[nodejs20.x]")
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", source("introspection"))
        info = zipfile.ZipInfo("environment_wrapper")
        info.create_system, info.external_attr = 3, 0o100755 << 16
        archive.writestr(info, '#!/bin/bash\n  export WRAPPER_VAR=test-value-1\n  exec "$@"\n')
    create_node("wrapped", {}, Code={"ZipFile": buffer.getvalue()}, MemorySize=1024,
                Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/var/task/environment_wrapper"}})
    assert invoke_json(lambda_client, "wrapped", {"simple": "payload"})["environment"]["WRAPPER_VAR"] == "test-value-1"


def test_a_missing_wrapper_exits_as_the_runtimes_shell_does(lambda_mock, lambda_client, create_node):
    """TestLambdaErrors::test_lambda_runtime_wrapper_not_found: ``exit status 127`` (spec 9.6)."""
    from tests.test_golden_snapshots import LAMBDA, LAMBDA_TEST

    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaErrors::test_lambda_runtime_wrapper_not_found")
    create_node("no-wrapper", STATEFUL, Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/idontexist"}})
    assert_shape([(as_recorded(lambda_client.invoke(FunctionName="no-wrapper")), golden["invocation_error"])])


# --- the engine: warm reuse, logs, failures, retries, destinations ------------------------------------------------


def test_one_warm_process_keeps_module_state_between_invocations(lambda_mock, lambda_client, create_node):
    create_node("warm", STATEFUL)
    first = lambda_client.invoke(FunctionName="warm", LogType="Tail")
    second = lambda_client.invoke(FunctionName="warm", LogType="Tail")
    results = [json.loads(r["Payload"].read()) for r in (first, second)]
    assert [r["count"] for r in results] == [1, 2] and results[0]["pid"] == results[1]["pid"]
    assert "Init Duration: " in tail(first) and "Init Duration: " not in tail(second)  # spec 1.9


def test_large_and_multibyte_payloads_cross_the_runtime_api_whole(lambda_mock, lambda_client, create_node):
    """The runtime's own HTTP client (``index.mjs``) frames by bytes: a 5 MB event of multi-byte
    characters comes back as sent, and a result over 6 MB is Function.ResponseSizeTooLarge, as
    recorded (TestLambdaBaseFeatures::test_lambda_too_large_response, spec 1.14); the process goes on."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaBaseFeatures::test_lambda_too_large_response")
    create_node("sizes", "exports.handler = async (event) => event.size ? 'x'.repeat(event.size) : event;")
    event = {"text": "é€😀 " * 500_000, "n": 1}
    payload = json.dumps(event, ensure_ascii=False).encode()
    assert len(payload) > 5_000_000
    response = lambda_client.invoke(FunctionName="sizes", Payload=payload)
    assert "FunctionError" not in response and json.loads(response["Payload"].read()) == event
    response = lambda_client.invoke(FunctionName="sizes", Payload=b'{"size": 6291600}')
    assert_shape([(as_recorded(response), golden["invoke_result"])])
    assert invoke_json(lambda_client, "sizes", {"size": 3}) == "xxx"


def test_console_lines_are_in_lambdas_text_format(lambda_mock, lambda_client, create_node):
    create_node("logs", """
console.log("loading");
exports.handler = async (event) => {
  console.log("log", {a: 1});
  console.info("info %d", 2);
  console.warn("warn");
  console.error("error", new Error("shown").message);
  console.debug("debug");
  console.log("two\\nlines");
  process.stdout.write("raw stdout\\n");
  return "ok";
};
""")
    response = lambda_client.invoke(FunctionName="logs", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = tail(response).split("\n")  # not splitlines(): a message's own newlines are \r
    assert LINE.match(lines[0]).groups() == ("undefined", "INFO", "loading")  # the init phase's: no request yet
    assert lines[1] == f"START RequestId: {request_id} Version: $LATEST"
    logged = [LINE.match(line).groups() for line in lines[2:8]]
    assert logged == [(request_id, "INFO", "log { a: 1 }"), (request_id, "INFO", "info 2"),
                      (request_id, "WARN", "warn"), (request_id, "ERROR", "error shown"),
                      (request_id, "DEBUG", "debug"), (request_id, "INFO", "two\rlines")]
    assert lines[8:10] == ["raw stdout", f"END RequestId: {request_id}"]
    assert lines[10].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    events = log_events("logs")  # CloudWatch Logs: the same lines, one event each
    assert events[0].startswith("INIT_START Runtime Version: nodejs:20.v1\tRuntime Version ARN: arn:aws:lambda:")
    assert events[3] == f"{lines[2]}\n" and any(e == "raw stdout\n" for e in events)


def test_all_a_handler_logs_is_in_its_own_log_however_much(lambda_mock, lambda_client, create_node):
    """More than a pipe holds (64 KiB) before the last line: the runtime writes synchronously, as AWS's
    does, so the last line is in its invocation's log, never in the next one's."""
    create_node("chatty", """
exports.handler = async (event) => {
  for (let i = 0; i < event.lines; i++) console.log("x".repeat(200));
  console.log("LAST-" + event.tag);
  return "ok";
};
""")
    for tag, lines in (("first", 2000), ("second", 10)):
        lambda_client.invoke(FunctionName="chatty", Payload=json.dumps({"tag": tag, "lines": lines}))
    events = log_events("chatty")
    ends = [i for i, event in enumerate(events) if event.startswith("END RequestId: ")]
    last = {tag: next(i for i, event in enumerate(events) if event.endswith(f"LAST-{tag}\n")) for tag in ("first", "second")}
    assert len(ends) == 2 and last["first"] < ends[0] < last["second"] < ends[1]  # each in its own invocation


def test_the_runtime_runs_node_with_awss_flags(lambda_mock, lambda_client, create_node):
    """AWS's bootstrap: ``node --expose-gc --max-http-header-size 81920``: ``global.gc`` is there."""
    create_node("flags", "exports.handler = async () => ({gc: typeof global.gc, argv: process.execArgv});")
    assert invoke_json(lambda_client, "flags", {}) == {
        "gc": "function", "argv": ["--expose-gc", "--max-http-header-size", "81920"]}


def test_a_functions_own_node_path_is_kept(lambda_mock, lambda_client, create_node):
    """AWS's bootstrap sets ``NODE_PATH`` only when the function has not; Lambda paths are the package's."""
    create_node("vendored", {"index.js": "exports.handler = async () => require('mylib').name;",
                             "vendor/node_modules/mylib/index.js": "exports.name = 'vendored';"},
                Environment={"Variables": {"NODE_PATH": "/var/task/vendor/node_modules"}})
    assert invoke_json(lambda_client, "vendored", {}) == "vendored"


def test_the_sdk_lambda_bundles_is_not_here_and_a_warning_says_so(lambda_mock, lambda_client, create_node):
    """Lambda's Node runtimes ship AWS SDK v3; mocklambda does not: the import fails as it would without
    it, and a MockLambdaWarning says to bundle the SDK in the package."""
    create_node("sdk", "const { SQSClient } = require('@aws-sdk/client-sqs');\nexports.handler = async () => 1;")
    with pytest.warns(MockLambdaWarning, match=r"@aws-sdk/client-sqs.*bundle"):
        response = lambda_client.invoke(FunctionName="sdk")
    assert json.loads(response["Payload"].read())["errorType"] == "Runtime.ImportModuleError"


def test_memory_beyond_memory_size_is_runtime_out_of_memory(lambda_mock, lambda_client, create_node):
    """The same watch as for every process runtime (tests/test_process_everywhere.py): spec 9.6."""
    create_node("hungry", "exports.handler = async () => { const held = [];"
                " for (let i = 0; i < 40; i++) held.push(Buffer.alloc(10 * 1024 * 1024, 1)); return held.length; };",
                MemorySize=128, Timeout=20)
    response = lambda_client.invoke(FunctionName="hungry", LogType="Tail")
    error = json.loads(response["Payload"].read())
    assert (error["errorType"], error["errorMessage"].split(" Error: ")[1]) == (
        "Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
    assert "Max Memory Used: 128 MB" in tail(response)


def test_a_handler_error_is_logged_and_leaves_the_process_warm(lambda_mock, lambda_client, create_node):
    create_node("fails", STATEFUL)
    response = lambda_client.invoke(FunctionName="fails", Payload=b'{"fail": "bad input"}', LogType="Tail")
    assert response["FunctionError"] == "Unhandled"  # spec 1.7-1.8
    error = json.loads(response["Payload"].read())
    assert list(error) == ["errorType", "errorMessage", "trace"]
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "bad input")
    assert error["trace"][0] == "TypeError: bad input" and "(/var/task/index.js:6:" in error["trace"][1]
    invoke_error = next(line for line in tail(response).splitlines() if "\tERROR\t" in line)
    assert LINE.match(invoke_error)["message"].startswith('Invoke Error \t{"errorType":"TypeError",'
                                                           '"errorMessage":"bad input","stack":["TypeError: bad input"')
    assert invoke_json(lambda_client, "fails", {})["count"] == 2


@pytest.mark.lambda_mock(mode="manual")
def test_an_async_event_that_fails_is_retried_then_sent_to_its_destination(lambda_mock, lambda_client, create_node,
                                                                          sqs):
    url, queue_arn = make_queue(sqs, "failures")
    create_node("retried", STATEFUL)
    lambda_client.put_function_event_invoke_config(FunctionName="retried",
                                                   DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    request_id = send_event(lambda_client, "retried", {"fail": "again"})
    lambda_mock.clock.advance(59)
    assert len(lambda_mock.invocations()[0].attempts) == 1
    lambda_mock.clock.advance(121)
    [invocation] = lambda_mock.invocations()
    start = lambda_mock.clock.now() - lambda_mock.clock.elapsed
    assert [(a.at - start).total_seconds() for a in invocation.attempts] == [0, 60, 180]  # spec 2.2
    assert [a.error_type for a in invocation.attempts] == ["TypeError"] * 3
    [message] = receive(sqs, url)
    record = json.loads(message["Body"])
    assert record["requestContext"] == {"requestId": request_id, "functionArn": FN_ARN.format("retried") + ":$LATEST",
                                        "condition": "RetriesExhausted", "approximateInvokeCount": 3}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "TypeError" and record["responsePayload"]["errorMessage"] == "again"


def test_an_async_event_that_succeeds_goes_to_its_on_success_destination(lambda_mock, lambda_client, create_node, sqs):
    url, queue_arn = make_queue(sqs, "successes")
    create_node("queued", STATEFUL)
    lambda_client.put_function_event_invoke_config(FunctionName="queued",
                                                   DestinationConfig={"OnSuccess": {"Destination": queue_arn}})
    send_event(lambda_client, "queued", {"n": 2})
    [message] = receive(sqs, url)
    payload = json.loads(message["Body"])["responsePayload"]
    assert (payload["count"], payload["event"]) == (1, {"n": 2})


def test_a_timeout_kills_the_process_and_the_next_invocation_starts_cold(lambda_mock, lambda_client, create_node):
    """Sandbox.Timedout, ``Task timed out after 1.00 seconds`` (spec 9.5)."""
    create_node("slow", STATEFUL, Timeout=1)
    pid = invoke_json(lambda_client, "slow", {})["pid"]
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="slow", Payload=b'{"sleep": 30}', LogType="Tail")
    assert time.monotonic() - started < 5
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"}
    assert re.search(r"Task timed out after 1\.00 seconds\n", tail(response))
    after = lambda_client.invoke(FunctionName="slow", LogType="Tail")
    report = json.loads(after["Payload"].read())
    assert (report["count"], report["pid"] != pid) == (1, True)
    assert "Init Duration: " in tail(after)


def test_process_exit_is_a_runtime_exit_error_and_the_next_invocation_starts_cold(lambda_mock, lambda_client,
                                                                                  create_node):
    """``process.exit(3)``: Runtime.ExitError ``exit status 3`` (spec 9.6)."""
    create_node("exits", STATEFUL)
    pid = invoke_json(lambda_client, "exits", {})["pid"]
    response = lambda_client.invoke(FunctionName="exits", Payload=b'{"exit": 3}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3"}
    assert invoke_json(lambda_client, "exits", {})["count"] == 1 != pid


@pytest.mark.parametrize("code, error_type, message", [
    ("setTimeout(() => { throw new RangeError('later'); }, 0);", "RangeError", "later"),
    ("Promise.reject(new Error('nobody waits'));", "Runtime.UnhandledPromiseRejection", "Error: nobody waits"),
])
def test_an_uncaught_exception_or_rejection_fails_the_invocation_and_ends_the_process(
        lambda_mock, lambda_client, create_node, code, error_type, message):
    """As the runtime reports them: posted as the invocation's error, then the process exits (129 or
    128); the next invocation starts cold, whenever it comes."""
    create_node("uncaught", f"let n = 0;\nexports.handler = (event, context, callback) => {{ n++;\n"
                            f"  if (event.throw) {{ {code} }} else callback(null, {{n, pid: process.pid}}); }};")
    pid = invoke_json(lambda_client, "uncaught", {})["pid"]
    response = lambda_client.invoke(FunctionName="uncaught", Payload=b'{"throw": true}', LogType="Tail")
    error = json.loads(response["Payload"].read())
    assert (response["FunctionError"], error["errorType"], error["errorMessage"]) == ("Unhandled", error_type, message)
    kind = "Uncaught Exception" if error_type == "RangeError" else "Unhandled Promise Rejection"
    assert f"\tERROR\t{kind} \t{{\"errorType\":\"{error_type}\"" in tail(response)
    again = invoke_json(lambda_client, "uncaught", {})
    assert (again["n"], again["pid"] != pid) == (1, True)


def test_callback_handlers_wait_for_the_event_loop_unless_told_not_to(lambda_mock, lambda_client, create_node):
    """CallbackContext.js: ``callback(null, result)`` answers when the event loop is empty (a pending
    timer runs first, and may change the result); with ``callbackWaitsForEmptyEventLoop = false``
    it answers at once. A sync handler that never calls back answers ``null``."""
    create_node("callback", """
exports.handler = (event, context, callback) => {
  if (event.never) return;
  const result = {timer: "pending"};
  setTimeout(() => { result.timer = "ran"; }, 50);
  context.callbackWaitsForEmptyEventLoop = !event.dontWait;
  callback(null, result);
};
""")
    assert invoke_json(lambda_client, "callback", {}) == {"timer": "ran"}
    assert invoke_json(lambda_client, "callback", {"dontWait": True}) == {"timer": "pending"}
    assert invoke_json(lambda_client, "callback", {"never": True}) is None
    create_node("errback", "exports.handler = (event, context, callback) => callback(new Error('via callback'));")
    error = json.loads(lambda_client.invoke(FunctionName="errback")["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("Error", "via callback")


def test_context_and_its_client_context(lambda_mock, lambda_client, create_node):
    import base64

    create_node("context", """
exports.handler = async (event, context) => ({
  awsRequestId: context.awsRequestId, functionName: context.functionName, functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
  logGroupName: context.logGroupName, logStreamName: context.logStreamName, clientContext: context.clientContext,
  identity: context.identity === undefined ? "undefined" : context.identity,
  remaining: context.getRemainingTimeInMillis(), trace: process.env._X_AMZN_TRACE_ID,
  waits: context.callbackWaitsForEmptyEventLoop,
});
""", MemorySize=256, Timeout=7)
    lambda_client.publish_version(FunctionName="context")
    client_context = {"custom": {"k": "v"}, "env": {"locale": "en"}}
    response = lambda_client.invoke(FunctionName="context", Qualifier="1",
                                    ClientContext=base64.b64encode(json.dumps(client_context).encode()).decode())
    seen = json.loads(response["Payload"].read())
    assert seen["awsRequestId"] == response["ResponseMetadata"]["RequestId"]
    assert {k: seen[k] for k in ("functionName", "functionVersion", "invokedFunctionArn", "memoryLimitInMB",
                                 "logGroupName", "clientContext", "identity", "waits")} == {
        "functionName": "context", "functionVersion": "1", "invokedFunctionArn": FN_ARN.format("context") + ":1",
        "memoryLimitInMB": "256", "logGroupName": "/aws/lambda/context", "clientContext": client_context,
        "identity": "undefined", "waits": True}  # spec 1.13
    assert seen["logStreamName"].startswith(time.strftime("%Y/%m/%d/[1]", time.gmtime()))
    assert 6000 < seen["remaining"] <= 7000
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", seen["trace"])


# --- loading the handler, as UserFunction.js does --------------------------------------------------------------


@pytest.mark.parametrize("files, handler", [
    ({"index.mjs": "export const handler = async () => 'esm';"}, "index.handler"),
    ({"index.js": "export const handler = async () => 'esm';", "package.json": '{"type": "module"}'}, "index.handler"),
    ({"index.cjs": "module.exports.handler = async () => 'esm';"}, "index.handler"),
    ({"src/app.js": "exports.handlers = {orders: {create: async () => 'esm'}};"}, "src/app.handlers.orders.create"),
    ({"lib/index.js": "exports.handler = async () => 'esm';"}, "lib.handler"),  # a folder: require() finds index.js
])
def test_es_modules_commonjs_folders_and_nested_handlers_load(lambda_mock, lambda_client, create_node, files, handler):
    create_node("loads", files, Handler=handler)
    assert invoke_json(lambda_client, "loads", {}) == "esm"


@pytest.mark.parametrize("files, handler, error_type, message", [
    ({"index.js": "exports.other = 1;"}, "index.handler", "Runtime.HandlerNotFound",
     "index.handler is undefined or not exported"),
    ({"index.js": "exports.handler = 1;"}, "index.handler", "Runtime.HandlerNotFound", "index.handler is not a function"),
    ({"index.js": ""}, "missing.handler", "Runtime.ImportModuleError",
     "Error: Cannot find module 'missing'\nRequire stack:\n- /var/runtime/index.mjs"),
    ({"index.js": ""}, "index", "Runtime.MalformedHandlerName", "Bad handler"),
    ({"index.js": ""}, "../index.handler", "Runtime.MalformedHandlerName",
     "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler "
     "names."),
    ({"index.js": "exports.handler = async () => {"}, "index.handler", "Runtime.UserCodeSyntaxError",
     "SyntaxError: Unexpected end of input"),
    ({"index.js": "throw new Error('no config');"}, "index.handler", "Error", "no config"),
])
def test_init_errors_are_the_runtimes(lambda_mock, lambda_client, create_node, files, handler, error_type, message):
    """Posted to ``/runtime/init/error`` as the runtime words them; logged as ``Uncaught Exception``
    before START; each invocation runs the init again."""
    create_node("init-fails", files, Handler=handler)
    for _ in range(2):
        response = lambda_client.invoke(FunctionName="init-fails", LogType="Tail")
        error = json.loads(response["Payload"].read())
        assert (response["FunctionError"], error["errorType"], error["errorMessage"]) == ("Unhandled", error_type,
                                                                                         message)
        assert error["trace"][0].startswith(f"{error_type}: ")
        log = tail(response)
        assert log.index(f"\tundefined\tERROR\tUncaught Exception \t{{\"errorType\":\"{error_type}\"") \
            < log.index("START RequestId: ")


def test_nodejs24_refuses_callback_handlers_as_aws_does(lambda_mock, lambda_client, create_node):
    create_node("callback24", "exports.handler = (event, context, callback) => callback(null, 1);",
                Runtime="nodejs24.x")
    error = json.loads(lambda_client.invoke(FunctionName="callback24")["Payload"].read())
    assert error["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert error["errorMessage"].startswith("ERROR: AWS Lambda has removed support for callback-based function "
                                            "handlers starting with Node.js 24.")
    create_node("async24", "exports.handler = async (event, context) => 1;", Runtime="nodejs24.x")
    assert invoke_json(lambda_client, "async24", {}) == 1


def test_a_streaming_handler_is_refused_loudly(lambda_mock, lambda_client, create_node):
    create_node("streams", "exports.handler = awslambda.streamifyResponse(async (event, stream) => stream.end('x'));")
    error = json.loads(lambda_client.invoke(FunctionName="streams")["Payload"].read())
    assert error["errorType"] == "MockLambda.StreamingNotSupported"
    assert "response streaming" in error["errorMessage"]


def test_without_node_on_path_the_invocation_says_what_to_install(lambda_mock, lambda_client, create_node,
                                                                  monkeypatch, tmp_path):
    from mocklambda._runtime import launchers

    monkeypatch.setenv("PATH", str(tmp_path))  # a directory without node
    monkeypatch.setattr(launchers, "_warned_no_node", False)
    create_node("nonode", STATEFUL)
    with pytest.warns(MockLambdaWarning, match="install Node.js"):
        response = lambda_client.invoke(FunctionName="nonode", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled" and error["errorType"] == "MockLambda.NodeNotFound"
    assert error["errorMessage"].startswith(f"RequestId: {request_id} Error: mocklambda runs nodejs20.x functions "
                                            "with the machine's Node.js, and no `node` is on PATH: install Node.js")
    assert error["errorMessage"] in tail(response)  # and in CloudWatch Logs, as the invocation's log
    send_event(lambda_client, "nonode", {})
    lambda_mock.run_until_idle()
    assert lambda_mock.invocations()[-1].attempts[0].error_type == "MockLambda.NodeNotFound"


CALLS_NODE = """
import boto3, json
def handler(event, context):
    answer = boto3.client("lambda", region_name="us-east-1").invoke(
        FunctionName="stateful", Payload=json.dumps({"sleep": 2, "n": "interrupted"}))
    return json.loads(answer["Payload"].read())
"""


def test_an_invoke_cut_short_by_its_callers_timeout_is_never_the_next_ones_answer(
        lambda_mock, lambda_client, create_node, create_function):
    """A Python handler (Timeout 1 s) invokes a Node function that takes 2 s: the caller times out
    mid-invoke. The Node environment still runs that invocation, so it must not serve the next one
    (issue 17 review: the next invocations got the previous one's answer)."""
    create_node("stateful", STATEFUL, Timeout=10)
    create_function("caller", CALLS_NODE, Timeout=1)
    assert invoke_json(lambda_client, "stateful", {"n": 0})["count"] == 1  # warm
    timed_out = lambda_client.invoke(FunctionName="caller", Payload=b"{}")
    assert json.loads(timed_out["Payload"].read())["errorType"] == "Sandbox.Timedout"
    for n in (2, 3):
        answer = invoke_json(lambda_client, "stateful", {"n": n})
        assert answer["event"] == {"n": n}  # its own answer, not the one before
