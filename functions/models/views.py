"""Entities rendered as the public API shows them."""

from __future__ import annotations

from functions.models.api import InterviewCreated, InterviewPublic, PlanPublic, RecordPublic
from functions.models.entities import Interview, Plan, Record


def interview_public(interview: Interview) -> InterviewPublic:
    return InterviewPublic(
        id=interview.id,
        title=interview.title,
        status=interview.status.value,
        planId=interview.plan_id,
        pin=interview.pin,
        intervieweeName=interview.interviewee_name,
        startedAt=interview.started_at,
        finishedAt=interview.finished_at,
        createdAt=interview.created_at,
        updatedAt=interview.updated_at,
        isTest=interview.is_test,
        metadata=interview.metadata,
        scheduledAt=interview.scheduled_at,
        candidateId=interview.candidate_id,
        jobId=interview.job_id,
    )


def interview_created(interview: Interview, balance_after: int) -> InterviewCreated:
    return InterviewCreated(
        id=interview.id,
        pin=interview.pin,
        balanceAfter=balance_after,
        isTest=interview.is_test,
        metadata=interview.metadata,
        scheduledAt=interview.scheduled_at,
        candidateId=interview.candidate_id,
        jobId=interview.job_id,
    )


def record_public(record: Record | None, video_url: str | None) -> RecordPublic | None:
    if record is None:
        return None
    return RecordPublic(
        status=record.status.value,
        summary=record.summary,
        results=record.results,
        participants=record.participants,
        videoUrl=video_url,
    )


def plan_public(plan: Plan) -> PlanPublic:
    return PlanPublic(
        id=plan.id,
        name=plan.name,
        tags=plan.tags,
        seniority=plan.seniority,
        language=plan.language,
    )
