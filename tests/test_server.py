"""``mocklambda serve`` driven by the real AWS CLI, as a new user would (issue: server mode)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from mocklambda.server import Client

CACHE = Path(__file__).resolve().parent / ".cache"
ENV = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
       "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}
ENV.pop("PYTEST_CURRENT_TEST", None)


@pytest.fixture(scope="module")
def aws_cli() -> str:
    """The AWS CLI from PyPI, in its own virtualenv (cached between runs)."""
    venv = CACHE / "awscli-venv"
    aws = venv / "bin" / "aws"
    if not aws.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "awscli"], check=True)
    return str(aws)


@pytest.fixture
def server(request):
    extra = getattr(request, "param", [])
    process = subprocess.Popen(
        [sys.executable, "-m", "mocklambda", "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )
    line = process.stdout.readline()  # "mocklambda serving the AWS API on http://127.0.0.1:PORT"
    assert "serving the AWS API on" in line, line + process.stderr.read()
    endpoint = line.rsplit(" ", 1)[1].strip()
    yield process, endpoint
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def deploy(endpoint: str, name: str, source: str) -> object:
    """A function on the server, created with boto3; returns the Lambda client."""
    import boto3

    client = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    role = boto3.client("iam", **client).create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    aws_lambda = boto3.client("lambda", **client)
    aws_lambda.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                               Code={"ZipFile": buffer.getvalue()})
    return aws_lambda


def run(aws: str, endpoint: str, *args: str, cwd: Path | None = None) -> str:
    result = subprocess.run([aws, "--endpoint-url", endpoint, *args], capture_output=True, text=True, env=ENV,
                            cwd=cwd, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_documented_cli_commands_work_end_to_end(aws_cli, server, tmp_path):
    process, endpoint = server
    queue_url = json.loads(run(aws_cli, endpoint, "sqs", "create-queue", "--queue-name", "results"))["QueueUrl"]
    role = json.loads(run(aws_cli, endpoint, "iam", "create-role", "--role-name", "lambda-role",
                          "--assume-role-policy-document", "{}"))["Role"]["Arn"]
    with zipfile.ZipFile(tmp_path / "function.zip", "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'got': event}\n")
    run(aws_cli, endpoint, "lambda", "create-function", "--function-name", "my-function", "--runtime", "python3.12",
        "--role", role, "--handler", "index.handler", "--zip-file", f"fileb://{tmp_path / 'function.zip'}")

    config = json.loads(run(aws_cli, endpoint, "lambda", "put-function-event-invoke-config", "--function-name",
                            "my-function", "--maximum-event-age-in-seconds", "3600", "--maximum-retry-attempts", "0"))
    assert config["FunctionArn"].endswith(":function:my-function:$LATEST")  # spec 5.13 / 5.5
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 3600)
    assert config["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    updated = json.loads(run(aws_cli, endpoint, "lambda", "update-function-event-invoke-config", "--function-name",
                             "my-function", "--destination-config",
                             json.dumps({"OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:123456789012:results"}})))
    assert updated["MaximumRetryAttempts"] == 0
    assert updated["DestinationConfig"]["OnSuccess"]["Destination"].endswith(":results")

    # AWS's documented command (spec 1.26); the PyPI awscli is v1, which passes the payload raw
    # and has no --cli-binary-format option (that is v2's way of saying the same)
    out = run(aws_cli, endpoint, "lambda", "invoke", "--function-name", "my-function", "--invocation-type", "Event",
              "--payload", '{ "key": "value" }', "response.json", cwd=tmp_path)
    assert json.loads(out) == {"StatusCode": 202}  # spec 1.26
    assert '"StatusCode": 202' in out
    assert (tmp_path / "response.json").read_bytes() == b""

    Client(endpoint).run_until_idle()
    messages = json.loads(run(aws_cli, endpoint, "sqs", "receive-message", "--queue-url", queue_url))["Messages"]
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"key": "value"}
    assert record["responsePayload"] == {"got": {"key": "value"}}
    invocations = Client(endpoint).invocations("my-function")
    assert [i["condition"] for i in invocations] == ["Success"]


def test_the_control_api_moves_the_clock_and_reports_attempts(server, tmp_path):
    process, endpoint = server
    aws_lambda = deploy(endpoint, "fails", "def handler(e, c):\n    raise ValueError('always')\n")
    aws_lambda.invoke(FunctionName="fails", InvocationType="Event")
    control = Client(endpoint)
    control.run_until_idle()  # jumps the clock over the retry delays
    assert control.clock()["elapsed"] >= 180
    invocation = control.invocations("fails")[0]
    assert invocation["condition"] == "RetriesExhausted"
    assert [a["error_type"] for a in invocation["attempts"]] == ["ValueError"] * 3
    assert "RetriesExhausted" in control.timeline()


def test_bad_requests_and_crashing_handlers_never_kill_the_server(server):
    process, endpoint = server
    for path, status in (("/_mocklambda/nope", 404), ("/2015-03-31/functions/missing/invocations", 403)):
        request = urllib.request.Request(endpoint + path, data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(request, timeout=10)
        assert excinfo.value.code == status  # unsigned: AWS's MissingAuthenticationTokenException
        assert json.loads(excinfo.value.read())
    aws_lambda = deploy(endpoint, "exits", "def handler(e, c):\n    raise SystemExit(3)\n")
    response = aws_lambda.invoke(FunctionName="exits")
    assert response["FunctionError"] == "Unhandled"
    assert process.poll() is None  # still serving
    assert aws_lambda.list_functions()["Functions"][0]["FunctionName"] == "exits"


def test_invoke_names_are_checked_by_the_server_as_in_process(server):
    """The server answers through the same responses: bad syntax is the 400 ValidationException,
    for events too, and a qualified name is refused by the concurrency API (spec 1.20)."""
    import boto3
    from botocore.exceptions import ClientError

    _, endpoint = server
    aws_lambda = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    for invocation_type in ("RequestResponse", "Event"):
        with pytest.raises(ClientError) as refused:
            aws_lambda.invoke(FunctionName="my-function!", InvocationType=invocation_type)
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert refused.value.response["Error"]["Message"].startswith(
            "1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint")
    with pytest.raises(ClientError) as refused:
        aws_lambda.get_function_concurrency(FunctionName="my-function:1")
    assert refused.value.response["Error"]["Message"].startswith("This operation is permitted on Lambda functions only.")


SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, "
                           "SignedHeaders=host, Signature=0"}


def raw_request(endpoint: str, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, dict]:
    headers = {**SIGNED, "Content-Type": "application/json", **headers}
    request = urllib.request.Request(endpoint + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_host_that_is_not_this_server_is_refused(server):
    """Issue 13 item 16: a web page reaching the server through DNS rebinding sends its own name."""
    _, endpoint = server
    port = endpoint.rsplit(":", 1)[1]
    for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1.nip.io"):
        status, body = raw_request(endpoint, "GET", "/2015-03-31/functions/", Host=host)
        assert status == 403 and "is not an address this server listens on" in body["message"]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost", f"s3.localhost:{port}"):
        assert raw_request(endpoint, "GET", "/2015-03-31/functions/", Host=host)[0] == 200


def test_bodies_of_the_wrong_json_types_are_400_never_500_and_never_stored(server):
    """Issue 13 item 17 (through the server: botocore would refuse these before sending)."""
    _, endpoint = server
    deploy(endpoint, "typed", "def handler(e, c):\n    return 1\n")
    config = "/2019-09-25/functions/typed/event-invoke-config"
    for body, message in ((b'{"MaximumRetryAttempts": 1.5}', "NUMBER_VALUE can not be converted to an Integer"),
                          (b'{"MaximumRetryAttempts": true}', "BOOLEAN_VALUE can not be converted to an Integer"),
                          (b'{"DestinationConfig": "x"}', "STRING_VALUE can not be converted to a Structure"),
                          (b"[1]", "Start of list found where not expected"),
                          (b"not json", "Could not parse request body into json")):
        status, answer = raw_request(endpoint, "PUT", config, body)
        assert (status, answer["message"]) == (400, message)
    assert raw_request(endpoint, "GET", config)[0] == 404  # nothing was stored
    status, answer = raw_request(endpoint, "PUT", "/2024-08-31/functions/typed/recursion-config", b'{"RecursiveLoop": 5}')
    assert (status, answer["message"]) == (400, "NUMBER_VALUE can not be converted to a String")
    status, answer = raw_request(endpoint, "POST", "/2015-03-31/functions/typed/invocations", b"{}",
                                 **{"Content-Length": "abc"})
    assert status == 400 and "Content-Length" in answer["message"]


@pytest.mark.parametrize("server", [["--idle-timeout", "1"]], indirect=True)
def test_half_a_request_cannot_hold_the_server(server):
    """Issue 13 item 17: a client that stops mid-request is dropped after --idle-timeout seconds."""
    import socket
    import time

    process, endpoint = server
    port = int(endpoint.rsplit(":", 1)[1])
    stalled = socket.create_connection(("127.0.0.1", port))
    head = "".join(f"{name}: {value}\r\n" for name, value in SIGNED.items())
    stalled.sendall(f"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                    "Content-Length: 100\r\n\r\n{".encode())
    stalled.settimeout(10)
    started = time.monotonic()
    answer = b""
    while chunk := stalled.recv(4096):  # until the server closes the connection
        answer += chunk
    assert time.monotonic() - started < 5
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")  # never run as a request
    stalled.close()
    assert Client(endpoint).clock()["elapsed"] >= 0 and process.poll() is None


def test_sigterm_stops_cleanly(server):
    process, endpoint = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert "mocklambda stopped" in process.stderr.read()


def test_the_control_api_lists_an_event_nested_as_deep_as_invoke_accepts(server):
    """Found by the bad-input sweep (benchmarks/sweeps/bad_input.py): one event nested 1000 levels
    deep, which Invoke accepts (Jackson's limit, issue 13 item 12), made every later
    GET /_mocklambda/invocations a 500 (Python's encoder ran out of stack on the server)."""
    _, endpoint = server
    aws_lambda = deploy(endpoint, "deep", "def handler(e, c):\n    return 1\n")
    aws_lambda.invoke(FunctionName="deep", InvocationType="Event", Payload="[" * 1000 + "]" * 1000)
    control = Client(endpoint)
    control.run_until_idle()
    [invocation] = control.invocations("deep")  # decoded by the client with the same room
    assert invocation["condition"] == "Success"
    depth, value = 0, invocation["payload"]
    while isinstance(value, list):
        depth, value = depth + 1, value[0] if value else None
    assert depth == 1000


def test_a_body_moto_cannot_parse_is_a_400_naming_no_python_exception(server):
    """Found by benchmarks/sweeps/bad_input.py: moto's server app raised JSONDecodeError reading
    CreateFunction's body, answered as a 500 naming the Python exception."""
    _, endpoint = server
    status, answer = raw_request(endpoint, "POST", "/2015-03-31/functions", b"not json")
    assert (status, answer["message"]) == (400, "Could not parse request body into json")


@pytest.mark.xfail(strict=True, reason="moto's routing raises AttributeError / KeyError for a credential scoped to "
                                       "another service; mocklambda serve answers 500 InternalFailure (no Python "
                                       "text), where AWS answers 403 InvalidSignatureException (found by "
                                       "benchmarks/sweeps/bad_input.py)")
def test_a_credential_scoped_to_another_service_is_a_4xx(server):
    _, endpoint = server
    headers = {"Authorization": SIGNED["Authorization"].replace("/lambda/", "/s3/")}
    status, answer = raw_request(endpoint, "POST", "/2015-03-31/functions/f/invocations", b"{}", **headers)
    assert 400 <= status < 500, (status, answer)
    assert "Error:" not in answer.get("message", "")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads the server's CPU time from /proc")
def test_a_chunked_body_cut_short_does_not_keep_the_server_busy(server):
    """Issue 13 item 17's promise (half a request cannot hold a server thread) for a chunked body.
    Found by benchmarks/sweeps/bad_input.py: werkzeug's reader of chunked bodies kept asking the
    closed socket for the rest of the declared chunk, at full CPU and ~370 MB/s of memory."""
    import socket
    import time

    process, endpoint = server
    port = int(endpoint.rsplit(":", 1)[1])

    def cpu_seconds() -> float:
        with open(f"/proc/{process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    head = "".join(f"{name}: {value}\r\n" for name, value in SIGNED.items())
    try:
        with socket.create_connection(("127.0.0.1", port)) as cut_short:
            cut_short.sendall(f"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                              "Transfer-Encoding: chunked\r\n\r\nffffffffffff\r\n".encode())
        time.sleep(0.5)
        before = cpu_seconds()
        time.sleep(1.0)
        assert cpu_seconds() - before < 0.5
        assert Client(endpoint).clock()["elapsed"] >= 0  # and it still serves
    finally:
        process.kill()  # never leave a server growing by hundreds of MB a second
        process.wait(timeout=20)


def test_a_kinesis_mapping_runs_on_the_server_and_its_failures_reach_the_on_failure_queue(server):
    """Issue 14: stream mappings work for every SDK (the server is the same engine)."""
    import boto3

    process, endpoint = server
    client = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    aws_lambda = deploy(endpoint, "reader", "def handler(e, c):\n    raise ValueError('rejected')\n")
    kinesis, sqs = boto3.client("kinesis", **client), boto3.client("sqs", **client)
    kinesis.create_stream(StreamName="events", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="events")["StreamDescription"]["StreamARN"]
    url = sqs.create_queue(QueueName="failed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws_lambda.create_event_source_mapping(EventSourceArn=stream, FunctionName="reader", StartingPosition="LATEST",
                                           MaximumRetryAttempts=2,
                                           DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    kinesis.put_record(StreamName="events", Data=b"x", PartitionKey="k")
    Client(endpoint).run_until_idle()
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["KinesisBatchInfo"]["streamArn"] == stream


def test_a_custom_runtime_runs_on_the_server_and_its_aws_calls_reach_the_servers_state(server):
    """Issue 15 items 5 and 6: a provided.al2023 bootstrap (boto3 inside) created and invoked over
    HTTP runs, synchronously and asynchronously; its endpoint is this server (no second one), so
    what it sends lands in the state every client of the server reads."""
    import boto3

    from tests.helpers import bootstrap_zip
    from tests.test_process_endpoint import BOTO3_BOOTSTRAP

    process, endpoint = server
    client = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    sqs, iam = boto3.client("sqs", **client), boto3.client("iam", **client)
    url = sqs.create_queue(QueueName="from-process")["QueueUrl"]
    role = iam.create_role(RoleName="r-custom", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    aws_lambda = boto3.client("lambda", **client)
    aws_lambda.create_function(FunctionName="custom", Runtime="provided.al2023", Role=role, Handler="function.handler",
                               Code={"ZipFile": bootstrap_zip(BOTO3_BOOTSTRAP)})
    response = aws_lambda.invoke(FunctionName="custom", Payload=json.dumps({"queue": "from-process", "body": "sync"}))
    seen = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200 and "FunctionError" not in response, seen
    assert seen["AWS_ENDPOINT_URL"] == endpoint and seen["AWS_ACCESS_KEY_ID"] == "testing"
    event = aws_lambda.invoke(FunctionName="custom", InvocationType="Event",
                              Payload=json.dumps({"queue": "from-process", "body": "async"}))
    assert event["StatusCode"] == 202  # spec 1.26
    Client(endpoint).run_until_idle()
    assert [i["condition"] for i in Client(endpoint).invocations("custom")] == ["Success"]
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(bodies) == ["async", "sync"]
