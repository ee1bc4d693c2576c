"""What an interview's recording may be: the one place the type and size limits live.

Post-processing checks each uploaded recording with `check` (functions/domain/post_processing.py);
the room's pre-signed PUT signs the type and size its request model allows (models/rooms_api.py
`RecordingContentType`, `RECORDING_MAX_BYTES`), held equal to these by tests/unit/test_vocabulary.py.
"""

from __future__ import annotations

from functions.data.recordings import StoredVideo
from functions.models.errors import ValidationFailed

MAX_BYTES = 2 * 1024**3  # 2 GiB


def _is_mp4(head: bytes) -> bool:
    # ISO base media: the first box is `ftyp` (4 bytes of size, then the type).
    return head[4:8] == b"ftyp"


def _is_webm(head: bytes) -> bool:
    # Matroska/WebM: the EBML header's id.
    return head[:4] == b"\x1a\x45\xdf\xa3"


CONTENT_TYPES = {"video/mp4": _is_mp4, "video/webm": _is_webm}


def check(video: StoredVideo | None) -> None:
    """ValidationFailed unless `video` is an mp4 or webm of 1 byte to 2 GiB whose bytes are what its type says."""
    if video is None:
        raise ValidationFailed("no recording is stored at the interview's recording key")
    if not 0 < video.size <= MAX_BYTES:
        raise ValidationFailed(f"recording of {video.size} bytes is not within 1 byte to {MAX_BYTES} bytes (2 GiB)")
    content_type = video.content_type.split(";")[0].strip().lower()
    sniff = CONTENT_TYPES.get(content_type)
    if sniff is None:
        raise ValidationFailed(f"recording type {video.content_type!r} is not one of {sorted(CONTENT_TYPES)}")
    if not sniff(video.head):
        raise ValidationFailed(f"recording bytes are not a {content_type} file")
