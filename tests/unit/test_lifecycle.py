"""The interview lifecycle as pure rules: every step from every state, and what each step sets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from functions.domain import lifecycle
from functions.domain.lifecycle import STATES, STEPS, State, Step
from functions.models.entities.interviews import Interview, InterviewStatus, Record, RecordStatus
from functions.models.errors import Conflict, ValidationFailed

CREATED = "2026-05-15T08:30:00.000Z"
NOW = "2026-05-18T10:02:14.000Z"


def _interview(state: State) -> Interview:
    return Interview(
        id="iv_1",
        owner_id="usr_1",
        title="Final round",
        plan_id="plan_1",
        pin="4821",
        interviewee_name="Jane Doe",
        status=state.status,
        charged=True,
        created_at=CREATED,
        updated_at=CREATED,
        record=Record(state.record) if state.record else None,
    )


def _ready_record() -> Record:
    return Record(RecordStatus.READY, "Strong", [{"score": 4}], [{"name": "Jane Doe"}], video_key="records/u/i.mp4")


ALLOWED = {
    Step.START: State(InterviewStatus.PENDING),
    Step.FINISH: State(InterviewStatus.IN_PROGRESS),
    Step.PROCESS: State(InterviewStatus.FINISHED, RecordStatus.IDLE),
    Step.READY: State(InterviewStatus.FINISHED, RecordStatus.PROCESSING),
}


@pytest.mark.parametrize("state", STATES, ids=str)
@pytest.mark.parametrize("step", list(Step))
def test_each_step_runs_from_exactly_one_state(step: Step, state: State) -> None:
    interview = _interview(state)
    if state == ALLOWED[step]:
        after = lifecycle.advance(interview, step, NOW, _ready_record() if step is Step.READY else None)
        assert lifecycle.state_of(after) == STEPS[step][1]
        assert after.updated_at == NOW and after.created_at == CREATED
    else:
        with pytest.raises(Conflict) as refused:
            lifecycle.advance(interview, step, NOW, _ready_record())
        assert str(state) in refused.value.message and str(ALLOWED[step]) in refused.value.message
        assert "None" not in refused.value.message


def test_the_rules_cover_every_step_and_chain_from_pending_to_ready() -> None:
    assert set(STEPS) == set(Step)
    interview = _interview(State(InterviewStatus.PENDING))
    for step in (Step.START, Step.FINISH, Step.PROCESS, Step.READY):
        interview = lifecycle.advance(interview, step, NOW, _ready_record() if step is Step.READY else None)
    assert lifecycle.state_of(interview) == State(InterviewStatus.FINISHED, RecordStatus.READY)


def test_start_and_finish_stamp_their_times_and_finish_opens_an_idle_record() -> None:
    started = lifecycle.advance(_interview(State(InterviewStatus.PENDING)), Step.START, NOW)
    assert (started.started_at, started.finished_at, started.record) == (NOW, None, None)
    later = "2026-05-18T10:48:51.000Z"
    finished = lifecycle.advance(started, Step.FINISH, later)
    assert (finished.started_at, finished.finished_at) == (NOW, later)
    assert finished.record == Record(RecordStatus.IDLE)


def test_ready_keeps_the_record_it_is_given_and_refuses_another_status() -> None:
    processing = _interview(State(InterviewStatus.FINISHED, RecordStatus.PROCESSING))
    assert lifecycle.advance(processing, Step.READY, NOW, _ready_record()).record == _ready_record()
    with pytest.raises(ValidationFailed):
        lifecycle.advance(processing, Step.READY, NOW, replace(_ready_record(), status=RecordStatus.IDLE))
    with pytest.raises(ValidationFailed):
        lifecycle.advance(processing, Step.READY, NOW)
