"""A suite of typical event-driven tests on the ``lambda_mock`` fixture, run by pytest-xdist with
``-n 2`` and in one process (``-n 0``): what a user's suite gains from two workers.

    python benchmarks/xdist_suite.py                    # 300 tests, each way 3 times, interleaved
    python benchmarks/xdist_suite.py --tests 60 --rounds 1

The suite is written into a temporary directory: ten files of tests that each start a mock, make a
function from a real zip and its queues, and check one of three outcomes of ``invoke(
InvocationType="Event")`` through boto3: the handler's own write to S3, three attempts then the
event in an SQS dead-letter queue, an OnSuccess record in SQS. It is a plain user's suite (boto3
and the fixture, no conftest of this repository); this checkout's mocklambda is the one it loads.
Each run is a fresh ``python -m pytest`` (start-up, collection and workers included, as a user
waits for it); the two ways alternate, so that a slow spell of the machine weighs on both, and
each is the median of its rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
FILES = 10
KINDS = 3

CONFTEST = '''
import io, zipfile

import boto3
import pytest


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def deploy(name, source, **settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    role = boto3.client("iam").create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                           Handler="handler.handler", Code={"ZipFile": buffer.getvalue()},
                                           **settings)


def queue(name):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
'''

TESTS = '''
import json

import boto3
import pytest

from conftest import deploy, queue

WRITES = """
import boto3
def handler(event, context):
    boto3.client("s3").put_object(Bucket="orders", Key=event["id"], Body=b"done")
    return {{"stored": event["id"]}}
"""
FAILS = "def handler(event, context):\\n    raise ValueError('rejected ' + event['id'])\\n"
ECHO = "def handler(event, context):\\n    return {{'seen': event['id']}}\\n"


@pytest.mark.parametrize("n", range({count_a}))
def test_an_event_runs_the_handler_which_writes_to_s3(lambda_mock, n):
    boto3.client("s3").create_bucket(Bucket="orders")
    deploy("writer", WRITES)
    answer = boto3.client("lambda").invoke(FunctionName="writer", InvocationType="Event",
                                           Payload=json.dumps({{"id": f"order-{{n}}"}}))
    assert answer["StatusCode"] == 202
    lambda_mock.run_until_idle()
    assert boto3.client("s3").get_object(Bucket="orders", Key=f"order-{{n}}")["Body"].read() == b"done"


@pytest.mark.parametrize("n", range({count_b}))
def test_a_failing_event_is_retried_then_dead_lettered(lambda_mock, n):
    url, arn = queue("dead-letters")
    deploy("rejects", FAILS, DeadLetterConfig={{"TargetArn": arn}})
    boto3.client("lambda").invoke(FunctionName="rejects", InvocationType="Event",
                                  Payload=json.dumps({{"id": f"order-{{n}}"}}))
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("rejects")
    assert len(invocation.attempts) == 3
    [message] = boto3.client("sqs").receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == {{"id": f"order-{{n}}"}}
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == f"rejected order-{{n}}"


@pytest.mark.parametrize("n", range({count_c}))
def test_a_success_sends_its_record_to_the_on_success_queue(lambda_mock, n):
    url, arn = queue("successes")
    deploy("echo", ECHO)
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName="echo", DestinationConfig={{"OnSuccess": {{"Destination": arn}}}})
    boto3.client("lambda").invoke(FunctionName="echo", InvocationType="Event", Payload=json.dumps({{"id": n}}))
    lambda_mock.run_until_idle()
    [message] = boto3.client("sqs").receive_message(QueueUrl=url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {{"seen": n}}
'''


def write_suite(directory: Path, tests: int) -> int:
    """``tests`` tests (rounded to a multiple of the files and kinds) in FILES files; returns how many."""
    per_kind = max(1, tests // (FILES * KINDS))
    (directory / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (directory / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    for index in range(FILES):
        source = TESTS.format(count_a=per_kind, count_b=per_kind, count_c=per_kind)
        (directory / f"test_events_{index:02}.py").write_text(textwrap.dedent(source))
    return per_kind * KINDS * FILES


def run_suite(directory: Path, workers: int, expected: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the run's processes) of one ``pytest -n workers``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(CHECKOUT), os.environ.get("PYTHONPATH")]))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", str(workers), str(directory)],
                         cwd=directory, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0 or f"{expected} passed" not in run.stdout:
        raise SystemExit(f"the suite did not pass with -n {workers}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tests", type=int, default=300, help="how many tests the suite has (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="runs each way, interleaved (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mocklambda-xdist-suite-") as scratch:
        directory = Path(scratch)
        count = write_suite(directory, args.tests)
        print(f"{count} tests in {FILES} files; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}", flush=True)
        times: dict[int, list[tuple[float, float]]] = {0: [], 2: []}
        for round_ in range(args.rounds):
            for workers in (0, 2):
                wall, cpu = run_suite(directory, workers, count)
                times[workers].append((wall, cpu))
                print(f"  round {round_ + 1}: -n {workers}: {wall:6.1f} s wall, {cpu:6.1f} s CPU", flush=True)
        serial, parallel = (statistics.median(wall for wall, _ in times[n]) for n in (0, 2))
        serial_cpu, parallel_cpu = (statistics.median(cpu for _, cpu in times[n]) for n in (0, 2))
        print(f"-n 0: {serial:.1f} s ({serial / count * 1000:.0f} ms a test), {serial_cpu:.1f} s CPU")
        print(f"-n 2: {parallel:.1f} s ({parallel / count * 1000:.0f} ms a test), {parallel_cpu:.1f} s CPU")
        print(f"-n 2 takes {parallel / serial:.2f}x the time of -n 0 ({serial / parallel:.2f}x as fast)")


if __name__ == "__main__":
    main()
