"""Interviews rendered as the create and update routes answer them (the room's: room_views.py; the
plans' and records' wire models: read_api.py)."""

from __future__ import annotations

from functions.models.api import InterviewCreated, InterviewPublic
from functions.models.entities.interviews import Interview
from functions.models.rendering import rendered


def interview_public(interview: Interview) -> InterviewPublic:
    return rendered(InterviewPublic, interview, status=interview.status.value)


def interview_created(interview: Interview, balance_after: int) -> InterviewCreated:
    return rendered(InterviewCreated, interview, balanceAfter=balance_after)
