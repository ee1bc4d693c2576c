"""An id the caller referenced that is missing or another user's: refused in the same words for every kind.

The two cases are never told apart, so that an id says nothing about other users' data.
"""

from __future__ import annotations

from collections.abc import Callable

from functions.models.errors import ValidationFailed


def not_yours(field: str, kind: str, entity_id: str) -> ValidationFailed:
    return ValidationFailed(f'Field "{field}": {kind} {entity_id} does not exist or is not yours')


def failing(field: str, kind: str, entity_id: str) -> Callable[[], Exception]:
    """What a failed reference to this plan, candidate or job means, for a transaction item."""
    return lambda: not_yours(field, kind, entity_id)
