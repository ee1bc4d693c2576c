"""Post-processing (docs/lifecycle.md): the recording's upload moves an interview's record IDLE ->
PROCESSING and asks for its analysis; the analysis's results move it PROCESSING -> READY.

The production path and `quollo admin` share these functions: a finish (the room's or the CLI's)
calls `after_finish` for a recording uploaded during the interview; S3's ObjectCreated (through the
recordings queue) calls `recording_uploaded` and `quollo admin process` calls `process`, both of
which check the stored video and publish the same Recording Uploaded event; the bus's Analysis
Completed (through the analysis queue) and `quollo admin ready` both call `analysis_completed`.
Every write is `save_step`'s, conditioned on the state it was decided from.
"""

from __future__ import annotations

from functions.data import interviews as store
from functions.data import post_processing as bus
from functions.data import recordings, settings
from functions.domain import clock, lifecycle, videos
from functions.models.entities.interviews import Interview, InterviewStatus, Record, RecordStatus
from functions.models.errors import Conflict, NotFound, ValidationFailed
from functions.models.post_processing import (
    RECORDING_SOURCE,
    RECORDING_UPLOADED,
    AnalysisCompleted,
    RecordingUploaded,
)

_PROCESSING = lifecycle.State(InterviewStatus.FINISHED, RecordStatus.PROCESSING)
_FINISHED_IDLE = lifecycle.State(InterviewStatus.FINISHED, RecordStatus.IDLE)


def _current(interview_id: str) -> Interview:
    interview = store.get(interview_id)
    if interview is None:
        raise NotFound(f"interview {interview_id} does not exist")
    return interview


def recording_key(interview_id: str) -> str:
    """Where the interview's recording is uploaded (the key the bucket's notification watches)."""
    current = _current(interview_id)
    return recordings.video_key(current.owner_id, current.id)


def recording_uploaded(key: str) -> Interview:
    """S3 stored an object at `key`: if it is an interview's recording, process it (see `_process`)."""
    ids = recordings.interview_of_key(key)
    if ids is None:
        raise ValidationFailed(f"{key} is not an interview's recording key")
    owner_id, interview_id = ids
    current = _current(interview_id)
    if current.owner_id != owner_id:
        raise ValidationFailed(f"{key} is not interview {interview_id}'s recording key")
    return _process(current, key)


def process(interview_id: str) -> Interview:
    """`quollo admin process`: what `recording_uploaded` does, for the video at the interview's key.

    Read again once on a Conflict: the S3 notification of the same upload may move the record first
    (then this publishes again, as a repeated notification would)."""
    try:
        current = _current(interview_id)
        return _process(current, recordings.video_key(current.owner_id, current.id))
    except Conflict:
        current = _current(interview_id)
        return _process(current, recordings.video_key(current.owner_id, current.id))


def after_finish(finished: Interview) -> Interview:
    """The interview just finished (or finished again): process a recording the room stored before it.

    The room may upload while IN_PROGRESS, and that upload's notification found no record to move
    (logged, left as it was). So a finish looks at the recording key: a valid video there is processed
    now, as its notification would have been; none, or a wrong one, leaves the record IDLE for the
    next upload's notification. A notification racing this finish loses (or wins) on save_step's
    condition, so the record moves and Recording Uploaded is published once.
    """
    if lifecycle.state_of(finished) != _FINISHED_IDLE:
        return finished
    key = recordings.video_key(finished.owner_id, finished.id)
    try:
        return _process(finished, key)
    except ValidationFailed:
        return finished
    except Conflict:  # the upload's own notification moved it first
        return _current(finished.id)


def _process(current: Interview, key: str) -> Interview:
    """Check the stored video, move the record IDLE -> PROCESSING and publish Recording Uploaded.

    A wrong state is a Conflict and a wrong video a ValidationFailed: either leaves the record as it
    is. A record already PROCESSING publishes the event again and changes nothing: the write and the
    publish are two calls, and a retry after a failed publish must still ask for the analysis (the
    analysis service takes Recording Uploaded as at-least-once, by interviewId).
    """
    already = lifecycle.state_of(current) == _PROCESSING
    if not already:
        lifecycle.check(current, lifecycle.Step.PROCESS)
    video = recordings.inspect_video(key)
    videos.check(video)
    assert video is not None
    after = (
        current
        if already
        else store.save_step(current, lifecycle.advance(current, lifecycle.Step.PROCESS, clock.now()))
    )
    detail = RecordingUploaded(
        interviewId=after.id,
        ownerId=after.owner_id,
        bucket=settings.settings().records_bucket,
        key=key,
        size=video.size,
    )
    bus.publish(RECORDING_SOURCE, RECORDING_UPLOADED, detail.model_dump())
    return after


def analysis_completed(event: AnalysisCompleted) -> Interview:
    """The analysis's results: the record PROCESSING -> READY with them, or a Conflict that changes
    nothing (a duplicate, or an event ahead of its recording) and NotFound for a deleted interview."""
    current = _current(event.interviewId)
    lifecycle.check(current, lifecycle.Step.READY)
    record = Record(
        RecordStatus.READY,
        event.summary,
        [row.model_dump() for row in event.results],
        [person.model_dump() for person in event.participants],
        video_key=recordings.video_key(current.owner_id, current.id),
    )
    return store.save_step(current, lifecycle.advance(current, lifecycle.Step.READY, clock.now(), record))
