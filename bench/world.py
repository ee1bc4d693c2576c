"""Data prepared before a measurement: users, tokens, plans and interviews in every state."""

from __future__ import annotations

import json
import uuid
from typing import Any

from functions import routes
from functions.local import gateway
from testkit.accounts import SAMPLE_TITLE, Account, create_account
from testkit.accounts import create_body as sample_body


def provision() -> None:
    from functions.local.provision import provision as create_resources

    create_resources()


def account(credits: int, name: str = "Bench recruiter") -> Account:
    return create_account(credits, name, ["backend", "python"])


def create_interview(owner: Account, title: str = SAMPLE_TITLE) -> str:
    from functions.domain import interviews
    from functions.models.api import InterviewCreate

    request = InterviewCreate.model_validate(sample_body(owner.plan_id, title))
    return interviews.create(owner.user_id, request).interview.id


def job(owner: Account, external_id: str | None = None) -> str:
    from functions.domain import talent
    from functions.models.talent import JobCreate

    return talent.create_job(owner.user_id, JobCreate(title="Backend engineer", externalId=external_id)).id


def candidate(owner: Account, job_ids: list[str], external_id: str | None = None) -> str:
    from functions.domain import talent
    from functions.models.talent import CandidateCreate

    request = CandidateCreate(name="Ada Lovelace", externalId=external_id, jobIds=job_ids)
    return talent.create_candidate(owner.user_id, request).id


def linked_interview(owner: Account, candidate_id: str) -> str:
    from functions.domain import interviews
    from functions.models.api import InterviewCreate

    request = InterviewCreate.model_validate(sample_body(owner.plan_id) | {"candidateId": candidate_id})
    return interviews.create(owner.user_id, request).interview.id


def ready_interview(owner: Account) -> str:
    """An interview that went through the whole lifecycle, with a video in S3."""
    from functions.data import recordings
    from functions.domain import interviews, post_processing
    from functions.models.post_processing import AnalysisCompleted

    interview_id = create_interview(owner, "Interview with a recording")
    interviews.start(interview_id)
    interviews.finish(interview_id)
    recordings.put_video(post_processing.recording_key(interview_id), b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2048)
    post_processing.process(interview_id)
    post_processing.analysis_completed(
        AnalysisCompleted.model_validate(
            {
                "interviewId": interview_id,
                "summary": "Strong candidate.",
                "results": [{"sectionId": "python", "questionId": "q1", "score": 4.5, "notes": ""}],
                "participants": [{"name": "Jane Doe", "role": "INTERVIEWEE"}],
            }
        )
    )
    return interview_id


def route(name: str) -> routes.Route:
    return next(r for r in routes.ROUTES if r.name == name)


def event(
    name: str,
    owner: Account,
    *,
    object_id: str | None = None,
    query: str = "",
    body: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """A realistic API Gateway REST proxy event for route `name`, as the gateway stand-in builds it.

    `object_id`: the route's `{id}` (an interview's, a webhook's, a candidate's or a job's).
    `token`: the bearer instead of the owner's API token (a room token on the room's routes)."""
    found = route(name)
    path = found.path.replace("{id}", object_id or "")
    params = {"id": object_id} if object_id else {}
    headers = {
        "Host": "api.quollo.example",
        "Accept": "application/json",
        "User-Agent": "quollo-bench/1.0",
        "Authorization": f"Bearer {token or owner.token}",
        "X-Forwarded-For": "127.0.0.1",
    }
    raw = None
    if body is not None:
        raw = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return gateway.build_event(found, path, params, headers, query, raw)


def room(owner: Account) -> tuple[str, str, str]:
    """A new interview's id, pin and a room token of it (the candidate has joined)."""
    from functions.domain import interviews, rooms
    from functions.models.api import InterviewCreate

    created = interviews.create(owner.user_id, InterviewCreate.model_validate(sample_body(owner.plan_id, "Room")))
    joined = rooms.join(created.interview.id, created.interview.pin, None)
    return created.interview.id, created.interview.pin, joined.token


def create_body(owner: Account) -> dict[str, Any]:
    return sample_body(owner.plan_id, f"Backend engineer {uuid.uuid4().hex[:6]}")


# A public address written as an IP: registration needs no DNS, and nothing is ever sent there (the
# bench runs no delivery worker).
WEBHOOK_URL = "https://1.1.1.1/quollo-bench"


def webhook_url() -> str:
    """WEBHOOK_URL with a path of its own: a user registers a URL once (a second time is a 409)."""
    return f"{WEBHOOK_URL}/{uuid.uuid4().hex[:12]}"


def webhook(owner: Account) -> str:
    """A webhook of `owner`'s (at most 10 per user: callers that need many use fresh accounts)."""
    from functions.domain import webhook_registration
    from functions.models.webhooks_api import WebhookCreate

    return webhook_registration.create(owner.user_id, WebhookCreate(url=webhook_url())).id


def fresh_webhook_event(route: str) -> dict[str, Any]:
    """`route`'s request on a webhook of a new account: for a route that uses its webhook up (a delete, or a
    rotation, which a second time within the 24 h grace answers 409), run many times (at most 10 per user)."""
    owner = account(credits=0)
    return event(route, owner, object_id=webhook(owner))


def recorded_event(owner: Account) -> str:
    """An interview.created event of `owner`'s, recorded as the fan-out records it (the bench runs no stream)."""
    from functions.data import events
    from functions.domain import clock
    from functions.models.entities.webhooks import Event

    at = clock.now()
    event_id = f"evt_{uuid.uuid4().hex[:26]}"
    interview = {"id": str(uuid.uuid4()), "title": SAMPLE_TITLE, "status": "PENDING", "createdAt": at}
    body = json.dumps({"type": "interview.created", "timestamp": at, "data": {"interview": interview, "record": None}})
    events.put_all([Event(id=event_id, owner_id=owner.user_id, type="interview.created", timestamp=at, body=body)])
    return event_id
