"""Path parameters as route parameters, constrained before any read and documented in the spec."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.models.text import PLAIN_TEXT_PATTERN

# Ids are UUIDs (36 characters); 64 leaves room while a 10 KB id is a 400 before any database read.
InterviewId = Annotated[
    str,
    Path(min_length=1, max_length=64, description="The interview's id, as create returned it"),
]

WebhookId = Annotated[
    str,
    Path(min_length=1, max_length=64, description="The webhook's id, as create returned it"),
]
CandidateId = Annotated[str, Path(min_length=1, max_length=64, description="The candidate's id")]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="The job's id")]

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
