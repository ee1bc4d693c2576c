"""Query parameters shared by several list routes, as Powertools parameters (validated and documented)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.models.text import PLAIN_TEXT_PATTERN

# Filters by id or externalId: the spec says what a valid one looks like, so that a client (or a
# fuzzer) knows that control characters are refused before any read.
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
CandidateFilter = Annotated[
    str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN, description="A candidate id of yours")
]
JobFilter = Annotated[
    str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN, description="A job id of yours")
]
ExternalIdFilter = Annotated[
    str | None, Query(min_length=1, max_length=200, pattern=PLAIN_TEXT_PATTERN, description="Your ATS's id")
]
