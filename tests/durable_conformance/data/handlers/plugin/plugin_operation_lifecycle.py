"""10-2: Plugin operation lifecycle hooks (step start and terminal end).

The plugin emits its lines from the SDK's real ``on_operation_start`` /
``on_operation_end`` hooks, filtering to STEP-type operations only via the
``OperationType`` enum reported on the hook info.
"""

import json
from typing import Any

from aws_durable_execution_sdk_python.context import (
    DurableContext,
    StepContext,
    durable_step,
)
from aws_durable_execution_sdk_python.execution import durable_execution
from aws_durable_execution_sdk_python.plugin import (
    DurableInstrumentationPlugin,
    InvocationStartInfo,
    OperationEndInfo,
    OperationStartInfo,
)


def _emit(record: dict[str, Any], execution_arn: str | None) -> None:
    # Prefix every plugin record with the execution ARN as a top-level field so
    # the conformance runner's CloudWatch JSON filter can scope logs to a single
    # execution. Omit the field when the ARN is unset (never invent a value).
    if execution_arn:
        record = {"durableExecutionArn": execution_arn, **record}
    print(json.dumps(record), flush=True)


def _is_step(info: OperationStartInfo | OperationEndInfo) -> bool:
    return info.operation_type.name == "STEP"


class OperationLifecyclePlugin(DurableInstrumentationPlugin):
    def __init__(self) -> None:
        # Operation hooks do not carry the execution ARN, so capture it from the
        # invocation-start hook and reuse it for later operation emissions.
        self._execution_arn: str | None = None

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        # Capture only; this test asserts operation-start/-end lines exclusively.
        self._execution_arn = info.execution_arn

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if not _is_step(info):
            return
        _emit(
            {
                "plugin": "CONFPLUGIN",
                "hook": "operation-start",
                "op": info.operation_id,
            },
            self._execution_arn,
        )

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if not _is_step(info):
            return
        status = info.status.name if info.status is not None else "NONE"
        _emit(
            {
                "plugin": "CONFPLUGIN",
                "hook": "operation-end",
                "op": info.operation_id,
                "status": status,
            },
            self._execution_arn,
        )


class _Factory:  # mocklambda: SDK 3.0 takes plugin factories (data/README.md)
    def __init__(self, plugin: DurableInstrumentationPlugin) -> None:
        self._plugin = plugin

    def create_plugin(self, _info: Any) -> DurableInstrumentationPlugin:
        return self._plugin


@durable_step
def greet(_step_context: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution(plugins=[_Factory(OperationLifecyclePlugin())])
def handler(event: Any, context: DurableContext) -> str:
    result: str = context.step(greet(event))
    return result
