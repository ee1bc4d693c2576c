"""What `quollo admin` lists of a user's API tokens."""

from __future__ import annotations

from functions.records import record


@record
class TokenListing:
    """What an operator may see of a token: never its secret, nor its hash."""

    token_id: str
    created_at: str
    revoked_at: str | None
    rate_limit: int
