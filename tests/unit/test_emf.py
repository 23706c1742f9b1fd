"""The embedded metric format as CloudWatch Logs extracts it, rule by rule of AWS's "Specification:
Embedded metric format" (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html; quoted as "EMF spec")."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core.emf import MAX_AGE_MS, MAX_AHEAD_MS, UNITS, EmfMetric, InvalidEmf, extract

# What aws-lambda-powertools 3.37.0 prints for Metrics(namespace="Orders", service="orders") with
# add_dimension("environment", "test"), add_metric("OrdersPlaced", Count, 1) twice with values 1 and 2,
# add_metric("Latency", Milliseconds, 12.5, resolution=High) and add_metadata("order_id", "o-1"),
# copied from its output (compact JSON, values always as arrays).
POWERTOOLS = (
    '{"_aws":{"Timestamp":1796021510711,"CloudWatchMetrics":[{"Namespace":"Orders","Dimensions":'
    '[["environment","service"]],"Metrics":[{"Name":"OrdersPlaced","Unit":"Count"},{"Name":"Latency",'
    '"Unit":"Milliseconds","StorageResolution":1}]}]},"environment":"test","service":"orders",'
    '"order_id":"o-1","OrdersPlaced":[1.0,2.0],"Latency":[12.5]}'
)
DIMENSIONS = (("environment", "test"), ("service", "orders"))
NOW = 1796021510711.0  # when CloudWatch Logs receives the line: here the document's own time


def document(**changes: Any) -> dict[str, Any]:
    """The Powertools document with top-level members replaced (None removes one)."""
    doc = json.loads(POWERTOOLS)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def with_directive(**changes: Any) -> dict[str, Any]:
    """The Powertools document with members of its MetricDirective replaced (None removes one)."""
    doc = document()
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    for key, value in changes.items():
        if value is None:
            directive.pop(key)
        else:
            directive[key] = value
    return doc


def line(doc: Any) -> str:
    return json.dumps(doc)


def test_powertools_output_is_extracted() -> None:
    assert extract(POWERTOOLS, NOW) == [
        EmfMetric("Orders", "OrdersPlaced", "Count", 60, DIMENSIONS, (1.0, 2.0), 1796021510711.0),
        EmfMetric("Orders", "Latency", "Milliseconds", 1, DIMENSIONS, (12.5,), 1796021510711.0),
    ]


def test_a_document_after_lambdas_metadata_is_extracted() -> None:
    # EMF spec: "While Lambda may prepend log events with metadata such as timestamp and request id,
    # a valid embedded metric format document after this metadata is considered valid"
    prefixed = f"[INFO]\t2026-11-30T07:00:00.000Z\t3f1c9e0a-1111-2222-3333-444455556666\t{POWERTOOLS}"
    assert extract(prefixed, NOW) == extract(POWERTOOLS, NOW)


@pytest.mark.parametrize("text", [
    "START RequestId: 3f1c Version: $LATEST",
    "plain text mentioning _aws",
    '{"level": "INFO", "message": "no metrics here"}',
    '{"message": {"_aws": {"CloudWatchMetrics": []}}}',  # _aws must be on the root node
    "['_aws']",
    "",
])
def test_lines_without_a_document_give_nothing(text: str) -> None:
    assert extract(text, NOW) == []


def test_defaults_and_dimension_sets() -> None:
    doc = with_directive(Dimensions=[[], ["service"]], Metrics=[{"Name": "Latency"}])
    doc["Latency"] = 5
    # EMF spec: "A DimensionSet MAY be empty"; Unit "default value of NONE"; StorageResolution "default
    # value of 60"; "Every DimensionSet used creates a new metric"
    assert extract(line(doc), NOW) == [
        EmfMetric("Orders", "Latency", "None", 60, (), (5.0,), 1796021510711.0),
        EmfMetric("Orders", "Latency", "None", 60, (("service", "orders"),), (5.0,), 1796021510711.0),
    ]


def test_every_directive_counts() -> None:
    doc = document()
    second = {"Namespace": "Billing", "Dimensions": [["service"]], "Metrics": [{"Name": "Latency"}]}
    doc["_aws"]["CloudWatchMetrics"].append(second)
    assert [(m.namespace, m.name) for m in extract(line(doc), NOW)] == [
        ("Orders", "OrdersPlaced"), ("Orders", "Latency"), ("Billing", "Latency")]


def test_the_limits_themselves_are_allowed() -> None:
    keys = [f"k{n}" for n in range(30)]  # "MUST NOT contain more than 30 dimension keys"
    doc = with_directive(Dimensions=[keys], Metrics=[{"Name": f"m{n}"} for n in range(100)])  # 100 metrics
    doc.update(dict.fromkeys(keys, "v" * 1024))  # "MUST NOT contain more than 1024 characters"
    doc.update({f"m{n}": [float(n)] * 100 for n in range(100)})  # 100 values
    metrics = extract(line(doc), NOW)
    assert len(metrics) == 100 and all(len(m.values) == 100 and len(m.dimensions) == 30 for m in metrics)


def test_an_empty_value_array_gives_no_datum() -> None:
    assert [m.name for m in extract(line(document(OrdersPlaced=[])), NOW)] == ["Latency"]


@pytest.mark.parametrize("timestamp", [NOW - 0.5, NOW - MAX_AGE_MS, NOW + MAX_AHEAD_MS])
def test_a_number_of_milliseconds_is_the_time(timestamp: float) -> None:
    doc = document()
    doc["_aws"]["Timestamp"] = timestamp
    assert {m.timestamp_ms for m in extract(line(doc), NOW)} == {timestamp}


def metadata(**changes: Any) -> dict[str, Any]:
    doc = document()
    for key, value in changes.items():
        if value is None:
            doc["_aws"].pop(key)
        else:
            doc["_aws"][key] = value
    return doc


INVALID = {
    # the metadata object: "MUST contain ... CloudWatchMetrics ... Timestamp"
    "_aws not an object": document(_aws=[]),
    "no CloudWatchMetrics": metadata(CloudWatchMetrics=None),
    "CloudWatchMetrics not an array": metadata(CloudWatchMetrics={}),
    "no Timestamp": metadata(Timestamp=None),
    "Timestamp as text": metadata(Timestamp="1796021510711"),
    "Timestamp true": metadata(Timestamp=True),
    # PutMetricData: "as much as two weeks before the current date, and as much as 2 hours after"
    "Timestamp over two weeks old": metadata(Timestamp=NOW - MAX_AGE_MS - 1),
    "Timestamp over two hours ahead": metadata(Timestamp=NOW + MAX_AHEAD_MS + 1),
    # MetricDirectives "MUST contain ... Namespace, Dimensions, Metrics"
    "directive not an object": metadata(CloudWatchMetrics=["Orders"]),
    "no Namespace": with_directive(Namespace=None),
    "empty Namespace": with_directive(Namespace=""),
    "Namespace of 1025 characters": with_directive(Namespace="n" * 1025),
    "a namespace of AWS's": with_directive(Namespace="AWS/Lambda"),  # "reserved for use by Amazon Web Services"
    "no Dimensions": with_directive(Dimensions=None),
    "no DimensionSet": with_directive(Dimensions=[]),  # the schema: minItems 1
    "DimensionSet not an array": with_directive(Dimensions=["service"]),
    "31 dimension keys": with_directive(Dimensions=[[f"k{n}" for n in range(31)]]),
    "a key twice": with_directive(Dimensions=[["service", "service"]]),
    "no Metrics": with_directive(Metrics=None),
    "101 metrics": with_directive(Metrics=[{"Name": "OrdersPlaced"}] * 101),
    "metric without Name": with_directive(Metrics=[{"Unit": "Count"}]),
    "unknown Unit": with_directive(Metrics=[{"Name": "OrdersPlaced", "Unit": "Orders"}]),
    "lower-case unit": with_directive(Metrics=[{"Name": "OrdersPlaced", "Unit": "count"}]),
    "StorageResolution 30": with_directive(Metrics=[{"Name": "OrdersPlaced", "StorageResolution": 30}]),
    "StorageResolution 1.0": with_directive(Metrics=[{"Name": "OrdersPlaced", "StorageResolution": 1.0}]),
    # target members: "The root node MUST contain all Target members"
    "dimension target missing": document(environment=None),
    "dimension target a number": document(service=7),
    "dimension target empty": document(service=""),
    "dimension target of 1025 characters": document(service="s" * 1025),
    "metric target missing": document(OrdersPlaced=None),
    "metric target text": document(OrdersPlaced="1"),
    "metric target nested": document(OrdersPlaced={"value": 1}),
    "metric target true": document(OrdersPlaced=True),
    "101 values": document(OrdersPlaced=[1.0] * 101),
    "a value beyond 2^360": document(OrdersPlaced=[2.0**361]),
    "a huge integer": document(OrdersPlaced=10**400),
}


@pytest.mark.parametrize("doc", INVALID.values(), ids=INVALID.keys())
def test_documents_that_break_a_rule_are_not_extracted(doc: dict[str, Any]) -> None:
    with pytest.raises(InvalidEmf) as excinfo:
        extract(line(doc), NOW)
    assert excinfo.value.kind == "validation"


@pytest.mark.parametrize("text", [
    POWERTOOLS[:-1],  # cut short
    POWERTOOLS + " trailing",  # "no additional data at the beginning or end"
    POWERTOOLS.replace("[12.5]", "[NaN]"),  # not JSON (RFC 8259)
    POWERTOOLS.replace("[12.5]", "[Infinity]"),
    '{"_aws": {"CloudWatchMetrics": [],}}',
])
def test_text_that_is_no_json_object_is_a_parsing_error(text: str) -> None:
    with pytest.raises(InvalidEmf) as excinfo:
        extract(text, NOW)
    assert excinfo.value.kind == "parsing"


def test_a_document_over_1_mb_is_not_extracted() -> None:
    # EMF spec: "limited to a maximum size of 1 MB"
    big = line(document(order_id="x" * 1_048_576))
    with pytest.raises(InvalidEmf, match="1 MB"):
        extract(big, NOW)


# -- properties ------------------------------------------------------------------------------

KEYS = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12).filter(
    lambda key: key != "_aws")
VALUES = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], list[EmfMetric]]:
    """A valid document and the metrics the EMF spec says it holds, in order."""
    names = draw(st.lists(KEYS, min_size=1, max_size=5, unique=True))
    keys = draw(st.lists(KEYS.filter(lambda k: k not in names), max_size=5, unique=True))
    timestamp = draw(st.integers(int(NOW) - MAX_AGE_MS, int(NOW) + MAX_AHEAD_MS))
    root: dict[str, Any] = {key: draw(st.text(min_size=1, max_size=20)) for key in keys}
    directives = []
    expected = []
    for namespace in draw(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3)):
        sets = draw(st.lists(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]),
                             min_size=1, max_size=3))
        definitions = []
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=4)):
            definition: dict[str, Any] = {"Name": name}
            unit = draw(st.none() | st.sampled_from(sorted(UNITS)))
            resolution = draw(st.sampled_from([None, 1, 60]))
            if unit is not None:
                definition["Unit"] = unit
            if resolution is not None:
                definition["StorageResolution"] = resolution
            definitions.append(definition)
        directives.append({"Namespace": namespace, "Dimensions": sets, "Metrics": definitions})
        for definition in definitions:
            name = definition["Name"]
            if name not in root:
                root[name] = draw(VALUES | st.lists(VALUES, min_size=1, max_size=5))
            values = tuple(root[name]) if isinstance(root[name], list) else (root[name],)
            expected.extend(
                EmfMetric(namespace, name, definition.get("Unit", "None"), definition.get("StorageResolution", 60),
                          tuple((key, root[key]) for key in keys_), values, float(timestamp))
                for keys_ in sets)
    root["_aws"] = {"Timestamp": timestamp, "CloudWatchMetrics": directives}
    return root, expected


@given(documents(), st.sampled_from([(", ", ": "), (",", ":")]), st.sampled_from(["", "x\tREQ\tINFO\t"]))
def test_a_valid_document_gives_one_metric_per_definition_and_dimension_set(
        case: tuple[dict[str, Any], list[EmfMetric]], separators: tuple[str, str], prefix: str) -> None:
    doc, expected = case
    assert extract(prefix + json.dumps(doc, separators=separators), NOW) == expected


@given(documents(), st.data())
def test_breaking_a_target_makes_the_whole_document_invalid(case: tuple[dict[str, Any], list[EmfMetric]],
                                                            data: st.DataObject) -> None:
    doc, expected = case
    broken = copy.deepcopy(doc)
    target = data.draw(st.sampled_from(sorted({m.name for m in expected} | {k for m in expected for k, _ in m.dimensions})))
    broken[target] = None  # neither a number nor a string: no target can be null
    with pytest.raises(InvalidEmf):
        extract(json.dumps(broken), NOW)


@given(st.text() | st.text().map(lambda text: '{"_aws": ' + text))
def test_any_text_gives_metrics_or_invalid_emf_and_nothing_else(text: str) -> None:
    try:
        metrics = extract(text, NOW)
    except InvalidEmf as error:
        assert error.kind in ("parsing", "validation")
    else:
        assert all(isinstance(metric, EmfMetric) for metric in metrics)
