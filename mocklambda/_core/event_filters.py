"""Lambda event filtering (``FilterCriteria``): which records of a queue or stream reach the
function, matched as AWS matches them.

A pattern is EventBridge's syntax, limited to the operators Lambda documents (literal strings,
numbers, ``true``/``false``/``null``, ``prefix``, ``suffix`` and their ``equals-ignore-case``
forms, ``equals-ignore-case``, ``anything-but`` with values, ``numeric``, ``exists``, ``$or``).
Fields in a pattern are ANDed, the values in a field's list ORed, the filters of a mapping ORed.
Numbers are equal when they are written alike (``300`` is not ``300.0``); ``numeric`` compares
values. A field that holds an array matches when one of its elements does; ``exists`` sees leaves
only (an object is not a value). What is matched is the record as the function receives it, with
the source's data field decoded: SQS's ``body`` parsed when the pattern's ``body`` is an object,
Kinesis's base64 ``data`` decoded and parsed, DynamoDB's record as it is.

Everything is checked once, at Create/UpdateEventSourceMapping (``FilterSet.parse``); ``keeps``
then runs per record on the compiled patterns.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from . import aws_errors

SQS, KINESIS, DYNAMODB = "sqs", "kinesis", "dynamodb"
DATA_KEY = {SQS: "body", KINESIS: "data", DYNAMODB: "dynamodb"}  # each source's data field
MAX_FILTERS = 5  # AWS's default quota of filters per mapping
MAX_PATTERN_LENGTH = 4096  # the API model's limit on Pattern
# recorded: test_sqs_invalid_event_filter, test_dynamodb_invalid_event_filter
INVALID = "Invalid filter pattern definition."
_NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")


def source_of(event_source_arn: str | None) -> str | None:
    """``sqs`` / ``kinesis`` / ``dynamodb`` for a mapping's event source, None for others."""
    parts = (event_source_arn or "").split(":")
    service = parts[2] if len(parts) > 2 else ""
    return service if service in DATA_KEY else None


class Number(float):
    """A JSON number with the text it was written as: equality compares the text, as Lambda
    does ("300, 300.0 and 3.0e2 are not considered equal"), ``numeric`` the value."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> Number:
        number = super().__new__(cls, text)
        number.text = text
        return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes) -> Any:
    """Strict JSON (no NaN or Infinity), numbers kept with their text; ValueError if not JSON."""
    return json.loads(text, parse_int=Number, parse_float=Number, parse_constant=_no_constant)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    """A non-string leaf as JSON writes it: the identity literal equality and anything-but compare."""
    if isinstance(value, Number):
        return value.text
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    return repr(value) if isinstance(value, float) else json.dumps(value, default=str)


# -- compiling a pattern -----------------------------------------------------------------------------

Test = Callable[[Any], bool]  # one operator, applied to one leaf value


class _Invalid(Exception):
    pass


def _require(condition: bool) -> None:
    if not condition:
        raise _Invalid


def _string_or_ignoring_case(value: Any, test: Callable[[str, str], bool]) -> Test:
    """``prefix`` / ``suffix``: a string, or ``{"equals-ignore-case": string}``."""
    if isinstance(value, dict):
        _require(list(value) == ["equals-ignore-case"] and isinstance(value["equals-ignore-case"], str))
        folded = value["equals-ignore-case"].lower()
        return lambda leaf: isinstance(leaf, str) and test(leaf.lower(), folded)
    _require(isinstance(value, str))
    return lambda leaf: isinstance(leaf, str) and test(leaf, value)


def _anything_but(value: Any) -> Test:
    """Values only: Lambda's filtering (as EventBridge Pipes') has no anything-but prefix, suffix,
    equals-ignore-case or wildcard."""
    values = value if isinstance(value, list) else [value]
    _require(bool(values) and all(isinstance(v, str) or _is_number(v) for v in values))
    strings = frozenset(v for v in values if isinstance(v, str))
    others = frozenset(_text(v) for v in values if not isinstance(v, str))
    return lambda leaf: leaf not in strings if isinstance(leaf, str) else _text(leaf) not in others


def _numeric(terms: Any) -> Test:
    """``[op, n]`` or a range ``[">"|">=", low, "<"|"<=", high]`` with low < high."""
    _require(isinstance(terms, list) and len(terms) in (2, 4))
    operators, bounds = terms[0::2], terms[1::2]
    _require(all(isinstance(o, str) and o in _NUMERIC_OPERATORS for o in operators))
    _require(all(_is_number(b) for b in bounds))
    if len(terms) == 4:
        _require(operators[0] in (">", ">=") and operators[1] in ("<", "<=") and float(bounds[0]) < float(bounds[1]))
    checks = [_compare(o, float(b)) for o, b in zip(operators, bounds, strict=True)]
    return lambda leaf: _is_number(leaf) and all(check(float(leaf)) for check in checks)


def _compare(operator: str, bound: float) -> Callable[[float], bool]:
    return {
        "<": lambda v: v < bound, "<=": lambda v: v <= bound, "=": lambda v: v == bound,
        ">": lambda v: v > bound, ">=": lambda v: v >= bound,
    }[operator]


def _operator(rule: dict[str, Any]) -> Test:
    _require(len(rule) == 1)
    (name, value), = rule.items()
    if name == "prefix":
        return _string_or_ignoring_case(value, str.startswith)
    if name == "suffix":
        return _string_or_ignoring_case(value, str.endswith)
    if name == "equals-ignore-case":
        _require(isinstance(value, str))
        folded = value.lower()
        return lambda leaf: isinstance(leaf, str) and leaf.lower() == folded
    if name == "anything-but":
        return _anything_but(value)
    if name == "numeric":
        return _numeric(value)
    raise _Invalid  # exists is read by _Field; wildcard, cidr and the rest are not Lambda's


class _Field:
    """One field's list of rules: it matches when one of them does."""

    __slots__ = ("path", "mode", "strings", "others", "tests", "if_present", "if_absent")

    def __init__(self, path: tuple[str, ...], rules: Any, mode: str) -> None:
        _require(isinstance(rules, list) and bool(rules))
        self.path, self.mode = path, mode
        strings: set[str] = set()
        others: set[str] = set()
        tests: list[Test] = []
        self.if_present = self.if_absent = False
        for rule in rules:
            if isinstance(rule, str):
                strings.add(rule)
            elif rule is None or isinstance(rule, bool) or _is_number(rule):
                others.add(_text(rule))
            elif isinstance(rule, dict) and list(rule) == ["exists"]:
                _require(isinstance(rule["exists"], bool))
                if rule["exists"]:
                    self.if_present = True
                else:
                    self.if_absent = True
            elif isinstance(rule, dict):
                tests.append(_operator(rule))
            else:
                raise _Invalid
        self.strings, self.others, self.tests = frozenset(strings), frozenset(others), tuple(tests)

    def matches(self, record: _View) -> bool:
        leaves = record.leaves(self.path, self.mode)
        if leaves is None:  # the data field is not in the form the pattern needs: dropped
            return False
        if not leaves:
            return self.if_absent
        if self.if_present:
            return True
        for leaf in leaves:
            if (leaf in self.strings) if isinstance(leaf, str) else (_text(leaf) in self.others):
                return True
            if any(test(leaf) for test in self.tests):
                return True
        return False


class _All:
    """An object of a pattern: every field (and each ``$or``) must match."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[_All | _Any | _Field]) -> None:
        self.parts = tuple(parts)

    def matches(self, record: _View) -> bool:
        return all(part.matches(record) for part in self.parts)


class _Any:
    """``$or``: one of its objects must match."""

    __slots__ = ("branches",)

    def __init__(self, branches: list[_All]) -> None:
        self.branches = tuple(branches)

    def matches(self, record: _View) -> bool:
        return any(branch.matches(record) for branch in self.branches)


def _compile_object(pattern: Any, path: tuple[str, ...], source: str) -> _All:
    _require(isinstance(pattern, dict) and bool(pattern))
    parts: list[_All | _Any | _Field] = []
    for key, value in pattern.items():
        if key == "$or":
            _require(isinstance(value, list) and bool(value))
            parts.append(_Any([_compile_object(branch, path, source) for branch in value]))
        elif isinstance(value, dict):
            parts.extend(_compile_object(value, (*path, key), source).parts)
        else:
            parts.append(_Field((*path, key), value, _mode((*path, key), source)))
    return _All(parts)


def _mode(path: tuple[str, ...], source: str) -> str:
    """How a field reads the record: ``plain``; ``json`` (the data field parsed); ``text`` (SQS's
    body as the string it is). Kinesis filters only ``data`` (AWS: "Kinesis event source
    mappings only support filtering on the data key"); for Kinesis and DynamoDB the data field's
    pattern must be JSON (AWS throws at create/update otherwise)."""
    data = DATA_KEY[source]
    if source == KINESIS:
        _require(path[0] == data)
    if path[0] != data:
        return "plain"
    if len(path) == 1:
        _require(source == SQS)
        return "text"
    return "json" if source != DYNAMODB else "plain"


def compile_pattern(pattern: str, source: str) -> _All:
    """One filter's pattern, compiled; ``AwsError`` (AWS's 400) if Lambda would refuse it."""
    try:
        return _compile_object(loads(pattern), (), source)
    except (_Invalid, ValueError, RecursionError):
        raise aws_errors.invalid_parameter(INVALID) from None


# -- the record as a pattern sees it -------------------------------------------------------------------

_PARSE_FAILED = object()


class _View:
    """A record as the patterns read it, its data field decoded at most once."""

    __slots__ = ("record", "source", "_parsed")

    def __init__(self, record: Mapping[str, Any], source: str) -> None:
        self.record, self.source = record, source
        self._parsed: Any = None

    def _data(self) -> Any:
        """The data field parsed as JSON, or ``_PARSE_FAILED``."""
        if self._parsed is None:
            self._parsed = self._parse()
        return self._parsed

    def _parse(self) -> Any:
        try:
            if self.source == KINESIS:
                kinesis = self.record.get("kinesis", self.record)
                return {"data": loads(base64.b64decode(kinesis["data"], validate=True).decode("utf-8"))}
            return {**self.record, "body": loads(self.record["body"])}
        except (KeyError, TypeError, ValueError, binascii.Error, RecursionError):
            return _PARSE_FAILED

    def leaves(self, path: tuple[str, ...], mode: str) -> list[Any] | None:
        """The values at ``path`` (None: the data field has not the form the field needs)."""
        if mode == "plain":
            root: Any = self.record
        elif mode == "json":
            root = self._data()
            if root is _PARSE_FAILED:
                return None
        else:  # text: a plain-string body pattern never matches a body that is valid JSON
            if self._data() is not _PARSE_FAILED:
                return None
            root = self.record
        found: list[Any] = []
        _collect(root, path, 0, found)
        return found


def _collect(node: Any, path: tuple[str, ...], depth: int, found: list[Any]) -> None:
    if isinstance(node, list):  # an array matches when one of its elements does
        for item in node:
            _collect(item, path, depth, found)
    elif depth == len(path):
        if not isinstance(node, dict):  # objects are not values (exists sees leaves only)
            found.append(node)
    elif isinstance(node, dict) and path[depth] in node:
        _collect(node[path[depth]], path, depth + 1, found)


# -- a mapping's filters -------------------------------------------------------------------------------


class FilterSet:
    """A mapping's filters for one kind of source; no filters keeps every record."""

    __slots__ = ("source", "patterns", "_compiled")

    def __init__(self, source: str, patterns: tuple[str, ...] = ()) -> None:
        self.source, self.patterns = source, patterns
        self._compiled = tuple(compile_pattern(pattern, source) for pattern in patterns)

    @classmethod
    def parse(cls, criteria: Any, source: str) -> FilterSet:
        """``FilterCriteria`` from a Create/UpdateEventSourceMapping request, checked as AWS
        checks it: ``AwsError`` if Lambda would refuse it. ``{}`` (or no filters) removes them."""
        filters = criteria.get("Filters") if isinstance(criteria, dict) else None
        if not filters:
            return cls(source)
        if len(filters) > MAX_FILTERS:
            raise aws_errors.invalid_parameter(
                f"The number of filters ({len(filters)}) exceeds the limit of {MAX_FILTERS} "
                "filters per event source mapping.")
        patterns = []
        for number, entry in enumerate(filters, start=1):
            pattern = entry.get("Pattern") if isinstance(entry, dict) else None
            if isinstance(pattern, str) and len(pattern) > MAX_PATTERN_LENGTH:
                raise aws_errors.validation(f"filterCriteria.filters.{number}.member.pattern", pattern,
                                            f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}")
            if not isinstance(pattern, str):
                raise aws_errors.invalid_parameter(INVALID)
            patterns.append(pattern)
        return compiled(tuple(patterns), source)

    def __bool__(self) -> bool:
        return bool(self._compiled)

    def keeps(self, record: Mapping[str, Any]) -> bool:
        """Whether a record (as the function's event carries it) reaches the function: it
        matches one of the filters, or there are none."""
        if not self._compiled:
            return True
        view = _View(record, self.source)
        return any(pattern.matches(view) for pattern in self._compiled)

    def kept(self, records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [record for record in records if self.keeps(record)]


@functools.lru_cache(maxsize=256)
def compiled(patterns: tuple[str, ...], source: str) -> FilterSet:
    """A mapping's stored patterns, compiled once (pollers read them before every batch)."""
    return FilterSet(source, patterns)


def patterns_of(criteria: Any) -> tuple[str, ...]:
    """The Pattern strings of a stored ``FilterCriteria`` (None or ``{}``: none)."""
    filters = criteria.get("Filters") if isinstance(criteria, dict) else None
    return tuple(entry["Pattern"] for entry in filters or () if isinstance(entry, dict) and "Pattern" in entry)
