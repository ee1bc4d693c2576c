"""Domain errors, each carrying the HTTP status and stable code of the API reference.

One exception handler renders them all as `{"error": {"code", "message"}}`, with `details` where a
client needs a value it must not parse out of the message (a duplicate's existing id).
"""

from __future__ import annotations

import json


def error_body(code: str, message: str, details: dict[str, str] | None = None) -> str:
    """The error body of every response that is not a success: the API's, the local server's, API Gateway's."""
    error: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}, ensure_ascii=False, separators=(",", ":"))


class DomainError(Exception):
    status: int = 500
    code: str = "internal_error"
    details: dict[str, str] | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    status = 400
    code = "validation_failed"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class InvalidToken(DomainError):
    status = 401
    code = "invalid_token"


class InsufficientBalance(DomainError):
    status = 402
    code = "insufficient_balance"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


class Conflict(DomainError):
    """A state transition that the object's current state forbids, or a duplicate of an existing object."""

    status = 409
    code = "conflict"


class Duplicate(Conflict):
    """A unique field's value is held by another object of the caller's: `details` names the field and the
    holder, so that a sync can carry on with it without parsing the message."""

    def __init__(self, message: str, field: str, existing_id: str) -> None:
        super().__init__(message)
        self.details = {"field": field, "existingId": existing_id}


class ResourceInUse(DomainError):
    """A candidate or job that interviews (or, for a job, candidates) still reference."""

    status = 409
    code = "resource_in_use"


class RateLimited(DomainError):
    """Over a budget: the answer carries Retry-After and, for a token, where its budget stands."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.headers = headers


class InvalidPin(DomainError):
    """A room join with a wrong pin, or for an interview that does not exist: one answer for both."""

    status = 401
    code = "invalid_pin"


class RoomLocked(RateLimited):
    """Too many wrong pins for one interview: every join of it waits out the window, the right pin included."""

    code = "room_locked"


class RoomClosed(DomainError):
    """A join of a FINISHED interview: the room is over."""

    status = 409
    code = "room_closed"


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"


class IdempotencyInProgress(DomainError):
    status = 409
    code = "idempotency_in_progress"


class UnknownUser(DomainError):
    status = 404
    code = "not_found"


class ConcurrentUpdate(DomainError):
    """Contention on one account outlasted the retry budget: retryable, unlike a 500."""

    status = 409
    code = "concurrent_update"


class TransactionConflict(Exception):
    """DynamoDB cancelled a transaction because another one held the same item. Retried, never shown."""


class Stale(TransactionConflict):
    """An item changed (or went) since the write was decided from it: decided again from a fresh read.

    A kind of TransactionConflict, so that the same retry covers it; nothing is contended, so the
    first retry needs no backoff (functions/domain/contention.py).
    """
