"""The post-processing events on the stack's EventBridge bus: their `detail`, as the code reads and writes it.

docs/lifecycle.md documents them, with the JSON Schema of each built from these models
(`json_schemas`, checked against the page by tests/unit/test_lifecycle_docs.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# source and detail-type of each event (EventBridge's envelope fields).
RECORDING_UPLOADED = "Recording Uploaded"
RECORDING_SOURCE = "quollo.recordings"
ANALYSIS_COMPLETED = "Analysis Completed"
ANALYSIS_SOURCE = "quollo.analysis"

_Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RecordingUploaded(_Event):
    """Published by Quollo once an interview's recording is stored and checked: analyse it."""

    interviewId: _Text
    ownerId: _Text
    bucket: _Text
    key: Annotated[str, Field(min_length=1, max_length=1024)]
    size: Annotated[int, Field(ge=1, description="bytes")]


class ResultRow(_Event):
    sectionId: _Text
    questionId: _Text
    score: int | float
    notes: Annotated[str, Field(max_length=10_000)]


class Participant(_Event):
    name: _Text
    role: _Text


class AnalysisCompleted(_Event):
    """Put by the analysis service: an interview's results. Sets the record READY with them."""

    interviewId: _Text
    summary: Annotated[str, Field(max_length=20_000)]
    results: Annotated[list[ResultRow], Field(max_length=1000)]
    participants: Annotated[list[Participant], Field(max_length=100)]


EVENTS: dict[str, tuple[str, type[_Event]]] = {
    RECORDING_UPLOADED: (RECORDING_SOURCE, RecordingUploaded),
    ANALYSIS_COMPLETED: (ANALYSIS_SOURCE, AnalysisCompleted),
}


def pattern(detail_type: str) -> dict[str, list[str]]:
    """The EventBridge rule pattern that matches one of these events (the stack's and the local server's)."""
    source, _ = EVENTS[detail_type]
    return {"source": [source], "detail-type": [detail_type]}


def json_schemas() -> dict[str, dict[str, Any]]:
    """detail-type -> the JSON Schema (2020-12) of its `detail`."""
    return {name: model.model_json_schema() for name, (_, model) in EVENTS.items()}
