"""AWS services invoking functions asynchronously, as AWS does (spec §8)."""

from __future__ import annotations

import json
import re

import boto3
import pytest
from botocore.exceptions import ClientError

from mocklambda import MockLambdaWarning
from tests.helpers import ECHO, FAILS_NAMING_EVENT_SIZE, FN_ARN, TIMESTAMP, error_of, make_queue


@pytest.fixture
def received(lambda_mock):
    """Events each bound function received, by function name."""
    seen: dict[str, list] = {}

    def bind(name: str, fail: bool = False) -> None:
        def handler(event, context):
            seen.setdefault(name, []).append(event)
            if fail:
                raise RuntimeError("downstream is down")
            return "ok"

        lambda_mock.handler(name, handler)

    seen["bind"] = bind  # type: ignore[assignment]
    return seen


def test_sns_publish_is_an_async_event_in_snss_shape(lambda_mock, lambda_client, create_function, received):
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    create_function("on-order", ECHO)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FN_ARN.format("on-order"))["SubscriptionArn"]
    message_id = sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                             MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})["MessageId"]
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations("on-order")[0]  # queued asynchronously, not run inline
    assert invocation.condition == "Success"
    record = invocation.payload["Records"][0]
    assert list(record) == ["EventVersion", "EventSubscriptionArn", "EventSource", "Sns"]  # spec 8.2
    assert (record["EventVersion"], record["EventSubscriptionArn"], record["EventSource"]) == ("1.0", subscription, "aws:sns")
    sns_part = record["Sns"]
    assert list(sns_part) == ["SignatureVersion", "Timestamp", "Signature", "SigningCertUrl", "MessageId", "Message",
                              "MessageAttributes", "Type", "UnsubscribeUrl", "TopicArn", "Subject"]
    assert sns_part["MessageId"] == message_id
    assert (sns_part["Message"], sns_part["Subject"], sns_part["TopicArn"], sns_part["Type"]) == ("hello", "greeting", topic, "Notification")
    assert sns_part["MessageAttributes"] == {"kind": {"Type": "String", "Value": "test"}}
    assert TIMESTAMP.match(sns_part["Timestamp"])
    assert sns_part["UnsubscribeUrl"].endswith(f"SubscriptionArn={subscription}")


def test_sns_events_get_retries_and_the_dlq(lambda_mock, lambda_client, create_function):
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq_url, dlq = make_queue(sqs, "dlq")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    create_function("fails", FAILS_NAMING_EVENT_SIZE, DeadLetterConfig={"TargetArn": dlq})
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FN_ARN.format("fails"))
    sns.publish(TopicArn=topic, Message="boom")
    message = sqs.receive_message(QueueUrl=dlq_url)["Messages"][0]  # auto mode: settled before this call
    assert json.loads(message["Body"])["Records"][0]["Sns"]["Message"] == "boom"  # spec 4.4
    assert len(lambda_mock.invocations("fails")[0].attempts) == 3


def test_sns_filter_policies_still_apply(lambda_mock, lambda_client, create_function):
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    create_function("big-orders", ECHO)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FN_ARN.format("big-orders"),
                  Attributes={"FilterPolicy": json.dumps({"size": ["big"]})})
    sns.publish(TopicArn=topic, Message="small", MessageAttributes={"size": {"DataType": "String", "StringValue": "small"}})
    sns.publish(TopicArn=topic, Message="big", MessageAttributes={"size": {"DataType": "String", "StringValue": "big"}})
    lambda_mock.run_until_idle()
    assert [i.payload["Records"][0]["Sns"]["Message"] for i in lambda_mock.invocations()] == ["big"]


def test_s3_notification_is_an_async_event_in_s3s_shape(lambda_mock, lambda_client, create_function):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="uploads")
    create_function("on-upload", ECHO)
    s3.put_bucket_notification_configuration(
        Bucket="uploads",
        NotificationConfiguration={"LambdaFunctionConfigurations": [{
            "Id": "images", "LambdaFunctionArn": FN_ARN.format("on-upload"), "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}},
        }]},
    )
    s3.put_object(Bucket="uploads", Key="notes.txt", Body=b"ignored by the suffix filter")
    s3.put_object(Bucket="uploads", Key="cat.png", Body=b"12345")
    lambda_mock.run_until_idle()
    invocations = lambda_mock.invocations("on-upload")
    assert len(invocations) == 1
    record = invocations[0].payload["Records"][0]
    assert list(record) == ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                            "requestParameters", "responseElements", "s3"]  # spec 8.1
    assert (record["eventSource"], record["eventName"], record["awsRegion"]) == ("aws:s3", "ObjectCreated:Put", "us-east-1")
    assert record["s3"]["configurationId"] == "images"
    assert record["s3"]["bucket"]["name"] == "uploads" and record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert "principalId" in record["s3"]["bucket"]["ownerIdentity"]
    obj = record["s3"]["object"]
    assert (obj["key"], obj["size"]) == ("cat.png", 5) and obj["eTag"] and obj["sequencer"]


def test_s3_removal_events_and_failures_reach_the_on_failure_destination(lambda_mock, lambda_client, create_function):
    s3 = boto3.client("s3", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    url, arn = make_queue(sqs, "failed")
    s3.create_bucket(Bucket="archive")
    create_function("on-delete", FAILS_NAMING_EVENT_SIZE)
    lambda_client.put_function_event_invoke_config(
        FunctionName="on-delete", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    s3.put_bucket_notification_configuration(
        Bucket="archive",
        NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": FN_ARN.format("on-delete"), "Events": ["s3:ObjectRemoved:*"]}]},
    )
    s3.put_object(Bucket="archive", Key="old.txt", Body=b"x")
    s3.delete_object(Bucket="archive", Key="old.txt")
    record = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    s3_event = record["requestPayload"]["Records"][0]
    assert s3_event["eventName"] == "ObjectRemoved:Delete"
    assert set(s3_event["s3"]["object"]) == {"key", "sequencer"}  # removals carry no size or eTag


def test_eventbridge_rule_with_a_lambda_target(lambda_mock, lambda_client, create_function):
    events = boto3.client("events", region_name="us-east-1")
    create_function("on-event", ECHO)
    create_function("on-detail", ECHO)
    create_function("on-constant", ECHO)
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="orders", Targets=[
        {"Id": "whole", "Arn": FN_ARN.format("on-event")},
        {"Id": "detail", "Arn": FN_ARN.format("on-detail"), "InputPath": "$.detail"},
        {"Id": "constant", "Arn": FN_ARN.format("on-constant"), "Input": '{"fixed": true}'},
    ])
    response = events.put_events(Entries=[{"Source": "shop", "DetailType": "Order Placed", "Detail": '{"id": 7}'}])
    assert response["FailedEntryCount"] == 0  # no NotImplementedError from moto any more
    lambda_mock.run_until_idle()
    event = lambda_mock.invocations("on-event")[0].payload
    assert (event["source"], event["detail-type"], event["detail"], event["account"]) == ("shop", "Order Placed", {"id": 7}, "123456789012")
    assert event["id"] == response["Entries"][0]["EventId"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", event["time"])  # spec 8.3
    assert lambda_mock.invocations("on-detail")[0].payload == {"id": 7}
    assert lambda_mock.invocations("on-constant")[0].payload == {"fixed": True}


def test_a_loop_through_sns_is_stopped(lambda_mock, lambda_client, create_function):
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="echo")["TopicArn"]
    create_function(
        "republish",
        f"""
        import boto3
        def handler(event, context):
            boto3.client("sns").publish(TopicArn="{topic}", Message="again")
        """,
    )
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FN_ARN.format("republish"))
    sns.publish(TopicArn=topic, Message="start")
    lambda_mock.run_until_idle()
    conditions = [i.condition for i in lambda_mock.invocations("republish")]
    assert conditions == ["Success"] * 16 + ["RecursiveInvocationException"]  # spec 7.2


@pytest.mark.lambda_mock(mode="manual")
def test_scheduled_rules_fire_on_the_mocks_clock(lambda_mock, lambda_client, create_function):
    events = boto3.client("events", region_name="us-east-1")
    create_function("tick", ECHO)
    rule_arn = events.put_rule(Name="every-5-minutes", ScheduleExpression="rate(5 minutes)")["RuleArn"]
    events.put_targets(Rule="every-5-minutes", Targets=[{"Id": "t", "Arn": FN_ARN.format("tick")}])
    lambda_mock.run_until_idle()  # schedules never keep the queue busy: nothing has fired yet
    assert lambda_mock.invocations("tick") == []
    lambda_mock.clock.advance(299)
    assert lambda_mock.invocations("tick") == []
    lambda_mock.clock.advance(1)
    lambda_mock.clock.advance(600)
    fired = lambda_mock.invocations("tick")
    assert len(fired) == 3  # at +300, +600 and +900 seconds
    event = fired[0].payload
    assert (event["detail-type"], event["source"], event["resources"], event["detail"]) == (
        "Scheduled Event", "aws.events", [rule_arn], {})
    events.disable_rule(Name="every-5-minutes")
    lambda_mock.clock.advance(3600)
    assert len(lambda_mock.invocations("tick")) == 3


@pytest.mark.lambda_mock(mode="manual")
def test_cron_rules(lambda_mock, lambda_client, create_function):
    events = boto3.client("events", region_name="us-east-1")
    create_function("nightly", ECHO)
    events.put_rule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)")
    events.put_targets(Rule="nightly", Targets=[{"Id": "t", "Arn": FN_ARN.format("nightly"), "Input": '{"job": "report"}'}])
    lambda_mock.clock.advance(3 * 86400)
    fired = lambda_mock.invocations("nightly")
    assert len(fired) == 3 and fired[0].payload == {"job": "report"}
    assert all(i.enqueued_at.strftime("%H:%M:%S") == "02:00:00" for i in fired)


def test_a_loop_through_s3_is_stopped(lambda_mock, lambda_client, create_function):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="loop-bucket")
    create_function(
        "copier",
        """
        import boto3
        def handler(event, context):
            key = event["Records"][0]["s3"]["object"]["key"]
            boto3.client("s3").put_object(Bucket="loop-bucket", Key=key + "x", Body=b"again")
        """,
    )
    s3.put_bucket_notification_configuration(
        Bucket="loop-bucket",
        NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": FN_ARN.format("copier"), "Events": ["s3:ObjectCreated:*"]}]},
    )
    s3.put_object(Bucket="loop-bucket", Key="k", Body=b"start")
    lambda_mock.run_until_idle()
    conditions = [i.condition for i in lambda_mock.invocations("copier")]
    assert conditions == ["Success"] * 16 + ["RecursiveInvocationException"]  # spec 7.2


def test_disabled_and_schedule_only_rules_get_no_events_and_input_path_indexes(lambda_mock, lambda_client, create_function):
    events = boto3.client("events", region_name="us-east-1")
    create_function("on-event", ECHO)
    events.put_rule(Name="off", EventPattern=json.dumps({"source": ["shop"]}), State="DISABLED")
    events.put_rule(Name="cron", ScheduleExpression="rate(1 hour)")
    events.put_rule(Name="on", EventPattern=json.dumps({"source": ["shop"]}))
    for rule in ("off", "cron"):
        events.put_targets(Rule=rule, Targets=[{"Id": "t", "Arn": FN_ARN.format("on-event")}])
    events.put_targets(Rule="on", Targets=[{"Id": "t", "Arn": FN_ARN.format("on-event"), "InputPath": "$.detail.items[1]"}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": '{"items": [{"sku": 1}, {"sku": 2}]}'}])
    lambda_mock.run_until_idle()
    assert [i.payload for i in lambda_mock.invocations("on-event")] == [{"sku": 2}]


def test_s3_sequencers_increase_for_one_key(lambda_mock, lambda_client, create_function):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="seq")
    create_function("on-change", ECHO)
    s3.put_bucket_notification_configuration(Bucket="seq", NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": FN_ARN.format("on-change"), "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    s3.put_object(Bucket="seq", Key="k", Body=b"1")
    s3.put_object(Bucket="seq", Key="k", Body=b"2")
    s3.delete_object(Bucket="seq", Key="k")
    lambda_mock.run_until_idle()
    sequencers = [i.payload["Records"][0]["s3"]["object"]["sequencer"] for i in lambda_mock.invocations("on-change")]
    assert len(sequencers) == 3 and sequencers == sorted(sequencers) and len(set(sequencers)) == 3


@pytest.mark.parametrize("expression", ["rate(0 minutes)", "rate(1 minutes)", "cron(*/0 * * * ? *)",
                                        "cron(1,,2 * * * ? *)", "cron(0 12 * * * *)"])
def test_a_schedule_eventbridge_refuses_is_its_validation_error(lambda_mock, expression):
    """Issue 13 item 13: moto stores these; PutRule refuses them (EventBridge's schedule expression
    rules), and nothing is raised out of mocklambda."""
    events = boto3.client("events", region_name="us-east-1")
    with pytest.raises(ClientError) as excinfo:
        events.put_rule(Name="odd", ScheduleExpression=expression)
    assert error_of(excinfo) == (400, "ValidationException", "Parameter ScheduleExpression is not valid.")
    assert events.list_rules()["Rules"] == []


@pytest.mark.parametrize("expression", ["cron(0 0 L * ? *)", "cron(0 0 31 2 ? *)"])
def test_a_valid_schedule_mocklambda_cannot_run_is_warned_about(lambda_mock, expression):
    events = boto3.client("events", region_name="us-east-1")
    with pytest.warns(MockLambdaWarning, match="will not fire"):
        events.put_rule(Name="odd", ScheduleExpression=expression)
    lambda_mock.clock.advance(3600)
    assert lambda_mock.invocations() == []


def test_a_target_arn_without_a_function_name_is_warned_about_not_raised(lambda_mock):
    """Issue 13 item 13: ``...:function`` names nothing; the event is put, nothing is invoked."""
    events = boto3.client("events", region_name="us-east-1")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "1", "Arn": "arn:aws:lambda:us-east-1:123456789012:function"}])
    with pytest.warns(MockLambdaWarning, match="names no Lambda function"):
        answer = events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": "{}"}])
    assert answer["FailedEntryCount"] == 0
    lambda_mock.run_until_idle()
    assert lambda_mock.invocations() == []
