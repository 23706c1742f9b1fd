"""A function deployed by a CloudFormation stack behaves as its template says: an
``AWS::Lambda::EventInvokeConfig`` sets its retries, event age and destinations, the function's
``DeadLetterConfig`` its dead-letter queue (spec §3-5; recordings in
test_cfn_lambda.event_invoke_subset, compared in test_golden_snapshots). A resource AWS refuses
fails the stack as on AWS: CREATE_FAILED with CloudFormation's reason, then ROLLBACK_COMPLETE."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, WaiterError
from moto import mock_aws

from conftest import make_zip
from mocklambda import mock_lambda
from tests.helpers import ACCOUNT, FAILS, FN_ARN, REGION, error_of, receive, send_event

STACK = "orders"
FUNCTION = "orders-fn"


def template(config: dict[str, Any] | None = None, *, dead_letter: bool = True,
             resources: dict[str, Any] | None = None, outputs: dict[str, Any] | None = None,
             parameters: dict[str, Any] | None = None) -> str:
    """A stack: a failing function (code from S3), two queues, and an EventInvokeConfig of the
    function with ``config``'s properties (none when None)."""
    function: dict[str, Any] = {
        "FunctionName": FUNCTION, "Runtime": "python3.12", "Handler": "handler.handler",
        "Code": {"S3Bucket": "code", "S3Key": "fn.zip"}, "Role": {"Fn::GetAtt": ["Role", "Arn"]},
    }
    if dead_letter:
        function["DeadLetterConfig"] = {"TargetArn": {"Fn::GetAtt": ["DeadLetters", "Arn"]}}
    body: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
        "DeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dead-letters"}},
        "Failures": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "failures"}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": function},
        **(resources or {}),
    }
    if config is not None:
        body["Config"] = {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": config}
    document: dict[str, Any] = {"Resources": body, "Outputs": outputs or {}}
    if parameters:
        document["Parameters"] = parameters
    return json.dumps(document)


def config(**settings: Any) -> dict[str, Any]:
    return {"FunctionName": {"Ref": "Function"}, "Qualifier": "$LATEST", **settings}


FAILURES_ARN = {"Fn::GetAtt": ["Failures", "Arn"]}


@pytest.fixture
def cloudformation(lambda_mock) -> Any:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="fn.zip", Body=make_zip({"handler.py": FAILS}))
    return boto3.client("cloudformation", region_name=REGION)


def queue_url(sqs: Any, name: str) -> str:
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


def test_the_templates_retries_destination_and_dead_letter_queue_apply(lambda_mock, cloudformation, lambda_client,
                                                                      sqs):
    """MaximumRetryAttempts 1 means two attempts, not AWS's default three; the OnFailure record and
    the dead letter both arrive (spec 2.7, 3.6, 3.16, 4.4)."""
    cloudformation.create_stack(StackName=STACK, TemplateBody=template(config(
        MaximumRetryAttempts=1, MaximumEventAgeInSeconds=3600,
        DestinationConfig={"OnFailure": {"Destination": FAILURES_ARN}},
    )))
    request_id = send_event(lambda_client, FUNCTION, {"order": 1})
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations(FUNCTION)[0]
    assert (invocation.condition, len(invocation.attempts)) == ("RetriesExhausted", 2)
    record = json.loads(receive(sqs, queue_url(sqs, "failures"))[0]["Body"])
    assert record["requestContext"] == {"requestId": request_id, "functionArn": FN_ARN.format(FUNCTION) + ":$LATEST",
                                        "condition": "RetriesExhausted", "approximateInvokeCount": 2}
    letter = receive(sqs, queue_url(sqs, "dead-letters"))[0]
    assert letter["Body"] == '{"order": 1}' and letter["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    stored = lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)
    assert (stored["MaximumRetryAttempts"], stored["MaximumEventAgeInSeconds"]) == (1, 3600)
    assert stored["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:failures"}}
    dead_letter = lambda_client.get_function_configuration(FunctionName=FUNCTION)["DeadLetterConfig"]
    assert dead_letter == {"TargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-letters"}


def test_the_resource_is_listed_and_referenced_by_function_and_qualifier(cloudformation):
    cloudformation.create_stack(StackName=STACK, TemplateBody=template(
        config(MaximumRetryAttempts=0), outputs={"Config": {"Value": {"Ref": "Config"}}}))
    resources = cloudformation.describe_stack_resources(StackName=STACK)["StackResources"]
    listed = next(resource for resource in resources if resource["LogicalResourceId"] == "Config")
    assert (listed["ResourceType"], listed["PhysicalResourceId"]) == ("AWS::Lambda::EventInvokeConfig", f"{FUNCTION}|$LATEST")
    stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Outputs"] == [{"OutputKey": "Config", "OutputValue": f"{FUNCTION}|$LATEST"}]


def test_a_parameters_text_is_the_number_it_spells(lambda_mock, cloudformation, lambda_client):
    cloudformation.create_stack(
        StackName=STACK, TemplateBody=template(config(MaximumRetryAttempts={"Ref": "Retries"}),
                                               parameters={"Retries": {"Type": "Number"}}),
        Parameters=[{"ParameterKey": "Retries", "ParameterValue": "0"}],
    )
    assert lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)["MaximumRetryAttempts"] == 0
    send_event(lambda_client, FUNCTION)
    lambda_mock.run_until_idle()
    assert len(lambda_mock.invocations(FUNCTION)[0].attempts) == 1


def test_deleting_the_stack_removes_the_config_and_its_dead_letter_queue(cloudformation, lambda_client):
    cloudformation.create_stack(StackName=STACK, TemplateBody=template(config(MaximumRetryAttempts=0)))
    cloudformation.delete_stack(StackName=STACK)
    with pytest.raises(ClientError) as missing:
        lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)
    assert error_of(missing) == (404, "ResourceNotFoundException", f"The function {FN_ARN.format(FUNCTION)}:$LATEST "
                                 "doesn't have an EventInvokeConfig")  # spec 5.9
    with pytest.raises(ClientError):
        lambda_client.get_function(FunctionName=FUNCTION)


def test_updates_put_the_settings_again_and_removing_them_restores_awss_defaults(lambda_mock, cloudformation,
                                                                                lambda_client, sqs):
    """A stack update is the whole desired state: settings left out are removed (spec 5.2), a
    DeadLetterConfig left out is cleared, and a removed EventInvokeConfig means AWS's defaults."""
    cloudformation.create_stack(StackName=STACK, TemplateBody=template(config(MaximumRetryAttempts=0)))
    cloudformation.update_stack(StackName=STACK, TemplateBody=template(config(MaximumEventAgeInSeconds=120)))
    stored = lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)
    assert "MaximumRetryAttempts" not in stored and stored["MaximumEventAgeInSeconds"] == 120
    cloudformation.update_stack(StackName=STACK, TemplateBody=template(None, dead_letter=False))
    assert lambda_client.list_function_event_invoke_configs(FunctionName=FUNCTION)["FunctionEventInvokeConfigs"] == []
    assert "DeadLetterConfig" not in lambda_client.get_function_configuration(FunctionName=FUNCTION)
    send_event(lambda_client, FUNCTION)
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations(FUNCTION)[0]
    assert (invocation.condition, len(invocation.attempts)) == ("RetriesExhausted", 3)  # AWS's defaults (spec 2.7)
    assert sqs.receive_message(QueueUrl=queue_url(sqs, "dead-letters")).get("Messages") is None


def test_a_new_qualifier_replaces_the_config(cloudformation, lambda_client):
    """FunctionName and Qualifier are create-only: a new one makes a new config, the old one goes."""
    version = {"Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Function"}}}}
    cloudformation.create_stack(StackName=STACK, TemplateBody=template(config(MaximumRetryAttempts=0), resources=version))
    on_version = config(MaximumRetryAttempts=1, Qualifier={"Fn::GetAtt": ["Version", "Version"]})
    cloudformation.update_stack(StackName=STACK, TemplateBody=template(on_version, resources=version))
    configs = lambda_client.list_function_event_invoke_configs(FunctionName=FUNCTION)["FunctionEventInvokeConfigs"]
    assert [(c["FunctionArn"], c["MaximumRetryAttempts"]) for c in configs] == [(FN_ARN.format(FUNCTION) + ":1", 1)]


def handler_reason(message: str, status: int, code: str) -> re.Pattern[str]:
    """CloudFormation's reason for a resource whose Lambda call failed (the two ids are random)."""
    uuid = "[0-9a-f-]{36}"
    return re.compile(re.escape(f'Resource handler returned message: "{message} (Service: Lambda, Status Code: {status}, ')
                      + f"Request ID: {uuid}" + re.escape(')" (RequestToken: ') + uuid
                      + re.escape(f", HandlerErrorCode: {code})"))


@pytest.mark.parametrize(
    "properties, reason",
    [
        (config(MaximumRetryAttempts=3),
         "Properties validation failed for resource Config with message: "
         "#/MaximumRetryAttempts: 3 is not less or equal to 2"),
        (config(MaximumEventAgeInSeconds=30),
         "Properties validation failed for resource Config with message: "
         "#/MaximumEventAgeInSeconds: 30 is not greater or equal to 60"),
        ({"FunctionName": {"Ref": "Function"}, "MaximumRetryAttempts": 0},
         "Properties validation failed for resource Config with message: #: required key [Qualifier] not found"),
        (config(MaximumRetryAttempts=0, Retries=1),
         "Properties validation failed for resource Config with message: #: extraneous key [Retries] is not permitted"),
        (config(), handler_reason("You must specify at least one of error handling or destination setting.", 400,
                                  "InvalidRequest")),  # spec 5.4
        (config(Qualifier="7", MaximumRetryAttempts=0), handler_reason("The function doesn't exist.", 404, "NotFound")),
        (config(DestinationConfig={"OnFailure": {"Destination": FN_ARN.format(FUNCTION)}}),
         handler_reason("You can't specify the function as a destination for itself.", 400, "InvalidRequest")),
        (config(DestinationConfig={"OnSuccess": {"Destination": f"arn:aws:s3:::bucket-{ACCOUNT}"}}),
         handler_reason(f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination="
                        f"arn:aws:s3:::bucket-{ACCOUNT}), onFailure=null) is invalid.", 400, "InvalidRequest")),
    ],
    ids=["retries-above-2", "event-age-below-60", "no-qualifier", "unknown-property", "no-setting",
         "no-such-version", "itself-as-destination", "s3-on-success"],
)
def test_a_refused_config_fails_the_stack_and_rolls_it_back(cloudformation, lambda_client, properties, reason):
    """CREATE_FAILED with CloudFormation's reason (the schema's words, or Lambda's error as the
    resource handler reports it), then ROLLBACK_COMPLETE: the function is gone again, and the
    stack has no outputs or exports."""
    outputs = {"Name": {"Value": {"Ref": "Function"}, "Export": {"Name": "orders-fn-name"}}}
    stack_id = cloudformation.create_stack(StackName=STACK, TemplateBody=template(properties, outputs=outputs))["StackId"]
    with pytest.raises(WaiterError, match="terminal failure state"):
        cloudformation.get_waiter("stack_create_complete").wait(StackName=STACK, WaiterConfig={"Delay": 0})
    stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE" and "Outputs" not in stack
    events = cloudformation.describe_stack_events(StackName=STACK)["StackEvents"]
    failed = next(event for event in events if event["ResourceStatus"] == "CREATE_FAILED")
    assert (failed["LogicalResourceId"], failed["ResourceType"]) == ("Config", "AWS::Lambda::EventInvokeConfig")
    if isinstance(reason, str):
        assert failed["ResourceStatusReason"] == reason
    else:
        assert reason.fullmatch(failed["ResourceStatusReason"]), failed["ResourceStatusReason"]
    assert [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason")) for e in events[:2]] == [
        (STACK, "ROLLBACK_COMPLETE", None),
        (STACK, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Config]. Rollback requested by user."),
    ]
    with pytest.raises(ClientError):
        lambda_client.get_function(FunctionName=FUNCTION)
    assert cloudformation.describe_stack_resources(StackName=STACK)["StackResources"] == []
    assert cloudformation.list_exports()["Exports"] == []
    cloudformation.delete_stack(StackName=STACK)  # a rolled-back stack is deleted as on AWS
    cloudformation.create_stack(StackName="fixed", TemplateBody=template(config(MaximumRetryAttempts=0), outputs=outputs))
    assert lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)["MaximumRetryAttempts"] == 0


def test_a_refused_update_is_a_validation_error_and_changes_nothing(cloudformation, lambda_client):
    """moto cannot roll an update back, so the refusal is CloudFormation's 400 ValidationError
    with the same reason, and the config stays as it was."""
    cloudformation.create_stack(StackName=STACK, TemplateBody=template(config(MaximumRetryAttempts=1)))
    with pytest.raises(ClientError) as refused:
        cloudformation.update_stack(StackName=STACK, TemplateBody=template(config(MaximumRetryAttempts=5)))
    assert error_of(refused) == (400, "ValidationError", "Properties validation failed for resource Config with "
                                 "message: #/MaximumRetryAttempts: 5 is not less or equal to 2")
    assert lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)["MaximumRetryAttempts"] == 1


def test_moto_alone_knows_no_event_invoke_config_again_after_the_mock(monkeypatch):
    """The resource type goes with the mock: moto's own CloudFormation, started after it, skips
    the resource with its warning, as it always did."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    stack = template(config(MaximumRetryAttempts=0), dead_letter=False)
    for with_mocklambda in (True, False):
        with mock_lambda() if with_mocklambda else mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket="code")
            s3.put_object(Bucket="code", Key="fn.zip", Body=make_zip({"handler.py": FAILS}))
            cloudformation = boto3.client("cloudformation", region_name=REGION)
            lambda_client = boto3.client("lambda", region_name=REGION)
            if with_mocklambda:
                cloudformation.create_stack(StackName=STACK, TemplateBody=stack)
                assert lambda_client.get_function_event_invoke_config(FunctionName=FUNCTION)["MaximumRetryAttempts"] == 0
            else:
                with pytest.warns(UserWarning, match="AWS::Lambda::EventInvokeConfig"):
                    cloudformation.create_stack(StackName=STACK, TemplateBody=stack)
                assert lambda_client.list_function_event_invoke_configs(
                    FunctionName=FUNCTION)["FunctionEventInvokeConfigs"] == []
