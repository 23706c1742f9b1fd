"""The checks AWS makes on a function's runtime and package, applied to CreateFunction,
UpdateFunctionConfiguration and UpdateFunctionCode request bodies before moto sees them (moto
keeps any runtime and any bytes). The package is read where moto will read it: the request's
``ZipFile``, or the S3 object it names."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from moto.s3.exceptions import MissingBucket, MissingKey
from moto.s3.models import s3_backends

from .._core import deployment, logging_config


def check_new_function(body: dict[str, Any], account_id: str, partition: str) -> None:
    check_configuration(body)
    config = body.get("LoggingConfig")
    if isinstance(config, dict):  # levels for a function that is Text by default are refused
        logging_config.created(config, str(body.get("FunctionName", "")))
    check_code(body.get("Code") or {}, account_id, partition)


def check_configuration(body: dict[str, Any]) -> None:
    if body.get("Runtime") is not None:
        deployment.check_runtime(str(body["Runtime"]))
    if body.get("Handler") is not None:
        deployment.check_handler(str(body["Handler"]))
    environment = body.get("Environment")
    if isinstance(environment, dict):
        deployment.check_environment(environment.get("Variables"))
    logging_config.check(body.get("LoggingConfig"))


def check_code(code: dict[str, Any], account_id: str, partition: str) -> None:
    """A .zip package (``ZipFile`` or ``S3Bucket``/``S3Key``) must unzip; container images are not read."""
    package = _package(code, account_id, partition)
    if package is not None:
        deployment.check_zip(package)


def _package(code: dict[str, Any], account_id: str, partition: str) -> bytes | None:
    if code.get("ZipFile") is not None:
        try:
            return base64.b64decode(code["ZipFile"])
        except (binascii.Error, ValueError, TypeError):
            return b""  # not even base64: no zip either
    if code.get("S3Bucket") and code.get("S3Key"):
        try:
            key = s3_backends[account_id][partition].get_object(code["S3Bucket"], code["S3Key"])
        except (MissingBucket, MissingKey):
            return None  # moto answers a missing object with AWS's GetObject error
        return bytes(key.value) if key is not None else None
    return None
