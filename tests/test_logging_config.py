"""Lambda's advanced logging controls (``LoggingConfig``): the configuration API as AWS answered it
(``test_lambda_api.snapshot.json``, ``TestLoggingConfig``), and the settings applied: the log group
the logs go to, JSON application logs from Python's ``logging`` (awslambdaric's format) and from
Node's console (the Node runtime's LogPatch.js), ApplicationLogLevel filtering, and the platform
lines as JSON ``platform.*`` records filtered by SystemLogLevel. Spec 9.7 (the log's frame)."""

from __future__ import annotations

import json
import shutil
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import ECHO, bootstrap_zip, error_of
from tests.test_golden_snapshots import as_recorded, assert_shape, recorded
from tests.test_logs import tail

LAMBDA_API = "test_lambda_api.snapshot.json"
LOGGING_TEST = "tests/aws/services/lambda_/test_lambda_api.py::TestLoggingConfig::"
PARTIAL_CONFIGS = [  # the recorded test's parameters, by id
    {"LogFormat": "JSON"},
    {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
    {"LogFormat": "JSON", "SystemLogLevel": "DEBUG"},
    {"LogGroup": "cool_lambda"},
]
CONFIG_ANSWERS = ("create_response", "get_function_response", "function_config", "updated_config", "received_config")


def logging_configs(answers: dict[str, Any]) -> dict[str, Any]:
    """Each step's ``LoggingConfig`` (CreateFunction's recorded under ``CreateFunctionResponse``)."""
    shown = {}
    for key, answer in answers.items():
        answer = answer.get("CreateFunctionResponse", answer)
        shown[key] = answer.get("Configuration", answer).get("LoggingConfig")
    return shown


def create_recorded(create_function: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    """The recorded tests' function: python3.12, 256 MB, 5 s."""
    return {"CreateFunctionResponse": create_function(name, ECHO, Runtime="python3.12", MemorySize=256, Timeout=5,
                                                      **kwargs)}


def read_back(lambda_client: Any, name: str) -> dict[str, Any]:
    return {"get_function_response": lambda_client.get_function(FunctionName=name),
            "function_config": lambda_client.get_function_configuration(FunctionName=name)}


# --- the configuration API, against AWS's answers ---------------------------------------------------------------


def test_advanced_logging_configuration_is_awss(lambda_mock, lambda_client, create_function):
    """test_function_advanced_logging_configuration: JSON alone gets both levels at INFO and the
    default group; a full update replaces them all."""
    golden = recorded(LAMBDA_API, LOGGING_TEST + "test_function_advanced_logging_configuration")
    answers = {"create_response": create_recorded(create_function, "fn-logs", LoggingConfig={"LogFormat": "JSON"}),
               **read_back(lambda_client, "fn-logs")}
    answers["updated_config"] = lambda_client.update_function_configuration(
        FunctionName="fn-logs", LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO",
                                               "SystemLogLevel": "INFO", "LogGroup": "cool_lambda"})
    answers["received_config"] = lambda_client.get_function_configuration(FunctionName="fn-logs")
    shape = assert_shape([(logging_configs(answers), logging_configs({k: golden[k] for k in CONFIG_ANSWERS}))])
    assert shape.bound["<function-name:1>"] == "fn-logs"


def test_format_switch_is_awss(lambda_mock, lambda_client, create_function):
    """test_advanced_logging_configuration_format_switch: every function answers Text into
    /aws/lambda/<name>; JSON adds the levels, back to Text drops them."""
    golden = recorded(LAMBDA_API, LOGGING_TEST + "test_advanced_logging_configuration_format_switch")
    answers = {"create_response": create_recorded(create_function, "fn-switch"), **read_back(lambda_client, "fn-switch")}
    for suffix, log_format in (("", "JSON"), ("_v2", "Text")):
        answers[f"updated_config{suffix}"] = lambda_client.update_function_configuration(
            FunctionName="fn-switch", LoggingConfig={"LogFormat": log_format})
        answers[f"received_config{suffix}"] = lambda_client.get_function_configuration(FunctionName="fn-switch")
    keys = [*CONFIG_ANSWERS, "updated_config_v2", "received_config_v2"]
    assert_shape([(logging_configs(answers), logging_configs({key: golden[key] for key in keys}))])
    assert as_recorded(answers["updated_config_v2"])["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("case", range(len(PARTIAL_CONFIGS)))
def test_partial_updates_are_awss(lambda_mock, lambda_client, create_function, case):
    """test_function_partial_advanced_logging_configuration_update[partial_config<n>]: what the
    update names changes, the rest stays."""
    golden = recorded(LAMBDA_API, LOGGING_TEST + f"test_function_partial_advanced_logging_configuration_update"
                                                 f"[partial_config{case}]")
    answers = {"create_response": create_recorded(create_function, "fn-partial"), **read_back(lambda_client, "fn-partial")}
    answers["updated_config"] = lambda_client.update_function_configuration(
        FunctionName="fn-partial", LoggingConfig=PARTIAL_CONFIGS[case])
    answers["received_config"] = lambda_client.get_function_configuration(FunctionName="fn-partial")
    assert_shape([(logging_configs(answers), logging_configs({k: golden[k] for k in CONFIG_ANSWERS}))])


def test_versions_and_listings_carry_the_config_of_their_time(lambda_mock, lambda_client, create_function):
    """PublishVersion keeps the configuration it was published with; ListFunctions and
    ListVersionsByFunction show each version's."""
    create_function("versioned", ECHO, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})
    published = lambda_client.publish_version(FunctionName="versioned")
    lambda_client.update_function_configuration(FunctionName="versioned", LoggingConfig={"LogFormat": "Text"})
    json_config = {"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO",
                   "LogGroup": "/aws/lambda/versioned"}
    assert published["LoggingConfig"] == json_config
    assert lambda_client.get_function_configuration(FunctionName="versioned", Qualifier="1")["LoggingConfig"] \
        == json_config
    [listed] = lambda_client.list_functions()["Functions"]
    assert listed["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/versioned"}
    versions = lambda_client.list_versions_by_function(FunctionName="versioned")["Versions"]
    assert [v["LoggingConfig"]["LogFormat"] for v in versions] == ["Text", "JSON"]


@pytest.mark.parametrize(("config", "problems"), [
    ({"LogFormat": "XML"},
     ["Value 'XML' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: "
      "[JSON, Text]"]),
    ({"LogFormat": "JSON", "ApplicationLogLevel": "VERBOSE", "SystemLogLevel": "ERROR"},
     ["Value 'VERBOSE' at 'loggingConfig.applicationLogLevel' failed to satisfy constraint: Member must satisfy enum "
      "value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]",
      "Value 'ERROR' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value "
      "set: [DEBUG, INFO, WARN]"]),
    ({"LogGroup": "my group"},
     ["Value 'my group' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular "
      "expression pattern: [\\.\\-_/#A-Za-z0-9]+"]),
    ({"LogGroup": "g" * 513},
     [f"Value '{'g' * 513}' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must have length less "
      "than or equal to 512"]),
])
def test_a_config_outside_the_models_constraints_is_refused(lambda_mock, lambda_client, create_function, config,
                                                            problems):
    """The botocore model's enums and LogGroup pattern/length, refused as AWS refuses a model
    violation: a ValidationException naming each; nothing is created or changed."""
    with pytest.raises(ClientError) as refused:
        create_function("refused", ECHO, LoggingConfig=config)
    count = len(problems)
    assert error_of(refused) == (400, "ValidationException",
                                 f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
    create_function("kept", ECHO)
    with pytest.raises(ClientError):
        lambda_client.update_function_configuration(FunctionName="kept", LoggingConfig=config)
    assert lambda_client.get_function_configuration(FunctionName="kept")["LoggingConfig"] == {
        "LogFormat": "Text", "LogGroup": "/aws/lambda/kept"}
    assert [f["FunctionName"] for f in lambda_client.list_functions()["Functions"]] == ["kept"]


def test_log_levels_with_text_are_refused(lambda_mock, lambda_client, create_function):
    """Levels apply only to JSON: with Text (named, or kept) they are refused with AWS's message."""
    message = ('LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or '
               'change the LogFormat to "JSON" and try again.')
    with pytest.raises(ClientError) as refused:
        create_function("text", ECHO, LoggingConfig={"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"})
    assert error_of(refused) == (400, "InvalidParameterValueException", message)
    with pytest.raises(ClientError) as refused:  # Text by default
        create_function("text", ECHO, LoggingConfig={"ApplicationLogLevel": "DEBUG"})
    assert error_of(refused) == (400, "InvalidParameterValueException", message)
    create_function("text", ECHO)
    with pytest.raises(ClientError) as refused:
        lambda_client.update_function_configuration(FunctionName="text", LoggingConfig={"SystemLogLevel": "WARN"})
    assert error_of(refused) == (400, "InvalidParameterValueException", message)


# --- applied: where the logs go, and their format ---------------------------------------------------------------

LOGS_EVERY_WAY = """
import logging
logger = logging.getLogger("orders")

def handler(event, context):
    logger.debug("debug detail")
    logger.info("order %s", event["order"], extra={"customer": "c-1"})
    logger.warning("low stock")
    print("printed as is")
    try:
        raise KeyError("sku")
    except KeyError:
        logger.exception("lookup failed")
    if event.get("fail"):
        raise ValueError("cannot ship")
    return event["order"]
"""


def group_events(group: str) -> list[str]:
    logs = boto3.client("logs", region_name="us-east-1")
    return [event["message"] for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]
            for event in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])["events"]]


def test_logs_go_to_the_configured_group(lambda_mock, lambda_client, create_function):
    """LogGroup: START/END/REPORT and the handler's output land there, not in /aws/lambda/<name>;
    the context and AWS_LAMBDA_LOG_GROUP_NAME name it."""
    source = "import os\ndef handler(event, context):\n    print('group', context.log_group_name)\n" \
             "    return os.environ['AWS_LAMBDA_LOG_GROUP_NAME']\n"
    create_function("grouped", source, LoggingConfig={"LogGroup": "shared/app-logs"})
    response = lambda_client.invoke(FunctionName="grouped", Payload=b"{}")
    assert json.loads(response["Payload"].read()) == "shared/app-logs"
    events = group_events("shared/app-logs")
    assert events[1].startswith("START RequestId:") and events[-1].startswith("REPORT RequestId:")
    assert "group shared/app-logs\n" in events
    groups = boto3.client("logs", region_name="us-east-1").describe_log_groups()["logGroups"]
    assert [group["logGroupName"] for group in groups] == ["shared/app-logs"]


def test_python_logging_is_json_with_awslambdarics_fields(lambda_mock, lambda_client, create_function):
    """LogFormat JSON: each logging record is one JSON object (awslambdaric's JsonFormatter), from
    ApplicationLogLevel (INFO) up; print output stays as it is; the runtime's error report is JSON;
    the platform lines are platform.* records."""
    create_function("json-logs", LOGS_EVERY_WAY, Runtime="python3.12", LoggingConfig={"LogFormat": "JSON"})
    response = lambda_client.invoke(FunctionName="json-logs", Payload=json.dumps({"order": 7, "fail": True}),
                                    LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = tail(response).splitlines()
    assert "printed as is" in lines
    records = [json.loads(line) for line in lines if line != "printed as is"]
    platform = [(r["type"], r["record"]["requestId"]) for r in records if "type" in r]
    assert platform == [("platform.start", request_id), ("platform.runtimeDone", request_id),
                        ("platform.report", request_id)]
    info, warning, exception, error_report = [r for r in records if "type" not in r]
    assert {k: v for k, v in info.items() if k != "timestamp"} == {
        "level": "INFO", "message": "order 7", "logger": "orders", "requestId": request_id, "customer": "c-1"}
    assert (warning["level"], warning["message"]) == ("WARNING", "low stock")
    assert (exception["errorType"], exception["errorMessage"], exception["message"]) == ("KeyError", "'sku'",
                                                                                         "lookup failed")
    assert exception["stackTrace"] and exception["location"] == "/var/task/handler.py:handler:13"
    assert list(error_report)[:2] == ["timestamp", "log_level"]
    assert (error_report["log_level"], error_report["errorType"], error_report["errorMessage"]) == (
        "ERROR", "ValueError", "cannot ship")
    report = records[-1]["record"]
    assert (report["status"], report["errorType"]) == ("error", "ValueError")
    assert set(report["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB",
                                      "initDurationMs"}


def test_cloudwatch_gets_json_platform_records_and_init_start(lambda_mock, lambda_client, create_function):
    """In CloudWatch Logs a cold start begins with platform.initStart; a warm one has no initDurationMs."""
    create_function("json-cw", ECHO, Runtime="python3.12", LoggingConfig={"LogFormat": "JSON"})
    for _ in range(2):
        lambda_client.invoke(FunctionName="json-cw", Payload=b"{}")
    kinds = [json.loads(event)["type"] for event in group_events("/aws/lambda/json-cw")]
    assert kinds == ["platform.initStart", "platform.start", "platform.runtimeDone", "platform.report",
                     "platform.start", "platform.runtimeDone", "platform.report"]
    init_start = json.loads(group_events("/aws/lambda/json-cw")[0])["record"]
    assert (init_start["initializationType"], init_start["phase"]) == ("on-demand", "init")
    assert init_start["runtimeVersion"].startswith("python:3.12.")
    warm_report = json.loads(group_events("/aws/lambda/json-cw")[-1])["record"]
    assert "initDurationMs" not in warm_report["metrics"] and warm_report["status"] == "success"


@pytest.mark.parametrize(("levels", "messages", "platform_records"), [
    ({"ApplicationLogLevel": "DEBUG", "SystemLogLevel": "DEBUG"}, ["debug detail", "order 1", "low stock"], 3),
    ({"ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO"}, ["low stock"], 3),
    ({"ApplicationLogLevel": "FATAL", "SystemLogLevel": "WARN"}, [], 0),
])
def test_levels_filter_what_is_logged(lambda_mock, lambda_client, create_function, levels, messages,
                                      platform_records):
    """ApplicationLogLevel filters logging records (the root logger starts at it, as awslambdaric
    sets it); SystemLogLevel WARN leaves out the platform records, which are INFO."""
    create_function("levels", LOGS_EVERY_WAY, LoggingConfig={"LogFormat": "JSON", **levels})
    lines = tail(lambda_client.invoke(FunctionName="levels", Payload=b'{"order": 1}', LogType="Tail")).splitlines()
    records = [json.loads(line) for line in lines if line != "printed as is"]
    assert [r["message"] for r in records if "message" in r and r.get("logger") == "orders"
            and "errorType" not in r] == messages
    assert len([r for r in records if "type" in r]) == platform_records


def test_environment_variables_are_set_for_json(lambda_mock, lambda_client, create_function):
    """AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL: set for JSON (the runtimes read them), not for Text."""
    source = "import os\ndef handler(event, context):\n" \
             "    return [os.environ.get('AWS_LAMBDA_LOG_FORMAT'), os.environ.get('AWS_LAMBDA_LOG_LEVEL')]\n"
    create_function("env", source, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "TRACE"})
    assert json.loads(lambda_client.invoke(FunctionName="env")["Payload"].read()) == ["JSON", "TRACE"]
    lambda_client.update_function_configuration(FunctionName="env", LoggingConfig={"LogFormat": "Text"})
    assert json.loads(lambda_client.invoke(FunctionName="env")["Payload"].read()) == [None, None]


def test_text_stays_as_it_was(lambda_mock, lambda_client, create_function):
    """The default (Text): START/END/REPORT lines and the runtime's text records, unchanged."""
    create_function("text", LOGS_EVERY_WAY)
    lines = tail(lambda_client.invoke(FunctionName="text", Payload=b'{"order": 2}', LogType="Tail")).splitlines()
    assert lines[0].startswith("START RequestId:") and lines[-1].startswith("REPORT RequestId:")
    assert any(line.startswith("[WARNING]\t") and line.endswith("\tlow stock") for line in lines)


CUSTOM_RUNTIME = """#!/usr/bin/env python3
import json, os, urllib.request
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
while True:
    with urllib.request.urlopen(API + "/invocation/next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
    print("written as is", os.environ.get("AWS_LAMBDA_LOG_FORMAT"), flush=True)
    urllib.request.urlopen(urllib.request.Request(API + f"/invocation/{request_id}/response", data=b"{}",
                                                  method="POST")).read()
"""


def test_a_custom_runtime_gets_the_variables_and_json_platform_records(lambda_mock, lambda_client, role_arn):
    """provided.*: AWS sets the variables and formats its own lines; the process's output is as written."""
    lambda_client.create_function(FunctionName="custom", Runtime="provided.al2023", Role=role_arn(),
                                  Handler="bootstrap", Code={"ZipFile": bootstrap_zip(CUSTOM_RUNTIME)},
                                  LoggingConfig={"LogFormat": "JSON"})
    lines = tail(lambda_client.invoke(FunctionName="custom", Payload=b"{}", LogType="Tail")).splitlines()
    assert "written as is JSON" in lines
    assert [json.loads(line)["type"] for line in lines if line != "written as is JSON"] == [
        "platform.start", "platform.runtimeDone", "platform.report"]


NODE_LOGS = """
exports.handler = async (event) => {
  console.debug("debug detail");
  console.log("order", event.order);
  console.warn({sku: "a-1"});
  console.error(new TypeError("bad sku"));
  process.stdout.write("written as is\\n");
  return event.order;
};
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_console_is_json_from_the_application_level(lambda_mock, lambda_client, create_function):
    """LogFormat JSON for Node (LogPatch.js's JSON mode): ``timestamp``, ``level``, ``requestId``,
    ``message`` (an object kept as one), an Error's ``errorType``/``errorMessage``/``stackTrace``;
    console.debug is below INFO and dropped."""
    create_function("node-json", {"index.js": NODE_LOGS}, Runtime="nodejs20.x", Handler="index.handler",
                    LoggingConfig={"LogFormat": "JSON"})
    response = lambda_client.invoke(FunctionName="node-json", Payload=b'{"order": 3}', LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = tail(response).splitlines()
    assert "written as is" in lines
    app = [json.loads(line) for line in lines if line != "written as is" and "platform." not in line]
    assert [(r["level"], r["requestId"]) for r in app] == [("INFO", request_id), ("WARN", request_id),
                                                           ("ERROR", request_id)]
    assert app[0]["message"] == "order 3" and app[1]["message"] == {"sku": "a-1"}
    assert (app[2]["message"]["errorType"], app[2]["message"]["errorMessage"]) == ("TypeError", "bad sku")


@pytest.mark.lambda_mock(isolation="process")
def test_an_isolated_function_logs_json_under_awslambdaric(lambda_mock, lambda_client, create_function):
    """Isolated Python runs under AWS's own awslambdaric, which reads AWS_LAMBDA_LOG_FORMAT / _LEVEL:
    its JsonFormatter writes the records, from the level up; the platform records are ours."""
    create_function("isolated", LOGS_EVERY_WAY, Runtime="python3.12",
                    LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})
    response = lambda_client.invoke(FunctionName="isolated", Payload=b'{"order": 4}', LogType="Tail")
    lines = [line for line in tail(response).splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert [(r["level"], r["message"]) for r in records if r.get("logger") == "orders"] == [
        ("WARNING", "low stock"), ("ERROR", "lookup failed")]
    assert [r["type"] for r in records if "type" in r] == ["platform.start", "platform.runtimeDone",
                                                           "platform.report"]
