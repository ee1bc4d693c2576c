"""The candidate's room: a join by pin gives a room token; the token opens that one interview's room.

- The pin is the only credential of a join. A wrong pin and an unknown interview get the same 401
  `invalid_pin`. PIN_FAILURE_LIMIT wrong pins within LOCK_SECONDS of the first lock the interview:
  every join of it is 429 `room_locked` until the window ends, the right pin included, from any
  address (the count is per interview, so spreading guesses over addresses gains nothing). Each
  wrong pin also counts against its source address, in the counter of failed authentications.
- A room token (`qlr_...`) is random, stored as its SHA-256 with its interview, owner and expiry
  (TOKEN_SECONDS). Every room route reads the interview it opens, so a deleted interview's tokens
  answer 401 from the next request on; they work on no other interview, and API routes refuse them
  by their format (as room routes refuse API tokens).
- Start and finish are the interviews' own steps (functions/domain/interview_steps.py): the room and
  `quollo admin` run the same code, and the interviews stream fires the same webhook events.

The pin is never logged, nor any token: only the interview id and the outcome.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Mapping

from functions.data import interviews as store
from functions.data import pin_failures as failure_store
from functions.data import recordings, room_tokens
from functions.domain import auth, clock, interview_steps, ratelimits, tokens
from functions.models.entities.interviews import Interview, InterviewStatus, RecordStatus
from functions.models.entities.room_access import RoomToken
from functions.models.errors import Conflict, InvalidPin, InvalidToken, NotFound, RateLimited, RoomClosed, RoomLocked
from functions.records import record

PIN_FAILURE_LIMIT = 5
LOCK_SECONDS = 15 * 60
TOKEN_SECONDS = 4 * 60 * 60
# How long a recording's upload URL may be used: enough to start a 2 GiB upload on a slow line (S3
# checks the signature when the PUT starts).
UPLOAD_URL_SECONDS = 3600

_INVALID_PIN = "Wrong pin, or no such interview"
_DEAD_TOKEN = "Room token does not exist, has expired, or is for another interview"  # noqa: S105 - a message
# Compared against when the interview does not exist, so that both answers take one comparison.
_NO_PIN = "\x00" * 4


@record
class Joined:
    token: str
    expires_at: float
    interview: Interview


@record
class Room:
    """Who a room request acts for: the interview its token opens."""

    interview_id: str
    owner_id: str


@record
class Upload:
    url: str
    headers: dict[str, str]
    expires_at: float


def _locked(until: float, now: float) -> RoomLocked:
    return RoomLocked(
        "Too many wrong pins for this interview; joins are refused until Retry-After seconds have passed",
        {"Retry-After": str(max(1, math.ceil(until - now)))},
    )


def _check_not_locked(interview_id: str, now: float) -> None:
    counted = failure_store.pin_failures(interview_id)
    if counted is None or counted.failures < PIN_FAILURE_LIMIT:
        return
    until = counted.window_start + LOCK_SECONDS
    if until > now:
        raise _locked(until, now)


def _pin_matches(interview: Interview | None, pin: str) -> bool:
    expected = interview.pin if interview is not None else _NO_PIN
    # Constant time over the bytes: the answer's timing says nothing of how much of the pin was right.
    return hmac.compare_digest(expected.encode(), pin.encode()) and interview is not None


def _failed(interview_id: str, source_ip: str | None, now: float) -> InvalidPin | RateLimited:
    """What a wrong pin answers, once counted against the interview and the address."""
    counted = failure_store.add_pin_failure(interview_id, now, LOCK_SECONDS, PIN_FAILURE_LIMIT)
    if counted is None:  # racing joins filled the window first
        current = failure_store.pin_failures(interview_id)
        return _locked((current.window_start if current else now) + LOCK_SECONDS, now)
    if source_ip:
        window = ratelimits.window_at(now)
        refused = ratelimits.is_refused(source_ip, window)
        ratelimits.count_failure(source_ip, window)
        if refused:
            return RateLimited(
                "Too many failed authentications from this address; retry after the minute ends",
                {"Retry-After": str(ratelimits.retry_after(window, now))},
            )
    return InvalidPin(_INVALID_PIN)


def join(interview_id: str, pin: str, source_ip: str | None) -> Joined:
    """A room token for the interview whose pin this is."""
    now = clock.seconds()
    _check_not_locked(interview_id, now)
    interview = store.get(interview_id)
    if not _pin_matches(interview, pin):
        raise _failed(interview_id, source_ip, now)
    assert interview is not None
    if interview.status is InterviewStatus.FINISHED:
        raise RoomClosed("The interview is finished: its room is closed")
    token = tokens.generate(tokens.ROOM_PREFIX)
    stored = RoomToken(interview.id, interview.owner_id, now + TOKEN_SECONDS)
    room_tokens.put(tokens.fingerprint(token), stored, clock.iso_epoch(now))
    return Joined(token, stored.expires_at, interview)


def authenticate(headers: Mapping[str, str], interview_id: str, now: float) -> Room:
    """The room a request's `Bearer qlr_...` token opens, if it opens the interview in its path."""
    token = auth.bearer_token(headers)
    problem = tokens.format_problem(token, tokens.ROOM_PREFIX)
    if problem is not None:
        raise InvalidToken(problem)
    stored = room_tokens.get(tokens.fingerprint(token))
    if stored is None or stored.expires_at <= now or not hmac.compare_digest(stored.interview_id, interview_id):
        raise InvalidToken(_DEAD_TOKEN)
    return Room(stored.interview_id, stored.owner_id)


def _opened(room: Room) -> Interview:
    """The room's interview, read again: gone (deleted), its token is dead."""
    interview = store.get_owned(room.interview_id, room.owner_id)
    if interview is None:
        raise InvalidToken(_DEAD_TOKEN)
    return interview


def start(room: Room) -> Interview:
    try:
        return interview_steps.start(room.interview_id, owner_id=room.owner_id)
    except NotFound as exc:  # deleted since the token was issued
        raise InvalidToken(_DEAD_TOKEN) from exc


def finish(room: Room) -> Interview:
    try:
        return interview_steps.finish(room.interview_id, owner_id=room.owner_id)
    except NotFound as exc:
        raise InvalidToken(_DEAD_TOKEN) from exc


def recording_upload(room: Room, content_type: str, size: int) -> Upload:
    """A pre-signed PUT of the interview's recording, content type and size bound: while the interview is
    IN_PROGRESS, or FINISHED with its record IDLE (not yet taken into processing)."""
    interview = _opened(room)
    record = interview.record.status if interview.record else None
    if not (
        interview.status is InterviewStatus.IN_PROGRESS
        or (interview.status is InterviewStatus.FINISHED and record is RecordStatus.IDLE)
    ):
        raise Conflict(
            f"interview {interview.id} is {interview.status} with record {record}; a recording is uploaded "
            "while IN_PROGRESS, or FINISHED with record IDLE"
        )
    now = clock.seconds()
    key = recordings.video_key(interview.owner_id, interview.id)
    url, headers = recordings.presigned_put(key, content_type, size, UPLOAD_URL_SECONDS)
    return Upload(url, headers, now + UPLOAD_URL_SECONDS)
