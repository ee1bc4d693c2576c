"""What authenticating an API token reads: the request counted against it.

Every route with an API token imports this; what an operator lists (token_listing.py) and the room's
tokens and pin failures (room_access.py) are apart, so that no route builds what it does not use.
"""

from __future__ import annotations

from functions.records import record


@record
class TokenUse:
    """A request counted against its token: whose it is, the token's budget and its use this window."""

    user_id: str
    rate_limit: int
    used: int
