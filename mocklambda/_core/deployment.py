"""What CreateFunction, UpdateFunctionConfiguration and UpdateFunctionCode refuse in a function's
runtime and package, with AWS's messages (recordings ``test_create_lambda_exceptions``,
``test_create_deprecated_function_runtime_with_validation_enabled[*]``,
``test_oversized_unzipped_lambda``)."""

from __future__ import annotations

import io
import re
import zipfile

from . import aws_errors

# AWS's list, in the order its message gives it (recorded 2026-01-12).
VALID_RUNTIMES = (
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x", "nodejs22.x",
    "java25", "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4", "ruby3.2", "python3.8", "python3.9",
    "java17", "nodejs16.x", "dotnet10", "dotnet8", "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2",
)
# Runtimes AWS ran once and now refuses for new and updated functions (the model's enum, less the
# valid ones and those never released). Recorded for java8, go1.x, provided, ruby2.7, nodejs14.x,
# python3.7, dotnetcore3.1 and nodejs12.x; the older ones were blocked before them.
DEPRECATED_RUNTIMES = frozenset({
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "java8", "python2.7", "python3.6", "python3.7", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
    "dotnetcore3.1", "go1.x", "ruby2.5", "ruby2.7", "provided",
})
MAX_UNZIPPED_SIZE = 262_144_000  # 250 MB


def check_runtime(runtime: str) -> None:
    if runtime in DEPRECATED_RUNTIMES:
        raise aws_errors.invalid_parameter(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions."
        )
    if runtime not in VALID_RUNTIMES:
        raise aws_errors.invalid_parameter(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(VALID_RUNTIMES)}] or be a valid ARN"
        )


UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."
MAX_NAME_BYTES = 255  # a file name's limit on Lambda's file system (and most others)


def unextractable(entries: list[zipfile.ZipInfo]) -> str | None:
    """Why a package that opens still cannot be unzipped, or None: an encrypted entry, a file
    name past ``MAX_NAME_BYTES``, or an entry beneath one that is a file (or a symlink)."""
    files: set[str] = set()
    paths: list[list[str]] = []
    for info in entries:
        if info.flag_bits & 0x1:
            return f"{info.filename!r} is encrypted"
        parts = [part for part in info.filename.split("/") if part]
        if any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in parts):
            return f"a name in {info.filename!r} is longer than {MAX_NAME_BYTES} bytes"
        paths.append(parts)
        if not info.is_dir():
            files.add("/".join(parts))
    for parts in paths:  # in any order: a directory made first, or the file first, cannot both be
        if any("/".join(parts[:depth]) in files for depth in range(1, len(parts))):
            return f"{'/'.join(parts)!r} lies beneath a file"
    return None


def check_handler(handler: str) -> None:
    """A Handler becomes the runtime's ``_HANDLER`` variable: a NUL or another control character
    cannot be in a process's environment (the model's pattern, ``[^\\s]+``, is quoted)."""
    if any(ord(char) < 32 or ord(char) == 127 for char in handler):
        raise aws_errors.validation("handler", handler, "Member must satisfy regular expression pattern: [^\\s]+")


_ENVIRONMENT_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")


def check_environment(variables: object) -> None:
    """Variable names must match the model's pattern (AWS refuses others at CreateFunction); a
    value with a NUL cannot be in a process's environment and is refused the same way."""
    if not isinstance(variables, dict):
        return
    shown = "{" + ", ".join(f"{key}={value}" for key, value in variables.items()) + "}"
    if not all(isinstance(key, str) and _ENVIRONMENT_KEY.fullmatch(key) for key in variables):
        raise aws_errors.validation("environment.variables", shown, "Map keys must satisfy constraint: [Member "
                                    "must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
    if any("\x00" in str(value) for value in variables.values()):
        raise aws_errors.validation("environment.variables", shown, "Map values must not contain a null character")


def check_zip(package: bytes) -> None:
    """A .zip deployment package must open, and unzip to at most 250 MB (its central directory
    says how much, so nothing is extracted here)."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise aws_errors.invalid_parameter(UNZIP_FAILED) from None
    if unextractable(entries) is not None:
        raise aws_errors.invalid_parameter(UNZIP_FAILED)
    unzipped = sum(info.file_size for info in entries)
    if unzipped > MAX_UNZIPPED_SIZE:
        raise aws_errors.invalid_parameter(f"Unzipped size must be smaller than {MAX_UNZIPPED_SIZE} bytes")
