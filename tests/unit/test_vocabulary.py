"""The wire vocabularies (Literal types, for routes without pydantic) and the domain's enums say the same."""

from typing import get_args

from functions.models.entities import InterviewStatus
from functions.models.vocabulary import StatusName


def test_the_wire_statuses_are_the_domain_statuses_in_order() -> None:
    assert list(get_args(StatusName)) == [status.value for status in InterviewStatus]
