"""Event source mapping metrics (``_core.mapping_metrics``): MetricsConfig checked as botocore's
model allows it (up to 3 of EventCount | ErrorCount | KafkaMetrics), which mappings count events,
and which expired records count as dropped (AWS docs, "Event source mapping metrics")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.aws_errors import AwsError
from mocklambda._core.mapping_metrics import (
    GROUPS,
    MAX_GROUPS,
    check_metrics_config,
    counts_events,
    expired_by_mapping,
)
from mocklambda._core.metric_dimensions import mapping_dimensions

ENUM = ("Member must satisfy constraint: [Member must satisfy enum value set: [EventCount, ErrorCount, "
        "KafkaMetrics], Member must not be null]")


def refusal(body: object) -> tuple[int, str, str]:
    with pytest.raises(AwsError) as refused:
        check_metrics_config(body)
    return refused.value.status, refused.value.code, refused.value.message


@given(st.lists(st.sampled_from(GROUPS), max_size=MAX_GROUPS))
def test_any_choice_of_up_to_three_groups_is_accepted(metrics):
    check_metrics_config({"MetricsConfig": {"Metrics": metrics}})
    assert counts_events({"Metrics": metrics}) == ("EventCount" in metrics)


@given(st.lists(st.sampled_from(GROUPS), max_size=MAX_GROUPS), st.text(min_size=1).filter(lambda t: t not in GROUPS),
       st.integers(min_value=0, max_value=MAX_GROUPS))
def test_a_group_outside_the_enum_is_refused_wherever_it_is(metrics, bogus, at):
    metrics = metrics[:MAX_GROUPS - 1]
    metrics.insert(min(at, len(metrics)), bogus)
    shown = "[" + ", ".join(metrics) + "]"
    assert refusal({"MetricsConfig": {"Metrics": metrics}}) == (
        400, "ValidationException",
        f"1 validation error detected: Value '{shown}' at 'metricsConfig.metrics' failed to satisfy constraint: {ENUM}")


def test_more_than_three_groups_are_refused_with_both_problems_when_both_apply():
    assert refusal({"MetricsConfig": {"Metrics": ["EventCount"] * 4}})[2] == (
        "1 validation error detected: Value '[EventCount, EventCount, EventCount, EventCount]' at "
        "'metricsConfig.metrics' failed to satisfy constraint: Member must have length less than or equal to 3")
    message = refusal({"MetricsConfig": {"Metrics": ["EventCount", "X", "ErrorCount", "KafkaMetrics"]}})[2]
    assert message.startswith("2 validation errors detected: ")
    assert message.count("failed to satisfy constraint") == 2


def test_nothing_to_check_when_there_is_no_metrics_config():
    for body in ({}, {"MetricsConfig": None}, {"MetricsConfig": {}}, {"MetricsConfig": {"Metrics": None}},
                 {"MetricsConfig": {"Metrics": []}}, None, []):
        check_metrics_config(body)
    assert not counts_events(None)
    assert not counts_events({})
    assert not counts_events({"Metrics": "EventCount"})


@pytest.mark.parametrize(("config", "message"), [
    ([], "Start of list found where not expected"),
    ("EventCount", "STRING_VALUE can not be converted to a Structure"),
    ({"Metrics": {"EventCount": True}}, "Start of structure or map found where not expected."),
    ({"Metrics": "EventCount"}, "STRING_VALUE can not be converted to a List"),
    ({"Metrics": [1]}, "NUMBER_VALUE can not be converted to a String"),
    ({"Metrics": [["EventCount"]]}, "Start of list found where not expected"),
    ({"Metrics": [{"Name": "EventCount"}]}, "Start of structure or map found where not expected."),
])
def test_members_of_the_wrong_json_type_are_serialization_errors(config, message):
    assert refusal({"MetricsConfig": config}) == (400, "SerializationException", message)


def test_only_records_the_mappings_age_limit_expired_count_as_dropped():
    assert expired_by_mapping(60, 86400.0)
    assert expired_by_mapping(86400, 86400.0)
    assert not expired_by_mapping(-1, 86400.0)  # no limit of its own: the stream's retention expired them
    assert not expired_by_mapping(604800, 86400.0)  # the stream dropped them first


def test_a_mappings_metrics_go_under_its_uuid():
    assert mapping_dimensions("abc") == ((("EventSourceMappingUUID", "abc"),),)
