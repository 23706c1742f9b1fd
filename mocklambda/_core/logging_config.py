"""A function's ``LoggingConfig`` (Lambda's advanced logging controls), as CreateFunction and
UpdateFunctionConfiguration take it and every configuration answer shows it: AWS's checks, its
defaults and its partial updates (recorded in ``test_lambda_api.snapshot.json``, ``TestLoggingConfig``),
and the levels the runtimes filter by."""

from __future__ import annotations

import re
from typing import Any

from .._model import LoggingSettings
from . import aws_errors

LOG_FORMATS = ("JSON", "Text")  # the botocore model's enums, in its order
APPLICATION_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LEVELS = ("DEBUG", "INFO", "WARN")
LOG_GROUP_PATTERN = r"[\.\-_/#A-Za-z0-9]+"
LOG_GROUP_MAX = 512
TEXT_WITH_LEVELS = ('LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request '
                    'or change the LogFormat to "JSON" and try again.')


def check(config: Any) -> None:
    """AWS's refusal of a ``LoggingConfig`` that breaks the model's constraints (enums, the log
    group's length and pattern), every problem in one ``ValidationException``."""
    if not isinstance(config, dict):
        return
    problems = []
    for key, field, allowed in (("LogFormat", "loggingConfig.logFormat", LOG_FORMATS),
                                ("ApplicationLogLevel", "loggingConfig.applicationLogLevel", APPLICATION_LEVELS),
                                ("SystemLogLevel", "loggingConfig.systemLogLevel", SYSTEM_LEVELS)):
        value = config.get(key)
        if value is not None and value not in allowed:
            problems.append(aws_errors.constraint_text(
                field, str(value), f"Member must satisfy enum value set: [{', '.join(allowed)}]"))
    group = config.get("LogGroup")
    if group is not None:
        if len(str(group)) > LOG_GROUP_MAX:
            problems.append(aws_errors.constraint_text(
                "loggingConfig.logGroup", str(group), f"Member must have length less than or equal to {LOG_GROUP_MAX}"))
        if not re.fullmatch(LOG_GROUP_PATTERN, str(group)):
            problems.append(aws_errors.constraint_text(
                "loggingConfig.logGroup", str(group),
                f"Member must satisfy regular expression pattern: {LOG_GROUP_PATTERN}"))
    if problems:
        raise aws_errors.validation_errors(problems)
    if config.get("LogFormat") == "Text" and (config.get("ApplicationLogLevel") or config.get("SystemLogLevel")):
        raise aws_errors.invalid_parameter(TEXT_WITH_LEVELS)


def created(config: dict[str, Any] | None, function_name: str) -> LoggingSettings:
    """The settings of a new function: Text into ``/aws/lambda/<name>`` unless told otherwise;
    JSON gets INFO for both levels by default (recording ``test_function_advanced_logging_configuration``)."""
    return updated(default(function_name), config or {})


def default(function_name: str) -> LoggingSettings:
    return LoggingSettings("Text", None, None, f"/aws/lambda/{function_name}")


def updated(current: LoggingSettings, change: dict[str, Any]) -> LoggingSettings:
    """A partial update, as recorded (``test_function_partial_advanced_logging_configuration_update``):
    what the request names replaces what was set, the rest stays; a switch to JSON sets both levels
    to INFO unless the request names them; a switch back to Text drops them
    (``test_advanced_logging_configuration_format_switch``). Levels with Text are refused."""
    log_format = change.get("LogFormat") or current.log_format
    application = change.get("ApplicationLogLevel") or current.application_level
    system = change.get("SystemLogLevel") or current.system_level
    if log_format == "Text":
        if change.get("ApplicationLogLevel") or change.get("SystemLogLevel"):
            raise aws_errors.invalid_parameter(TEXT_WITH_LEVELS)
        application = system = None
    else:  # a switch to JSON: INFO for the levels it does not name; already JSON: they stay
        application, system = application or "INFO", system or "INFO"
    return LoggingSettings(log_format, application, system, change.get("LogGroup") or current.log_group)


def response(settings: LoggingSettings) -> dict[str, str]:
    """``LoggingConfig`` as AWS answers it: the levels only with JSON."""
    answer = {"LogFormat": settings.log_format}
    if settings.application_level is not None:
        answer["ApplicationLogLevel"] = settings.application_level
    if settings.system_level is not None:
        answer["SystemLogLevel"] = settings.system_level
    answer["LogGroup"] = settings.log_group or ""
    return answer

