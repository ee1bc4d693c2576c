"""The Idempotency-Key header: its name and shape, for the request checks, the route parameter and the spec.

Kept apart from runtime/idempotency.py so that the request checks every route runs need not import
Powertools' idempotency utility (only create and delete use it).
"""

from __future__ import annotations

from typing import Annotated

from functions.runtime.header_params import HeaderRule

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
IDEMPOTENCY_KEY_DOC = (
    "Optional, 1 to 255 printable ASCII characters. A retry with the same key and body replays the stored "
    "response for 24 hours instead of acting twice."
)

# The optional header as a route parameter, so that the spec documents it with its pattern
# (request_checks checks the pattern first, with a plainer message).
KeyHeader = Annotated[
    str | None, HeaderRule(alias=IDEMPOTENCY_HEADER, description=IDEMPOTENCY_KEY_DOC, pattern=IDEMPOTENCY_KEY_PATTERN)
]
