"""The recording limits (functions/domain/videos.py) at their edges: size, type, and bytes that match it."""

from __future__ import annotations

import pytest

from functions.data.recordings import StoredVideo
from functions.domain import videos
from functions.domain.samples import SAMPLE_VIDEO
from functions.models.errors import ValidationFailed

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 12


@pytest.mark.parametrize(
    ("content_type", "size", "head"),
    [
        ("video/mp4", 1, SAMPLE_VIDEO[:16]),
        ("video/mp4", videos.MAX_BYTES, SAMPLE_VIDEO[:16]),
        ("video/webm", videos.MAX_BYTES, WEBM),
        ("Video/MP4; codecs=avc1", 100, SAMPLE_VIDEO[:16]),
    ],
)
def test_accepted(content_type: str, size: int, head: bytes) -> None:
    videos.check(StoredVideo(content_type, size, head))


@pytest.mark.parametrize(
    ("video", "message"),
    [
        (None, "no recording is stored"),
        (StoredVideo("video/mp4", videos.MAX_BYTES + 1, SAMPLE_VIDEO[:16]), "2147483649 bytes"),
        (StoredVideo("video/mp4", 0, b""), "0 bytes"),
        (StoredVideo("video/quicktime", 100, SAMPLE_VIDEO[:16]), "not one of ['video/mp4', 'video/webm']"),
        (StoredVideo("", 100, SAMPLE_VIDEO[:16]), "recording type ''"),
        (StoredVideo("video/webm", 100, SAMPLE_VIDEO[:16]), "not a video/webm file"),
        (StoredVideo("video/mp4", 100, WEBM), "not a video/mp4 file"),
    ],
)
def test_refused(video: StoredVideo | None, message: str) -> None:
    with pytest.raises(ValidationFailed, match=None) as refused:
        videos.check(video)
    assert message in refused.value.message
