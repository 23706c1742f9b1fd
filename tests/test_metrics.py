"""CloudWatch metrics as AWS publishes them: Lambda's own under its dimension sets (spec 6.1), and
the metrics CloudWatch Logs extracts from log lines in the embedded metric format (AWS's
"Specification: Embedded metric format", quoted as "EMF spec"), all read through boto3."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from mocklambda import MockLambdaWarning
from tests.helpers import ECHO, REGION, invoke_event, metric_value

# What aws-lambda-powertools 3.37.0 prints at the end of a handler decorated with
# ``@metrics.log_metrics``, for Metrics(namespace="Orders", service="orders") after
# add_dimension("environment", "test"), add_metric("OrdersPlaced", Count, n) for each item,
# add_metric("Latency", Milliseconds, 12.5, resolution=High) and add_metadata("order_id", "o-1"):
# the same members in the same order, compact, values as arrays (checked against its output).
POWERTOOLS_METRICS = """
import json
import time


def handler(event, context):
    print(json.dumps({
        "_aws": {
            "Timestamp": event.get("timestamp", int(time.time() * 1000)),
            "CloudWatchMetrics": [{
                "Namespace": "Orders",
                "Dimensions": [["environment", "service"]],
                "Metrics": [{"Name": "OrdersPlaced", "Unit": "Count"},
                            {"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1}],
            }],
        },
        "environment": "test", "service": "orders", "order_id": "o-1",
        "OrdersPlaced": [float(n) for n in event["items"]], "Latency": [12.5],
    }, separators=(",", ":")))
    return {"placed": len(event["items"])}
"""
ORDERS = {"environment": "test", "service": "orders"}


def prints(line: str) -> str:
    """A handler that prints one line and returns ``{}``."""
    return f"def handler(event, context):\n    print({line!r})\n    return {{}}\n"


def dimension_sets(namespace: str, metric: str) -> list[frozenset[tuple[str, str]]]:
    listed = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace=namespace, MetricName=metric)
    return [frozenset((d["Name"], d["Value"]) for d in m["Dimensions"]) for m in listed["Metrics"]]


# -- AWS/Lambda dimensions (spec 6.1) ------------------------------------------------------------


def test_lambda_metrics_carry_awss_dimension_sets(lambda_mock, lambda_client, create_function):
    create_function("orders", ECHO, Publish=True)  # version 1
    lambda_client.create_alias(FunctionName="orders", Name="prod", FunctionVersion="1")
    create_function("other", ECHO)
    lambda_client.invoke(FunctionName="orders", Payload=b"{}")  # unqualified: $LATEST
    invoke_event(lambda_client, "orders", Qualifier="prod")  # through the alias, asynchronously
    lambda_client.invoke(FunctionName="orders", Qualifier="1", Payload=b"{}")  # the version itself
    lambda_client.invoke(FunctionName="other", Payload=b"{}")
    lambda_mock.run_until_idle()
    now = lambda_mock.clock.now()

    def invocations(**dimensions: str) -> float:
        return metric_value("AWS/Lambda", "Invocations", dimensions, now)

    assert invocations() == 4  # no dimension: every function in the Region
    assert invocations(FunctionName="orders") == 3  # all versions and aliases
    assert invocations(FunctionName="orders", Resource="orders") == 1  # as invoked
    assert invocations(FunctionName="orders", Resource="orders:prod") == 1
    assert invocations(FunctionName="orders", Resource="orders:1") == 1
    assert invocations(FunctionName="orders", Resource="orders:prod", ExecutedVersion="1") == 1
    assert invocations(FunctionName="orders", Resource="orders:1", ExecutedVersion="1") == 0  # only aliases
    assert invocations(Resource="orders:prod") == 0  # a set Lambda does not publish
    received = {"FunctionName": "orders", "Resource": "orders:prod"}
    assert metric_value("AWS/Lambda", "AsyncEventsReceived", received, now) == 1
    assert metric_value("AWS/Lambda", "AsyncEventsReceived", {**received, "ExecutedVersion": "1"}, now) == 0

    listed = dimension_sets("AWS/Lambda", "Invocations")
    assert len(listed) == len(set(listed))  # ListMetrics names each metric once
    fn, other = ("FunctionName", "orders"), ("FunctionName", "other")
    assert set(listed) == {
        frozenset(), frozenset({fn}), frozenset({other}), frozenset({other, ("Resource", "other")}),
        frozenset({fn, ("Resource", "orders")}), frozenset({fn, ("Resource", "orders:1")}),
        frozenset({fn, ("Resource", "orders:prod")}), frozenset({fn, ("Resource", "orders:prod"), ("ExecutedVersion", "1")}),
    }


def test_throttles_and_errors_count_under_the_alias_invoked(lambda_mock, lambda_client, create_function):
    create_function("fails", 'def handler(event, context):\n    raise ValueError("nope")\n', Publish=True)
    lambda_client.create_alias(FunctionName="fails", Name="live", FunctionVersion="1")
    lambda_client.invoke(FunctionName="fails", Qualifier="live", Payload=b"{}")
    lambda_mock.inject_throttles("fails", times=1)
    invoke_event(lambda_client, "fails", Qualifier="live", payload={"n": 2})
    lambda_mock.run_until_idle()
    now = lambda_mock.clock.now()
    live = {"FunctionName": "fails", "Resource": "fails:live"}
    # spec 6.2: every attempt that runs counts in Invocations and Errors; the throttled one in Throttles
    assert metric_value("AWS/Lambda", "Errors", {**live, "ExecutedVersion": "1"}, now) == 4
    assert metric_value("AWS/Lambda", "Errors", live, now) == 4
    assert metric_value("AWS/Lambda", "Throttles", live, now) == 1
    assert metric_value("AWS/Lambda", "AsyncEventsDropped", live, now) == 1
    assert metric_value("AWS/Lambda", "AsyncEventsDropped", {"FunctionName": "fails"}, now) == 1


def test_cloudwatch_keeps_each_dimension_set_a_metric_of_its_own(lambda_mock):
    # GetMetricStatistics: "You must specify the same dimensions that were used when the metrics were created"
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    both = [{"Name": "Shop", "Value": "north"}, {"Name": "Till", "Value": "3"}]
    for value in (1.0, 2.0):
        cloudwatch.put_metric_data(Namespace="Sales", MetricData=[{"MetricName": "Total", "Dimensions": both,
                                                                   "Value": value}])
    now = datetime.now(timezone.utc)
    assert metric_value("Sales", "Total", {"Till": "3", "Shop": "north"}, now) == 3  # in any order
    assert metric_value("Sales", "Total", {"Shop": "north"}, now) == 0
    assert metric_value("Sales", "Total", {}, now) == 0
    assert dimension_sets("Sales", "Total") == [frozenset({("Shop", "north"), ("Till", "3")})]
    results = cloudwatch.get_metric_data(StartTime=now - timedelta(hours=1), EndTime=now + timedelta(hours=1),
                                         MetricDataQueries=[{"Id": f"q{n}", "MetricStat": {"Metric": {
                                             "Namespace": "Sales", "MetricName": "Total", "Dimensions": dimensions},
                                             "Period": 7200, "Stat": "Sum"}}
                                             for n, dimensions in enumerate([both, both[::-1], both[:1]])])
    assert [r["Values"] for r in results["MetricDataResults"]] == [[3.0], [3.0], []]


# -- embedded metric format --------------------------------------------------------------------


def test_powertools_metrics_become_cloudwatch_metrics(lambda_mock, lambda_client, create_function):
    create_function("orders", POWERTOOLS_METRICS)
    invoke_event(lambda_client, "orders", {"items": [1, 2]})
    invoke_event(lambda_client, "orders", {"items": [3]})
    lambda_mock.run_until_idle()
    now = datetime.now(timezone.utc)  # the handler's Timestamp is the time it ran

    def placed(statistic: str, **dimensions: str) -> float:
        return metric_value("Orders", "OrdersPlaced", dimensions or ORDERS, now, statistic)

    # EMF spec: a metric target is "a numeric value or an array of numeric values", each a sample
    assert (placed("Sum"), placed("SampleCount"), placed("Minimum"), placed("Maximum")) == (6, 3, 1, 3)
    assert metric_value("Orders", "Latency", ORDERS, now, "Average") == 12.5
    assert placed("Sum", service="orders") == 0  # "Every DimensionSet used creates a new metric": only that one
    listed = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="Orders")["Metrics"]
    assert sorted((m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in listed) == [
        ("Latency", frozenset(ORDERS.items())), ("OrdersPlaced", frozenset(ORDERS.items()))]


def test_the_documents_timestamp_dates_its_metrics(lambda_mock, lambda_client, create_function):
    create_function("orders", POWERTOOLS_METRICS)
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    weeks_ago = yesterday - timedelta(days=14)
    for moment in (yesterday, weeks_ago):
        payload = {"items": [5], "timestamp": int(moment.timestamp() * 1000)}
        lambda_client.invoke(FunctionName="orders", Payload=json.dumps(payload).encode())
    # EMF spec: "Timestamp - A number representing the time stamp used for metrics extracted from the event"
    with pytest.warns(MockLambdaWarning, match="two weeks before"):  # as PutMetricData, two weeks back at most
        assert metric_value("Orders", "OrdersPlaced", ORDERS, yesterday) == 5
    assert metric_value("Orders", "OrdersPlaced", ORDERS, datetime.now(timezone.utc)) == 0
    assert metric_value("Orders", "OrdersPlaced", ORDERS, weeks_ago) == 0


INVALID_LINES = {
    # the _aws member "MUST contain ... Timestamp"
    "validation": ('{"_aws":{"CloudWatchMetrics":[{"Namespace":"Orders","Dimensions":[["service"]],'
                   '"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"}]}]},"service":"orders","OrdersPlaced":1}'),
    # "The LogEvent message MUST be a valid JSON object"
    "parsing": '{"_aws":{"Timestamp":1704067200000,"CloudWatchMetrics":[',
}


@pytest.mark.parametrize(("kind", "line"), INVALID_LINES.items(), ids=INVALID_LINES.keys())
def test_an_invalid_document_stays_a_log_line_only(lambda_mock, lambda_client, create_function, kind: str,
                                                   line: str):
    create_function("orders", prints(line))
    lambda_client.invoke(FunctionName="orders", Payload=b"{}")
    logs = boto3.client("logs", region_name=REGION)
    with pytest.warns(MockLambdaWarning, match="Timestamp" if kind == "validation" else "not one JSON object"):
        events = logs.filter_log_events(logGroupName="/aws/lambda/orders")["events"]
    assert line in [event["message"].rstrip("\n") for event in events]
    assert boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="Orders")["Metrics"] == []
    # CloudWatch Logs counts it in AWS/Logs, per log group
    errors = "EMFValidationErrors" if kind == "validation" else "EMFParsingErrors"
    group = {"LogGroupName": "/aws/lambda/orders"}
    assert metric_value("AWS/Logs", errors, group, datetime.now(timezone.utc)) == 1


def test_lines_that_only_look_like_metrics_are_plain_logs(lambda_mock, lambda_client, create_function,
                                                           recwarn: Any):
    create_function("orders", prints('{"message": "checkout", "detail": {"_aws": "not at the root"}}'))
    lambda_client.invoke(FunctionName="orders", Payload=b"{}")
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    assert cloudwatch.list_metrics(Namespace="AWS/Logs")["Metrics"] == []
    assert not [w for w in recwarn if issubclass(w.category, MockLambdaWarning)]
