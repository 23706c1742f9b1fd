"""mocklambda's costs against the botocore floor and moto, measured in one run.

    python benchmarks/run.py            # the table in the README's Performance section
    python benchmarks/run.py --quick    # smaller sizes, for a quick look

Each row is a median over repetitions; ratios compare rows measured in this same run.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

REGION = "us-east-1"
TRIVIAL = "def handler(event, context):\n    return event\n"
FAILING = "def handler(event, context):\n    raise ValueError('always')\n"


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def median_per_call(run: Callable[[], None], calls: int, repeats: int) -> float:
    """Seconds per call: the median over ``repeats`` timings of ``calls`` calls."""
    run()  # warm up
    samples = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        for _ in range(calls):
            run()
        samples.append((time.perf_counter() - started) / calls)
    return statistics.median(samples)


def deploy(name: str, source: str, **kwargs: Any) -> None:
    iam = boto3.client("iam", region_name=REGION)
    try:
        role = iam.get_role(RoleName="bench")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": zip_of(source)}, **kwargs)


def queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def bench_floor(calls: int, repeats: int) -> float:
    client = boto3.client("lambda", region_name=REGION)

    def canned(request: Any, **kwargs: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {"X-Amz-Executed-Version": "$LATEST"}, _Raw(b"{}"))

    client.meta.events.register_first("before-send.lambda.Invoke", canned)
    return median_per_call(lambda: client.invoke(FunctionName="f", Payload=b"{}")["Payload"].read(), calls, repeats)


class _Raw(io.BytesIO):
    def stream(self, **kwargs: Any) -> Any:
        yield self.getvalue()


def bench_moto(calls: int, repeats: int) -> float:
    from moto import mock_aws

    with mock_aws(config={"lambda": {"use_docker": False}}):
        deploy("f", TRIVIAL)
        client = boto3.client("lambda", region_name=REGION)
        return median_per_call(lambda: client.invoke(FunctionName="f", Payload=b"{}")["Payload"].read(), calls, repeats)


def bench_sync(calls: int, repeats: int) -> float:
    from mocklambda import mock_lambda

    with mock_lambda():
        deploy("f", TRIVIAL)
        client = boto3.client("lambda", region_name=REGION)
        return median_per_call(lambda: client.invoke(FunctionName="f", Payload=b"{}")["Payload"].read(), calls, repeats)


def alternating(client: Any, names: list[str], calls: int, repeats: int) -> list[float]:
    """Seconds per call of each function, invoked call for call in turn: the median over
    ``repeats`` means of ``calls``. Single calls in turn, not blocks: these rows are differences
    (or ratios) of two functions, and a busy machine moves a block of calls by more than that."""
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()  # warm up
    for _ in range(repeats):
        gc.collect()
        spent = dict.fromkeys(names, 0.0)
        for _ in range(calls):
            for name in names:
                started = time.perf_counter()
                client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
                spent[name] += time.perf_counter() - started
        for name in names:
            times[name].append(spent[name] / calls)
    return [statistics.median(times[name]) for name in names]


def bench_node_warm(calls: int, repeats: int) -> tuple[float, float]:
    """A warm nodejs20.x invoke and the in-process Python one, in turns in the same mock
    (issue 17: a warm Node invocation costs at most 2 ms over the Python path)."""
    from mocklambda import mock_lambda

    with mock_lambda():
        deploy("py", TRIVIAL)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("index.js", "exports.handler = async (event) => event;\n")
        role = boto3.client("iam", region_name=REGION).get_role(RoleName="bench")["Role"]["Arn"]
        client = boto3.client("lambda", region_name=REGION)
        client.create_function(FunctionName="node", Runtime="nodejs20.x", Role=role, Handler="index.handler",
                               Code={"ZipFile": code.getvalue()})
        node, python = alternating(client, ["node", "py"], calls, repeats)
        return node, python


def bench_isolated(calls: int, repeats: int) -> tuple[float, float]:
    """A warm synchronous invoke of a Python function run isolated (a process under awslambdaric,
    behind the mock's Runtime API) and of the same handler in-process, in turns in one mock."""
    from mocklambda import mock_lambda

    with mock_lambda() as lam:
        deploy("isolated", TRIVIAL)
        deploy("f", TRIVIAL)
        lam.isolate("isolated")
        isolated, in_process = alternating(boto3.client("lambda", region_name=REGION), ["isolated", "f"], calls,
                                           repeats)
        return isolated, in_process


def bench_async(batch: int, repeats: int) -> float:
    """Per event: Invoke(Event), the attempt, the OnSuccess record in SQS (manual mode)."""
    from mocklambda import mock_lambda

    samples = []
    for _ in range(repeats):
        with mock_lambda(mode="manual") as lam:
            url, arn = queue("results")
            deploy("f", TRIVIAL)
            client = boto3.client("lambda", region_name=REGION)
            client.put_function_event_invoke_config(FunctionName="f", DestinationConfig={"OnSuccess": {"Destination": arn}})
            client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
            lam.run_until_idle()  # warm container
            gc.collect()
            started = time.perf_counter()
            for _ in range(batch):
                client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
            lam.run_until_idle()
            samples.append((time.perf_counter() - started) / batch)
            assert all(i.condition == "Success" for i in lam.invocations())
    return statistics.median(samples)


def bench_failure(batch: int, repeats: int) -> float:
    """Per event: three failing attempts, then the DLQ message."""
    from mocklambda import mock_lambda

    samples = []
    for _ in range(repeats):
        with mock_lambda(mode="manual") as lam:
            url, arn = queue("dlq")
            deploy("f", FAILING, DeadLetterConfig={"TargetArn": arn})
            client = boto3.client("lambda", region_name=REGION)
            client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
            lam.run_until_idle()
            gc.collect()
            started = time.perf_counter()
            for _ in range(batch):
                client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
            lam.run_until_idle()
            samples.append((time.perf_counter() - started) / batch)
            assert all(len(i.attempts) == 3 for i in lam.invocations())
    return statistics.median(samples)


def warm_function(lam: Any) -> Any:
    """A trivial function, invoked once (warm); returns its FunctionSnapshot for queueing directly."""
    deploy("f", TRIVIAL)
    boto3.client("lambda", region_name=REGION).invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
    lam.run_until_idle()
    return lam._pipeline.queue.events[0].function


def drain_once(events: int) -> float:
    """Seconds to drain ``events`` queued events (trivial handler, no destination) in a fresh mock."""
    from mocklambda import mock_lambda

    with mock_lambda(mode="manual") as lam:
        function = warm_function(lam)
        for number in range(events):  # queued as Invoke queues them: this measures the drain, not Invoke
            lam._pipeline.accept(function, b"{}", function.arn, None, request_id=f"r{number}")
        gc.collect()
        started = time.perf_counter()
        lam.run_until_idle()
        elapsed = time.perf_counter() - started
        assert sum(1 for i in lam._pipeline.queue.events if i.condition == "Success") == events + 1
        return elapsed


def bench_drain(small: int, large: int, repeats: int) -> tuple[float, float]:
    """Medians of ``repeats`` drains of each size, interleaved (small, large, small, ...), so that a
    slow spell of the machine weighs on both sizes alike."""
    times: dict[int, list[float]] = {small: [], large: []}
    for _ in range(repeats):
        for size in (small, large):
            times[size].append(drain_once(size))
    return statistics.median(times[small]), statistics.median(times[large])


def bench_memory(events: int) -> float:
    """Bytes per queued event beyond its payload: everything that ``events`` public Invoke(Event)
    calls leave allocated (tracemalloc), payloads made beforehand."""
    from mocklambda import mock_lambda

    with mock_lambda(mode="manual") as lam:
        warm_function(lam)
        client = boto3.client("lambda", region_name=REGION)
        payloads = [b'{"n": %d}' % n for n in range(events)]
        client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")  # botocore's caches
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for payload in payloads:
            client.invoke(FunctionName="f", InvocationType="Event", Payload=payload)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(lam._pipeline.queue.pending()) == events + 1
        return (after - before) / events


def bench_moto_sqs_send(backlog: int, calls: int) -> tuple[float, float]:
    """moto's own SQS SendMessage (boto3) into an empty queue and into one holding ``backlog``
    messages (each message sent is taken out again, untimed, so the lengths stay put): moto
    recomputes every queue attribute on each send, so a send costs O(queue length). mocklambda's
    records and dead letters skip that scan (see mocklambda/_moto/sinks.py)."""
    from moto import mock_aws
    from moto.sqs.models import sqs_backends

    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("empty", "full")}
        queues = sqs_backends["123456789012"][REGION].queues
        for _ in range(0, backlog, 10):
            sqs.send_message_batch(QueueUrl=urls["full"], Entries=[{"Id": str(n), "MessageBody": "x"} for n in range(10)])
        medians = []
        for name in ("empty", "full"):
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                sqs.send_message(QueueUrl=urls[name], MessageBody="x")
                samples.append(time.perf_counter() - started)
                queues[name]._messages.pop()
            medians.append(statistics.median(samples))
        return medians[0], medians[1]


def stream_drain_once(records: int) -> float:
    """Seconds for a Kinesis mapping (BatchSize 100) to carry ``records`` records, already in the
    stream, through a trivial zip handler: reading the shard, batching, events, invocations."""
    from mocklambda import mock_lambda

    with mock_lambda(mode="manual") as lam:
        deploy("f", "def handler(event, context):\n    return None\n")
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName="s", ShardCount=1)
        arn = kinesis.describe_stream(StreamName="s")["StreamDescription"]["StreamARN"]
        for start in range(0, records, 500):
            kinesis.put_records(StreamName="s", Records=[{"Data": b'{"n": 1}', "PartitionKey": str(n)}
                                                          for n in range(start, min(records, start + 500))])
        return mapping_drain(lam, arn)


def dynamodb_drain_once(records: int) -> float:
    """Seconds for a DynamoDB Streams mapping (BatchSize 100) to carry ``records`` records, already
    in the table's stream (one item written each, NEW_AND_OLD_IMAGES), through a trivial zip
    handler: reading the shard, batching, events, invocations."""
    from mocklambda import mock_lambda

    with mock_lambda(mode="manual") as lam:
        deploy("f", "def handler(event, context):\n    return None\n")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        arn = dynamodb.create_table(
            TableName="t", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        for start in range(0, records, 25):
            dynamodb.batch_write_item(RequestItems={"t": [
                {"PutRequest": {"Item": {"id": {"S": f"item-{n}"}, "n": {"N": str(n)}}}}
                for n in range(start, min(records, start + 25))]})
        return mapping_drain(lam, arn)


def mapping_drain(lam: Any, source_arn: str) -> float:
    """Seconds for a new mapping of function ``f`` (BatchSize 100, from the oldest record) to carry
    every record the stream holds, in manual mode."""
    boto3.client("lambda", region_name=REGION).create_event_source_mapping(
        EventSourceArn=source_arn, FunctionName="f", StartingPosition="TRIM_HORIZON", BatchSize=100)
    gc.collect()
    started = time.perf_counter()
    lam.run_until_idle()
    return time.perf_counter() - started


DURABLE_WORKFLOW = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    total = 0
    for wait in range(10):
        for step in range(10):
            total += context.step(lambda _: 1, name=f"step-{wait}-{step}")
        context.wait(Duration.from_seconds(60), name=f"wait-{wait}")
    return total
"""


def bench_durable(repeats: int) -> float | None:
    """A durable workflow of 100 steps and 10 waits, run to its end by a synchronous Invoke:
    11 invocations, each replaying what came before (issue 16; issue 17's target). None where
    durable functions cannot run (Python 3.10, or the SDK not installed)."""
    try:
        import aws_durable_execution_sdk_python  # noqa: F401 - only whether it is there
    except ImportError:
        return None
    from mocklambda import mock_lambda

    with mock_lambda():
        deploy("workflow", DURABLE_WORKFLOW, Timeout=900,
               DurableConfig={"ExecutionTimeout": 86400, "RetentionPeriodInDays": 1})
        client = boto3.client("lambda", region_name=REGION)
        return median_per_call(lambda: client.invoke(FunctionName="workflow", Qualifier="$LATEST",
                                                     Payload=b"{}")["Payload"].read(), 1, repeats)


def bench_startup(repeats: int) -> tuple[float, float]:
    code = {
        "moto": "import time; t=time.perf_counter(); import boto3; from moto import mock_aws; m=mock_aws(); m.start(); "
                "boto3.client('lambda', region_name='us-east-1').list_functions(); m.stop(); print(time.perf_counter()-t)",
        "mocklambda": "import time; t=time.perf_counter(); import boto3; from mocklambda import mock_lambda; m=mock_lambda(); "
                      "m.start(); boto3.client('lambda', region_name='us-east-1').list_functions(); m.stop(); "
                      "print(time.perf_counter()-t)",
    }
    # moto's modules were compiled to bytecode when pip installed them; an editable install of
    # mocklambda has none (and PYTHONDONTWRITEBYTECODE stops Python from caching it): compile it, so
    # that both start from bytecode, as a pip-installed mocklambda does.
    import compileall

    import mocklambda

    compileall.compile_dir(os.path.dirname(mocklambda.__file__), quiet=1)
    times: dict[str, list[float]] = {name: [] for name in code}
    for _ in range(repeats):  # interleaved, so that a slow spell of the machine hits both
        for name, source in code.items():
            run = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True)
            times[name].append(float(run.stdout))
    return statistics.median(times["mocklambda"]), statistics.median(times["moto"])


def bench_fresh_mock(repeats: int) -> tuple[float, float]:
    """A fresh mock per test, in one interpreter: start it, make a Lambda and an SQS client and a
    call with each, stop it; against the same with moto's ``mock_aws`` (interleaved)."""
    from moto import mock_aws

    from mocklambda import mock_lambda

    def one(make: Callable[[], Any]) -> float:
        started = time.perf_counter()
        with make():
            boto3.client("lambda", region_name=REGION).list_functions()
            boto3.client("sqs", region_name=REGION).create_queue(QueueName="q")
        return time.perf_counter() - started

    makers: dict[str, Callable[[], Any]] = {"mocklambda": mock_lambda, "moto": mock_aws}
    for make in makers.values():
        one(make)  # imports, first-use caches
    times: dict[str, list[float]] = {name: [] for name in makers}
    for _ in range(repeats):
        for name, make in makers.items():
            times[name].append(one(make))
    return statistics.median(times["mocklambda"]), statistics.median(times["moto"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    calls, repeats, batch = (100, 3, 100) if args.quick else (500, 5, 500)
    drains = (1_000, 10_000) if args.quick else (10_000, 100_000)

    # The floor is sampled before and after each row it is a ratio for (the median of those
    # samples): on a shared machine the speed drifts over minutes.
    floors = [bench_floor(calls, repeats)]
    moto = bench_moto(calls, repeats)
    floors.append(bench_floor(calls, repeats))
    sync = bench_sync(calls, repeats)
    floors.append(bench_floor(calls, repeats))
    isolated, in_process = bench_isolated(calls // 5, repeats)
    async_event = bench_async(batch, repeats)
    floors.append(bench_floor(calls, repeats))
    failure = bench_failure(batch // 2, repeats)
    floors.append(bench_floor(calls, repeats))
    floor = statistics.median(floors)
    node, python = bench_node_warm(calls // 5, repeats)
    small, large = bench_drain(drains[0], drains[1], 5)
    memory = bench_memory(10_000)  # enough events that fixed costs (botocore's caches) are not counted per event
    start_ours, start_moto = bench_startup(7)
    fresh_ours, fresh_moto = bench_fresh_mock(15)
    send_empty, send_full = bench_moto_sqs_send(1_000, 30)
    stream_records = 2_000 if args.quick else 20_000
    stream = statistics.median(stream_drain_once(stream_records) for _ in range(repeats))
    dynamodb_stream = statistics.median(dynamodb_drain_once(stream_records) for _ in range(repeats))
    durable = bench_durable(repeats)

    rows = [
        ("floor: boto3 invoke, canned before-send", f"{floor * 1e6:,.0f} µs", "1.00× floor", ""),
        ("moto: invoke (use_docker False)", f"{moto * 1e6:,.0f} µs", f"{moto / floor:.2f}× floor", ""),
        ("sync: mocklambda invoke, real zip handler", f"{sync * 1e6:,.0f} µs", f"{sync / moto:.2f}× moto", "≤ 1.3× moto"),
        ("node: warm nodejs20.x invoke (a process, Runtime API)", f"{node * 1e6:,.0f} µs",
         f"{(node - python) * 1e3:+.1f} ms over in-process Python ({python * 1e6:,.0f} µs)", "≤ 2 ms over (issue 17)"),
        ("isolated: warm invoke, awslambdaric process", f"{isolated * 1e6:,.0f} µs",
         f"{isolated / in_process:.2f}× in-process ({in_process * 1e6:,.0f} µs)", ""),
        ("async: Event → attempt → OnSuccess record in SQS", f"{async_event * 1e6:,.0f} µs", f"{async_event / floor:.2f}× floor", "≤ 1.25× floor"),
        ("failure: 3 attempts → SQS DLQ", f"{failure * 1e6:,.0f} µs", f"{failure / floor:.2f}× floor", "≤ 1.6× floor"),
        (f"drain {drains[0]:,} queued events", f"{drains[0] / small:,.0f} events/s", "", "≥ 150,000/s"),
        (f"drain {drains[1]:,} queued events", f"{drains[1] / large:,.0f} events/s", f"{large / small:.1f}× the {drains[0]:,} time", "≤ 10.5× (linear)"),
        ("memory per queued event (public Invoke, beyond payload)", f"{memory:,.0f} bytes", "", "≤ 300 bytes"),
        (f"Kinesis mapping: {stream_records:,} records, BatchSize 100, trivial handler", f"{stream_records / stream:,.0f} records/s",
         "", "≥ 50,000/s"),
        (f"DynamoDB Streams mapping: {stream_records:,} records, BatchSize 100, trivial handler",
         f"{stream_records / dynamodb_stream:,.0f} records/s", "", "≥ 50,000/s"),
        ("durable: 100 steps and 10 waits, replayed to the end (sync Invoke)",
         "n/a (Python 3.10)" if durable is None else f"{durable * 1e3:,.0f} ms", "", "≤ 50 ms"),
        ("moto alone: SQS SendMessage, queue of 1,000 vs empty", f"{send_full * 1e6:,.0f} µs",
         f"{send_full / send_empty:.1f}× ({send_empty * 1e6:,.0f} µs)", "(not ours)"),
        ("start-up: import + start/stop + 1 call", f"{start_ours * 1e3:,.0f} ms", f"{start_ours / start_moto:.2f}× moto ({start_moto * 1e3:,.0f} ms)", "≤ 1.05× moto"),
        ("a fresh mock per test: start, 2 clients, 2 calls, stop", f"{fresh_ours * 1e3:,.0f} ms",
         f"{fresh_ours / fresh_moto:.2f}× moto ({fresh_moto * 1e3:,.0f} ms)", "≤ 1.05× moto"),
    ]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"moto {__import__('moto').__version__}, boto3 {boto3.__version__}")
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | median | ratio | target |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for name, value, ratio, target in rows:
        print(f"| {name:<{width}} | {value} | {ratio} | {target} |")


if __name__ == "__main__":
    main()
