"""The query rules word their refusals exactly as the validating resolver did (pydantic through validation_messages)."""

from __future__ import annotations

from typing import Annotated, Any, get_args

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from functions.models.vocabulary import StatusName
from functions.runtime.query_params import CandidateFilter, Cursor, ExternalIdFilter, JobFilter, Limit, QueryRule
from functions.runtime.validation_messages import describe

Status = Annotated[StatusName | None, QueryRule()]


def _pydantic_message(declared: Any, value: str) -> str | None:
    """What Powertools' validation answered for `value`: the same limits as a pydantic Field, lax as for a query."""
    base, rule = get_args(declared)
    limits = {
        name: getattr(rule, name)
        for name in ("ge", "le", "min_length", "max_length", "pattern")
        if getattr(rule, name) is not None
    }
    try:
        TypeAdapter[Any](Annotated[base, Field(**limits)]).validate_python(value)  # type: ignore[arg-type]
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", "p", *error["loc"])} for error in exc.errors()]
        return describe(errors)
    return None


def _our_message(declared: Any, value: str) -> str | None:
    base, rule = get_args(declared)
    problem = rule.problem(value, base)
    return None if problem is None else f'Query parameter "p" {problem}'


CASES = [
    (Limit, ["1", "20", "100", "0", "101", "99999999999999999999999"]),
    (Cursor, ["a", "", "x" * 2048, "x" * 2049]),
    (Status, ["PENDING", "IN_PROGRESS", "FINISHED", "pending", "", "DONE"]),
    (CandidateFilter, ["cand_1", "", "x" * 64, "x" * 65, "a b", "a/b", "ü", "x" * 65 + " "]),
    (JobFilter, ["job-1", "job.1", ""]),
    (ExternalIdFilter, ["ATS 123", "", "x" * 200, "x" * 201, "tab\there", "  padded  "]),
]


@pytest.mark.parametrize(
    ("declared", "value"),
    [(declared, value) for declared, values in CASES for value in values],
    ids=[f"{i}-{value[:12]!r}" for i, (_, values) in enumerate(CASES) for value in values],
)
def test_a_query_rule_answers_as_pydantic_did(declared: Any, value: str) -> None:
    assert _our_message(declared, value) == _pydantic_message(declared, value)


def test_a_number_past_pythons_digit_limit_is_out_of_range() -> None:
    base, rule = get_args(Limit)
    assert rule.problem("9" * 5000, base) == "is out of range: input should be less than or equal to 100"
