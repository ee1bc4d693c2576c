"""Entities as the domain sees them; the DynamoDB item shapes live in functions/data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict


class InterviewStatus(StrEnum):
    """The statuses the domain works with; on the wire they are vocabulary.StatusName (a Literal, so that
    routes without pydantic can declare it), and tests/unit/test_vocabulary.py holds the two equal."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"


class RecordStatus(StrEnum):
    IDLE = "IDLE"
    PROCESSING = "PROCESSING"
    READY = "READY"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    balance: int
    created_at: str


@dataclass(frozen=True)
class TokenListing:
    """What an operator may see of a token: never its secret, nor its hash."""

    token_id: str
    created_at: str
    revoked_at: str | None
    rate_limit: int


@dataclass(frozen=True)
class RoomToken:
    """A room token as stored (by its hash): the one interview it opens, its owner, and until when."""

    interview_id: str
    owner_id: str
    expires_at: float  # seconds since the epoch


@dataclass(frozen=True)
class PinFailures:
    """An interview's failed pins in its current window, which its first failure opened."""

    failures: int
    window_start: float  # seconds since the epoch


@dataclass(frozen=True)
class TokenUse:
    """A request counted against its token: whose it is, the token's budget and its use this window."""

    user_id: str
    rate_limit: int
    used: int


@dataclass(frozen=True)
class Plan:
    id: str
    owner_id: str
    name: str
    tags: list[str]
    seniority: str | None
    language: str


@dataclass(frozen=True)
class Record:
    status: RecordStatus
    summary: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)
    video_key: str | None = None


@dataclass(frozen=True)
class Interview:
    id: str
    owner_id: str
    title: str
    plan_id: str
    pin: str
    interviewee_name: str
    status: InterviewStatus
    charged: bool
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None
    record: Record | None = None
    is_test: bool = False
    metadata: dict[str, Any] | None = None
    scheduled_at: str | None = None
    candidate_id: str | None = None
    job_id: str | None = None


@dataclass(frozen=True)
class Candidate:
    id: str
    owner_id: str
    name: str
    email: str | None
    external_id: str | None
    job_ids: list[str]
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Job:
    id: str
    owner_id: str
    title: str
    external_id: str | None
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    last_key: dict[str, Any] | None


class InterviewChanges(TypedDict, total=False):
    """A partial update, by entity field name: a field present is set (None clears metadata or scheduled_at)."""

    title: str
    interviewee_name: str
    plan_id: str
    metadata: dict[str, Any] | None
    scheduled_at: str | None


# Webhooks.


@dataclass(frozen=True)
class Webhook:
    """An endpoint a user registered. `secret` is kept in the clear: signing needs the key itself
    (an HMAC cannot be computed from a hash), so it is protected like the table (SSE, least privilege)
    and only ever shown in the create and rotate responses."""

    id: str
    owner_id: str
    url: str
    events: list[str]
    enabled: bool
    secret: str = field(repr=False)  # never in a log line or a traceback
    created_at: str
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_until: float | None = None  # epoch seconds: deliveries carry both signatures until then
    failing_since: float | None = None  # epoch seconds of the first failure since the last success
    disabled_reason: str | None = None


@dataclass(frozen=True)
class DeliveryAttempt:
    """One attempt to deliver one event to one endpoint, as GET /v1/webhooks/{id}/deliveries shows it."""

    id: str
    webhook_id: str
    message_id: str
    event_id: str
    type: str
    attempt: int
    status: str  # SUCCEEDED | FAILED | PENDING
    response_status: int | None
    duration_ms: int | None
    error: str | None
    created_at: str
    next_attempt_at: str | None


@dataclass(frozen=True)
class WebhookTarget:
    """Where a delivery goes, once the URL passed the SSRF rules (functions/domain/webhook_urls.py)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # what the host resolved to, every one of them allowed


@dataclass(frozen=True)
class LedgerEntry:
    """One change of a balance: `debit` (-1, an interview created), `refund` (+1, a PENDING one
    deleted) or `grant` (+N, credits added)."""

    id: str
    owner_id: str
    type: str
    amount: int
    interview_id: str | None
    created_at: str


@dataclass(frozen=True)
class Event:
    """One webhook event as recorded: `body` is the exact payload its deliveries carry (and sign)."""

    id: str
    owner_id: str
    type: str
    timestamp: str
    body: str  # {"type", "timestamp", "data"} as JSON
