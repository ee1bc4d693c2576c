"""What a test interview (`isTest: true`) is born with: a fixed, clearly marked sample record."""

from __future__ import annotations

import struct
from typing import Any

SAMPLE_SUMMARY = "[SAMPLE] Test interview: this record is fixed sample data, not a real assessment."
SAMPLE_RESULTS: list[dict[str, Any]] = [
    {"sectionId": "sample-section", "questionId": "sample-question-1", "score": 4, "notes": "[SAMPLE] Clear answer."},
    {"sectionId": "sample-section", "questionId": "sample-question-2", "score": 3, "notes": "[SAMPLE] Partial answer."},
]


def sample_participants(interviewee_name: str) -> list[dict[str, Any]]:
    return [{"name": interviewee_name, "role": "INTERVIEWEE"}, {"name": "Quollo AI", "role": "INTERVIEWER"}]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


# A minimal ISO base media file (an `ftyp` box and a `free` box naming itself a sample): small enough to
# write with every test interview, and a real MP4 container as far as a player's sniffing goes.
SAMPLE_VIDEO = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + _box(
    b"free", b"Quollo sample video: test interview"
)
