"""The pure pieces around the queue: ARNs, recursion chains, invocation records, dead-letter
messages, event invoke configs, Invoke request parsing and log frames."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from mocklambda._core import aws_errors
from mocklambda._core.event_invoke_config import (
    DESTINATION_PATTERN_TEXT,
    EventInvokeConfigStore,
    check_destinations,
    check_ranges,
)
from mocklambda._core.invoke_request import FunctionRef, check_payload, parse_client_context, parse_function_ref
from mocklambda._core.records import dead_letter, invocation_record, s3_key
from mocklambda._core.recursion import MAX_INVOCATIONS_PER_FUNCTION, RECURSION_MESSAGE, admit, root
from mocklambda._core.retry_policy import RetrySettings
from mocklambda._model import (
    TAIL_BYTES,
    Arn,
    AttemptRecord,
    Chain,
    ExecutionResult,
    LogFrame,
    QueuedEvent,
    qualified,
    tail,
)

from .builders import ACCOUNT, START, error_result, function_arn, make_event, ok_result

QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:destination"


# -- ARNs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "service", "region", "account", "resource", "name"),
    [
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:my-queue", "sqs", "us-east-1", ACCOUNT, "my-queue", "my-queue"),
        (f"arn:aws:sns:eu-west-1:{ACCOUNT}:my-topic", "sns", "eu-west-1", ACCOUNT, "my-topic", "my-topic"),
        (f"arn:aws:events:us-east-1:{ACCOUNT}:rule/my-bus/my-rule", "events", "us-east-1", ACCOUNT,
         "rule/my-bus/my-rule", "my-rule"),
        (f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default", "events", "us-east-1", ACCOUNT, "event-bus/default",
         "default"),
        ("arn:aws:s3:::my-bucket", "s3", "", "", "my-bucket", "my-bucket"),
    ],
)
def test_arn_parse(text: str, service: str, region: str, account: str, resource: str, name: str) -> None:
    arn = Arn.parse(text)
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource, arn.name) == (
        "aws", service, region, account, resource, name)
    assert str(arn) == text


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [(function_arn(), None), (function_arn(qualifier="1"), "1"), (function_arn(qualifier="prod"), "prod"),
     (function_arn(qualifier="$LATEST"), "$LATEST")],
)
def test_lambda_arn_parts(text: str, qualifier: str | None) -> None:
    arn = Arn.parse(text)
    assert (arn.service, arn.function_name, arn.qualifier) == ("lambda", "fn", qualifier)
    assert str(arn) == text


@pytest.mark.parametrize("text", ["fn", f"arn:aws:sqs:us-east-1:{ACCOUNT}", "urn:aws:s3:::bucket", ""])
def test_arn_parse_refuses_what_is_not_an_arn(text: str) -> None:
    with pytest.raises(ValueError, match="not an ARN"):
        Arn.parse(text)


def test_records_always_name_a_qualified_function() -> None:
    # spec 3.4: unqualified invokes produce ...:function:<name>:$LATEST
    assert qualified(function_arn()) == function_arn(qualifier="$LATEST")
    assert qualified(function_arn(qualifier="2")) == function_arn(qualifier="2")


# -- recursion (spec §7) --------------------------------------------------------------------------


class RecursionConfig:
    """A function's recursion setting, counting how often it is read."""

    def __init__(self, value: str = "Terminate") -> None:
        self.value = value
        self.reads = 0

    def __call__(self) -> str:
        self.reads += 1
        return self.value


def invoke_along(arns: list[str], config: Callable[[], str], parent: Chain | None = None) -> list[tuple[Chain, bool]]:
    """Admit an invocation of each ARN in turn, each made from the one before."""
    admitted = []
    for arn in arns:
        parent, allowed = admit(arn, parent, config)
        admitted.append((parent, allowed))
    return admitted


def test_a_triggering_event_starts_one_shared_root_chain() -> None:
    arn = function_arn("root-fn")
    chain, allowed = admit(arn, None, RecursionConfig())
    assert allowed and chain is root(arn) and chain.count(arn) == 1 and chain.count(function_arn("other")) == 0


def test_the_17th_invocation_on_one_path_is_stopped() -> None:
    arn, config = function_arn("loop"), RecursionConfig()
    admitted = invoke_along([arn] * 17, config)
    assert MAX_INVOCATIONS_PER_FUNCTION == 16
    assert [allowed for _, allowed in admitted] == [True] * 16 + [False]  # spec 7.2: more than 16 times
    assert [chain.count(arn) for chain, _ in admitted] == list(range(1, 18))
    assert config.reads == 1  # the config is read only when the limit is passed


def test_allow_lets_a_loop_go_on() -> None:
    arn, config = function_arn("loop"), RecursionConfig("Allow")
    admitted = invoke_along([arn] * 20, config)
    assert all(allowed for _, allowed in admitted)  # spec 7.3
    assert config.reads == 4


def test_each_function_counts_only_its_own_invocations_on_the_path() -> None:
    first, second, config = function_arn("ping"), function_arn("pong"), RecursionConfig()
    admitted = invoke_along([first, second] * 16 + [first], config)
    assert [allowed for _, allowed in admitted] == [True] * 32 + [False]
    assert (admitted[-1][0].count(first), admitted[-1][0].count(second)) == (17, 16)


def test_siblings_do_not_count_for_each_other() -> None:
    arn, config = function_arn("fan-out"), RecursionConfig()
    parent = invoke_along([arn] * 15, config)[-1][0]
    children = [admit(arn, parent, config) for _ in range(10)]  # a fan-out: 10 invocations from one parent
    assert all(allowed and chain.count(arn) == 16 for chain, allowed in children)
    assert parent.count(arn) == 15 and config.reads == 0
    assert admit(arn, children[0][0], config)[1] is False  # a grandchild is the 17th on its path


# -- invocation records (spec §3) -----------------------------------------------------------------


def record_of(event: QueuedEvent, at: datetime = START) -> str:
    return invocation_record(event, at)


def finished_event(condition: str, kinds: list[str], result: ExecutionResult | None,
                   payload: bytes = b'{"key": "value"}', invoked_arn: str | None = None,
                   version: str = "$LATEST") -> QueuedEvent:
    event = make_event(payload=payload, invoked_arn=invoked_arn, version=version)
    event.condition = condition
    event.attempts = tuple(AttemptRecord(START, kind=kind) for kind in kinds)  # type: ignore[arg-type]
    event.last_result = result
    return event


def test_a_success_record_exactly_as_aws_writes_it() -> None:
    event = finished_event("Success", ["throttle", "run"], ok_result(b'{"ok": true}'))
    at = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
    # spec 3.3 (field order), 3.4 (qualified ARN), 3.5 (count of runs), 3.7 (payloads spliced as JSON)
    assert record_of(event, at) == (
        '{"version":"1.0","timestamp":"2024-01-02T03:04:05.678Z","requestContext":{"requestId":"req-1",'
        f'"functionArn":"{function_arn()}:$LATEST","condition":"Success","approximateInvokeCount":1}},'
        '"requestPayload":{"key": "value"},"responseContext":{"statusCode":200,"executedVersion":"$LATEST"},'
        '"responsePayload":{"ok": true}}'
    )


def test_a_failure_record_carries_the_last_error() -> None:
    event = finished_event("RetriesExhausted", ["run", "throttle", "run", "run"], error_result("boom"),
                           invoked_arn=function_arn(qualifier="1"), version="1")
    record = json.loads(record_of(event))
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext",
                            "responsePayload"]
    assert list(record["requestContext"]) == ["requestId", "functionArn", "condition", "approximateInvokeCount"]
    assert record["requestContext"]["functionArn"] == function_arn(qualifier="1")
    assert record["requestContext"]["approximateInvokeCount"] == 3  # spec 3.5: throttles are not invocations
    # spec 3.7/3.8: the last attempt's response, with functionError
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1", "functionError": "Unhandled"}
    assert record["responsePayload"] == {"errorMessage": "boom", "errorType": "Err"}


def test_a_record_of_an_event_that_never_ran_has_no_response() -> None:
    record = json.loads(record_of(finished_event("ZeroReservedConcurrency", [], None)))
    # spec 2.9: only version, timestamp, requestContext and requestPayload; count 0
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload"]
    assert record["requestContext"]["approximateInvokeCount"] == 0


@pytest.mark.parametrize(
    ("payload", "spliced"),
    [
        (b'  {"a" :  [1, 2]}\n', '{"a" :  [1, 2]}'),  # spec 3.7: the original bytes, whitespace inside kept
        (b"", "{}"),
        (b"   ", "{}"),
        (b"42", "42"),
        (b'"text"', '"text"'),
        (b"[true, null]", "[true, null]"),
        (b"not json", '"not json"'),
        (b'{"a": 1} {"b": 2}', '"{\\"a\\": 1} {\\"b\\": 2}"'),  # two values: not one JSON value
        (b"\xff", '"\\ufffd"'),
    ],
)
def test_the_request_payload_is_spliced_verbatim_when_it_is_json(payload: bytes, spliced: str) -> None:
    record = record_of(finished_event("EventAgeExceeded", ["throttle"], None, payload=payload))
    assert record.endswith(f',"requestPayload":{spliced}}}')
    json.loads(record)  # and the record stays valid JSON


def test_a_response_payload_that_is_not_json_is_recorded_as_a_string() -> None:
    record = json.loads(record_of(finished_event("Success", ["run"], ok_result(b"plain bytes"))))
    assert record["responsePayload"] == "plain bytes"


def test_record_timestamps_are_utc_milliseconds() -> None:
    at = datetime(2024, 1, 2, 5, 4, 5, 999999, tzinfo=timezone(timedelta(hours=2)))
    assert json.loads(record_of(finished_event("Success", ["run"], ok_result()), at))["timestamp"] == (
        "2024-01-02T03:04:05.999Z")  # spec 3.3: ISO-8601 UTC with milliseconds and Z


# -- dead-letter messages (spec §4) ---------------------------------------------------------------


def test_a_dead_letter_is_the_original_event_with_awss_attributes() -> None:
    event = finished_event("RetriesExhausted", ["run"] * 3, error_result("Test exception"), payload=b'{"raise": 1}')
    letter = dead_letter(event)
    # spec 4.4: the event as-is; spec 4.5: RequestID, ErrorCode 200 for a function error, ErrorMessage
    assert (letter.body, letter.request_id, letter.error_code, letter.error_message) == (
        '{"raise": 1}', "req-1", "200", "Test exception")


@pytest.mark.parametrize(
    ("kinds", "recursive", "code", "message"),
    [
        ([], True, "400", RECURSION_MESSAGE),  # spec 7.2 (U6: our choice of code)
        (["throttle", "system_error"], False, "500", "An error occurred within the Lambda service."),  # U6
        (["throttle"], False, "429", "Rate Exceeded."),  # expired while throttled (U6)
        ([], False, "429", "Rate Exceeded."),  # zero reserved concurrency (U6)
    ],
)
def test_dead_letters_of_events_that_did_not_fail_in_the_function(kinds: list[str], recursive: bool, code: str,
                                                                   message: str) -> None:
    event = finished_event("EventAgeExceeded", kinds, None, payload=b"")
    event.stopped_as_recursive = recursive
    letter = dead_letter(event)
    assert (letter.body, letter.error_code, letter.error_message) == ("{}", code, message)


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("short", "short"),
        ("a" * 1024, "a" * 1024),
        ("a" * 1030, "a" * 1024),
        ("a" * 1023 + "é" + "b", "a" * 1023),  # the cut would split é: the whole character goes
        ("é" * 600, "é" * 512),  # exactly 1024 bytes
        ("€" * 400, "€" * 341),  # 1023 bytes: the 342nd euro sign would need 1026
    ],
)
def test_the_dead_letter_error_message_is_the_first_kilobyte(message: str, kept: str) -> None:
    letter = dead_letter(finished_event("RetriesExhausted", ["run"], error_result(message)))
    assert letter.error_message == kept  # spec 4.5: "the first 1 KB of the error message", valid UTF-8
    assert len(letter.error_message.encode("utf-8")) <= 1024


def test_s3_keys_follow_awss_layout_in_utc() -> None:
    at = datetime(2024, 1, 2, 1, 4, 5, tzinfo=timezone(timedelta(hours=2)))  # 2024-01-01 23:04:05 UTC
    first, second = s3_key("my-fn", at), s3_key("my-fn", at)
    # spec 3.13: aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>
    match = re.fullmatch(r"aws/lambda/async/my-fn/2024/01/01/2024-01-01T23\.04\.05-(.+)", first)
    assert match is not None and uuid.UUID(match.group(1)).version == 4
    assert first != second


# -- event invoke configs (spec §5) ---------------------------------------------------------------

LATEST_ARN = function_arn(qualifier="$LATEST")


def aws_error(call: Callable[[], Any]) -> aws_errors.AwsError:
    with pytest.raises(aws_errors.AwsError) as caught:
        call()
    return caught.value


def test_put_replaces_the_whole_config() -> None:
    store = EventInvokeConfigStore()
    store.put("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60})
    config = store.put("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 0})
    body = config.to_json()
    # spec 5.2: settings left out are removed; spec 5.5: DestinationConfig always there, with both keys
    assert {key: value for key, value in body.items() if key != "LastModified"} == {
        "FunctionArn": LATEST_ARN, "MaximumRetryAttempts": 0, "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}},
    }
    assert isinstance(body["LastModified"], float)
    assert store.get("fn", "$LATEST", LATEST_ARN) == config
    assert config.retry_settings() == RetrySettings(max_retry_attempts=0, max_event_age=21600)  # defaults fill in


def test_update_merges_into_the_config() -> None:
    store = EventInvokeConfigStore()
    store.put("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60,
                                            "DestinationConfig": {"OnSuccess": {"Destination": QUEUE_ARN}}})
    config = store.update("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 0})
    assert (config.max_retry_attempts, config.max_event_age, config.on_success) == (0, 60, QUEUE_ARN)  # spec 5.3
    config = store.update("fn", "$LATEST", LATEST_ARN, {"DestinationConfig": {"OnFailure": {"Destination": QUEUE_ARN}}})
    assert (config.on_success, config.on_failure) == (QUEUE_ARN, QUEUE_ARN)  # a destination left out stays
    config = store.update("fn", "$LATEST", LATEST_ARN, {"DestinationConfig": {"OnSuccess": {}}})
    assert (config.on_success, config.on_failure) == (None, QUEUE_ARN)  # an empty one removes it
    assert config.to_json()["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": QUEUE_ARN}}


def test_configs_are_kept_per_qualifier() -> None:
    store = EventInvokeConfigStore()
    store.put("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 1})
    store.put("fn", "prod", function_arn(qualifier="prod"), {"MaximumRetryAttempts": 0})
    assert store.find("fn", "1") is None  # spec 5.8: nothing copied to a new version
    assert (store.get("fn", "$LATEST", LATEST_ARN).max_retry_attempts,
            store.get("fn", "prod", function_arn(qualifier="prod")).max_retry_attempts) == (1, 0)
    version_arn = function_arn(qualifier="1")
    error = aws_error(lambda: store.get("fn", "1", version_arn))
    assert (error.status, error.code, error.message) == (  # spec 5.9
        404, "ResourceNotFoundException", f"The function {version_arn} doesn't have an EventInvokeConfig")
    store.delete_function("fn")
    assert store.find("fn", "$LATEST") is None and store.find("fn", "prod") is None


def test_put_update_and_delete_errors() -> None:
    store = EventInvokeConfigStore()
    error = aws_error(lambda: store.put("fn", "$LATEST", LATEST_ARN, {}))
    assert (error.code, error.message) == (  # spec 5.4
        "InvalidParameterValueException", "You must specify at least one of error handling or destination setting.")
    error = aws_error(lambda: store.update("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 1}))
    assert (error.status, error.message) == (404, f"The function {LATEST_ARN} doesn't have an EventInvokeConfig")
    store.put("fn", "$LATEST", LATEST_ARN, {"MaximumRetryAttempts": 1})
    store.delete("fn", "$LATEST", LATEST_ARN)
    assert aws_error(lambda: store.delete("fn", "$LATEST", LATEST_ARN)).status == 404  # spec 5.12


def test_list_pages_through_a_functions_configs() -> None:
    store = EventInvokeConfigStore()
    for qualifier in ("$LATEST", "1", "2"):
        store.put("fn", qualifier, function_arn(qualifier=qualifier), {"MaximumRetryAttempts": 1})
    store.put("other", "$LATEST", function_arn("other", "$LATEST"), {"MaximumRetryAttempts": 1})
    seen, marker, pages = [], None, 0
    while True:  # spec 5.11: MaxItems=1 gives one item and a NextMarker until none remain
        page = store.list("fn", marker, 1)
        pages += 1
        seen += [config["FunctionArn"] for config in page["FunctionEventInvokeConfigs"]]
        marker = page.get("NextMarker")
        if marker is None:
            break
    assert pages == 3 and sorted(seen) == sorted(function_arn(qualifier=q) for q in ("$LATEST", "1", "2"))
    everything = store.list("fn", None, None)
    assert len(everything["FunctionEventInvokeConfigs"]) == 3 and "NextMarker" not in everything
    assert store.list("nothing", None, None) == {"FunctionEventInvokeConfigs": []}


@pytest.mark.parametrize(
    ("max_items", "constraint"),
    [(0, "greater than or equal to 1"), (51, "less than or equal to 50")],  # spec 5.10: MaxItems 1-50
)
def test_list_checks_max_items(max_items: int, constraint: str) -> None:
    error = aws_error(lambda: EventInvokeConfigStore().list("fn", None, max_items))
    assert (error.code, error.message) == ("ValidationException", (
        f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy constraint: "
        f"Member must have value {constraint}"))


@pytest.mark.parametrize("marker", ["!!!", base64.urlsafe_b64encode(b"page two").decode()])
def test_list_refuses_a_marker_it_did_not_make(marker: str) -> None:
    error = aws_error(lambda: EventInvokeConfigStore().list("fn", marker, None))
    assert (error.code, error.message) == ("InvalidParameterValueException", "Invalid marker")


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({"MaximumRetryAttempts": 3},
         ["Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
          "Member must have value less than or equal to 2"]),
        ({"MaximumEventAgeInSeconds": 21601},
         ["Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
          "Member must have value less than or equal to 21600"]),
        ({"MaximumRetryAttempts": -1, "MaximumEventAgeInSeconds": 59},
         ["Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: "
          "Member must have value greater than or equal to 0",
          "Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
          "Member must have value greater than or equal to 60"]),
        ({"DestinationConfig": {"OnFailure": {"Destination": "not-an-arn"}}},
         ["Value 'not-an-arn' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: "
          f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN_TEXT}"]),
    ],
)
def test_check_ranges_messages(body: dict[str, Any], problems: list[str]) -> None:
    error = aws_error(lambda: check_ranges(body))
    count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
    assert (error.status, error.code, error.message) == (400, "ValidationException", count + "; ".join(problems))


def test_check_ranges_accepts_the_limits() -> None:
    for body in ({"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
                 {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600},
                 {"DestinationConfig": {"OnSuccess": {"Destination": QUEUE_ARN}, "OnFailure": {}}}):
        check_ranges(body)  # raises if refused


@pytest.mark.parametrize(
    ("destinations", "message"),
    [
        ({"OnSuccess": {"Destination": function_arn()}}, "You can't specify the function as a destination for itself."),
        ({"OnFailure": {"Destination": function_arn("missing")}},
         f"The destination ARN {function_arn('missing')} is invalid."),
        ({"OnSuccess": {"Destination": f"arn:aws:iam::{ACCOUNT}:role/r"}},
         f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam::{ACCOUNT}"
         ":role/r), onFailure=null) is invalid."),
        ({"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}},  # spec 3.13: S3 on failure only
         "The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), "
         "onFailure=null) is invalid."),
        ({"OnFailure": {"Destination": "kafka://broker"}},  # matches the model's pattern, not an async target
         "The provided destination config DestinationConfig(onSuccess=null, "
         "onFailure=OnFailure(destination=kafka://broker)) is invalid."),
    ],
)
def test_check_destinations_refuses(destinations: dict[str, Any], message: str) -> None:
    error = aws_error(lambda: check_destinations({"DestinationConfig": destinations}, "fn",
                                                 lambda arn: arn == function_arn()))
    assert (error.status, error.code, error.message) == (400, "InvalidParameterValueException", message)  # spec 3.14


def test_check_destinations_accepts_supported_targets_and_asks_only_about_lambdas() -> None:
    asked: list[str] = []

    def lambda_exists(arn: str) -> bool:
        asked.append(arn)
        return True

    body = {"DestinationConfig": {"OnSuccess": {"Destination": function_arn("target")},
                                  "OnFailure": {"Destination": "arn:aws:s3:::bucket"}}}
    check_destinations(body, "fn", lambda_exists)
    assert asked == [function_arn("target")]


# -- Invoke requests (spec §1) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "qualifier", "expected"),
    [
        ("fn", None, FunctionRef("fn", None)),
        ("fn", "1", FunctionRef("fn", "1")),
        ("fn:prod", None, FunctionRef("fn", "prod")),
        ("fn:prod", "prod", FunctionRef("fn", "prod")),  # spec 5.7: may repeat the embedded qualifier
        (f"{ACCOUNT}:function:fn", None, FunctionRef("fn", None, None, ACCOUNT)),
        (f"{ACCOUNT}:function:fn:1", None, FunctionRef("fn", "1", None, ACCOUNT)),
        (function_arn(), "$LATEST", FunctionRef("fn", "$LATEST", "us-east-1", ACCOUNT)),
        (function_arn(qualifier="$LATEST"), None, FunctionRef("fn", "$LATEST", "us-east-1", ACCOUNT)),
    ],
)
def test_parse_function_ref(raw: str, qualifier: str | None, expected: FunctionRef) -> None:
    assert parse_function_ref(raw, qualifier) == expected  # spec 1.10


@pytest.mark.parametrize(
    ("raw", "qualifier", "code", "message"),
    [
        ("fn:prod", "1", "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
        (function_arn(qualifier="2"), "1", "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
        ("fn", "q" * 129, "ValidationException",
         f"1 validation error detected: Value '{'q' * 129}' at 'qualifier' failed to satisfy constraint: "
         "Member must have length less than or equal to 128"),
        ("fn", "no spaces", "ValidationException",
         "1 validation error detected: Value 'no spaces' at 'qualifier' failed to satisfy constraint: "
         r"Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"),  # recorded
    ],
)
def test_parse_function_ref_errors(raw: str, qualifier: str, code: str, message: str) -> None:
    error = aws_error(lambda: parse_function_ref(raw, qualifier))
    assert (error.status, error.code, error.message) == (400, code, message)  # spec 1.10, 1.20


@pytest.mark.parametrize("body", [b"", b"  ", b"{}", b"null", b"42", b'"s"', b'{"a": [1, 2.5, true]}'])
def test_any_json_value_is_a_valid_payload(body: bytes) -> None:
    check_payload(body, 1024, "Event")  # spec 1.17: raises if refused


@pytest.mark.parametrize(
    ("operation", "message"),
    [("Event", "11 byte payload is too large for the Event invocation type (limit 10 bytes)"),
     ("RequestResponse", "Request must be smaller than 10 bytes for the InvokeFunction operation")],
)
def test_an_oversized_payload_is_refused_before_parsing(operation: str, message: str) -> None:
    error = aws_error(lambda: check_payload(b"not json!!!", 10, operation))
    assert (error.status, error.code, error.message) == (413, "RequestEntityTooLargeException", message)  # spec 1.16


@pytest.mark.parametrize(
    ("body", "detail", "column"),
    [
        (b"{", "Unexpected end-of-input", 2),
        (b"nope", "Unrecognized token 'nope': was expecting (JSON String, Number, Array, Object or token 'null', "
                  "'true' or 'false')", 1),
        (b"NaN", "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", 4),
        (b"\x99", "Unexpected character ((CTRL-CHAR, code 153)): expected a valid value (JSON String, Number, "
                  "Array, Object or token 'null', 'true' or 'false')", 1),
        (b'{"a": "\x87"}', "Invalid UTF-8 start byte 0x87", 9),
    ],
)
def test_a_payload_that_is_not_json_is_refused_as_aws_words_it(body: bytes, detail: str, column: int) -> None:
    error = aws_error(lambda: check_payload(body, 1024, "Event"))
    assert (error.status, error.code) == (400, "InvalidRequestContentException")  # spec 1.17
    assert error.message == (
        f"Could not parse request body into json: Could not parse payload into json: {detail}\n at [Source: "
        f"REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: {column}]")


def encoded(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_client_context_is_decoded_without_w3c() -> None:
    context = {"custom": {"k": "v"}, "env": {"e": "1"}, "w3c": {"traceparent": "x"}}
    assert parse_client_context(encoded(context)) == {"custom": {"k": "v"}, "env": {"e": "1"}}  # spec 1.13
    assert parse_client_context(None) is None


NOT_A_CLIENT_CONTEXT = "Client context must be a valid Base64-encoded JSON object."


@pytest.mark.parametrize(
    ("header", "code", "message"),
    [
        ("not base64!", "InvalidRequestContentException", NOT_A_CLIENT_CONTEXT),
        (encoded([1, 2]), "InvalidRequestContentException", NOT_A_CLIENT_CONTEXT),
        (encoded({"custom": "x" * 3000}), "InvalidParameterValueException",
         "Client context must be no longer than 3583 bytes."),
    ],
)
def test_client_context_errors(header: str, code: str, message: str) -> None:
    error = aws_error(lambda: parse_client_context(header))
    assert (error.status, error.code, error.message) == (400, code, message)  # spec 1.12


@pytest.mark.parametrize(
    ("error", "status", "key", "extra"),
    [
        (aws_errors.not_found(function_arn()), 404, "Message", {}),
        (aws_errors.invalid_parameter("bad"), 400, "message", {}),
        (aws_errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded"), 429, "message",
         {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}),
        (aws_errors.internal_error(KeyError("k")), 500, "Message", {}),
    ],
)
def test_error_responses_use_each_shapes_casing(error: aws_errors.AwsError, status: int, key: str,
                                                extra: dict[str, str]) -> None:
    code, headers, body = error.response()
    assert (code, headers["x-amzn-ErrorType"], headers["status"]) == (status, error.code, str(status))
    assert json.loads(body) == {"Type": "User", key: error.message, **extra}  # spec 1.E, 1.21


# -- logs (spec 1.9) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "duration", "init", "expected_body", "report_tail"),
    [
        (["hello"], 12.5, None, "hello\n", "Duration: 12.50 ms\tBilled Duration: 13 ms\t"),
        (["line\n", "[ERROR] E: x\nTraceback (most recent call last):"], 0.2, 100.25,
         "line\n[ERROR] E: x\nTraceback (most recent call last):\n", "Duration: 0.20 ms\tBilled Duration: 1 ms\t"),
        ([], 3.0, None, "", "Duration: 3.00 ms\tBilled Duration: 3 ms\t"),
    ],
)
def test_log_frame_text(events: list[str], duration: float, init: float | None, expected_body: str,
                        report_tail: str) -> None:
    frame = LogFrame("req-1", "$LATEST", events, duration, 128, 40, init)
    report = (f"REPORT RequestId: req-1\t{report_tail}Memory Size: 128 MB\tMax Memory Used: 40 MB\t"
              + (f"Init Duration: {init:.2f} ms\t" if init is not None else ""))
    assert frame.text() == f"START RequestId: req-1 Version: $LATEST\n{expected_body}END RequestId: req-1\n{report}\n"


def test_a_result_frames_its_log_when_first_read_and_keeps_its_events() -> None:
    frame = LogFrame("req-1", "1", ["out\n"], 1.0, 128, 40, None)
    result = ExecutionResult(b"null", None, None, frame, "stream")
    assert not result.failed and error_result().failed
    assert result.log == frame.text() and result.log is result.log
    assert result.log_events() == frame.cloudwatch_events()  # reading the text loses no event boundary


@pytest.mark.parametrize(
    ("log", "kept"),
    [
        ("short log", "short log"),
        ("x" * TAIL_BYTES, "x" * TAIL_BYTES),
        ("y" + "x" * TAIL_BYTES, "x" * TAIL_BYTES),  # spec 1.9: the last 4 KB
        ("é" * 3000 + "x", "é" * 2047 + "x"),  # the cut lands inside an é: the whole character goes
    ],
)
def test_tail_keeps_the_last_4_kb_on_a_character_boundary(log: str, kept: str) -> None:
    assert tail(log) == kept
    assert len(tail(log).encode("utf-8")) <= TAIL_BYTES


def test_attempts_decode_their_results_when_tests_look() -> None:
    assert AttemptRecord(START, payload=b'{"a": 1}').public().result == {"a": 1}
    assert AttemptRecord(START, payload=b"raw").public().result == b"raw"
    assert AttemptRecord(START).public().result is None
    assert make_event(payload=b" ").decoded_payload() == {}
