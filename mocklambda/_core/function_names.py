"""Function names and qualifiers as the Lambda API checks them before it looks anything up
(spec 1.10, 1.20; recordings ``test_function_name_and_qualifier_validation``, ``test_invalid_invoke``).

Each operation names its function with one of the service model's name shapes. The patterns are
AWS's own text, quoted verbatim in the messages and matched whole (``re.fullmatch``, as Java's
``matches``); their numbered groups also split a name: 3 the region, 9 the account, 11 the name,
13 the qualifier (the same numbers in every shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import aws_errors
from .aws_errors import constraint_text as _problem

_PREFIX = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
           r"(\d{12}:)?(function:)?")
QUALIFIER_PATTERN = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
QUALIFIER_MAX_LENGTH = 128
_REGION, _ACCOUNT, _NAME, _QUALIFIER = 3, 9, 11, 13


@dataclass(frozen=True)
class NameShape:
    """One of the service model's function-name shapes: its pattern (AWS's text) and maximum length."""

    pattern: str
    max_length: int
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


NAMESPACED = NameShape(_PREFIX + r"([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?", 256)
"""``NamespacedFunctionName``: Invoke, InvokeAsync, the event invoke config operations."""
FUNCTION_NAME = NameShape(_PREFIX + r"([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?", 140)
"""``FunctionName``: Put/Get/DeleteFunctionConcurrency, CreateFunction, UpdateFunction*."""
UNQUALIFIED = NameShape(_PREFIX + r"([a-zA-Z0-9-_]+)", 140)
"""``UnqualifiedFunctionName``: Put/GetFunctionRecursionConfig."""
_QUALIFIER_REGEX = re.compile(QUALIFIER_PATTERN)


@dataclass(frozen=True)
class FunctionRef:
    """A function as named in a request: bare name, ``name:qualifier``, partial or full ARN."""

    name: str
    qualifier: str | None
    region: str | None = None
    account_id: str | None = None


def problems(raw_name: str, qualifier: str | None, shape: NameShape = NAMESPACED) -> list[str]:
    """Every constraint the name and the ``Qualifier`` parameter break, in the message's order:
    the function name first, then the qualifier. A name that breaks its pattern is not also
    measured (AWS reports only the pattern then, recorded for a 233-character ARN)."""
    pattern = "Member must satisfy regular expression pattern: "
    length = "Member must have length less than or equal to "
    found = []
    if not shape.regex.fullmatch(raw_name):
        found.append(_problem("functionName", raw_name, pattern + shape.pattern))
    elif len(raw_name) > shape.max_length:
        found.append(_problem("functionName", raw_name, f"{length}{shape.max_length}"))
    if qualifier is not None:
        if len(qualifier) > QUALIFIER_MAX_LENGTH:
            found.append(_problem("qualifier", qualifier, f"{length}{QUALIFIER_MAX_LENGTH}"))
        if not _QUALIFIER_REGEX.fullmatch(qualifier):
            found.append(_problem("qualifier", qualifier, pattern + QUALIFIER_PATTERN))
    return found


def check(raw_name: str, qualifier: str | None, shape: NameShape = NAMESPACED) -> FunctionRef:
    """The parts of a valid name, or AWS's 400 ``ValidationException`` listing every problem."""
    found = problems(raw_name, qualifier, shape)
    if found:
        raise aws_errors.validation_errors(found)
    return split(raw_name, shape)


def split(raw_name: str, shape: NameShape = NAMESPACED) -> FunctionRef:
    """The parts of a name that matches ``shape`` (``ValueError`` if it does not)."""
    match = shape.regex.fullmatch(raw_name)
    if match is None:
        raise ValueError(f"not a valid function name: {raw_name!r}")
    region, account = match.group(_REGION), match.group(_ACCOUNT)
    qualifier = match.group(_QUALIFIER) if shape.regex.groups >= _QUALIFIER else None
    return FunctionRef(match.group(_NAME), qualifier, region[:-1] if region else None,
                     account[:-1] if account else None)
