"""What the room's authentication reads: room tokens and an interview's failed pins."""

from __future__ import annotations

from functions.records import record


@record
class RoomToken:
    """A room token as stored (by its hash): the one interview it opens, its owner, and until when."""

    interview_id: str
    owner_id: str
    expires_at: float  # seconds since the epoch


@record
class PinFailures:
    """An interview's failed pins in its current window, which its first failure opened."""

    failures: int
    window_start: float  # seconds since the epoch
