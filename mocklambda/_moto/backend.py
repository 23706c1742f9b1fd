"""``AsyncLambdaBackend``: moto's Lambda backend with AWS's behaviour while a mock is active, and
the per-backend stores moto lacks (event invoke configs, dead-letter targets, recursion configs).
Shaped like moto's own ``awslambda_simple`` variant: a subclass the backend dicts are switched to."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend

from .._core import logging_config
from .._core.event_invoke_config import (
    EventInvokeConfig,
    EventInvokeConfigStore,
    check_destinations,
    check_ranges,
    check_settings_given,
    function_missing,
)
from .._core.invoke_request import FunctionRef
from . import active, durable_api, mapping_api
from .compat import adopt_backend
from .filter_criteria import refuse_bad_filters
from .patches import Patch
from .reader import BACKEND_DICTS, backend_for, configuration_may_change, lambda_exists, logging_settings

F = TypeVar("F", bound=Callable[..., Any])
SIMPLE_INVOKE = LambdaSimpleBackend.invoke  # a test that patches it (moto's own suite does) keeps it


def invalidates_caches(method: F) -> F:
    """A moto method that changes what attempts read (CloudFormation calls some of them without
    any Lambda request): cached configurations and snapshots are stale, before and after."""

    def changed(*args: Any, **kwargs: Any) -> Any:
        configuration_may_change()
        try:
            return method(*args, **kwargs)
        finally:
            configuration_may_change()

    return cast(F, changed)


class AsyncLambdaBackend(LambdaSimpleBackend):
    """moto's Lambda backend with AWS's invocation behaviour while a ``LambdaMock`` is active."""

    @property
    def _url_module(self) -> Any:
        return sys.modules[f"{__package__}.responses"]

    @invalidates_caches
    def reset(self) -> None:
        """moto's reset (its reset API, ``mock_aws`` restarting): every function is gone."""
        super().reset()

    def invoke(self, function_name: str, qualifier: str | None, body: Any, headers: Any,
               response_headers: Any) -> str | bytes | None:
        """moto's internal callers (SQS event source mappings, SecretsManager rotation, ...)."""
        if active.current() is None or LambdaSimpleBackend.invoke is not SIMPLE_INVOKE:
            # no mock, or a test patched moto's simple backend (moto's own suite does): defer to it
            return super().invoke(function_name=function_name, qualifier=qualifier, body=body,
                                  headers=headers, response_headers=response_headers)
        return LambdaBackend.invoke(self, function_name=function_name, qualifier=qualifier, body=body,
                                    headers=headers, response_headers=response_headers)

    @property
    def event_invoke_configs(self) -> EventInvokeConfigStore:
        store = self.__dict__.get("_mocklambda_eic")
        if store is None:
            store = self.__dict__["_mocklambda_eic"] = EventInvokeConfigStore()
        return cast(EventInvokeConfigStore, store)

    @invalidates_caches
    def save_event_invoke_config(self, operation: str, ref: FunctionRef, qualified_arn: str,
                                 body: dict[str, Any]) -> EventInvokeConfig:
        """PutFunctionEventInvokeConfig (replaces) or Update... (merges), with AWS's checks in
        AWS's order (spec 3.14, 5.2-5.4, 5.9, 5.10); CloudFormation's resource makes the same call."""
        check_ranges(body)
        if operation == "put":
            check_settings_given(body)  # before the function is looked up (spec 5.4)
        try:
            fn = self.get_function(ref.name, ref.qualifier)
        except UnknownFunctionException:
            raise function_missing() from None
        check_destinations(body, fn.function_name, lambda_exists)
        method = self.event_invoke_configs.put if operation == "put" else self.event_invoke_configs.update
        return method(fn.function_name, ref.qualifier or "$LATEST", qualified_arn, body)

    @property
    def dead_letter_targets(self) -> dict[str, str]:
        """Function name -> DLQ ARN: function-level, shared by every version (spec 4.2)."""
        return cast("dict[str, str]", self.__dict__.setdefault("_mocklambda_dlq", {}))

    @property
    def durable_configs(self) -> dict[str, dict[str, Any]]:
        """Function name -> its checked DurableConfig (issue 16): function-level, as DLQs here."""
        return cast("dict[str, dict[str, Any]]", self.__dict__.setdefault("_mocklambda_durable", {}))

    @property
    def recursion_configs(self) -> dict[str, str]:
        """Function name -> "Allow" | "Terminate" (spec 7.1; Terminate when unset)."""
        return cast("dict[str, str]", self.__dict__.setdefault("_mocklambda_recursion", {}))

    # Changes made straight on the backend (CloudFormation, tests) reach cached configurations too.
    put_function_concurrency = invalidates_caches(LambdaSimpleBackend.put_function_concurrency)
    delete_function_concurrency = invalidates_caches(LambdaSimpleBackend.delete_function_concurrency)
    create_alias = invalidates_caches(LambdaSimpleBackend.create_alias)
    update_alias = invalidates_caches(LambdaSimpleBackend.update_alias)
    delete_alias = invalidates_caches(LambdaSimpleBackend.delete_alias)
    publish_version = invalidates_caches(LambdaSimpleBackend.publish_version)

    @invalidates_caches
    def create_function(self, body: dict[str, Any]) -> LambdaFunction:
        fn = super().create_function(body)
        self._keep_dead_letter_config(fn.function_name, body)
        durable_api.keep_config(self.durable_configs, fn.function_name, body)
        fn._mocklambda_logging = logging_config.created(  # type: ignore[attr-defined]
            body.get("LoggingConfig"), fn.function_name)
        return fn

    @invalidates_caches
    def update_function_configuration(self, function_name: str, qualifier: str, body: dict[str, Any]) -> Any:
        fn = self.get_function(function_name, qualifier)
        self._keep_dead_letter_config(fn.function_name, body)
        durable_api.keep_config(self.durable_configs, fn.function_name, body)
        if isinstance(body.get("LoggingConfig"), dict):  # checked before (responses): this cannot refuse
            fn._mocklambda_logging = logging_config.updated(  # type: ignore[attr-defined]
                logging_settings(fn), body["LoggingConfig"])
        return super().update_function_configuration(function_name, qualifier, body)

    @invalidates_caches
    def delete_function(self, function_name: str, qualifier: str | None = None) -> None:
        name = self.get_function(function_name, qualifier).function_name
        super().delete_function(function_name, qualifier)
        if qualifier is None:
            self.event_invoke_configs.delete_function(name)
            self.dead_letter_targets.pop(name, None)
            self.recursion_configs.pop(name, None)
            self.durable_configs.pop(name, None)

    def create_event_source_mapping(self, body: dict[str, Any]) -> Any:
        settings, function_arn = mapping_api.check_create(self, body)  # AWS's checks; moto's are few
        refuse_bad_filters(body, body.get("EventSourceArn"))
        # moto reads FunctionName its own way (a partial ARN, "123456789012:function:f", fails it)
        esm = super().create_event_source_mapping({**body, "FunctionName": function_arn})
        mapping_api.created(esm, settings, function_arn)
        self._mapping_changed(esm)
        return esm

    def update_event_source_mapping(self, uuid: str, body: dict[str, Any]) -> Any:
        settings, function_arn = mapping_api.check_update(self, uuid, body)
        refuse_bad_filters(body, getattr(self.get_event_source_mapping(uuid), "event_source_arn", None))
        if function_arn is not None:
            body = {**body, "FunctionName": function_arn}
        esm = super().update_event_source_mapping(uuid, body)
        mapping_api.updated(esm, settings, function_arn)
        self._mapping_changed(esm)
        return esm

    def delete_event_source_mapping(self, uuid: str) -> Any:
        esm = super().delete_event_source_mapping(uuid)
        if esm is not None:
            mapping_api.deleted(self, esm)
        self._mapping_changed(esm)
        return esm

    @staticmethod
    def _mapping_changed(esm: Any) -> None:
        """A new or re-enabled SQS mapping starts polling (messages already waiting are read);
        a stream mapping's poller learns of every change (created, updated, deleted)."""
        intake = active.current()
        if intake is None or esm is None:
            return
        if ":sqs:" not in esm.event_source_arn:
            intake.stream_mapping_changed(esm.uuid)
        elif esm.enabled:
            intake.sqs_mapping_changed(esm.uuid)

    def _keep_dead_letter_config(self, name: str, settings: dict[str, Any]) -> None:
        """moto drops DeadLetterConfig; AWS keeps it. An empty ``TargetArn`` removes it; a
        DeadLetterConfig without ``TargetArn`` (``{}``) changes nothing: AWS's answer to
        ``UpdateFunctionConfiguration(DeadLetterConfig={})`` still names the queue (recording
        ``test_dead_letter_queue``, "delete_dlq")."""
        config = settings.get("DeadLetterConfig")
        if not isinstance(config, dict) or "TargetArn" not in config:
            return
        if config["TargetArn"]:
            self.dead_letter_targets[name] = str(config["TargetArn"])
        else:
            self.dead_letter_targets.pop(name, None)


def _get_configuration_with_dead_letter(fn: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``LambdaFunction.get_configuration``, with the DeadLetterConfig and LoggingConfig moto drops."""
    configuration: dict[str, Any] = GET_CONFIGURATION.original(fn, *args, **kwargs)
    configuration["LoggingConfig"] = logging_config.response(logging_settings(fn))
    backend = backend_for(fn.account_id, fn.region)
    target = getattr(backend, "dead_letter_targets", {}).get(fn.function_name)
    if target:
        configuration["DeadLetterConfig"] = {"TargetArn": target}
    durable = getattr(backend, "durable_configs", {}).get(fn.function_name)
    if durable:
        configuration["DurableConfig"] = dict(durable)
    return configuration


GET_CONFIGURATION = Patch(LambdaFunction, "get_configuration", _get_configuration_with_dead_letter)
PATCHES = (
    *(Patch(backend_dict, "backend", AsyncLambdaBackend) for backend_dict in BACKEND_DICTS),
    GET_CONFIGURATION,
    Patch(LambdaFunction, "update_configuration", invalidates_caches(LambdaFunction.update_configuration)),
    Patch(LambdaFunction, "update_function_code", invalidates_caches(LambdaFunction.update_function_code)),
)


def adopt_existing_backends() -> None:
    """Backends created before the swap (or its undo) keep their functions: each takes its
    dict's current class in place."""
    for backend_dict in BACKEND_DICTS:
        for account in list(backend_dict.values()):
            for backend in list(account.values()):
                adopt_backend(backend, backend_dict.backend)
