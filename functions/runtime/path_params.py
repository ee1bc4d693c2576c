"""Path parameters as route parameters, constrained before any read and documented in the spec."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

# Ids are UUIDs (36 characters); 64 leaves room while a 10 KB id is a 400 before any database read.
InterviewId = Annotated[
    str,
    Path(min_length=1, max_length=64, description="The interview's id, as create returned it"),
]
CandidateId = Annotated[str, Path(min_length=1, max_length=64, description="The candidate's id")]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="The job's id")]
