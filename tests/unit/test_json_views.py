"""The routes that run without pydantic answer exactly what the wire models would: same fields, order and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from functions.models import json_views
from functions.models.entities.interviews import Interview, InterviewStatus, Record, RecordStatus
from functions.models.entities.talent import Candidate, Job
from functions.models.entities.webhooks import Webhook
from functions.models.read_api import InterviewDeleted, InterviewDetail, record_public
from functions.models.rendering import rendered
from functions.models.talent import CandidatePublic, Deleted, JobPublic
from functions.models.views import interview_public
from functions.models.webhooks_api import WebhookDeleted, WebhookPublic, WebhookWithSecret
from functions.runtime.app import build_app

_NOW = "2026-11-29T10:00:00.000Z"
_RECORD = Record(
    status=RecordStatus.READY,
    summary="Strong on systems design",
    results=[{"question": "Q1", "score": 4.5, "tags": ["design"], "nested": {"n": 3}}],
    participants=[{"name": "Ada", "role": "candidate"}],
    video_key="records/iv_1.mp4",
)
_INTERVIEW = Interview(
    id="iv_1",
    owner_id="u_1",
    title="Backend — 日本語",
    plan_id="p_1",
    pin="123456",
    interviewee_name="Ada Lovelace",
    status=InterviewStatus.FINISHED,
    charged=True,
    created_at=_NOW,
    updated_at=_NOW,
    started_at=_NOW,
    finished_at=_NOW,
    record=_RECORD,
    metadata={"ats": {"id": 7, "ratio": 0.25, "ok": True, "none": None}},
    scheduled_at=None,
    candidate_id="cand_1",
    job_id=None,
)
_WEBHOOK = Webhook(
    id="wh_1",
    owner_id="u_1",
    url="https://example.com/hook",
    events=["interview.created", "analysis.completed"],
    enabled=False,
    secret="whsec_c2VjcmV0",
    created_at=_NOW,
    previous_secret="whsec_b2xk",
)
_CANDIDATE = Candidate(
    id="cand_1",
    owner_id="u_1",
    name="Ada Lovelace",
    email=None,
    external_id="ats-1",
    job_ids=["job_1", "job_2"],
    metadata=None,
    created_at=_NOW,
    updated_at=_NOW,
)
_JOB = Job(
    id="job_1",
    owner_id="u_1",
    title="Engineer",
    external_id=None,
    metadata={"a": [1, 2]},
    created_at=_NOW,
    updated_at=_NOW,
)


def _as_served(value: Any) -> str:
    """The body the resolver writes: its serializer over a dict, or over a model's JSON dump."""
    serializer: Callable[[Any], str] = build_app(validation=False)._serializer
    return serializer(value.model_dump(mode="json") if isinstance(value, BaseModel) else value)


CASES: list[tuple[str, Any, BaseModel]] = [
    (
        "interview with its record",
        json_views.interview_detail(_INTERVIEW, "https://signed.example/v.mp4"),
        InterviewDetail(
            interview=interview_public(_INTERVIEW), record=record_public(_RECORD, "https://signed.example/v.mp4")
        ),
    ),
    (
        "interview without a record",
        json_views.interview_detail(Interview(**{**_INTERVIEW.__dict__, "record": None}), None),
        InterviewDetail(interview=interview_public(Interview(**{**_INTERVIEW.__dict__, "record": None})), record=None),
    ),
    ("webhook", json_views.webhook(_WEBHOOK), rendered(WebhookPublic, _WEBHOOK)),
    ("webhook with its secret", json_views.webhook_with_secret(_WEBHOOK), rendered(WebhookWithSecret, _WEBHOOK)),
    ("candidate", json_views.candidate(_CANDIDATE), CandidatePublic.model_validate(json_views.candidate(_CANDIDATE))),
    ("job", json_views.job(_JOB), JobPublic.model_validate(json_views.job(_JOB))),
    ("deleted", json_views.deleted(), Deleted(deleted=True)),
    (
        "interview deleted with a refund",
        json_views.interview_deleted(True, 4),
        InterviewDeleted(deleted=True, refunded=True, balanceAfter=4),
    ),
    ("webhook deleted", json_views.deleted(), WebhookDeleted(deleted=True)),
]


@pytest.mark.parametrize(("plain", "model"), [(p, m) for _, p, m in CASES], ids=[name for name, _, _ in CASES])
def test_the_plain_view_is_the_models_json_byte_for_byte(plain: dict[str, Any], model: BaseModel) -> None:
    assert _as_served(plain) == _as_served(model)


@pytest.mark.parametrize(
    ("fields", "model"),
    [
        (json_views.INTERVIEW_FIELDS, "InterviewPublic"),
        (json_views.RECORD_FIELDS, "RecordPublic"),
        (json_views.WEBHOOK_FIELDS, WebhookPublic),
        (json_views.CANDIDATE_FIELDS, CandidatePublic),
        (json_views.JOB_FIELDS, JobPublic),
    ],
)
def test_field_lists_are_the_models_fields_in_order(fields: tuple[str, ...], model: type[BaseModel] | str) -> None:
    from functions.runtime.openapi_docs import _model_named

    found: type[BaseModel] = _model_named(model) if isinstance(model, str) else model
    assert fields == tuple(found.model_fields)


def test_an_interview_deleted_without_a_refund_has_no_balance() -> None:
    # As the model dumped it for this route (exclude_none), and as the API reference shows it.
    expected = InterviewDeleted(deleted=True, refunded=False).model_dump(exclude_none=True)
    assert json_views.interview_deleted(False, None) == expected == {"deleted": True, "refunded": False}


def test_the_secret_is_the_only_difference_between_the_webhook_views() -> None:
    with_secret = json.loads(_as_served(json_views.webhook_with_secret(_WEBHOOK)))
    assert list(with_secret) == [*json_views.WEBHOOK_FIELDS, "secret"]
    assert list(WebhookWithSecret.model_fields) == list(with_secret)


def test_the_ping_event_is_what_the_ping_model_serializes() -> None:
    """The queued ping (signed and sent as is) matches PingEvent, as the interview events match theirs."""
    from functions.domain.webhook_messages import ping_body
    from functions.models.webhook_payloads import PingData, PingEvent

    model = PingEvent(type="webhook.ping", timestamp=_NOW, data=PingData(webhookId="wh_1"))
    expected = json.dumps(model.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
    assert ping_body("wh_1", _NOW) == expected


def test_the_ping_answer_is_a_ping_queued() -> None:
    from functions.models.webhooks_api import PingQueued

    body = {"queued": True, "messageId": "msg_1"}
    assert _as_served(body) == _as_served(PingQueued(queued=True, messageId="msg_1"))
