"""docs/lifecycle.md against the code: the post-processing events' JSON Schemas are the models', and the
limits and names the page states are the ones the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from functions.domain import videos
from functions.models.post_processing import EVENTS, AnalysisCompleted, json_schemas

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")


def _documented() -> dict[str, object]:
    blocks = re.findall(r"<!-- schema: ([A-Za-z ]+) -->\n```json\n(.*?)\n```", PAGE, re.DOTALL)
    return {name: json.loads(text) for name, text in blocks}


def test_every_event_schema_is_documented_as_the_code_validates_it() -> None:
    assert _documented() == json_schemas()
    assert set(_documented()) == set(EVENTS) == {"Recording Uploaded", "Analysis Completed"}


@pytest.mark.parametrize("detail_type", EVENTS)
def test_each_events_source_and_detail_type_are_the_codes(detail_type: str) -> None:
    source, _ = EVENTS[detail_type]
    assert f"`source` `{source}`, `detail-type` `{detail_type}`" in PAGE


def test_the_video_limits_are_the_domains() -> None:
    assert f"{videos.MAX_BYTES:,} bytes (2 GiB)" in PAGE
    assert all(f"`{kind}`" in PAGE for kind in videos.CONTENT_TYPES)


def test_the_documented_example_is_a_valid_analysis_completed() -> None:
    example = {
        "interviewId": "e1b165ac-0000-0000-0000-000000000000",
        "summary": "...",
        "results": [{"sectionId": "s1", "questionId": "q1", "score": 4, "notes": "..."}],
        "participants": [{"name": "Jane Doe", "role": "INTERVIEWEE"}],
    }
    assert AnalysisCompleted.model_validate(example).results[0].score == 4
    with pytest.raises(ValidationError):
        AnalysisCompleted.model_validate(example | {"results": [{"sectionId": "s1"}]})
