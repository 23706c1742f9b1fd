"""The conformance "stack" without SAM or CloudFormation: the functions a requirement needs,
created through boto3 from the SDK's SAM templates (``data/templates``), with their handlers in
one zip; and the little of CloudFormation the runner asks (logical id -> function name)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from aws_durable_execution_conformance_tests import validate

DATA = Path(__file__).resolve().parent / "data"
REQUIREMENTS = DATA / "requirements"
STACK_NAME = "mocklambda-conformance"
ARN_REFERENCE = re.compile(r"\$\{(\w+)\.Arn\}")


@cache
def handlers_zip(suite: str) -> bytes:
    """The suite's handlers as ``scripts/build_examples.py`` lays them out (``<suite>/<case>.py``),
    less the SDK: an in-process handler imports it from the test interpreter, as the Lambda
    runtime would from the zip. One suite a zip: each cold start extracts it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((DATA / "handlers" / suite).glob("*.py")):
            archive.write(path, path.relative_to(DATA / "handlers").as_posix())
    return buffer.getvalue()


def crashes(suite: str, logical_id: str) -> bool:
    """Whether the function's handler ends its process (``os._exit``, a Lambda crash): it must
    run in a process of its own (``lam.isolate``), not in the test's."""
    handler = _template(suite)["Resources"][logical_id]["Properties"]["Handler"]
    module = handler.rsplit(".", 1)[0].replace(".", "/")
    return "os._exit(" in (DATA / "handlers" / f"{module}.py").read_text()


@cache
def _template(suite: str) -> dict[str, Any]:
    with open(DATA / "templates" / f"template_{suite}.yaml") as file:
        loader = validate._CfnSafeLoader(file)  # the runner's own CloudFormation-tag-aware loader
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


@cache
def declared() -> dict[str, tuple[str, str]]:
    """Requirement id -> (suite, logical id) of the template function that declares it, read
    with the runner's ``parse_function_descriptions``."""
    return {description_id: (template.stem.removeprefix("template_"), logical_id)
            for template in sorted((DATA / "templates").glob("template_*.yaml"))
            for logical_id, description_id in validate.parse_function_descriptions(str(template))}


def _references(value: Any) -> Iterator[str]:
    """Logical ids an environment value names (``!Sub "${X.Arn}…"``, ``!GetAtt X.Arn``, ``!Ref X``)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("GetAtt", "Fn::GetAtt"):
                yield (inner.split(".")[0] if isinstance(inner, str) else inner[0])
            elif key == "Ref":
                yield inner
            else:
                yield from _references(inner)
    elif isinstance(value, str):
        yield from ARN_REFERENCE.findall(value)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


def _resolve(value: Any, arns: dict[str, str]) -> str:
    if isinstance(value, str):
        return value
    (key, inner), = value.items()
    if key in ("Sub", "Fn::Sub"):
        return ARN_REFERENCE.sub(lambda found: arns[found.group(1)], inner)
    if key in ("GetAtt", "Fn::GetAtt"):
        return arns[inner.split(".")[0] if isinstance(inner, str) else inner[0]]
    if key == "Ref":  # a function's name, a table's name
        return arns[inner].rsplit(":", 1)[-1]
    raise ValueError(f"unsupported intrinsic in a conformance template: {value!r}")


def create_stack(clients: dict[str, Any], role: str, suite: str, logical_id: str,
                 arns: dict[str, str]) -> dict[str, str]:
    """Create the function and what its environment names (an invoke case's target function,
    3-12's DynamoDB table), first what it depends on, unless ``arns`` (logical id -> ARN or
    table name, updated) has them already; answer {logical id: function name} of the
    requirement's functions."""
    lambda_client = clients["lambda"]
    template = _template(suite)
    defaults = template.get("Globals", {}).get("Function", {})
    resources = template["Resources"]
    created: dict[str, str] = {}

    def create(name: str) -> None:
        created[name] = name
        if name in arns:
            return
        properties = resources[name]["Properties"]
        if resources[name]["Type"] == "AWS::DynamoDB::Table":
            clients["dynamodb"].create_table(TableName=name, **properties)
            arns[name] = name
            return
        variables = properties.get("Environment", {}).get("Variables", {})
        for dependency in _references(variables):
            create(dependency)
        settings = {**defaults, **properties}
        params: dict[str, Any] = {
            "FunctionName": name, "Role": role, "Code": {"ZipFile": handlers_zip(suite)},
            "Runtime": settings["Runtime"], "Handler": settings["Handler"], "Timeout": settings["Timeout"],
            "MemorySize": settings["MemorySize"], "DurableConfig": settings["DurableConfig"],
        }
        for key in ("Description", "LoggingConfig", "TenancyConfig"):
            if key in settings:
                params[key] = settings[key]
        if variables:
            params["Environment"] = {"Variables": {key: _resolve(value, arns) for key, value in variables.items()}}
        arns[name] = lambda_client.create_function(**params)["FunctionArn"]

    create(logical_id)
    return {name: name for name in created if resources[name]["Type"] == "AWS::Serverless::Function"}


class StackResources:
    """The two CloudFormation calls the runner makes (``Invoker._resolve_function``,
    ``CloudWatchLogRetriever.get_log_group_name``), answered from the created functions."""

    def __init__(self, functions: dict[str, str]) -> None:
        self._functions = functions

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_stack_resources", operation
        summaries = [{"LogicalResourceId": logical, "PhysicalResourceId": physical,
                      "ResourceType": "AWS::Lambda::Function"} for logical, physical in self._functions.items()]
        paginate: Callable[..., list[dict[str, Any]]] = lambda **_: [{"StackResourceSummaries": summaries}]  # noqa: E731
        return type("Paginator", (), {"paginate": staticmethod(paginate)})()

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:  # noqa: N803
        return {"StackResourceDetail": {"PhysicalResourceId": self._functions[LogicalResourceId]}}
