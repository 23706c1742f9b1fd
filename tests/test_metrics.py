"""CloudWatch metrics as AWS publishes them: Lambda's own under its dimension sets (spec 6.1), read
through boto3."""

from __future__ import annotations

from datetime import datetime, timezone

import boto3

from tests.helpers import ECHO, REGION, invoke_event, metric_value


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
