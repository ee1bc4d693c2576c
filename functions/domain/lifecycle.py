"""The interview lifecycle: which step is allowed from which state, and what each step changes.

Pure functions over entities: the data layer only writes the result, conditioned on the state the
step started from (functions/data/interviews.py `save_step`). The steps stand in for the interview
room (start, finish) and the post-processing pipeline (process, ready); `quollo admin` runs them.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from functions.models.entities.interviews import Interview, InterviewStatus, Record, RecordStatus
from functions.models.errors import Conflict, ValidationFailed
from functions.records import record


class Step(StrEnum):
    START = "start"
    FINISH = "finish"
    PROCESS = "process"
    READY = "ready"


@record
class State:
    status: InterviewStatus
    record: RecordStatus | None = None

    def __str__(self) -> str:
        return f"{self.status} with record {self.record}" if self.record else f"{self.status} with no record"


_PENDING = State(InterviewStatus.PENDING)
_IN_PROGRESS = State(InterviewStatus.IN_PROGRESS)
_FINISHED_IDLE = State(InterviewStatus.FINISHED, RecordStatus.IDLE)
_FINISHED_PROCESSING = State(InterviewStatus.FINISHED, RecordStatus.PROCESSING)
_FINISHED_READY = State(InterviewStatus.FINISHED, RecordStatus.READY)

# Each step: the one state it starts from and the state it leaves.
STEPS: dict[Step, tuple[State, State]] = {
    Step.START: (_PENDING, _IN_PROGRESS),
    Step.FINISH: (_IN_PROGRESS, _FINISHED_IDLE),
    Step.PROCESS: (_FINISHED_IDLE, _FINISHED_PROCESSING),
    Step.READY: (_FINISHED_PROCESSING, _FINISHED_READY),
}
STATES = (_PENDING, _IN_PROGRESS, _FINISHED_IDLE, _FINISHED_PROCESSING, _FINISHED_READY)


def state_of(interview: Interview) -> State:
    return State(interview.status, interview.record.status if interview.record else None)


def check(interview: Interview, step: Step) -> None:
    """Conflict unless `step` may run on the interview as it is."""
    needed, _ = STEPS[step]
    actual = state_of(interview)
    if actual != needed:
        raise Conflict(f"interview {interview.id} is {actual}; {step} needs {needed}")


def advance(interview: Interview, step: Step, now: str, record: Record | None = None) -> Interview:
    """The interview after `step` at time `now`; `record` is the finished record for READY only."""
    check(interview, step)
    if step is Step.START:
        return replace(interview, status=InterviewStatus.IN_PROGRESS, started_at=now, updated_at=now)
    if step is Step.FINISH:
        return replace(
            interview,
            status=InterviewStatus.FINISHED,
            finished_at=now,
            updated_at=now,
            record=Record(RecordStatus.IDLE),
        )
    if step is Step.PROCESS:
        return replace(interview, record=Record(RecordStatus.PROCESSING), updated_at=now)
    if record is None or record.status is not RecordStatus.READY:
        raise ValidationFailed("ready needs a READY record")
    return replace(interview, record=record, updated_at=now)
