"""The interviews' own steps: start and finish, the room's (functions/domain/rooms.py) and `quollo
admin`'s alike; post-processing is functions/domain/post_processing.py.

Apart from functions/domain/interviews.py (create, update, delete: credits, candidates and jobs), so
that the room routes import none of those (docs/decisions.md, 31).
"""

from __future__ import annotations

from functions.data import interviews as store
from functions.domain import clock, lifecycle
from functions.models.entities.interviews import Interview
from functions.models.errors import NotFound


def _current(interview_id: str, owner_id: str | None = None) -> Interview:
    """The interview; with `owner_id`, only if it is that owner's (a room token's binding)."""
    interview = store.get(interview_id) if owner_id is None else store.get_owned(interview_id, owner_id)
    if interview is None:
        raise NotFound(f"interview {interview_id} does not exist")
    return interview


def _step_once(interview_id: str, step: lifecycle.Step, owner_id: str | None) -> Interview:
    """`step`, or the interview as it is when the step has already brought it to its state (a retried
    start or finish answers as the first did; its webhook event fired once, with the change)."""
    current = _current(interview_id, owner_id)
    if current.status is lifecycle.STEPS[step][1].status:
        return current
    return store.save_step(current, lifecycle.advance(current, step, clock.now()))


def start(interview_id: str, owner_id: str | None = None) -> Interview:
    """PENDING -> IN_PROGRESS (interview.started); as it is while IN_PROGRESS."""
    return _step_once(interview_id, lifecycle.Step.START, owner_id)


def finish(interview_id: str, owner_id: str | None = None) -> Interview:
    """IN_PROGRESS -> FINISHED with record IDLE (interview.completed); as it is once FINISHED. A
    recording uploaded during the interview is then taken into processing (record PROCESSING)."""
    finished = _step_once(interview_id, lifecycle.Step.FINISH, owner_id)
    # Imported here: finish alone needs post-processing (its event models and the bus), and the room's
    # other routes, which import this module, would pay for it at every cold start.
    from functions.domain import post_processing

    return post_processing.after_finish(finished)
