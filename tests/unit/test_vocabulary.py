"""The wire vocabularies (Literal types, for routes without pydantic) and the domain's enums say the same."""

from typing import get_args

from functions.domain import videos
from functions.models.entities.interviews import InterviewStatus
from functions.models.rooms_api import RECORDING_MAX_BYTES, RecordingContentType
from functions.models.vocabulary import StatusName


def test_the_wire_statuses_are_the_domain_statuses_in_order() -> None:
    assert list(get_args(StatusName)) == [status.value for status in InterviewStatus]


def test_the_room_signs_for_upload_exactly_what_post_processing_accepts() -> None:
    """The upload route's request model bounds the pre-signed PUT; post-processing then checks the
    stored object against videos' limits. Were they to differ, S3 would take uploads that then stay IDLE."""
    assert set(get_args(RecordingContentType)) == set(videos.CONTENT_TYPES)
    assert RECORDING_MAX_BYTES == videos.MAX_BYTES
