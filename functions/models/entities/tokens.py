"""What authentication reads: API tokens, room tokens and pin failures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenUse:
    """A request counted against its token: whose it is, the token's budget and its use this window."""

    user_id: str
    rate_limit: int
    used: int


@dataclass(frozen=True)
class TokenListing:
    """What an operator may see of a token: never its secret, nor its hash."""

    token_id: str
    created_at: str
    revoked_at: str | None
    rate_limit: int


@dataclass(frozen=True)
class RoomToken:
    """A room token as stored (by its hash): the one interview it opens, its owner, and until when."""

    interview_id: str
    owner_id: str
    expires_at: float  # seconds since the epoch


@dataclass(frozen=True)
class PinFailures:
    """An interview's failed pins in its current window, which its first failure opened."""

    failures: int
    window_start: float  # seconds since the epoch
