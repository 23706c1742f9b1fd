"""What a function's runs write to CloudWatch Logs and ``LogType=Tail``, event by event, as Lambda's
Python runtime writes it (issue 12 items 4-5; spec 1.9, 9.7; recorded in
``test_invocation_type_event_error`` and ``test_dead_letter_queue``)."""

from __future__ import annotations

import base64
import json

import boto3

from mocklambda import mock_lambda
from tests.helpers import send_event

# What aws-lambda-powertools' Logger, python-json-logger and structlog do at import time: a handler
# on the module's own logger, writing JSON to the sys.stdout of that moment, added once per process.
JSON_LOGGER = """
import json, logging, sys

logger = logging.getLogger("orders-service")
if not logger.handlers:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(json.dumps({"level": "%(levelname)s", "message": "%(message)s"})))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

def handler(event, context):
    logger.info("order %s", event["order"])
    return event["order"]
"""


def log_events(name: str) -> list[str]:
    logs = boto3.client("logs", region_name="us-east-1")
    group = f"/aws/lambda/{name}"
    return [event["message"] for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]
            for event in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])["events"]]


def tail(response: dict) -> str:
    return base64.b64decode(response["LogResult"]).decode("utf-8")


def test_a_logger_set_up_at_import_is_captured_on_warm_invocations(lambda_mock, lambda_client, create_function):
    create_function("orders", JSON_LOGGER)
    tails = [tail(lambda_client.invoke(FunctionName="orders", Payload=json.dumps({"order": n}), LogType="Tail"))
             for n in range(3)]
    send_event(lambda_client, "orders", {"order": 3})  # an asynchronous attempt, run warm
    for n, text in enumerate(tails):
        assert f'{{"level": "INFO", "message": "order {n}"}}\n' in text
        assert "[INFO]" not in text  # the handler's own format, not the runtime's
    events = log_events("orders")
    assert [e for e in events if e.startswith('{"level"')] == [
        f'{{"level": "INFO", "message": "order {n}"}}\n' for n in range(4)]


def test_a_logger_from_an_earlier_mock_is_captured_in_a_later_one(lambda_client, create_function):
    for attempt in range(2):  # the second import finds the logger's handler from the first, as Powertools does
        with mock_lambda():
            create_function("orders", JSON_LOGGER)
            assert f'"message": "order {attempt}"' in tail(
                lambda_client.invoke(FunctionName="orders", Payload=json.dumps({"order": attempt}), LogType="Tail"))


FRAMED = """
import logging
print("importing")
logging.getLogger().setLevel(logging.INFO)

def handler(event, context):
    print("first line\\nsecond line")
    logging.info("one record\\nover two lines")
    if event.get("fail"):
        raise ValueError("bad order")
    return "ok"
"""


def test_cloudwatch_gets_one_event_per_line_or_record_and_init_start_on_cold_starts(lambda_mock, lambda_client,
                                                                                      create_function):
    create_function("framed", FRAMED, Runtime="python3.12")
    first = lambda_client.invoke(FunctionName="framed", Payload=b"{}")["ResponseMetadata"]["RequestId"]
    second = lambda_client.invoke(FunctionName="framed", Payload=b'{"fail": 1}')["ResponseMetadata"]["RequestId"]
    events = log_events("framed")
    assert events[0].startswith("INIT_START Runtime Version: python:3.12.v")  # spec 9.7; once, when cold
    assert "\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:" in events[0]
    assert events[1:5] == [
        "importing\n",  # the init phase's output comes before START
        f"START RequestId: {first} Version: $LATEST\n",
        "first line\n",
        "second line\n",
    ]
    assert events[5].endswith(f"\t{first}\tone record\nover two lines\n")  # one record, one event
    assert events[6] == f"END RequestId: {first}\n"
    assert events[7].startswith(f"REPORT RequestId: {first}\t") and "Init Duration" in events[7]
    assert events[8] == f"START RequestId: {second} Version: $LATEST\n"
    error = next(e for e in events if e.startswith("[ERROR]"))
    assert error == ("[ERROR] ValueError: bad order\nTraceback (most recent call last):\n"
                     '\u00a0\u00a0File "/var/task/handler.py", line 10, in handler\n'
                     '\u00a0\u00a0\u00a0\u00a0raise ValueError("bad order")')  # no final newline, as recorded
    assert sum(e.startswith("INIT_START") for e in events) == 1 and "Init Duration" not in events[-1]


# What the durable SDK's plugin hooks do: print and log from threads the handler's code started
# (a pool thread started by another started thread too). Lambda's log is the process's stdout and
# stderr, whichever thread writes (spec 9.7): conformance 10-2..10-7 match these lines.
THREADED = """
import logging, threading
from concurrent.futures import ThreadPoolExecutor
logging.getLogger().setLevel(logging.INFO)

def work(n):
    print(f"pool {n}")
    logging.info("record from the pool %s", n)

def start_pool(n):
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work, n).result()

def handler(event, context):
    thread = threading.Thread(target=start_pool, args=(event["n"],))
    thread.start()
    thread.join()
    return event["n"]
"""


def test_what_threads_the_handler_started_print_and_log_is_in_its_invocation_log(lambda_mock, lambda_client,
                                                                                 create_function):
    create_function("threaded", THREADED)
    tails = [tail(lambda_client.invoke(FunctionName="threaded", Payload=json.dumps({"n": n}), LogType="Tail"))
             for n in range(2)]  # cold, then warm
    for n, text in enumerate(tails):
        assert f"pool {n}\n" in text
        assert f"record from the pool {n}\n" in text and "[INFO]" in text
        assert f"pool {1 - n}\n" not in text  # each invocation's own lines only
    events = log_events("threaded")
    assert [event for event in events if event.startswith("pool")] == ["pool 0\n", "pool 1\n"]
