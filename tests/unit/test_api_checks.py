"""The pure checks behind the API answers: function-name and qualifier syntax (spec 1.10, 1.20),
reserved concurrency, and the runtimes and packages CreateFunction refuses. The boto3-level
comparisons with AWS's recordings are in ``tests/test_golden_api_answers.py``."""

from __future__ import annotations

import io
import re
import zipfile

import botocore.session
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mocklambda._core import aws_errors, deployment, function_concurrency, function_names
from mocklambda._core.function_names import FUNCTION_NAME, NAMESPACED, QUALIFIER_PATTERN, UNQUALIFIED, FunctionRef

from .builders import ACCOUNT

LAMBDA_MODEL = botocore.session.get_session().get_service_model("lambda")
PATTERN = "Member must satisfy regular expression pattern: "


def raised(call: object) -> aws_errors.AwsError:
    with pytest.raises(aws_errors.AwsError) as excinfo:
        call()  # type: ignore[operator]
    return excinfo.value


# -- the patterns are the service model's ------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "shape"), [
    ("Invoke", NAMESPACED), ("InvokeAsync", NAMESPACED), ("PutFunctionEventInvokeConfig", NAMESPACED),
    ("PutFunctionConcurrency", FUNCTION_NAME), ("GetFunctionConcurrency", FUNCTION_NAME),
    ("DeleteFunctionConcurrency", FUNCTION_NAME), ("PutFunctionRecursionConfig", UNQUALIFIED),
])
def test_each_shape_is_the_models_pattern_and_length(operation: str, shape: function_names.NameShape) -> None:
    member = LAMBDA_MODEL.operation_model(operation).input_shape.members["FunctionName"]
    assert (member.metadata["pattern"], member.metadata["max"]) == (shape.pattern, shape.max_length)


def test_the_qualifier_pattern_is_the_models() -> None:
    member = LAMBDA_MODEL.operation_model("Invoke").input_shape.members["Qualifier"]
    assert (member.metadata["pattern"], member.metadata["max"]) == (QUALIFIER_PATTERN, function_names.QUALIFIER_MAX_LENGTH)


# -- splitting -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "shape", "expected"), [
    ("fn", NAMESPACED, FunctionRef("fn", None)),
    ("my.fn:prod", NAMESPACED, FunctionRef("my.fn", "prod")),
    ("fn:$LATEST.PUBLISHED", NAMESPACED, FunctionRef("fn", "$LATEST.PUBLISHED")),
    (f"{ACCOUNT}:function:fn:1", NAMESPACED, FunctionRef("fn", "1", None, ACCOUNT)),
    ("function:fn", NAMESPACED, FunctionRef("fn", None)),
    (f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:fn:live", FUNCTION_NAME, FunctionRef("fn", "live", "eu-west-1", ACCOUNT)),
    (f"arn:aws-us-gov:lambda:us-gov-west-1:{ACCOUNT}:function:fn", UNQUALIFIED, FunctionRef("fn", None, "us-gov-west-1", ACCOUNT)),
    # recorded as a 404 for "…:function:function:$LATEST": the last "function" is the name
    (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function", NAMESPACED, FunctionRef("function", None, "us-east-1", ACCOUNT)),
])
def test_split_reads_the_parts_a_name_gives(raw: str, shape: function_names.NameShape, expected: FunctionRef) -> None:
    assert function_names.check(raw, None, shape) == expected


# -- the problems and AWS's combined message -------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "qualifier", "shape", "expected"), [
    ("my-function!", None, NAMESPACED, [f"Value 'my-function!' at 'functionName' failed to satisfy constraint: "
                                        f"{PATTERN}{NAMESPACED.pattern}"]),
    ("my.fn", None, FUNCTION_NAME, [f"Value 'my.fn' at 'functionName' failed to satisfy constraint: "
                                    f"{PATTERN}{FUNCTION_NAME.pattern}"]),  # '.' only in Invoke's shape
    ("fn:1", None, UNQUALIFIED, [f"Value 'fn:1' at 'functionName' failed to satisfy constraint: "
                                 f"{PATTERN}{UNQUALIFIED.pattern}"]),
    ("f" * 257, None, NAMESPACED, [f"Value '{'f' * 257}' at 'functionName' failed to satisfy constraint: "
                                   "Member must have length less than or equal to 256"]),
    ("f!" + "f" * 300, None, NAMESPACED, [f"Value '{'f!' + 'f' * 300}' at 'functionName' failed to satisfy "
                                          f"constraint: {PATTERN}{NAMESPACED.pattern}"]),  # pattern only
    ("fn", "a" * 129, NAMESPACED, [f"Value '{'a' * 129}' at 'qualifier' failed to satisfy constraint: "
                                   "Member must have length less than or equal to 128"]),
    ("fn", "!" * 129, NAMESPACED, [f"Value '{'!' * 129}' at 'qualifier' failed to satisfy constraint: "
                                   "Member must have length less than or equal to 128",
                                   f"Value '{'!' * 129}' at 'qualifier' failed to satisfy constraint: "
                                   f"{PATTERN}{QUALIFIER_PATTERN}"]),
    ("fn", "$latest", NAMESPACED, []),  # valid syntax: a 404 later (spec 1.11)
    ("f" * 65, None, NAMESPACED, []),  # valid syntax: a 404 later (spec 1.20)
])
def test_problems_are_listed_name_first(raw: str, qualifier: str | None, shape: function_names.NameShape,
                                        expected: list[str]) -> None:
    assert function_names.problems(raw, qualifier, shape) == expected


def test_two_problems_make_one_combined_message() -> None:
    error = raised(lambda: function_names.check("bad!", "a" * 129))
    assert (error.status, error.code) == (400, "ValidationException")
    assert error.message == (
        "2 validation errors detected: "
        f"Value 'bad!' at 'functionName' failed to satisfy constraint: {PATTERN}{NAMESPACED.pattern}; "
        f"Value '{'a' * 129}' at 'qualifier' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


NAME_CHARS = st.text(alphabet="abcXYZ019-_.", min_size=1, max_size=40)
QUALIFIERS = st.one_of(st.just("$LATEST"), st.just("$LATEST.PUBLISHED"), st.text(alphabet="az09-_", min_size=1,
                                                                                  max_size=20))
REGIONS = st.sampled_from(["us-east-1", "eu-west-2", "us-gov-west-1", "cn-north-1", "eusc-de-east-1"])


@settings(database=None)
@given(NAME_CHARS, st.none() | QUALIFIERS, REGIONS, st.from_regex(r"\d{12}", fullmatch=True))
def test_a_full_arn_splits_into_what_it_was_built_from(name: str, qualifier: str | None, region: str,
                                                       account: str) -> None:
    raw = f"arn:aws:lambda:{region}:{account}:function:{name}" + (f":{qualifier}" if qualifier else "")
    assert function_names.check(raw, None) == FunctionRef(name, qualifier, region, account)


NEAR_VALID = st.text(alphabet="aZ9-_.:$!", max_size=40)  # mostly AWS's characters: valid and invalid names


@settings(database=None)
@given(st.text(max_size=60) | NEAR_VALID | st.text(alphabet="a", min_size=250, max_size=260),
       st.none() | st.text(max_size=140) | NEAR_VALID | st.text(alphabet="a$", min_size=125, max_size=130))
def test_problems_are_exactly_the_broken_constraints(raw: str, qualifier: str | None) -> None:
    """The promise: no problem means the name and qualifier match their patterns and lengths, and
    every problem is one broken constraint, in AWS's words; ``check`` raises iff there is one."""
    found = function_names.problems(raw, qualifier)
    name_ok = re.fullmatch(NAMESPACED.pattern, raw) is not None and len(raw) <= 256
    qualifier_ok = qualifier is None or (re.fullmatch(QUALIFIER_PATTERN, qualifier) is not None
                                         and len(qualifier) <= 128)
    assert (found == []) == (name_ok and qualifier_ok)
    assert sum(problem.startswith(f"Value '{raw}' at 'functionName'") for problem in found) == (0 if name_ok else 1)
    if found:
        error = raised(lambda: function_names.check(raw, qualifier))
        count = len(found)
        assert error.message == f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(found)
    else:
        assert function_names.check(raw, qualifier).name


@settings(database=None)
@given(st.text(min_size=1, max_size=30))
def test_a_character_outside_every_pattern_is_always_refused(text: str) -> None:
    assume(any(char not in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:$" for char in text))
    for shape in (NAMESPACED, FUNCTION_NAME, UNQUALIFIED):
        assert function_names.problems(text, None, shape) == [
            f"Value '{text}' at 'functionName' failed to satisfy constraint: {PATTERN}{shape.pattern}"]


# -- reserved concurrency --------------------------------------------------------------------------------------------


def test_a_qualified_name_is_refused_with_awss_message() -> None:
    error = function_concurrency.unqualified_only()
    assert (error.status, error.code, error.typed) == (400, "InvalidParameterValueException", True)
    assert error.message.startswith("This operation is permitted on Lambda functions only.")


@settings(database=None)
@given(st.integers(0, 2000), st.lists(st.integers(0, 500), max_size=5), st.integers(0, 3000))
def test_a_reservation_is_accepted_iff_100_stay_unreserved(requested: int, others: list[int], limit: int) -> None:
    leaves = limit - requested - sum(others)
    if leaves >= function_concurrency.MIN_UNRESERVED:
        function_concurrency.check_reservation(requested, others, limit)
        return
    error = raised(lambda: function_concurrency.check_reservation(requested, others, limit))
    assert (error.code, error.typed) == ("InvalidParameterValueException", False)  # recorded without "Type"
    assert error.message.endswith("below its minimum value of [100].")


# -- runtimes and packages -------------------------------------------------------------------------------------------


def test_every_valid_runtime_is_accepted_and_the_deprecated_ones_have_their_own_message() -> None:
    for runtime in deployment.VALID_RUNTIMES:
        deployment.check_runtime(runtime)
    for runtime in deployment.DEPRECATED_RUNTIMES:
        assert raised(lambda runtime=runtime: deployment.check_runtime(runtime)).message == (
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions.")


def test_runtime_lists_cover_the_models_enum_apart_from_unreleased_ones() -> None:
    enum = set(LAMBDA_MODEL.shape_for("Runtime").enum)
    known = set(deployment.VALID_RUNTIMES) | deployment.DEPRECATED_RUNTIMES
    assert known <= enum and not set(deployment.VALID_RUNTIMES) & deployment.DEPRECATED_RUNTIMES
    assert enum - known <= {"nodejs26.x", "python3.15", "ruby4.0", "java8.al2023", "java11.al2023",
                            "java17.al2023", "custom"}


@settings(database=None)
@given(st.text(max_size=20))
def test_any_other_runtime_is_refused_naming_the_valid_set(runtime: str) -> None:
    assume(runtime not in deployment.VALID_RUNTIMES and runtime not in deployment.DEPRECATED_RUNTIMES)
    error = raised(lambda: deployment.check_runtime(runtime))
    assert error.message == (f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
                             f"enum value set: [{', '.join(deployment.VALID_RUNTIMES)}] or be a valid ARN")


@settings(database=None, deadline=None)
@given(st.dictionaries(st.text(alphabet="abc/._", min_size=1, max_size=10), st.binary(max_size=200), max_size=5))
def test_any_zip_that_a_file_system_can_hold_is_accepted(files: dict[str, bytes]) -> None:
    """Property: every zip is accepted unless it puts an entry beneath a file (``a`` and ``a/b``),
    which no file system can unpack (issue 13 item 9)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    entries = {name: "/".join(part for part in name.split("/") if part) for name in files}
    file_paths = {path for name, path in entries.items() if not name.endswith("/")}
    beneath_a_file = any(path.startswith(file + "/") for path in entries.values() for file in file_paths)
    if beneath_a_file:
        with pytest.raises(aws_errors.AwsError):
            deployment.check_zip(buffer.getvalue())
    else:
        deployment.check_zip(buffer.getvalue())


@settings(database=None)
@given(st.binary(max_size=300))
def test_bytes_that_are_not_a_zip_are_refused(data: bytes) -> None:
    assume(b"PK\x05\x06" not in data)  # no end-of-central-directory record: no zip
    error = raised(lambda: deployment.check_zip(data))
    assert (error.code, error.message) == (
        "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")
