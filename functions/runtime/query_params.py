"""Query parameters: their limits and what the spec says of them, declared without pydantic.

Like path_params: a list route runs on a resolver without validation, so that its cold start loads
no pydantic (decisions 18). `request_checks` checks these rules with the messages pydantic's errors
get from validation_messages (tests/unit/test_query_rules.py compares the two on the same inputs),
and `lambda_entry` passes the values to the route function; the docs build sees them as
Powertools' `Query(...)`.
"""

from __future__ import annotations

import math
import re
import types
from functools import cached_property
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from functions.models.text import PLAIN_TEXT_PATTERN
from functions.records import record
from functions.runtime.path_params import length_problem

_MAX_DIGITS = 4300


def members(annotation: Any) -> tuple[Any, ...]:
    """The types of a union (`int | None` gives int and NoneType); the type itself otherwise."""
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


@record
class QueryRule:
    """One query parameter's limits; its type (int, str or a Literal, each optionally None) is the annotation's."""

    description: str | None = None
    ge: int | None = None
    le: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    @cached_property
    def _compiled(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern else None

    def problem(self, value: str, annotation: Any) -> str | None:
        """What is wrong with `value` (already known to be plain digits if the type is int), or None."""
        kinds = members(annotation)
        if int in kinds:
            # Past Python's int() limit (sys.int_info.default_max_str_digits) a number of plain digits is
            # out of any range we declare; int() would raise.
            number = int(value) if len(value) < _MAX_DIGITS else math.inf
            if self.ge is not None and number < self.ge:
                return f"is out of range: input should be greater than or equal to {self.ge}"
            if self.le is not None and number > self.le:
                return f"is out of range: input should be less than or equal to {self.le}"
            return None
        choices = [choice for kind in kinds if get_origin(kind) is Literal for choice in get_args(kind)]
        if choices:
            return None if value in choices else f"must be one of {_alternatives(choices)}"
        too_long_or_short = length_problem(value, self.min_length, self.max_length)
        if too_long_or_short:
            return too_long_or_short
        if self._compiled is not None and not self._compiled.search(value):
            return "has a form this field does not accept"
        return None

    def value(self, text: str, annotation: Any) -> Any:
        return int(text) if int in members(annotation) else text


def _alternatives(choices: list[Any]) -> str:
    """'A', 'B' or 'C', as pydantic words a Literal's expected values."""
    quoted = [repr(choice) for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


# A page: how many items and where to continue.
Limit = Annotated[int, QueryRule(ge=1, le=100)]
Cursor = Annotated[str | None, QueryRule(min_length=1, max_length=2048)]

# Filters by id or externalId: the spec says what a valid one looks like, so that a client (or a
# fuzzer) knows that control characters are refused before any read.
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
CandidateFilter = Annotated[
    str | None, QueryRule(min_length=1, max_length=64, pattern=ID_PATTERN, description="A candidate id of yours")
]
JobFilter = Annotated[
    str | None, QueryRule(min_length=1, max_length=64, pattern=ID_PATTERN, description="A job id of yours")
]
ExternalIdFilter = Annotated[
    str | None, QueryRule(min_length=1, max_length=200, pattern=PLAIN_TEXT_PATTERN, description="Your ATS's id")
]
