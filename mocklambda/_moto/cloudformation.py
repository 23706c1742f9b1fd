"""moto's CloudFormation provisioning Lambda as AWS does: the ``AWS::Lambda::EventInvokeConfig``
resource moto lacks (kept in mocklambda's store, as PutFunctionEventInvokeConfig keeps it), the
``DeadLetterConfig`` of an ``AWS::Lambda::Function`` moto drops, and ``Fn::GetAtt <version>.Version``.
A resource AWS would refuse fails its stack as on AWS: CREATE_FAILED with CloudFormation's reason,
then the stack rolled back to ROLLBACK_COMPLETE (moto has no rollback of its own).

Importing moto's CloudFormation costs seconds, so the patches of its modules wait until moto loads
them (``DeferredPatch``; moto loads a service's backend on its first request)."""

from __future__ import annotations

import uuid
from typing import Any, cast

import moto.backends as moto_backends
from moto.awslambda.models import EventSourceMapping, LambdaFunction, LambdaVersion
from moto.core.exceptions import ServiceException
from moto.utilities.utils import get_partition

from .._core import cloudformation as cfn
from .._core.aws_errors import AwsError, wrong_region
from .._core.invoke_request import parse_function_ref
from .backend import AsyncLambdaBackend
from .filter_criteria import AwsErrorAnswer
from .patches import DeferredPatch, Patch
from .reader import backend_for, configuration_may_change


class ResourceFailed(ServiceException):
    """A resource CloudFormation fails. CreateStack rolls its stack back; anywhere else (an
    update, which moto cannot roll back) moto answers it as CloudFormation's 400 ValidationError."""

    code = "ValidationError"

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


def _lambda_backend(account_id: str, region: str) -> AsyncLambdaBackend:
    return cast(AsyncLambdaBackend, backend_for(account_id, region))


def _qualified_arn(region: str, account_id: str, function_name: str, qualifier: str) -> str:
    return f"arn:{get_partition(region)}:lambda:{region}:{account_id}:function:{function_name}:{qualifier}"


class EventInvokeConfigResource:
    """An ``AWS::Lambda::EventInvokeConfig`` of a stack. Shaped as moto's CloudFormation models
    are, but no subclass of theirs: those stay registered for good, and this one goes with the mock."""

    logical_resource_id: str  # set by moto's parser, as on its own models

    def __init__(self, account_id: str, region: str, function_name: str, qualifier: str) -> None:
        self.account_id = account_id
        self.region = region
        self.function_name = function_name
        self.qualifier = qualifier

    @property
    def physical_resource_id(self) -> str:
        return cfn.physical_id(self.function_name, self.qualifier)

    @property
    def qualified_arn(self) -> str:
        return _qualified_arn(self.region, self.account_id, self.function_name, self.qualifier)

    @staticmethod
    def cloudformation_type() -> str:
        return cfn.EVENT_INVOKE_CONFIG

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # no name property: moto generates one, unused

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False  # the resource type has no attributes

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException  # loaded by now

        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> EventInvokeConfigResource:
        logical_id = kwargs.get("LogicalId", resource_name)
        return cls._put(logical_id, cloudformation_json.get("Properties") or {}, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: EventInvokeConfigResource, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> EventInvokeConfigResource:
        """Settings are put again (one left out is removed); a new FunctionName or Qualifier
        replaces the resource (both are create-only), so the old config goes."""
        properties = cloudformation_json.get("Properties") or {}
        resource = cls._put(original_resource.logical_resource_id, properties, account_id, region_name)
        if resource.physical_resource_id != original_resource.physical_resource_id:
            original_resource.delete(account_id, region_name)
        return resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        function_name, _, qualifier = (resource_name or "").partition("|")
        cls(account_id, region_name, function_name, qualifier).delete(account_id, region_name)

    def delete(self, account_id: str, region: str) -> None:
        """Gone with the stack; a function deleted first took its configs along already."""
        store = _lambda_backend(self.account_id, self.region).event_invoke_configs
        if store.find(self.function_name, self.qualifier) is not None:
            store.delete(self.function_name, self.qualifier, self.qualified_arn)
            configuration_may_change()

    @classmethod
    def _put(cls, logical_id: str, properties: dict[str, Any], account_id: str,
             region: str) -> EventInvokeConfigResource:
        """What the resource's handler does: the schema's checks, then PutFunctionEventInvokeConfig
        with AWS's checks (spec 3.14, 5.4, 5.9); a refusal fails the resource with its reason."""
        problems = cfn.event_invoke_config_problems(properties)
        if problems:
            raise ResourceFailed(logical_id, cfn.EVENT_INVOKE_CONFIG, cfn.validation_failed(logical_id, problems))
        try:
            ref = parse_function_ref(properties["FunctionName"], properties["Qualifier"] or None)
            if ref.region is not None and ref.region != region:
                raise wrong_region(ref.region, region)
            account = ref.account_id or account_id
            qualifier = ref.qualifier or "$LATEST"
            _lambda_backend(account, region).save_event_invoke_config(
                "put", ref, _qualified_arn(region, account, ref.name, qualifier), cfn.put_request(properties)
            )
        except AwsError as error:
            reason = cfn.handler_failed(error, str(uuid.uuid4()), str(uuid.uuid4()))
            raise ResourceFailed(logical_id, cfn.EVENT_INVOKE_CONFIG, reason) from None
        return cls(account, region, ref.name, qualifier)


# -- AWS::Lambda::Function: the DeadLetterConfig moto's model leaves out of CreateFunction ---------


def _function_created(cls: type[LambdaFunction], /, resource_name: str, cloudformation_json: dict[str, Any],
                      account_id: str, region_name: str, **kwargs: Any) -> LambdaFunction:
    fn: LambdaFunction = CREATE_FUNCTION.original(resource_name, cloudformation_json, account_id, region_name,
                                                  **kwargs)
    _keep_dead_letter(fn, cloudformation_json.get("Properties") or {})
    return fn


def _function_updated(cls: type[LambdaFunction], /, original_resource: LambdaFunction, new_resource_name: str,
                      cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> LambdaFunction:
    fn: LambdaFunction = UPDATE_FUNCTION.original(original_resource, new_resource_name, cloudformation_json,
                                                  account_id, region_name)
    properties = cloudformation_json.get("Properties") or {}
    # a template's properties are the whole desired state: a DeadLetterConfig left out is removed
    _keep_dead_letter(fn, {"DeadLetterConfig": properties.get("DeadLetterConfig") or {"TargetArn": ""}})
    return fn


def _keep_dead_letter(fn: LambdaFunction, properties: dict[str, Any]) -> None:
    _lambda_backend(fn.account_id, fn.region)._keep_dead_letter_config(fn.function_name, properties)
    configuration_may_change()


def _mapping_created(cls: type[EventSourceMapping], /, resource_name: str, cloudformation_json: dict[str, Any],
                     account_id: str, region_name: str, **kwargs: Any) -> EventSourceMapping:
    """An ``AWS::Lambda::EventSourceMapping`` that CreateEventSourceMapping refuses (its
    FilterCriteria) fails its resource with Lambda's message, as AWS's handler does."""
    try:
        return cast(EventSourceMapping, CREATE_MAPPING.original(resource_name, cloudformation_json, account_id,
                                                                region_name, **kwargs))
    except AwsErrorAnswer as refused:
        reason = cfn.handler_failed(refused.error, str(uuid.uuid4()), str(uuid.uuid4()))
        logical_id = kwargs.get("LogicalId", resource_name)
        raise ResourceFailed(logical_id, "AWS::Lambda::EventSourceMapping", reason) from None


def _version_attribute(version: LambdaVersion, attribute_name: str) -> str:
    """``Fn::GetAtt <AWS::Lambda::Version>.Version``: the version number (what a template gives
    an EventInvokeConfig's Qualifier)."""
    if attribute_name == "Version":
        return str(version.version)
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException  # loaded by now

    raise UnformattedGetAttTemplateException()


CREATE_FUNCTION = Patch(LambdaFunction, "create_from_cloudformation_json", classmethod(_function_created))
UPDATE_FUNCTION = Patch(LambdaFunction, "update_from_cloudformation_json", classmethod(_function_updated))
VERSION_ATTRIBUTE = Patch(LambdaVersion, "get_cfn_attribute", _version_attribute)
CREATE_MAPPING = Patch(EventSourceMapping, "create_from_cloudformation_json", classmethod(_mapping_created))


# -- moto.cloudformation: the resource type, and rollback of a stack whose resource failed ------------


def _resource_class_from_type(resource_type: str) -> Any:
    if resource_type == cfn.EVENT_INVOKE_CONFIG:
        return EventInvokeConfigResource
    return RESOURCE_CLASS.original(resource_type)


def _create_resources(stack: Any) -> None:
    try:
        CREATE_RESOURCES.original(stack)
    except ResourceFailed as failure:
        _roll_back(stack, failure)


def _roll_back(stack: Any, failure: ResourceFailed) -> None:
    """As AWS: the failed resource's CREATE_FAILED event, ROLLBACK_IN_PROGRESS, every resource
    created so far deleted, ROLLBACK_COMPLETE; the stack keeps no resources, outputs or exports."""
    from moto.cloudformation.models import Event, cloudformation_backends  # loaded by now
    from moto.cloudformation.parsing import OutputMap, ResourceMap

    event = Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=failure.logical_id,
                  physical_resource_id="", resource_type=failure.resource_type, resource_status="CREATE_FAILED",
                  resource_status_reason=failure.reason, resource_properties=None)
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=cfn.rollback_reason([failure.logical_id]))
    try:
        stack.resource_map.delete()
    except Exception as error:  # a resource moto cannot delete: the stack stays, as on AWS
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=str(error))
        stack.status = "ROLLBACK_FAILED"
        return
    stack.resource_map = ResourceMap(stack.stack_id, stack.name, stack.parameters, stack.tags,
                                     region_name=stack.region_name, account_id=stack.account_id, template={},
                                     cross_stack_resources=stack.cross_stack_resources)
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
    exports = cloudformation_backends[stack.account_id][stack.region_name].exports
    for name in [name for name, export in exports.items() if export.exporting_stack_id == stack.stack_id]:
        del exports[name]
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status = "ROLLBACK_COMPLETE"


RESOURCE_CLASS = DeferredPatch("moto.cloudformation.parsing", "", "resource_class_from_type",
                               _resource_class_from_type)
CREATE_RESOURCES = DeferredPatch("moto.cloudformation.models", "Stack", "create_resources", _create_resources)
DEFERRED = (RESOURCE_CLASS, CREATE_RESOURCES)


def _import_backend(module_name: str, backends_name: str) -> Any:
    """moto loading a service's backend (on its first request): patch what is now loaded."""
    backends = IMPORT_BACKEND.original(module_name, backends_name)
    for patch in DEFERRED:
        patch.apply_if_loaded()
    return backends


IMPORT_BACKEND = Patch(moto_backends, "_import_backend", _import_backend)
PATCHES = (CREATE_FUNCTION, UPDATE_FUNCTION, VERSION_ATTRIBUTE, CREATE_MAPPING, *DEFERRED, IMPORT_BACKEND)
