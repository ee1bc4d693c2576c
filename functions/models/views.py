"""Entities rendered as the public API shows them."""

from __future__ import annotations

from functions.models.api import InterviewCreated, InterviewPublic, PlanPublic, RecordPublic
from functions.models.entities import DeliveryAttempt, Interview, Plan, Record, Webhook
from functions.models.webhooks_api import DeliveryPublic, WebhookPublic, WebhookWithSecret


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


def webhook_public(webhook: Webhook) -> WebhookPublic:
    return WebhookPublic(
        id=webhook.id,
        url=webhook.url,
        events=webhook.events,
        enabled=webhook.enabled,
        createdAt=webhook.created_at,
    )


def webhook_with_secret(webhook: Webhook) -> WebhookWithSecret:
    return WebhookWithSecret(**webhook_public(webhook).model_dump(), secret=webhook.secret)


def delivery_public(attempt: DeliveryAttempt) -> DeliveryPublic:
    return DeliveryPublic(
        id=attempt.id,
        webhookId=attempt.webhook_id,
        eventId=attempt.event_id,
        type=attempt.type,
        attempt=attempt.attempt,
        status=attempt.status,
        responseStatus=attempt.response_status,
        durationMs=attempt.duration_ms,
        error=attempt.error,
        createdAt=attempt.created_at,
        nextAttemptAt=attempt.next_attempt_at,
    )
