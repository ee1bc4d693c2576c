"""Path parameters: their limits and what the spec says of them, declared without pydantic.

A route without a body runs on a resolver without validation, so that its cold start loads no
pydantic (decisions 18); `request_checks` checks these rules for every route, before any read.
Validating routes and the docs build see them as Powertools' `Path(...)`
(`runtime.openapi_docs.documented_signature`), so the spec and the messages are the same either way.
"""

from __future__ import annotations

from typing import Annotated

from functions.records import record


@record
class PathRule:
    description: str
    # Ids are UUIDs (36 characters); 64 leaves room while a 10 KB id is a 400 before any database read.
    min_length: int = 1
    max_length: int = 64

    def problem(self, value: str) -> str | None:
        return length_problem(value, self.min_length, self.max_length)


def length_problem(value: str, min_length: int | None, max_length: int | None) -> str | None:
    """What is wrong with `value`'s length, worded as validation_messages words pydantic's errors
    (string_too_short is "non-empty" whatever the minimum)."""
    if min_length is not None and len(value) < min_length:
        return "must be a non-empty string"
    if max_length is not None and len(value) > max_length:
        return f"must be at most {max_length} characters"
    return None


InterviewId = Annotated[str, PathRule("The interview's id, as create returned it")]
WebhookId = Annotated[str, PathRule("The webhook's id, as create returned it")]
CandidateId = Annotated[str, PathRule("The candidate's id")]
JobId = Annotated[str, PathRule("The job's id")]
EventId = Annotated[str, PathRule("The event's id (the webhook-id of its deliveries)")]
RoomId = Annotated[str, PathRule("The interview's id: the candidate's link is /i/{id}")]
