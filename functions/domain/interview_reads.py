"""Reading interviews: one (with its video URL once READY) or a page, newest first, by one filter.

Apart from functions/domain/interviews.py (the writes), so that get_interview and list_interviews
import neither credits nor candidates and jobs (docs/decisions.md, 31).
"""

from __future__ import annotations

from functions.data import interviews as store
from functions.data import recordings
from functions.domain import cursors
from functions.models.entities.interviews import Interview, InterviewStatus, RecordStatus
from functions.models.entities.page import Page
from functions.models.errors import NotFound, ValidationFailed

_CURSOR_SCOPE = "interviews"


def get(owner_id: str, interview_id: str) -> tuple[Interview, str | None]:
    """The caller's interview and, once its record is READY, a pre-signed video URL."""
    interview = store.get_owned(interview_id, owner_id)
    if interview is None:
        raise NotFound("Interview not found")
    record = interview.record
    url = None
    if record is not None and record.status is RecordStatus.READY and record.video_key:
        url = recordings.presigned_url(record.video_key)
    return interview, url


_ONE_FILTER = (
    'Query parameters "status", "candidateId" and "jobId" cannot be combined: the supported filters are '
    "status alone, candidateId alone or jobId alone"
)


def list_page(
    owner_id: str,
    status: InterviewStatus | None,
    limit: int,
    cursor: str | None,
    candidate_id: str | None = None,
    job_id: str | None = None,
) -> tuple[list[Interview], str | None]:
    # Each filter is one index's key; no index has two of them, and none is applied after reading.
    if sum(value is not None for value in (status, candidate_id, job_id)) > 1:
        raise ValidationFailed(_ONE_FILTER)
    if candidate_id is not None:
        scope = f"{_CURSOR_SCOPE}:candidate:{candidate_id}"
    elif job_id is not None:
        scope = f"{_CURSOR_SCOPE}:job:{job_id}"
    else:
        scope = f"{_CURSOR_SCOPE}:{status or '*'}"
    start_key = cursors.decode(cursor, owner_id, scope)
    page: Page[Interview] = store.query(owner_id, status, limit, start_key, candidate_id=candidate_id, job_id=job_id)
    return page.items, cursors.encode(page.last_key, owner_id, scope)
