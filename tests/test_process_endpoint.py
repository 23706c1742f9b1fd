"""A function that runs as a process makes its AWS calls to the same mock (issue 15 item 5): the
mock is served over loopback HTTP and the process gets ``AWS_ENDPOINT_URL`` and fake credentials.
Real SDKs prove it: boto3 in a Python ``bootstrap``, ``@aws-sdk/client-sqs`` (from npm) in a
JavaScript one. (LocalStack's ``test_manual_endpoint_injection`` is the same idea; its recording
in ``test_lambda_common.snapshot.json`` holds no content to compare.)"""

from __future__ import annotations

import io
import json
import shutil
import socket
import sys
import urllib.parse
import zipfile
from typing import Any

import pytest

from mocklambda import mock_lambda
from tests.helpers import (
    ECHO,
    FN_ARN,
    RUNTIME_LOOP,
    bootstrap_zip,
    invoke_json,
    make_queue,
    npm_packages,
    receive,
    send_event,
)

BOTO3_HANDLER = """
import boto3

def handle(event, headers):
    if "queue" in event:
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event["body"]))
    if "invoke" in event:
        boto3.client("lambda").invoke(FunctionName=event["invoke"], InvocationType="Event",
                                      Payload=json.dumps(event["payload"]))
    if "call" in event:  # a synchronous Invoke: its answer is this one's
        answer = boto3.client("lambda").invoke(FunctionName=event["call"], Payload=json.dumps(event["payload"]))
        return json.loads(answer["Payload"].read())
    keys = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION")
    return {key: os.environ.get(key) for key in keys}
"""
"""What each event asks for: a message sent to the queue named ``queue`` (its body ``body``), an
asynchronous Invoke of ``invoke`` (with ``payload``); it answers with its endpoint, credentials, region,
or with the answer of a synchronous Invoke of ``call`` (with ``payload``)."""

BOTO3_BOOTSTRAP = RUNTIME_LOOP.format(handler=BOTO3_HANDLER).replace("#!/usr/bin/env python3",
                                                                     f"#!{sys.executable}", 1)
"""A custom runtime in Python whose handler uses boto3 (this test's interpreter has it)."""


NODE_BOOTSTRAP = """#!/usr/bin/env node
const http = require("http");
const { SQSClient, GetQueueUrlCommand, SendMessageCommand } = require("@aws-sdk/client-sqs");
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const sqs = new SQSClient({});

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host, port, method, path: "/2018-06-01/runtime" + path }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function handle(event) {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(event.body) }));
  return { messageId: sent.MessageId, endpoint: process.env.AWS_ENDPOINT_URL };
}

(async () => {
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    try {
      await call("POST", `/invocation/${id}/response`, JSON.stringify(await handle(JSON.parse(next.body))));
    } catch (error) {
      const body = { errorType: error.name, errorMessage: error.message };
      await call("POST", `/invocation/${id}/error`, JSON.stringify(body));
    }
  }
})();
"""
"""A custom runtime in JavaScript (Node's http module for the Runtime API) whose handler sends an
SQS message with AWS's SDK v3 and answers with the message id and its endpoint."""


NODE_HANDLER = """
const { SQSClient, GetQueueUrlCommand, SendMessageCommand } = require("@aws-sdk/client-sqs");
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(event.body) }));
  return { messageId: sent.MessageId, endpoint: process.env.AWS_ENDPOINT_URL };
};
"""
"""A ``nodejs20.x`` handler, as users write them, sending an SQS message with AWS's SDK v3."""


def node_zip(entry: str = "bootstrap", source: str = NODE_BOOTSTRAP) -> bytes:
    """``bootstrap`` and the npm packages ``@aws-sdk/client-sqs`` needs, as CommonJS (``dist-cjs``):
    the ES-module and type-declaration copies are left out, 2 MB instead of 17."""
    node_modules = npm_packages()
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: install Node.js (the CI script does)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(entry)
        info.create_system, info.external_attr = 3, 0o100755 << 16
        archive.writestr(info, source)
        for path in sorted(node_modules.rglob("*")):
            relative = path.relative_to(node_modules.parent)
            if path.is_file() and not {"dist-es", "dist-types"} & set(relative.parts):
                archive.write(path, str(relative))
    return buffer.getvalue()


@pytest.fixture
def create_custom(create_function):
    def create(name: str, zip_file: bytes, **kwargs: Any) -> dict:
        return create_function(name, {}, Runtime="provided.al2023", Handler="function.handler",
                               Code={"ZipFile": zip_file}, **kwargs)

    return create


def refuses_connections(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        return True
    return False


def test_a_boto3_bootstrap_writes_into_the_tests_sqs(lambda_client, sqs, create_custom):
    with mock_lambda():
        url, _ = make_queue(sqs, "from-process")
        create_custom("writer", bootstrap_zip(BOTO3_BOOTSTRAP))
        seen = invoke_json(lambda_client, "writer", {"queue": "from-process", "body": {"n": 1}})
        [message] = receive(sqs, url)
        assert json.loads(message["Body"]) == {"n": 1}  # sent by the process, read by the test's own client
        assert seen["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        assert (seen["AWS_ACCESS_KEY_ID"], seen["AWS_SECRET_ACCESS_KEY"], seen["AWS_SESSION_TOKEN"]) == (
            "testing", "testing", "testing")  # never the test's own (spec 9.2 lists them as Lambda's to set)
        assert seen["AWS_REGION"] == "us-east-1"
    assert refuses_connections(seen["AWS_ENDPOINT_URL"])  # the endpoint stopped with the mock


def test_a_process_invoking_a_function_asynchronously_is_queued_by_the_same_mock(lambda_client, sqs,
                                                                                  create_function, create_custom):
    with mock_lambda() as lam:
        create_function("child", ECHO)
        create_custom("parent", bootstrap_zip(BOTO3_BOOTSTRAP))
        url, _ = make_queue(sqs, "parent-out")
        send_event(lambda_client, "parent", {"invoke": "child", "payload": {"from": "process"},
                                             "queue": "parent-out", "body": "async"})
        lam.run_until_idle()
        [child] = lam.invocations("child")
        assert (child.payload, child.status, child.condition) == ({"from": "process"}, "succeeded", "Success")
        assert child.attempts[0].result == {"from": "process"}
        [parent] = lam.invocations("parent")
        assert parent.condition == "Success" and parent.function_arn == FN_ARN.format("parent") + ":$LATEST"
        assert json.loads(receive(sqs, url)[0]["Body"]) == "async"


def test_a_process_invoking_a_function_synchronously_gets_its_answer_from_the_same_mock(lambda_client,
                                                                                        create_function,
                                                                                        create_custom):
    """The test waits on the process, which waits on the mock's Lambda for a Python handler, and
    on another environment of its own function, without a deadlock."""
    with mock_lambda():
        create_function("python-child", ECHO)
        create_custom("caller", bootstrap_zip(BOTO3_BOOTSTRAP))
        assert invoke_json(lambda_client, "caller", {"call": "python-child", "payload": {"n": 1}}) == {"n": 1}
        nested = {"call": "caller", "payload": {"call": "python-child", "payload": {"n": 2}}}
        assert invoke_json(lambda_client, "caller", nested) == {"n": 2}


def test_the_functions_own_endpoint_variable_is_kept(lambda_client, create_custom):
    """``AWS_ENDPOINT_URL`` is not reserved on Lambda (spec 9.2): a function that sets it gets its own."""
    with mock_lambda():
        create_custom("own", bootstrap_zip(BOTO3_BOOTSTRAP),
                      Environment={"Variables": {"AWS_ENDPOINT_URL": "http://localhost:4566"}})
        assert invoke_json(lambda_client, "own", {})["AWS_ENDPOINT_URL"] == "http://localhost:4566"


def test_each_mock_serves_its_own_state(lambda_client, sqs, create_custom):
    """One endpoint per mock, stopped with it: the next mock's process reaches that mock, on a new port."""
    endpoints = []
    for _ in range(2):
        with mock_lambda():
            url, _ = make_queue(sqs, "again")
            create_custom("again", bootstrap_zip(BOTO3_BOOTSTRAP))
            endpoints.append(invoke_json(lambda_client, "again", {"queue": "again", "body": len(endpoints)}))
            [message] = receive(sqs, url)  # moto's state was reset: only this mock's message is there
            assert json.loads(message["Body"]) == len(endpoints) - 1
    assert all(refuses_connections(seen["AWS_ENDPOINT_URL"]) for seen in endpoints)


def test_a_node_bootstrap_with_the_aws_sdk_from_npm_writes_into_the_tests_sqs(lambda_client, sqs, create_custom):
    with mock_lambda():
        url, _ = make_queue(sqs, "from-node")
        create_custom("node-writer", node_zip(), Timeout=30)
        response = lambda_client.invoke(FunctionName="node-writer",
                                        Payload=json.dumps({"queue": "from-node", "body": {"sdk": "v3"}}))
        seen = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, seen
        [message] = receive(sqs, url)
        assert json.loads(message["Body"]) == {"sdk": "v3"}
        assert message["MessageId"] == seen["messageId"]  # the message the SDK was told it sent
        assert seen["endpoint"].startswith("http://127.0.0.1:")


def test_a_node_handler_with_the_aws_sdk_from_npm_writes_into_the_tests_sqs(lambda_client, sqs, create_function):
    """Issue 15 item 5 as users meet it: a ``nodejs20.x`` function, its zip with ``node_modules``."""
    with mock_lambda(mode="manual") as lam:
        url, _ = make_queue(sqs, "from-handler")
        create_function("node-handler", {}, Runtime="nodejs20.x", Handler="index.handler", Timeout=30,
                        Code={"ZipFile": node_zip("index.js", NODE_HANDLER)})
        response = lambda_client.invoke(FunctionName="node-handler", InvocationType="Event",
                                        Payload=json.dumps({"queue": "from-handler", "body": {"async": True}}))
        assert response["StatusCode"] == 202
        lam.run_until_idle()
        [invocation] = lam.invocations("node-handler")
        assert invocation.status == "succeeded", invocation.attempts
        [message] = receive(sqs, url)
        assert json.loads(message["Body"]) == {"async": True}
        assert message["MessageId"] == invocation.attempts[0].result["messageId"]


def test_the_endpoint_starts_on_first_use_and_refuses_calls_once_closed():
    from mocklambda._moto.endpoint import UNREACHABLE, LoopbackEndpoint

    endpoint = LoopbackEndpoint()
    url = endpoint.url()
    assert endpoint.url() == url and not refuses_connections(url)  # one server, started once
    endpoint.close()
    assert refuses_connections(url)
    assert endpoint.url() == UNREACHABLE  # a process left behind cannot start it again
    served = LoopbackEndpoint()
    served.serve_at("http://127.0.0.1:5000")  # mocklambda serve: its own server, none started
    assert served.url() == "http://127.0.0.1:5000"
    served.close()


def test_without_moto_server_dependencies_a_process_is_pointed_at_a_port_that_refuses(monkeypatch):
    """No flask: a warning names what to install, and the process's calls fail at once rather than
    reaching AWS with fake credentials."""
    from mocklambda._moto import endpoint as module
    from mocklambda.errors import MockLambdaError, MockLambdaWarning

    def missing() -> None:
        raise MockLambdaError("mocklambda serve needs moto's server dependencies: pip install 'mocklambda[server]'")

    monkeypatch.setattr(module, "wsgi_app", missing)
    with pytest.warns(MockLambdaWarning, match=r"cannot reach the mock: .*mocklambda\[server\]"):
        url = module.LoopbackEndpoint().url()
    assert url == module.UNREACHABLE and refuses_connections(url)
