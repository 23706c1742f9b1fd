"""LoggingConfig's pure logic: AWS's defaults, partial updates and checks (recorded in
``test_lambda_api.snapshot.json``, TestLoggingConfig), the JSON formatter of Python's runtime
(awslambdaric's JsonFormatter) and the JSON platform records of a run's frame."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core import logging_config
from mocklambda._core.aws_errors import AwsError
from mocklambda._model import LogFrame, LoggingSettings
from mocklambda._runtime.json_logs import JsonFormatter, error_log, python_style

DEFAULT = LoggingSettings("Text", None, None, "/aws/lambda/fn")


def test_a_new_function_is_text_into_its_own_group():
    assert logging_config.response(logging_config.created(None, "fn")) == {"LogFormat": "Text",
                                                                          "LogGroup": "/aws/lambda/fn"}


def test_json_gets_info_levels_and_back_to_text_drops_them():
    json_settings = logging_config.updated(DEFAULT, {"LogFormat": "JSON"})
    assert logging_config.response(json_settings) == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO",
                                                      "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/fn"}
    assert list(logging_config.response(json_settings)) == ["LogFormat", "ApplicationLogLevel", "SystemLogLevel",
                                                            "LogGroup"]  # the model's member order
    assert logging_config.updated(json_settings, {"LogFormat": "Text"}) == DEFAULT


def test_a_level_change_keeps_the_other_settings():
    json_settings = logging_config.updated(DEFAULT, {"LogFormat": "JSON", "LogGroup": "g"})
    assert logging_config.updated(json_settings, {"SystemLogLevel": "WARN"}) == LoggingSettings("JSON", "INFO", "WARN",
                                                                                                "g")


def test_naming_json_again_keeps_the_levels():
    """Not recorded (a README choice): the INFO defaults apply to a switch to JSON only."""
    debug = logging_config.updated(DEFAULT, {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
    assert logging_config.updated(debug, {"LogFormat": "JSON"}) == debug


def test_levels_with_text_are_refused():
    with pytest.raises(AwsError) as refused:
        logging_config.updated(DEFAULT, {"ApplicationLogLevel": "DEBUG"})
    assert refused.value.code == "InvalidParameterValueException"


def test_every_problem_is_named_in_one_validation_error():
    with pytest.raises(AwsError) as refused:
        logging_config.check({"LogFormat": "json", "LogGroup": "a b"})
    assert refused.value.message.startswith("2 validation errors detected: Value 'json' at 'loggingConfig.logFormat'")


changes = st.fixed_dictionaries({}, optional={
    "LogFormat": st.sampled_from(logging_config.LOG_FORMATS),
    "ApplicationLogLevel": st.sampled_from(logging_config.APPLICATION_LEVELS),
    "SystemLogLevel": st.sampled_from(logging_config.SYSTEM_LEVELS),
    "LogGroup": st.sampled_from(["/aws/lambda/other", "cool_lambda"]),
})


@given(st.lists(changes, max_size=6))
def test_levels_are_set_exactly_when_the_format_is_json(steps: list[dict[str, str]]) -> None:
    """Property: whatever updates AWS accepts, in any order, a JSON function has both levels and a
    Text one neither; the group is always set; an accepted update applied again changes nothing."""
    settings = DEFAULT
    for change in steps:
        try:
            after = logging_config.updated(settings, change)
        except AwsError:
            assert (change.get("LogFormat") or settings.log_format) == "Text"
            continue
        assert logging_config.updated(after, change) == after
        settings = after
        assert (settings.application_level is not None) == (settings.system_level is not None) == (
            settings.log_format == "JSON")
        assert settings.log_group


def record(message: str, level: int = logging.INFO, exc_info: object = None, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("orders", level, "/tmp/x/handler.py", 3, message, (), exc_info, "handler")
    made.__dict__.update(extra)
    return made


def test_json_formatter_writes_awslambdarics_fields():
    line = JsonFormatter().format(record("hello", aws_request_id="req-1", customer="c-1"))
    assert line.endswith("\n")
    assert list(json.loads(line)) == ["timestamp", "level", "message", "logger", "requestId", "customer"]
    assert json.loads(line)["level"] == "INFO"


def test_json_formatter_rounds_levels_down_and_reports_exceptions():
    try:
        raise KeyError("sku")
    except KeyError:
        line = JsonFormatter().format(record("failed", 35, sys.exc_info()))
    shown = json.loads(line)
    assert (shown["level"], shown["errorType"], shown["errorMessage"]) == ("WARNING", "KeyError", "'sku'")
    assert shown["location"] == "/tmp/x/handler.py:handler:3" and len(shown["stackTrace"]) == 1


def test_json_error_report_leads_with_time_and_level():
    assert list(json.loads(error_log({"errorMessage": "m", "errorType": "E"}))) == [
        "timestamp", "log_level", "errorMessage", "errorType"]


def test_python_style_is_text_unless_json():
    assert python_style(DEFAULT) == (None, 0)
    assert python_style(LoggingSettings("JSON", "TRACE", "INFO", None))[1] == logging.DEBUG


def frame(system_level: str | None, init: bool = False) -> LogFrame:
    return LogFrame("req-1", "$LATEST", ["app\n"], 12.3, 128, 40, 5.0 if init else None, (),
                    "INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: arn:x\n" if init else None,
                    system_level)


def test_json_platform_records_replace_the_text_lines():
    events = frame("INFO", init=True).cloudwatch_events()
    kinds = [json.loads(event)["type"] for event in events if event != "app\n"]
    assert kinds == ["platform.initStart", "platform.start", "platform.runtimeDone", "platform.report"]
    assert json.loads(events[0])["record"]["runtimeVersionArn"] == "arn:x"
    report = json.loads(events[-1])["record"]["metrics"]
    assert report == {"durationMs": 12.3, "billedDurationMs": 13, "memorySizeMB": 128, "maxMemoryUsedMB": 40,
                      "initDurationMs": 5.0}


def test_system_level_warn_leaves_only_the_functions_output():
    assert frame("WARN", init=True).cloudwatch_events() == ["app\n"]
    assert frame("WARN").text() == "app\n"
